import SwitchboardCore
import Testing

@Suite struct RedactionTests {
    @Test func shortHashIsAStableSHA256Prefix() {
        // printf %s abc | sha256sum → ba7816bf8f01cfea…
        #expect(Redaction.shortHash("abc") == "sha256:ba7816bf8f01")
        #expect(Redaction.shortHash("abc") != Redaction.shortHash("abd"))
    }

    @Test func apiPathsLoseTheirChannelID() {
        let id = "streaming-0-2b1d7b94-5f5a-4c59-9d5e-4f3c2d1e0a9b"
        let hashed = Redaction.shortHash(id)
        #expect(Redaction.apiPath("/api/v2/notifications/channels/\(id)/subscriptions?ignoreErrors=true")
            == "/api/v2/notifications/channels/\(hashed)/subscriptions?ignoreErrors=true")
        #expect(Redaction.apiPath("/api/v2/notifications/channels/\(id)") == "/api/v2/notifications/channels/\(hashed)")
        #expect(Redaction.apiPath("/api/v2/notifications/channels?includechannels=oauthclient")
            == "/api/v2/notifications/channels?includechannels=oauthclient")
        #expect(Redaction.apiPath("/api/v2/users?pageSize=500") == "/api/v2/users?pageSize=500")
    }
}
