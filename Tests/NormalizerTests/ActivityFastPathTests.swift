import SwitchboardCore
import Testing
@testable import Normalizer

/// The activity reader that parses times in place and looks queue lists up by their bytes gives what
/// the decoder path gives, also when one normalizer sees the same and similar lists again.
@Suite struct ActivityFastPathTests {
    static func frame(_ user: String, queues: String, status: String = "IDLE", presence: String = "On Queue",
                      time: String = "2026-05-07T10:00:00.000Z") -> [UInt8] {
        Array(#"{"topicName":"v2.users.\#(user).activity","eventBody":{"id":"\#(user)","routingStatus":{"status":"\#(status)","startTime":"\#(time)"},"presence":{"presenceDefinition":{"id":"p","systemPresence":"\#(presence)"},"modifiedDate":"2026-05-07T09:00:00.000Z"},"activeQueueIds":\#(queues)}}"#.utf8)
    }

    @Test func readsWithoutFallingBack() throws {
        let cache = QueueListCache()
        let text = String(decoding: Self.frame("u1", queues: #"["q1","q2"]"#), as: UTF8.self)
        let env = try #require(FastPathDifferentialTests.fast(text) {
            try FastBodies.activityFacts(&$0, queues: cache, org: "us")
        })
        let body = try #require(env.body)
        #expect(body.activeQueues == [EntityID(org: "us", platformID: "q1"), EntityID(org: "us", platformID: "q2")])
        #expect(body.routingAt == Timestamp.parse("2026-05-07T10:00:00.000Z"))
        #expect(body.presenceAt == Timestamp.parse("2026-05-07T09:00:00.000Z"))
        #expect(body.systemPresence == "On Queue" && body.status == "IDLE" && body.hasPresence && body.hasRouting)
        #expect(cache.count == 1)
    }

    @Test func oneNormalizerAgreesWithTheDecoderAcrossRepeatedLists() {
        let lists = [#"["q1","q2"]"#, #"[]"#, "null", #"["q2","q1"]"#, #"[ "q1" , "q2" ]"#, #"["q1"]"#, #"["q1","q2"]"#,
                     #"["q\u0031"]"#, #"["q1",1]"#, #"["q1","#, #"["é"]"#, #"["q1","q2","q3"]"#, #"["q1"]"#]
        let times = ["2026-05-07T10:00:00.000Z", "", "nope", "2026-05-07T10:00:00Z", "2026-05-07T12:00:00.000+02:00"]
        let shared = NotificationNormalizer(org: "us")
        var checked = 0
        for round in 0..<3 {
            for (n, q) in lists.enumerated() {
                let f = Self.frame("u\(n % 4)", queues: q, status: n % 2 == 0 ? "IDLE" : "interacting",
                                   time: times[(n + round) % times.count])
                for receivedAt in [7, nil] as [EpochMillis?] {
                    let fast = shared.normalize(f, receivedAt: receivedAt)
                    let slow = NotificationNormalizer(org: "us", fastPath: false).normalize(f, receivedAt: receivedAt)
                    #expect(fast == slow, "\(String(decoding: f, as: UTF8.self))")
                    checked += 1
                }
            }
        }
        #expect(checked == 3 * lists.count * 2)
        #expect(shared.queueLists.count == 5, "one entry per distinct valid non-empty list text")
    }

    @Test func theCacheStartsOverWhenFull() {
        let cache = QueueListCache(limit: 2)
        for n in 0..<5 {
            let text = Array("[\"q\(n)\"]".utf8)
            let ids = text.withUnsafeBufferPointer { cache.ids(text: $0) { [EntityID(org: "us", platformID: "q\(n)")] } }
            #expect(ids == [EntityID(org: "us", platformID: "q\(n)")])
            #expect(cache.count <= 2)
        }
    }
}
