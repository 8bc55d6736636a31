import Foundation
import Journeys
import Normalizer
import SwitchboardCore
import Testing

private let conv = "974ed10b-0000-4000-8000-0000000000c1"
private let q = "3f1c0000-0000-4000-8000-0000000000a1"

/// One EventBridge event as an API destination delivers it (the reference's shape), carrying `topic` and `body`.
private func event(_ id: String, topic: String, detailType: String, body: String) -> String {
    """
    {"version":"0","id":"\(id)","detail-type":"\(detailType)",\
    "source":"aws.partner/genesys.com/cloud/5d1f7c2e-0000-4000-8000-000000000001/switchboard",\
    "account":"123456789012","time":"2026-03-19T22:04:48Z","region":"us-east-2","resources":[],\
    "detail":{"topicName":"\(topic)","version":"2","eventBody":\(body),"metadata":{"CorrelationId":"c"},\
    "timestamp":"2026-03-19T22:04:48.128Z"}}
    """
}

private let customerStart = event(
    "6efd5506-0000-4000-8000-000000000001", topic: "v2.detail.events.conversation.\(conv).customer.start",
    detailType: "v2.detail.events.conversation.{id}.customer.start",
    body: #"{"eventTime":1790000000000,"conversationId":"\#(conv)","participantId":"p1","mediaType":"VOICE","direction":"INBOUND","ani":"tel:+15551230001"}"#)

private let snapshot = event(
    "6efd5506-0000-4000-8000-000000000002", topic: "v2.routing.queues.\(q).conversations",
    detailType: "v2.routing.queues.{id}.conversations",
    body: #"{"id":"\#(conv)","participants":[{"id":"p1","purpose":"customer","address":"tel:+15551230001","connectedTime":"2026-09-22T10:00:00.000Z","calls":[{"state":"connected"}]},{"id":"p2","purpose":"acd","queueId":"\#(q)","connectedTime":"2026-09-22T10:00:01.000Z","calls":[{"state":"connected"}]}]}"#)

private let transcription = event(
    "6efd5506-0000-4000-8000-000000000003", topic: "v2.conversations.\(conv).transcription",
    detailType: "v2.conversations.{id}.transcription", body: #"{"transcripts":[]}"#)

@Suite struct EventBridgeDecoderTests {
    func items(_ body: String) -> [EventBridgeDecoder.Item] {
        guard case .items(let items) = EventBridgeDecoder.decode(Array(body.utf8), org: "us", receivedAt: 7) else {
            Issue.record("expected items from \(body.prefix(80))")
            return []
        }
        return items
    }

    @Test func aSingleEventAndABatchUseTheSocketsDecoders() throws {
        let one = items(customerStart)
        guard case .event(0, let id, let events) = try #require(one.first) else {
            Issue.record("\(one)")
            return
        }
        #expect(id == "6efd5506-0000-4000-8000-000000000001")
        // A detail event takes the EventBridge id (retries keep it), the source and the receive time.
        #expect(events.count == 1)
        #expect(events[0].id == id && events[0].source == .eventBridge && events[0].receivedAt == 7)
        #expect(events[0].kind == .customerStart && events[0].time == 1_790_000_000_000 && events[0].org == "us")
        // The same body over the socket gives the same event but for its id, source and receive time.
        let frame = #"{"topicName":"v2.detail.events.conversation.\#(conv).customer.start","eventBody":{"eventTime":1790000000000,"conversationId":"\#(conv)","participantId":"p1","mediaType":"VOICE","direction":"INBOUND","ani":"tel:+15551230001"}}"#
        guard case .journeys(_, let socket) = NotificationNormalizer(org: "us").normalize(Array(frame.utf8), receivedAt: 7) else {
            Issue.record("socket")
            return
        }
        var fromSocket = try #require(socket.first)
        fromSocket.id = id
        fromSocket.source = .eventBridge
        #expect(fromSocket == events[0])

        let batch = items("[" + [customerStart, snapshot, transcription].joined(separator: ",") + "]")
        #expect(batch.count == 3)
        guard case .event(1, _, let snap) = batch[1], case .event(2, _, let other) = batch[2] else {
            Issue.record("\(batch)")
            return
        }
        // A snapshot's events get derived ids, as on the socket; a topic journeys do not use gives nothing.
        #expect(snap.map(\.kind) == [.customerStart, .acdStart])
        #expect(snap[0].id.hasPrefix("snap:\(conv):customer.start:p1:"))
        #expect(snap.allSatisfy { $0.source == .eventBridge })
        #expect(other.isEmpty)
    }

    @Test func theTopicMayComeFromDetailType() {
        let noTopic = customerStart.replacingOccurrences(of: #""topicName":"v2.detail.events.conversation.\#(conv).customer.start","#,
                                                          with: "")
        #expect(noTopic != customerStart)
        guard case .event(_, _, let events)? = items(noTopic).first else {
            Issue.record("refused")
            return
        }
        #expect(events.map(\.kind) == [.customerStart] && events.first?.conversationID == conv)
    }

    @Test func badEventsAreRefusedOneByOneWithTheirReason() {
        let bad = [
            #"{"id":"a1","detail-type":"x","detail":{"topicName":"v2.detail.events.conversation.c.acd.start","eventBody":{"eventTime":"soon","conversationId":"c","mediaType":"VOICE"}}}"#,
            #"{"id":"a2"}"#,
            #"{"detail":{}}"#,
            #""a string""#,
            #"{"id":"a5","detail":{"eventBody":{}}}"#,
            #"{"id":"a6","detail":{"topicName":"v2.detail.events.conversation.c.acd.start"}}"#,
            #"{"id":"a7","detail":{"topicName":"v2.detail.events.conversation.c.acd.start","eventBody":{"eventTime":1,"conversationId":7}}}"#,
            #"{"id":"a8","detail":{"topicName":"v2.routing.queues.q.conversations","eventBody":{"participants":[]}}}"#,
        ]
        let got = items("[" + bad.joined(separator: ",") + "," + customerStart + "]")
        let reasons: [String] = got.compactMap { if case .refused(_, _, let r) = $0 { r } else { nil } }
        #expect(reasons.count == bad.count, "\(got)")
        #expect(reasons[0].contains("eventTime"))
        #expect(reasons[1].contains("no 'detail'"))
        #expect(reasons[2].contains("no 'id'"))
        #expect(reasons[3].contains("expected a JSON object"))
        #expect(reasons[4].contains("topicName"))
        #expect(reasons[5].contains("no detail.eventBody"))
        #expect(reasons[6].hasPrefix("detail:") && reasons[6].contains("conversationId"))
        #expect(reasons[7].contains("no id"))
        let ids: [String?] = got.compactMap { if case .refused(_, let id, _) = $0 { id } else { nil } }
        #expect(ids == ["a1", "a2", nil, nil, "a5", "a6", "a7", "a8"])
        guard case .event(8, _, let events)? = got.last else {
            Issue.record("the good event after the bad ones must be kept")
            return
        }
        #expect(events.count == 1)
    }

    @Test func aBodyWithNoEventIsInvalid() {
        for body in ["", "   ", "hello", "[]", " [ ] ", "42", "\"x\"", "{", "[{]", "null"] {
            guard case .invalid(let why) = EventBridgeDecoder.decode(Array(body.utf8), org: "us", receivedAt: 0) else {
                Issue.record("'\(body)' must be invalid")
                continue
            }
            #expect(!why.isEmpty)
        }
    }

    // MARK: Fuzz

    struct Rng: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let fragments = ["{", "}", "[", "]", ",", ":", "\"", "\\", "\\u0000", "null", "true", "-1e999", "1.5",
                            "\"id\"", "\"detail\"", "\"eventBody\"", "\"topicName\"", "\u{FFFD}", "é", "[[[[[[[[",
                            "\"eventTime\":", "9223372036854775807", "\"VOICE\"", "{\"id\":\"x\",\"detail\":{}}"]

    /// Mutated real deliveries and random bytes: never a crash, every answer consistent (each element once, in
    /// order; events only for the org and with the receive time). A seeded generator: the same inputs every run.
    @Test(.timeLimit(.minutes(2))) func mutatedDeliveriesNeverCrashAndAlwaysAnswer() {
        var rng = Rng(state: 0xEB_0001)
        let seed = Array(("[" + [customerStart, snapshot, transcription].joined(separator: ",") + "]").utf8)
        var outcomes = (invalid: 0, events: 0, refused: 0)
        for round in 0..<3_000 {
            var bytes = seed
            if round % 4 == 3 {
                bytes = (0..<Int.random(in: 0...400, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                for _ in 0..<Int.random(in: 1...6, using: &rng) {
                    guard !bytes.isEmpty else { break }
                    let at = Int.random(in: 0..<bytes.count, using: &rng)
                    switch Int.random(in: 0..<6, using: &rng) {
                    case 5:
                        // A letter for another: keeps the JSON, breaks a key or a value.
                        if (0x61...0x7A).contains(bytes[at]) { bytes[at] = UInt8.random(in: 0x61...0x7A, using: &rng) }
                    case 0: bytes.remove(at: at)
                    case 1: bytes[at] = UInt8.random(in: 0...255, using: &rng)
                    case 2: bytes.insert(contentsOf: Array(Self.fragments.randomElement(using: &rng)!.utf8), at: at)
                    case 3: bytes = Array(bytes[..<at])
                    default:
                        let end = min(bytes.count, at + Int.random(in: 1...30, using: &rng))
                        bytes.removeSubrange(at..<end)
                    }
                }
            }
            switch EventBridgeDecoder.decode(bytes, org: "us", receivedAt: 5) {
            case .invalid(let why):
                #expect(!why.isEmpty)
                outcomes.invalid += 1
            case .items(let items):
                #expect(!items.isEmpty)
                for (i, item) in items.enumerated() {
                    switch item {
                    case .event(let index, _, let events):
                        #expect(index == i)
                        #expect(events.allSatisfy { $0.org == "us" && $0.receivedAt == 5 && !$0.conversationID.isEmpty })
                        if !events.isEmpty { outcomes.events += 1 }
                    case .refused(let index, _, let reason):
                        #expect(index == i && !reason.isEmpty)
                        outcomes.refused += 1
                    }
                }
            }
        }
        // The mutations reach every outcome (a fuzzer that only ever makes garbage would test nothing).
        #expect(outcomes.invalid > 100 && outcomes.events > 100 && outcomes.refused > 20, "\(outcomes)")
    }

    @Test(.timeLimit(.minutes(1))) func deepNestingIsRefusedNotACrash() {
        let deep = Array(String(repeating: "[", count: 100_000).utf8)
        guard case .invalid = EventBridgeDecoder.decode(deep, org: "us", receivedAt: 0) else {
            Issue.record("deep nesting must be invalid")
            return
        }
        let deepInDetail = Array((#"{"id":"x","detail":{"topicName":"v2.routing.queues.q.conversations","eventBody":"#
            + String(repeating: "[", count: 50_000)).utf8)
        guard case .invalid = EventBridgeDecoder.decode(deepInDetail, org: "us", receivedAt: 0) else {
            Issue.record("deep nesting must be invalid")
            return
        }
    }
}
