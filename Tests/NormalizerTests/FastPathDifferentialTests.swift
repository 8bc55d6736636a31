import SwitchboardCore
import Testing
@testable import Normalizer

/// The fast scanner must give exactly what `JSONDecoder` gives, for valid frames and for every
/// truncation, deletion and substitution of them.
@Suite struct FastPathDifferentialTests {
    static let user = "8d3b6a2e-1111-4c6f-9d1e-0a1b2c3d4e5f"
    static let frames: [String] = [
        #"{"topicName":"v2.users.\#(user).presence","version":"2","eventBody":{"source":"PURECLOUD","presenceDefinition":{"id":"e08eaf1b","systemPresence":"On Queue"},"primary":true,"message":"","modifiedDate":"2026-05-07T10:00:00.000Z","futurePresenceDefinition":null},"metadata":{"CorrelationId":"2b1c"}}"#,
        #"{"topicName":"v2.users.\#(user).routingStatus","eventBody":{"id":"\#(user)","routingStatus":{"status":"INTERACTING","startTime":"2026-05-07T10:00:05.123Z"},"errorInfo":{"code":-1.5e+3,"list":[1,0.25,true,false,null,"a\"b\\u00e9"]}}}"#,
        #"{"topicName":"v2.users.\#(user).activity","eventBody":{"id":"\#(user)","routingStatus":{"status":"IDLE","startTime":"2026-05-07T10:00:00.000Z"},"presence":{"presenceDefinition":{"id":"p","systemPresence":"Break"},"presenceMessage":"","modifiedDate":"2026-05-07T09:00:00.000Z"},"outOfOffice":{"active":false},"activeQueueIds":["q1","q2"],"dateActiveQueuesChanged":"2026-05-07T10:00:00.000Z"}}"#,
        #"{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}"#,
        #" { "eventBody" : { "presenceDefinition" : null , "modifiedDate" : null } , "topicName" : "v2.users.u.presence" } "#,
        #"{"topicName":"v2.users.u.activity","eventBody":{"presence":null,"routingStatus":null,"activeQueueIds":null}}"#,
    ]

    static func same(_ bytes: [UInt8]) -> Bool {
        let fast = NotificationNormalizer(org: "us", fastPath: true).normalize(bytes, receivedAt: 5)
        let slow = NotificationNormalizer(org: "us", fastPath: false).normalize(bytes, receivedAt: 5)
        return fast == slow
    }

    @Test(arguments: frames.indices)
    func variantsAgree(_ index: Int) {
        let base = Array(Self.frames[index].utf8)
        #expect(Self.same(base))
        var disagreements: [String] = []
        for p in 0..<base.count {
            var variants: [[UInt8]] = [Array(base[..<p])]
            var deleted = base
            deleted.remove(at: p)
            variants.append(deleted)
            for c in "\"}],:x\\1 n\u{7}".utf8 where base[p] != c {
                var v = base
                v[p] = c
                variants.append(v)
            }
            for v in variants where !Self.same(v) {
                disagreements.append(String(decoding: v, as: UTF8.self))
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(3))")
    }

    @Test func fastPathReadsTheHotBodies() {
        // Guards against a fast path that silently always falls back.
        for f in Self.frames.prefix(4) {
            let bytes = Array(f.utf8)
            #expect(FastBodies.envelope(GenesysWire.Presence.self, bytes) != nil
                || FastBodies.envelope(GenesysWire.RoutingStatusBody.self, bytes) != nil)
        }
        let activity = Array(Self.frames[2].utf8)
        let env = FastBodies.envelope(GenesysWire.ActivityBody.self, activity)
        #expect(env?.eventBody?.activeQueueIds == ["q1", "q2"])
        #expect(env?.eventBody?.presence?.presenceDefinition?.systemPresence == "Break")
    }
}
