import EventStream
import Foundation
import Journeys
import Normalizer
import SwitchboardCore
import Testing

/// The callback socket's frames and the subscription bodies, and a fuzz pass: random and mutated bytes give a frame
/// or a typed error, never a crash, and whatever decodes as an event maps to a journey event or a reason.
@Suite struct EventStreamFrameTests {
    static let event = #"""
        {"type":"event","subscriptionId":"sub-1","eventId":"us-evt-7","eventType":"transfer.initiated",
         "timestamp":1770000000123,"payload":{"interactionId":"c-1","conversationId":"c-1","customerId":"+1 (202) 555-0143",
         "customerIdType":"phone","channelType":"voice","queueId":"q-1","agentId":"a-1",
         "transferTarget":{"channelType":"chat","queueId":"q-2"}}}
        """#

    @Test func decodesEveryFrameType() throws {
        #expect(try EventStreamFrame.decode(#"{"type":"connection.opened","connectionId":"c9","callbackUrl":"ws://h:1/api/v2/eventstreams/callbacks?connectionId=c9"}"#)
            == .connectionOpened(connectionID: "c9", callbackURL: "ws://h:1/api/v2/eventstreams/callbacks?connectionId=c9"))
        #expect(try EventStreamFrame.decode(#"{"type":"backpressure","queued":120,"maxEventsPerSecond":5}"#)
            == .backpressure(queued: 120, maxEventsPerSecond: 5))
        #expect(try EventStreamFrame.decode(#"{"type":"heartbeat","timestamp":1}"#) == .heartbeat)
        #expect(try EventStreamFrame.decode(#"{"type":"something.new","x":1}"#) == .other(type: "something.new"))
        guard case .event(let e) = try EventStreamFrame.decode(Self.event) else {
            Issue.record("not an event")
            return
        }
        #expect(e.eventType == "transfer.initiated" && e.timestamp == 1_770_000_000_123)
        #expect(e.payload?.transferTarget == .init(channelType: "chat", queueId: "q-2"))
    }

    @Test func refusesWhatIsNotAFrame() {
        for text in ["", "[]", "null", "{}", #"{"type":""}"#, #"{"type":"connection.opened"}"#, #"{"type":42}"#,
                     "{\"type\":\"event\",\"timestamp\":\"soon\"}", "not json"] {
            #expect(throws: EventStreamError.self, "\(text)") { try EventStreamFrame.decode(text) }
        }
        #expect(throws: EventStreamError.self) {
            try EventStreamFrame.decode(Array(repeating: UInt8(ascii: " "), count: EventStreamFrame.maxBytes + 1))
        }
    }

    @Test func theSubscriptionBodyIsTheSeedsAndItsAnswerDecodes() throws {
        let body = EventStreamSubscriptionRequest(callbackUrl: "wss://env/api/v2/eventstreams/callbacks?connectionId=c1",
                                                  maxEventsPerSecond: 50)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.json)) as? [String: Any])
        #expect(json["resourceTypes"] as? [String] == ["interaction"])
        #expect((json["filters"] as? [String: Any])?["eventTypes"] as? [String] == [
            "interaction.created", "conversation.started", "conversation.ended", "transfer.initiated",
            "disposition.completed"])
        #expect(json["callbackUrl"] as? String == "wss://env/api/v2/eventstreams/callbacks?connectionId=c1")
        #expect(json["maxEventsPerSecond"] as? Int == 50 && json["filterByCustomerId"] as? Bool == true)
        let answer = #"{"id":"s1","state":"orphaned","callbackUrl":"x","connectionId":null,"maxEventsPerSecond":50,"eventTypes":["interaction.created"],"filterByCustomerId":true}"#
        #expect(try EventStreamSubscription.decode(Array(answer.utf8))
            == EventStreamSubscription(id: "s1", state: "orphaned", callbackUrl: "x", connectionId: nil, maxEventsPerSecond: 50,
                                       eventTypes: ["interaction.created"], filterByCustomerId: true))
        #expect(throws: EventStreamError.self) { try EventStreamSubscription.decode(Array(#"{"state":"active"}"#.utf8)) }
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomAndMutatedBytesNeverCrash(seed: UInt64) {
        var rng = FuzzRandom(seed: seed)
        let seeds = [Self.event, #"{"type":"connection.opened","connectionId":"c9","callbackUrl":"ws://h"}"#,
                     #"{"type":"backpressure","queued":3,"maxEventsPerSecond":1}"#]
        var decoded = 0, refused = 0, mapped = 0, unusable = 0
        for i in 0..<3000 {
            var bytes: [UInt8]
            if i % 5 == 0 {
                bytes = (0..<Int.random(in: 0..<200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                bytes = Array(seeds[Int.random(in: 0..<seeds.count, using: &rng)].utf8)
                for _ in 0..<Int.random(in: 1...6, using: &rng) where !bytes.isEmpty {
                    let at = Int.random(in: 0..<bytes.count, using: &rng)
                    switch Int.random(in: 0..<4, using: &rng) {
                    case 0: bytes[at] = UInt8.random(in: 0...255, using: &rng)
                    case 1: bytes.remove(at: at)
                    case 2: bytes.insert(Array("\"{}[],:0-e.".utf8).randomElement(using: &rng)!, at: at)
                    default: bytes = Array(bytes.prefix(at))
                    }
                }
            }
            do throws(EventStreamError) {
                let frame = try EventStreamFrame.decode(bytes)
                decoded += 1
                if case .event(let e) = frame {
                    switch SeedEventMapper.map(e, org: "us", receivedAt: 1) {
                    case .event(let j):
                        mapped += 1
                        #expect(!j.conversationID.isEmpty && j.time > 0 && j.source == .seedStream)
                    case .unusable: unusable += 1
                    }
                }
            } catch {
                refused += 1
                #expect(error.code.hasPrefix("eventstream."))
            }
        }
        #expect(decoded > 100 && refused > 100, "decoded \(decoded), refused \(refused)")
        #expect(mapped > 0 && unusable > 0, "mapped \(mapped), unusable \(unusable)")
    }
}

/// SplitMix64: a seeded generator, so a failing fuzz run repeats.
struct FuzzRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
