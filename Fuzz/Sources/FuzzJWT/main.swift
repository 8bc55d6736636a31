import FuzzDriver
import SwitchboardConfig
import SwitchboardCore
import Hub

// The hub's token check with a fixed HS256 key and one static client token: any string gives a
// principal or a typed refusal. Only a token signed with the key can be accepted.
let authenticator: HubAuthenticator = fuzzBlocking {
    var auth = AuthConfig()
    auth.jwtHS256Secret = Secret("fuzz-hs256-secret-0123456789abcdef-0123456789")
    auth.clients = []
    return try! await HubAuthenticator(auth)
}

runFuzzer { bytes in
    let token = String(decoding: bytes, as: UTF8.self)
    let result = fuzzBlocking { await authenticator.authenticate(token) }
    if case .success(let p) = result, p.name == "anonymous" { fuzzFailure("anonymous principal with auth on") }
}
