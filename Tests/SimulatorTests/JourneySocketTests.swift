import Foundation
import Journeys
@testable import Simulator
import SwitchboardCore
import Testing

/// Journeys over the real notification socket and HTTP: topics and their budgets, snapshots on the media
/// variants, per-conversation detail events, the delivery faults as a client sees them, the truth over HTTP
/// and the EventBridge push of a running simulator.
@Suite(.serialized, .timeLimit(.minutes(3))) struct JourneySocketTests {
    static func journeys(_ o: inout SimulatorOptions, customersPerHour: Double = 1500, replay: Int = 500) {
        o.orgCount = 2
        o.agentsPerOrg = 12
        var j = SimJourneyOptions()
        j.orgs = ["us"]
        j.customersPerHour = customersPerHour
        j.replayMessages = replay
        o.journeys = j
    }

    /// Every queue's conversation topic and its media variants.
    static func queueTopics(_ client: SimClient, _ token: String) async throws -> [String] {
        let queues = try await client.queues(token).compactMap { $0["id"] as? String }
        return queues.flatMap { q in
            ["conversations", "calls", "chats", "emails", "messages", "callbacks"].map { "v2.routing.queues.\(q).\($0)" }
        }
    }

    struct Frame {
        let topic: String
        let text: String
        let body: [String: Any]
    }

    static func frame(_ s: String) -> Frame? {
        guard let j = jsonObject(s), let topic = j["topicName"] as? String, let body = j["eventBody"] as? [String: Any],
              topic.hasPrefix("v2.routing.") || topic.hasPrefix("v2.detail.") else { return nil }
        return Frame(topic: topic, text: s, body: body)
    }

    /// Reads journey frames until `enough` holds or `limit` seconds pass.
    static func collect(_ it: inout AsyncStream<String>.Iterator, limit: Double = 20,
                        until enough: ([Frame]) -> Bool) async -> [Frame] {
        var frames: [Frame] = []
        let deadline = ContinuousClock.now + .milliseconds(Int(limit * 1000))
        while ContinuousClock.now < deadline, let s = await it.next() {
            if let f = frame(s) { frames.append(f) }
            if enough(frames) { break }
        }
        return frames
    }

    @Test func journeyTopicsAreSubscribedWithinTheBudgetsAndCarrySnapshotsAndDetailEvents() async throws {
        try await withSimulator({ Self.journeys(&$0) }) { _, client in
            let token = try await client.accessToken()
            let (channel, uri) = try await client.channel(token)
            let someConversation = "0f8fad5b-d9cb-469f-a165-70867728950e"
            var topics = try await Self.queueTopics(client, token)
            let accepted = topics.count
            topics += ["v2.detail.events.conversation.\(someConversation).customer.start",
                       "v2.detail.events.conversation.\(someConversation).flow.outcome",
                       "v2.detail.events.conversation.\(someConversation).bogus",
                       "v2.detail.events.conversation.not-a-conversation.acw",
                       "v2.routing.queues.\(topics[0].split(separator: ".")[3]).videos"]
            let body = "[" + topics.map { "{\"id\":\"\($0)\"}" }.joined(separator: ",") + "]"
            let reply = try await client.request("PUT", "/api/v2/notifications/channels/\(channel)/subscriptions?ignoreErrors=true",
                                                 token: token, json: body).json()
            let states = try #require(reply["entities"] as? [[String: Any]]).map { ($0["id"] as? String ?? "", $0["state"] as? String ?? "") }
            #expect(states.filter { $0.1 == "Permitted" }.count == accepted + 2)
            #expect(states.filter { $0.1 == "Rejected" }.map { $0.0 } == Array(topics.suffix(3)))
            // Without ignoreErrors an unknown detail event refuses the request.
            let refused = try await client.subscribe(token, channel, ["v2.detail.events.conversation.\(someConversation).nope"])
            #expect(refused.status == 400)

            let probe = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await probe.run(url: uri) }
                var it = probe.incoming.makeAsyncIterator()
                let variants: Set<String> = ["conversations", "calls", "chats", "emails", "messages", "callbacks"]
                let frames = await Self.collect(&it, limit: 30) { fs in
                    Set(fs.map { String($0.topic.split(separator: ".").last!) }) == variants
                }
                #expect(Set(frames.map { String($0.topic.split(separator: ".").last!) }) == variants)
                for f in frames {
                    let suffix = String(f.topic.split(separator: ".").last!)
                    let participants = f.body["participants"] as? [[String: Any]] ?? []
                    #expect(participants.contains { $0["purpose"] as? String == "customer" && $0["address"] is String })
                    if suffix != "conversations" { #expect(participants.allSatisfy { $0[suffix] is [Any] }, "\(f.topic)") }
                }
                // Per conversation: subscribe the detail events of chats still waiting for their agent (a few: one
                // may never be answered).
                var waiting: [String] = []
                for f in frames.reversed() where f.topic.hasSuffix(".chats") && waiting.count < 3 {
                    let ps = f.body["participants"] as? [[String: Any]] ?? []
                    if ps.count == 2, ps.allSatisfy({ $0["endTime"] == nil }), let id = f.body["id"] as? String,
                       !waiting.contains(id) { waiting.append(id) }
                }
                #expect(!waiting.isEmpty, "no waiting chat seen")
                let kinds = ["customer.start", "customer.end", "acd.start", "acd.end", "user.start", "user.end", "acw", "wrapup"]
                let r = try await client.subscribe(token, channel, waiting.flatMap { c in
                    kinds.map { "v2.detail.events.conversation.\(c).\($0)" }
                })
                #expect(r.status == 200)
                let detail = await Self.collect(&it, limit: 30) { fs in fs.contains { $0.topic.hasPrefix("v2.detail.") } }.last
                let d = try #require(detail, "no detail event of \(waiting)")
                #expect(waiting.contains(d.body["conversationId"] as? String ?? "") && d.body["eventTime"] is Int)
                #expect(d.body["mediaType"] as? String == "CHAT")
                probe.close()
                try await group.waitForAll()
            }
        }
    }

    @Test func theDuplicateFaultSendsTheNextJourneyMessagesTwice() async throws {
        try await withSimulator({ Self.journeys(&$0) }) { sim, client in
            let token = try await client.accessToken()
            let (channel, uri) = try await client.channel(token)
            _ = try await client.subscribe(token, channel, try await Self.queueTopics(client, token))
            let probe = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await probe.run(url: uri) }
                var it = probe.incoming.makeAsyncIterator()
                var frames = await Self.collect(&it) { $0.count >= 20 }
                let records = await sim.inject(.journey(.duplicate, count: 3), org: "us")
                #expect(records.first?.detail.contains("3 journey message(s) sent twice") == true)
                frames += await Self.collect(&it) { $0.count >= 150 }
                var seen = Set<String>(), twice = 0
                for f in frames where !seen.insert(f.text).inserted { twice += 1 }
                #expect(twice == 3)
                probe.close()
                try await group.waitForAll()
            }
        }
    }

    @Test func theReplayFaultClosesTheSocketAndResendsWhatItMissed() async throws {
        try await withSimulator({ Self.journeys(&$0, replay: 20_000) }) { sim, client in
            let token = try await client.accessToken()
            let (channel, uri) = try await client.channel(token)
            _ = try await client.subscribe(token, channel, try await Self.queueTopics(client, token))
            var before: [Frame] = []
            let probe = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await probe.run(url: uri) }
                var it = probe.incoming.makeAsyncIterator()
                before = await Self.collect(&it) { $0.count >= 30 }
                let records = await sim.inject(.journey(.replay, count: 1), org: "us")
                #expect(records.first?.detail.contains("1 socket(s) closed") == true)
                // The socket closes: the rest of its frames (already queued) trail in, then it ends.
                before += await Self.collect(&it, limit: 10) { _ in false }
                try await group.waitForAll()
            }
            // Messages go on while no socket is attached (a client reconnecting).
            try await Task.sleep(for: .milliseconds(300))
            let missedOrNot = sim.orgByID["us"]!.with { $0.journeyDelivery.ring.map(\.text) }
            let again = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await again.run(url: uri) }
                var it = again.incoming.makeAsyncIterator()
                let last = missedOrNot.last!
                let after = await Self.collect(&it) { fs in fs.contains { $0.text == last } }
                let seen = Set(before.map(\.text) + after.map(\.text))
                let missing = missedOrNot.filter { !seen.contains($0) }
                #expect(missing.isEmpty, "\(missing.count) of \(missedOrNot.count) journey messages never reached the client")
                #expect(after.contains { f in before.contains { $0.text == f.text } })  // replayed: seen before
                #expect(after.count > 0 && missedOrNot.count > before.count)
                again.close()
                try await group.waitForAll()
            }
        }
    }

    @Test func theReorderFaultDeliversAContactBehindALaterVoiceMessage() async throws {
        try await withSimulator({ Self.journeys(&$0) }) { sim, client in
            let token = try await client.accessToken()
            let (channel, uri) = try await client.channel(token)
            let topics = try await Self.queueTopics(client, token).filter { $0.hasSuffix(".conversations") }
            _ = try await client.subscribe(token, channel, topics)
            let probe = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await probe.run(url: uri) }
                var it = probe.incoming.makeAsyncIterator()
                _ = await Self.collect(&it) { $0.count >= 10 }
                await sim.inject(.journey(.reorder, count: 2), org: "us")
                let frames = await Self.collect(&it) { $0.count >= 400 }
                // Each frame's medium, the conversation's start (the customer's connect) and its latest time.
                func times(_ f: Frame) -> (media: String, start: Int64, latest: Int64)? {
                    let ps = f.body["participants"] as? [[String: Any]] ?? []
                    guard let customer = ps.first(where: { $0["purpose"] as? String == "customer" }),
                          let start = (customer["connectedTime"] as? String).flatMap(Timestamp.parse) else { return nil }
                    let media = ["calls", "chats", "emails", "messages", "callbacks"].first { customer[$0] != nil } ?? "?"
                    var latest = start
                    for p in ps {
                        for k in ["connectedTime", "endTime", "endAcwTime"] {
                            if let t = (p[k] as? String).flatMap(Timestamp.parse) { latest = max(latest, t) }
                        }
                    }
                    return (media, start, latest)
                }
                var firstIndex: [String: Int] = [:]
                for (i, f) in frames.enumerated() {
                    if let id = f.body["id"] as? String, firstIndex[id] == nil { firstIndex[id] = i }
                }
                var overtaken = 0
                for (id, i) in firstIndex {
                    // Only contacts whose first frame here is their first snapshot (nothing after the start yet).
                    guard let t = times(frames[i]), t.media != "calls", t.latest == t.start else { continue }
                    let earlierVoice = frames[..<i].contains { f in
                        guard let v = times(f), v.media == "calls" else { return false }
                        return v.latest > t.start && (f.body["id"] as? String) != id
                    }
                    if earlierVoice { overtaken += 1 }
                }
                #expect(overtaken >= 1, "no non-voice contact was delivered behind a later voice message")
                let truth = await sim.journeyTruth(org: "us")
                #expect(truth?.generated.reordered == 2)
                probe.close()
                try await group.waitForAll()
            }
        }
    }

    @Test func theTruthHasJourneysOnlyForOrgsWithJourneys() async throws {
        try await withSimulator({ Self.journeys(&$0) }) { sim, client in
            try await eventually("some journeys", seconds: 20) {
                (sim.orgByID["us"]!.with { $0.model.journeys?.truth.journeys.count ?? 0 }) >= 10
            }
            let us = try await client.request("GET", "/_sim/truth?org=us").json()
            let section = try #require(us["journeys"] as? [String: Any])
            #expect(section["sessionTimeoutMs"] as? Int == 300_000 && section["defaultCountry"] as? String == "US")
            let list = try #require(section["journeys"] as? [[String: Any]])
            #expect(list.count >= 10)
            for j in list {
                #expect((j["id"] as? String)?.hasPrefix("us/j-") == true)
                let customer = j["customer"] as? String ?? ""
                #expect(["contact:", "phone:+", "email:", "msg:"].contains { customer.hasPrefix($0) }, "\(customer)")
                #expect((j["contacts"] as? [[String: Any]])?.isEmpty == false)
                #expect(j["closed"] is Bool && j["closeDueAt"] is Int)
            }
            #expect(section["generated"] is [String: Any])
            let emea = try await client.request("GET", "/_sim/truth?org=emea").json()
            #expect(emea["journeys"] == nil)
            // The fault endpoint takes the journey kinds.
            let r = try await client.request("POST", "/_sim/faults", json: #"{"org":"us","kind":"journey-missing-disposition","count":2}"#)
            #expect(r.status == 200 && r.text.contains("never wrap up"))
            let none = try await client.request("POST", "/_sim/faults", json: #"{"org":"emea","kind":"journey-reorder"}"#)
            #expect(none.text.contains("the org has no journeys"))
        }
    }

    @Test func aRunningSimulatorPushesItsDetailEventsToEventBridge() async throws {
        let receiver = EventBridgeReceiver(key: "k-us")
        try await receiver.run { url in
            try await withSimulator({ Self.journeys(&$0) }) { sim, _ in
                var target = SimEventBridgeOptions(url: url, apiKeys: ["us": "k-us", "emea": "k-emea"], batch: 8)
                target.sourceSuffix = "sim-test"
                sim.setEventBridgeTarget(target)
                try await eventually("60 events pushed", seconds: 30) { receiver.events.count >= 60 }
                let truth = try #require(await sim.journeyTruth(org: "us"))
                let contacts = Set(truth.journeys.flatMap { $0.contacts.map(\.conversationId) })
                let organizationID = try #require(sim.organizationID(org: "us"))
                for e in receiver.events {
                    let detail = try #require(e["detail"] as? [String: Any])
                    let topic = try #require(detail["topicName"] as? String)
                    #expect(JourneyEvent.Kind(detailEventTopic: topic) != nil, "\(topic)")
                    #expect(contacts.contains(String(topic.split(separator: ".")[4])))
                    #expect(e["source"] as? String == "aws.partner/genesys.com/cloud/\(organizationID)/sim-test")
                }
                #expect(receiver.requests.allSatisfy { $0.org == "us" })  // emea has no journeys
                // The receiver holds a batch before its answer reaches the pusher, which books it only then:
                // wait for the books to catch up with what arrived instead of reading them mid-request.
                try await eventually("the pusher booked what the receiver got", seconds: 10) {
                    (sim.eventBridgeStats(org: "us")?.sent ?? 0) >= 60
                }
                let stats = try #require(sim.eventBridgeStats(org: "us"))
                #expect(stats.sent >= 60 && stats.refused == 0 && stats.queued >= stats.sent)
                #expect(sim.eventBridgeStats(org: "emea") == nil)
            }
        }
    }
}
