import SwitchboardCore
import Testing
@testable import Normalizer

/// The fast scanner must give exactly what `JSONDecoder` gives, for valid frames and for every
/// truncation, deletion and substitution of them.
@Suite struct FastPathDifferentialTests {
    static let user = "8d3b6a2e-1111-4c6f-9d1e-0a1b2c3d4e5f"
    static let queue = "3f1c2b4a-2222-4d5e-8f90-123456789abc"
    static let frames: [String] = [
        #"{"topicName":"v2.users.\#(user).presence","version":"2","eventBody":{"source":"PURECLOUD","presenceDefinition":{"id":"e08eaf1b","systemPresence":"On Queue"},"primary":true,"message":"","modifiedDate":"2026-05-07T10:00:00.000Z","futurePresenceDefinition":null},"metadata":{"CorrelationId":"2b1c"}}"#,
        #"{"topicName":"v2.users.\#(user).routingStatus","eventBody":{"id":"\#(user)","routingStatus":{"status":"INTERACTING","startTime":"2026-05-07T10:00:05.123Z"},"errorInfo":{"code":-1.5e+3,"list":[1,0.25,true,false,null,"a\"b\\u00e9"]}}}"#,
        #"{"topicName":"v2.users.\#(user).activity","eventBody":{"id":"\#(user)","routingStatus":{"status":"IDLE","startTime":"2026-05-07T10:00:00.000Z"},"presence":{"presenceDefinition":{"id":"p","systemPresence":"Break"},"presenceMessage":"","modifiedDate":"2026-05-07T09:00:00.000Z"},"outOfOffice":{"active":false},"activeQueueIds":["q1","q2"],"dateActiveQueuesChanged":"2026-05-07T10:00:00.000Z"}}"#,
        #"{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}"#,
        #" { "eventBody" : { "presenceDefinition" : null , "modifiedDate" : null } , "topicName" : "v2.users.u.presence" } "#,
        #"{"topicName":"v2.users.u.activity","eventBody":{"presence":null,"routingStatus":null,"activeQueueIds":null}}"#,
        // A conversation snapshot: customer and agent, a held call, ACW, unknown fields with unicode.
        #"{"topicName":"v2.users.\#(user).conversations","eventBody":{"id":"c1","participants":[{"id":"p0","purpose":"customer","queueId":"q1","name":"Jos\#u{e9} \#u{1F600}","connectedTime":"2026-05-07T10:00:00.000Z","calls":[{"id":"k0","state":"connected","held":false,"connectedTime":"2026-05-07T10:00:00Z"}]},{"id":"p1","purpose":"agent","userId":"\#(user)","queueId":"q1","wrapupExpected":true,"wrapup":{"code":"sale","notes":"\u00e9"},"startAcwTime":"2026-05-07T10:05:00.000Z","endAcwTime":null,"calls":[{"id":"k1","state":"disconnected","held":true,"startHoldTime":"2026-05-07T10:03:00.000Z","connectedTime":"2026-05-07T10:00:30.000Z","disconnectedTime":"2026-05-07T10:05:00.000Z"}],"chats":[]}],"divisions":[{"entities":[[1,2.5e-3]]}]}}"#,
        // A second agent participant of the same user (merged), callbacks, a user-purpose participant.
        #"{"topicName":"v2.users.u1.conversations","eventBody":{"id":"c2","participants":[{"purpose":"AGENT","userId":"u1","endTime":"2026-05-07T10:01:00.000Z","callbacks":[{"state":"TERMINATED"}]},{"purpose":"user","userId":"u2","wrapupRequired":true,"emails":[{"held":true,"connectedTime":"2026-05-07T10:00:00.000Z"}]},{"purpose":"agent","userId":"u1","connectedTime":"2026-05-07T10:02:00.000Z"}]}}"#,
        // Queue observations: both groups' shapes, observation details, a routing-status qualifier.
        #"{"topicName":"v2.analytics.queues.\#(queue).observations","version":"2","eventBody":{"group":{"queueId":"\#(queue)","mediaType":"voice"},"data":[{"interval":"2026-05-07T10:00:00.000Z/2026-05-07T10:30:00.000Z","metrics":[{"metric":"oWaiting","stats":{"count":3},"observations":[{"observationDate":"2026-05-07T10:10:00.000Z","conversationId":"x"},{"observationDate":"2026-05-07T10:09:00.000Z"}]},{"metric":"oUserRoutingStatuses","qualifier":"idle","stats":{"count":2}},{"metric":"tAnswered","stats":{"count":1.5,"sum":2000.25}},{"metric":"oLongestWaiting","stats":{"max":90000,"current":1}}]}]}}"#,
        #"{"topicName":"v2.analytics.queues.q.observations","eventBody":{"group":{"queueId":"","userId":null},"data":[{"metrics":[{"metric":"oOnQueueUsers","qualifier":"e08eaf1b","stats":{"count":4}},{"metric":"oInteracting","stats":{"count":-0}},{"metric":"oAlerting","stats":null,"observations":null}]}]}}"#,
        // The bench's shapes (Sources/SwitchboardBench/IngestScenario.swift): ACW open, ended with a wrap-up code.
        #"{"topicName":"v2.users.\#(user).conversations","version":"2","eventBody":{"id":"c0-1-2","maxParticipants":2,"recordingState":"none","participants":[{"id":"p0-c0-1-2","purpose":"customer","queueId":"\#(queue)","address":"tel:+15550100","connectedTime":"2026-05-07T09:59:00.000Z","endTime":null,"wrapupRequired":false,"attributes":{},"calls":[{"id":"k0-c0-1-2","state":"connected","direction":"inbound","held":false,"muted":false,"recording":false,"self":{"addressNormalized":"tel:+15550100"},"other":{},"connectedTime":"2026-05-07T09:59:00.000Z","disconnectedTime":null,"disconnectType":null,"provider":"Edge"}]},{"id":"p1-c0-1-2","purpose":"agent","userId":"\#(user)","queueId":"\#(queue)","wrapupExpected":true,"wrapup":null,"startAcwTime":"2026-05-07T10:00:00.000Z","endAcwTime":null,"calls":[{"id":"k1-c0-1-2","state":"disconnected","held":false,"connectedTime":"2026-05-07T09:59:15.000Z","disconnectedTime":"2026-05-07T10:00:00.000Z","disconnectType":"peer"}]}],"recentTransfers":[],"divisions":[]},"metadata":{"CorrelationId":"c0-1-2"}}"#,
        #"{"topicName":"v2.users.\#(user).conversations","version":"2","eventBody":{"id":"c0-1-3","participants":[{"id":"p1-c0-1-3","purpose":"agent","userId":"\#(user)","queueId":"\#(queue)","wrapupRequired":true,"wrapup":{"code":"sale","notes":""},"startAcwTime":"2026-05-07T09:59:15.000Z","endAcwTime":"2026-05-07T10:00:00.000Z","calls":[{"id":"k1-c0-1-3","state":"disconnected","held":false,"connectedTime":"2026-05-07T09:59:15.000Z","disconnectedTime":"2026-05-07T09:59:15.000Z","disconnectType":"client"}]}],"recentTransfers":[],"divisions":[]},"metadata":{"CorrelationId":"c0-1-3"}}"#,
    ]

    /// Fast and decoder paths agree, with and without a receive time.
    static func same(_ bytes: [UInt8]) -> Bool {
        for receivedAt in [5, nil] as [EpochMillis?] {
            let fast = NotificationNormalizer(org: "us", fastPath: true).normalize(bytes, receivedAt: receivedAt)
            let slow = NotificationNormalizer(org: "us", fastPath: false).normalize(bytes, receivedAt: receivedAt)
            if fast != slow { return false }
        }
        return true
    }

    /// The envelope as the fast path reads it, or nil when it falls back.
    static func fast<Body>(_ text: String, _ body: (inout JSONScanner) throws -> Body) -> FastBodies.Envelope<Body>? {
        Array(text.utf8).withUnsafeBufferPointer { FastBodies.envelope($0, body) }
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
        #expect(Self.fast(Self.frames[0], FastBodies.presence)?.body?.presenceDefinition?.systemPresence == "On Queue")
        #expect(Self.fast(Self.frames[1], FastBodies.routingBody)?.body?.routingStatus?.status == "INTERACTING")
        #expect(Self.fast(Self.frames[3], FastBodies.message)?.body?.message == "WebSocket Heartbeat")
        let queues = QueueListCache()
        let activity = Self.fast(Self.frames[2]) { try FastBodies.activityFacts(&$0, queues: queues, org: "us") }
        #expect(activity?.body?.activeQueues?.map(\.platformID) == ["q1", "q2"])
        #expect(activity?.body?.systemPresence == "Break")
    }

    @Test func fastPathReadsConversationsAndObservations() throws {
        let conv = try #require(Self.fast(Self.frames[6]) { try FastBodies.conversation(&$0, topicUser: Self.user) })
        #expect(conv.body?.id == "c1")
        #expect(conv.body?.agents.map(\.userID) == [Self.user])
        #expect(conv.body?.agents.first?.communications.held == false)  // held, but the call has ended
        #expect(conv.body?.newest == Timestamp.parse("2026-05-07T10:05:00.000Z"))
        let merged = try #require(Self.fast(Self.frames[7]) { try FastBodies.conversation(&$0, topicUser: "u1") })
        #expect(merged.body?.agents.map(\.userID) == ["u1", "u2", "u1"])
        let obs = try #require(Self.fast(Self.frames[8]) { try FastBodies.observations(&$0, topicQueue: Self.queue) })
        #expect(obs.body?.tally.obs.waiting == 3)
        #expect(obs.body?.tally.obs.routingStatuses == [.idle: 2])
        #expect(obs.body?.tally.obs.longestWaitMs == 90_000)
        #expect(obs.body?.tally.obs.oldestWaitingSince == Timestamp.parse("2026-05-07T10:09:00.000Z"))
        #expect(obs.body?.newest == Timestamp.parse("2026-05-07T10:10:00.000Z"))
    }

    /// Shapes the fast path hands to the decoder rather than guess at; the results still agree.
    @Test(arguments: [
        // An escaped key that unescapes to a wanted field name.
        #"{"topicName":"v2.users.u.conversations","eventBody":{"id":"c","participants":[{"purpose":"agent","user\u0049d":"u"}]}}"#,
        // A repeated wanted key, in the envelope and in a body.
        #"{"topicName":"v2.users.u.conversations","eventBody":{"id":"c","participants":[{"purpose":"agent","userId":"a","userId":"b"}]}}"#,
        #"{"topicName":"v2.users.u.activity","topicName":"v2.users.v.activity","eventBody":{"presence":null}}"#,
        // Fractions and exponents in read numbers; a count too large for an Int.
        #"{"topicName":"v2.analytics.queues.q.observations","eventBody":{"data":[{"metrics":[{"metric":"oWaiting","stats":{"count":2.0}},{"metric":"oAlerting","stats":{"count":1e2}}]}]}}"#,
        #"{"topicName":"v2.analytics.queues.q.observations","eventBody":{"data":[{"metrics":[{"metric":"oWaiting","stats":{"count":1e300}},{"metric":"oLongestWaiting","stats":{"max":-1e300}}]}]}}"#,
        // An escaped time and an escaped (unicode) user id.
        #"{"topicName":"v2.users.u.conversations","eventBody":{"id":"c","participants":[{"purpose":"agent","userId":"\u00fc","connectedTime":"2026-05-07T10:00:00.000\u005A"}]}}"#,
        // An unpaired surrogate escape in an unknown field; invalid UTF-8 in an unknown field.
        #"{"topicName":"v2.users.u.conversations","eventBody":{"id":"c","x":"\ud800","participants":[]}}"#,
    ])
    func unusualShapesAgree(_ text: String) {
        #expect(Self.same(Array(text.utf8)))
    }

    @Test func invalidUTF8Agrees() {
        let head = Array(#"{"topicName":"v2.users.u.conversations","eventBody":{"id":"c","name":""#.utf8)
        let tail = Array(#"","participants":[{"purpose":"agent","userId":"u"}]}}"#.utf8)
        for bad: [UInt8] in [[0xC3], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xFF]] {
            #expect(Self.same(head + bad + tail))
        }
        #expect(Self.same(head + [0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x80] + tail))
    }
}
