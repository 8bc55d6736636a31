@testable import Audio
import SwitchboardCore
import Testing

@Suite("AudioHook org registry")
struct AudioHookOrgRegistryTests {
    static let us = AudioHookCredentials(apiKey: Secret("key-us"), clientSecret: Secret("c2VjcmV0LXVz"))
    static let emea = AudioHookCredentials(apiKey: Secret("key-emea"), clientSecret: Secret("c2VjcmV0LWVtZWE="))
    static let idUS = "1b2c3d4e-0000-4000-8000-000000000001"
    static let idEMEA = "1b2c3d4e-0000-4000-8000-000000000002"

    @Test func routesByTheConfiguredIdCaseInsensitively() {
        let r = AudioHookOrgRegistry([.init(org: "us", organizationId: Self.idUS, credentials: Self.us),
                                      .init(org: "emea", credentials: Self.emea)])
        #expect(r.route(Self.idUS.uppercased()) == .init(org: "us", credentials: Self.us))
        #expect(r.route(Self.idEMEA) == nil)  // not learned yet: unknown
        #expect(r.organizationId(of: "emea") == nil)
    }

    @Test func aLearnedIdRoutesUntilTheOrgLeaves() {
        var r = AudioHookOrgRegistry([.init(org: "emea", credentials: Self.emea)])
        #expect(r.learned(Self.idEMEA.uppercased(), for: "emea") == .recorded)
        #expect(r.route(Self.idEMEA)?.org == "emea")
        // A reload that keeps the org keeps what was learned.
        r.replace([.init(org: "emea", credentials: Self.us)])
        #expect(r.route(Self.idEMEA) == .init(org: "emea", credentials: Self.us))
        // Removed, then added again: learned anew.
        r.replace([])
        r.replace([.init(org: "emea", credentials: Self.emea)])
        #expect(r.route(Self.idEMEA) == nil)
        #expect(r.learned(Self.idEMEA, for: "nowhere") == .unknownOrg)
    }

    @Test func theConfiguredIdWinsOverALearnedOne() {
        var r = AudioHookOrgRegistry([.init(org: "us", organizationId: Self.idUS, credentials: Self.us)])
        #expect(r.learned(Self.idEMEA, for: "us") == .conflicts(configured: Self.idUS))
        #expect(r.organizationId(of: "us") == Self.idUS)
        #expect(r.route(Self.idEMEA) == nil)
        #expect(r.learned(Self.idUS.uppercased(), for: "us") == .recorded)
    }

    @Test func sessionEndsMapToTheSpeechReasons() {
        #expect(AudioHookSession.reason(.closed(reason: "end")) == "completed")
        #expect(AudioHookSession.reason(.disconnected(nil)) == "completed")
        #expect(AudioHookSession.reason(.socketClosed) == "disconnected")
        #expect(AudioHookSession.reason(.disconnected(.idleTimeout(.seconds(60)))) == "timeout")
        #expect(AudioHookSession.reason(.disconnected(.openTimeout(.seconds(10)))) == "timeout")
        #expect(AudioHookSession.reason(.disconnected(.duplicateOpen)) == "error")
        #expect(AudioHookSession.speechChannel(.external) == .customer)
        #expect(AudioHookSession.speechChannel(.internal) == .agent)
    }
}
