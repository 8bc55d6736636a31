import Foundation
import FuzzDriver
import SwitchboardCore
@testable import Audio

// The AudioHook upgrade's HTTP message signature (RFC 9421, docs/audio.md): the input is a request —
// first line the target, then `name: value` header lines. Verification gives a verified upgrade or an
// `audiohook.auth.*` error; only a request signed with the key can pass. The structured-field parser
// is fuzzed on the whole input too.
let credentials = AudioHookCredentials(apiKey: Secret("fuzz-api-key"), clientSecret: Secret("ZnV6ei1jbGllbnQtc2VjcmV0LWtleQ=="))
let now: EpochMillis = 1_778_150_002_000

runFuzzer { bytes in
    let text = String(decoding: bytes, as: UTF8.self)
    _ = try? StructuredField.parseDictionary(text)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard !lines.isEmpty else { return }
    let target = lines.removeFirst()
    let headers: [(name: String, value: String)] = lines.compactMap { line in
        guard let colon = line.firstIndex(of: ":") else { return nil }
        return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
    }
    var nonces = AudioHookNonceCache(capacity: 16)
    do throws(AudioHookError) {
        _ = try AudioHookSignature.verify(AudioHookUpgradeRequest(target: target, headers: headers),
                                          credentials: credentials, now: now, nonces: &nonces)
    } catch {
        if !error.code.hasPrefix("audiohook.") { fuzzFailure("untyped code \(error.code)") }
    }
}
