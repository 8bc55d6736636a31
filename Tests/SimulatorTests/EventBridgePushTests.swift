import Foundation
import Journeys
@testable import Simulator
import SwitchboardCore
import Testing

/// EventBridge push mode against a tiny local API destination on port 0: batches, the key header, the event
/// shape, retries, a target that is not up yet, duplicates, refusals and the counts in the truth.
@Suite(.serialized, .timeLimit(.minutes(2))) struct EventBridgePushTests {
    static let organizationID = "1b2c3d4e-0000-4000-8000-00000000000a"

    /// `n` detail events of distinct conversations (bodies as the model writes them: any JSON object will do).
    static func events(_ n: Int, from: Int = 0) -> [SimMessage] {
        (from..<(from + n)).map { i in
            let conv = String(format: "00000000-0000-4000-8000-%012d", i)
            let body = #"{"eventTime":\#(testBusinessHours + Int64(i) * 1000),"conversationId":"\#(conv)","mediaType":"CHAT"}"#
            return SimMessage(topic: "v2.detail.events.conversation.\(conv).customer.start", body: Array(body.utf8),
                              at: testBusinessHours + Int64(i) * 1000 + 123)
        }
    }

    static func target(_ url: String, batch: Int = 4, key: String = "k-us") -> SimEventBridgeOptions {
        var t = SimEventBridgeOptions(url: url, apiKeys: ["us": key], batch: batch)
        t.initialBackoff = .milliseconds(20)
        t.maxBackoff = .milliseconds(200)
        t.timeout = .milliseconds(400)
        return t
    }

    /// Runs a pusher for org `us` around `body`.
    static func withPusher(_ target: SimEventBridgeOptions?, replay: Int = 50,
                           _ body: @Sendable (SimEventBridgePusher) async throws -> Void) async throws {
        let pusher = SimEventBridgePusher(target: target, organizationIDs: ["us": organizationID], replayCount: replay)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await pusher.run() }
            do {
                try await body(pusher)
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
        }
    }

    @Test func batchesOfEventBridgeEventsGoToTheOrgsPathWithItsKey() async throws {
        let receiver = EventBridgeReceiver()
        try await receiver.run { url in
            try await Self.withPusher(Self.target(url)) { pusher in
                let sent = Self.events(10)
                pusher.enqueue(org: "us", sent)
                try await eventually("10 events sent") { pusher.stats(org: "us")?.sent == 10 }
                let requests = receiver.requests
                #expect(requests.count == 3)
                #expect(requests.allSatisfy { $0.org == "us" && $0.key == "k-us" && $0.wasArray && $0.events.count <= 4 })
                let events = receiver.events
                #expect(Set(receiver.ids).count == 10)
                for (e, m) in zip(events, sent) {
                    #expect(e["version"] as? String == "0")
                    #expect(OrgState.isUUID(e["id"] as? String ?? ""))
                    #expect(e["detail-type"] as? String == "v2.detail.events.conversation.{id}.customer.start")
                    #expect(e["source"] as? String == "aws.partner/genesys.com/cloud/\(Self.organizationID)/switchboard")
                    let time = e["time"] as? String ?? ""
                    #expect(time.count == 20 && time.hasSuffix("Z") && Timestamp.parse(time) == (m.at / 1000) * 1000, "\(time)")
                    let detail = try #require(e["detail"] as? [String: Any])
                    #expect(detail["topicName"] as? String == m.topic)
                    #expect(detail["version"] as? String == "2")
                    #expect(Timestamp.parse(detail["timestamp"] as? String ?? "") == m.at)
                    let body = try JSONSerialization.data(withJSONObject: try #require(detail["eventBody"]))
                    let original = try JSONSerialization.jsonObject(with: Data(m.body)) as? NSDictionary
                    #expect(try JSONSerialization.jsonObject(with: body) as? NSDictionary == original)
                    // The bridge's mapping reads the kind from the topic pattern too.
                    #expect(JourneyEvent.Kind(detailEventTopic: e["detail-type"] as! String) == .customerStart)
                }
                let stats = try #require(pusher.stats(org: "us"))
                #expect(stats.queued == 10 && stats.sent == 10 && stats.requests == 3 && stats.retries == 0)
                #expect(stats.pending == 0 && stats.refused == 0 && stats.lastStatus == 202)
            }
        }
    }

    @Test func aBatchOfOneIsOneEventObject() async throws {
        let receiver = EventBridgeReceiver()
        try await receiver.run { url in
            try await Self.withPusher(Self.target(url, batch: 1)) { pusher in
                pusher.enqueue(org: "us", Self.events(3))
                try await eventually("3 events arrived") { receiver.events.count >= 3 }
                #expect(receiver.requests.count == 3 && receiver.requests.allSatisfy { !$0.wasArray })
            }
        }
    }

    @Test func failedRequestsAreRetriedWithTheSameEventsUntilAccepted() async throws {
        // Three 503s, then an answer slower than the pusher's timeout (it retries; the slow one lands too).
        let receiver = EventBridgeReceiver(script: [503, 503, 503, -1], slow: .seconds(1))
        try await receiver.run { url in
            try await Self.withPusher(Self.target(url, batch: 5)) { pusher in
                pusher.enqueue(org: "us", Self.events(5))
                try await eventually("accepted") { (pusher.stats(org: "us")?.sent ?? 0) == 5 }
                // The slow request was answered after all (after the pusher gave up on it): those events came twice.
                try await eventually("the slow answer") { receiver.requests.filter { $0.status == 202 }.count == 2 }
                let requests = receiver.requests
                #expect(requests.map(\.status).sorted() == [202, 202, 503, 503, 503])
                let idsPerRequest = requests.map { $0.events.compactMap { $0["id"] as? String } }
                #expect(idsPerRequest.allSatisfy { $0 == idsPerRequest[0] })  // the same batch each time
                #expect(receiver.ids.count == 10 && Set(receiver.ids).count == 5)
                let stats = try #require(pusher.stats(org: "us"))
                #expect(stats.retries == 4 && stats.sent == 5 && stats.pending == 0 && stats.requests == 5)
            }
        }
    }

    @Test func eventsWaitForATargetThatIsNotUpYet() async throws {
        // A free port with nothing listening: connections are refused until the receiver starts on it.
        let probe = EventBridgeReceiver()
        try await probe.run { _ in }
        let port = try #require(probe.port)
        let receiver = EventBridgeReceiver()
        try await Self.withPusher(Self.target("http://127.0.0.1:\(port)/ingest", batch: 3)) { pusher in
            pusher.enqueue(org: "us", Self.events(7))
            try await eventually("retrying") { (pusher.stats(org: "us")?.retries ?? 0) >= 3 }
            var stats = try #require(pusher.stats(org: "us"))
            #expect(stats.sent == 0 && stats.pending == 7 && stats.lastStatus == 0)
            try await receiver.run(port: port) { _ in
                try await eventually("delivered once the target is up") { pusher.stats(org: "us")?.sent == 7 }
            }
            stats = try #require(pusher.stats(org: "us"))
            #expect(stats.sent == 7 && stats.pending == 0 && Set(receiver.ids).count == 7)
        }
    }

    @Test func duplicatesReplaysAndRefusalsAreCounted() async throws {
        let receiver = EventBridgeReceiver(key: "k-us")
        try await receiver.run { url in
            try await Self.withPusher(Self.target(url, batch: 10), replay: 4) { pusher in
                #expect(pusher.inject(.duplicate, count: 2, org: "us").contains("2"))
                let first = Self.events(5)
                pusher.enqueue(org: "us", first)
                try await eventually("5 events and 2 copies") { pusher.stats(org: "us")?.sent == 7 }
                let ids = receiver.ids
                #expect(ids.count == 7 && Set(ids).count == 5)
                #expect(ids[5] == ids[0] && ids[6] == ids[1])  // the same events, the same ids
                // A replay pushes the last events again.
                #expect(pusher.inject(.replay, count: 1, org: "us").contains("4"))
                try await eventually("replayed") { pusher.stats(org: "us")?.sent == 11 }
                #expect(Array(receiver.ids.suffix(4)) == Array(ids[1..<5]))
                pusher.enqueue(org: "us", Self.events(2, from: 100))
                try await eventually("2 more") { pusher.stats(org: "us")?.sent == 13 }
                var stats = try #require(pusher.stats(org: "us"))
                #expect(stats.duplicatesSent == 6 && stats.sent == 13 && stats.refused == 0 && stats.queued == 7)
                // A request answered 4xx (here a 401 for a wrong key) is refused whole and not retried.
                pusher.setTarget(Self.target(url, batch: 10, key: "wrong"))
                receiver.refuse(["unused"])
                let before = receiver.requests.count
                pusher.enqueue(org: "us", Self.events(3, from: 200))
                try await eventually("refused") { (pusher.stats(org: "us")?.refused ?? 0) == 3 }
                stats = try #require(pusher.stats(org: "us"))
                #expect(stats.pending == 0 && stats.retries == 0)
                #expect(receiver.requests.count == before + 1)
            }
        }
    }

    @Test func eventsTheDestinationListsAsRefusedAreCounted() async throws {
        let receiver = EventBridgeReceiver(script: [])
        try await receiver.run { url in
            try await Self.withPusher(Self.target(url, batch: 10)) { pusher in
                // The receiver refuses whatever ids it is told: learn the ids from a first push, then refuse a replay.
                pusher.enqueue(org: "us", Self.events(3))
                try await eventually("3") { receiver.events.count >= 3 }
                receiver.refuse(Set(receiver.ids.prefix(2)))
                _ = pusher.inject(.replay, count: 1, org: "us")
                try await eventually("refused counted") { (pusher.stats(org: "us")?.refused ?? 0) == 2 }
                #expect(pusher.stats(org: "us")?.sent == 6)
            }
        }
    }
}
