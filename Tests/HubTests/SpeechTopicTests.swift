import AsyncHTTPClient
import Foundation
import Hub
import SpeechViews
import SwitchboardConfig
import SwitchboardCore
import Testing

/// The speech topics over real sockets: the speech views publish into a live hub; scopes, snapshot then
/// deltas, and `GET /v1/views/speech:…`.
@Suite("Speech topics over real sockets")
struct SpeechTopicTests {
    static let auth = HubHarness.auth([("dash", "t-global", [.global]), ("us", "t-us", [.org("us")])])

    /// An engine publishing into `hub`, with one call per org (`us/s-us` with agent us/a1, `emea/s-emea`).
    static func engine(_ hub: StreamHub, clock: ManualClock) async -> SpeechViewEngine {
        let utc = TimeZone(identifier: "UTC")!
        let engine = SpeechViewEngine(orgs: ["us": utc, "emea": utc], clock: clock, sink: hub)
        let t = clock.now()
        for org in ["us", "emea"] {
            let o = OrgID(org)
            engine.observe(org: o, events: [.agentInteraction(AgentInteraction(
                agent: EntityID(org: o, platformID: "a1"), conversationID: "c-\(org)",
                queue: EntityID(org: o, platformID: "q1"), observedAt: t, connectedAt: t))])
            engine.ingest(speech: [
                .opened(SpeechSessionOpened(org: o, session: "s-\(org)", conversationID: "c-\(org)", openedAt: t)),
                .progress(SpeechSessionProgress(org: o, session: "s-\(org)", at: t + 1000, metrics: SpeechMetrics(
                    analysedMs: 1000, silenceMs: 200, customer: .init(talkMs: 400), agent: .init(talkMs: 400)))),
            ])
        }
        await engine.flush()
        hub.flush()
        return engine
    }

    static func ids(_ data: [String: Any], _ kind: String) -> [String] {
        ((data[kind] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }.sorted()
    }

    @Test func aRegionalTokenSeesItsOrgsCallsOnly() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            let clock = ManualClock()
            let engine = await Self.engine(h.hub, clock: clock)
            let probe = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await probe.run(port: h.port, token: "t-us") }
                for topic in ["speech:emea", "speech:global"] {
                    probe.send(#"{"op":"subscribe","topic":"\#(topic)"}"#)
                    let err = try await probe.next()
                    #expect(err["type"] as? String == "error")
                    #expect(err["code"] as? String == "forbidden", "for \(topic)")
                }
                probe.send(#"{"op":"subscribe","topic":"speech:us"}"#)
                let snap = try await probe.next(type: "snapshot")
                #expect(snap["topic"] as? String == "speech:us")
                let data = try #require(snap["data"] as? [String: Any])
                #expect(Self.ids(data, "calls") == ["us/s-us"])
                #expect(Self.ids(data, "agents") == ["us/a1"])
                #expect(Self.ids(data, "queues") == ["us/q1"])
                #expect(Self.ids(data, "orgs") == ["us"])
                let totals = try #require(data["totals"] as? [String: Any])
                #expect(totals["id"] as? String == "us" && totals["calls"] as? Int == 1)
                #expect(totals["org"] == nil)

                // Later changes: the emea call ends, the us call progresses; only us reaches this client.
                engine.ingest(speech: [
                    .ended(SpeechSessionEnded(org: "emea", session: "s-emea", at: clock.now() + 2000, reason: "completed",
                                              metrics: SpeechMetrics(analysedMs: 2000))),
                    .progress(SpeechSessionProgress(org: "us", session: "s-us", at: clock.now() + 2000,
                                                    metrics: SpeechMetrics(analysedMs: 2000, silenceMs: 500))),
                ])
                await engine.flush()
                let delta = try await probe.next(type: "delta")
                #expect(delta["topic"] as? String == "speech:us")
                let changes = try #require(delta["changes"] as? [[String: Any]])
                let call = try #require(changes.first { $0["kind"] as? String == "calls" }?["data"] as? [String: Any])
                #expect(call["analysedMs"] as? Int == 2000)
                #expect(!probe.all.contains { $0.contains("s-emea") || $0.contains("emea/") })
                probe.stop()
                tg.cancelAll()
            }
        }
    }

    @Test func aGlobalTokenGetsEveryOrgInSpeechGlobal() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            _ = await Self.engine(h.hub, clock: ManualClock())
            let probe = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await probe.run(port: h.port, token: "t-global") }
                probe.send(#"{"op":"subscribe","topic":"speech:global"}"#)
                let snap = try await probe.next(type: "snapshot")
                #expect(snap["topic"] as? String == "speech:global")
                let data = try #require(snap["data"] as? [String: Any])
                #expect(Self.ids(data, "calls") == ["emea/s-emea", "us/s-us"])
                #expect(Self.ids(data, "orgs") == ["emea", "us"])
                let totals = try #require(data["totals"] as? [String: Any])
                #expect(totals["id"] as? String == "global")
                #expect(totals["calls"] as? Int == 2 && totals["live"] as? Int == 2)
                #expect(totals["analysedMs"] as? Int == 2000)
                // The live topics are untouched by speech entities.
                probe.send(#"{"op":"subscribe","topic":"global"}"#)
                let live = try #require(try await probe.next(type: "snapshot")["data"] as? [String: Any])
                #expect(live["calls"] == nil && live["totals"] == nil)
                #expect(Self.ids(live, "agents").isEmpty)
                probe.stop()
                tg.cancelAll()
            }
        }
    }

    @Test func speechSnapshotsOverHTTP() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            _ = await Self.engine(h.hub, clock: ManualClock())
            let us = try await HTTPEndpointTests.get(h.port, "/v1/views/speech:us", token: "t-us")
            #expect(us.0 == 200)
            #expect(us.1.contains(#""topic":"speech:us""#))
            #expect(us.1.contains(#""id":"us/s-us""#) && !us.1.contains("emea"))
            #expect(try await HTTPEndpointTests.get(h.port, "/v1/views/speech:emea", token: "t-us").0 == 403)
            #expect(try await HTTPEndpointTests.get(h.port, "/v1/views/speech:global", token: "t-us").0 == 403)
            #expect(try await HTTPEndpointTests.get(h.port, "/v1/views/speech:nowhere", token: "t-global").0 == 404)
            let all = try await HTTPEndpointTests.get(h.port, "/v1/views/speech:global", token: "t-global")
            #expect(all.0 == 200 && all.1.contains("us/s-us") && all.1.contains("emea/s-emea"))
        }
    }

    @Test func aSpeechSubscriptionRecoversBySeq() async throws {
        try await HubHarness.run(auth: Self.auth) { h in
            let clock = ManualClock()
            let engine = await Self.engine(h.hub, clock: clock)
            let probe = WSProbe()
            try await withThrowingTaskGroup(of: Void.self) { tg in
                tg.addTask { await probe.run(port: h.port, token: "t-us") }
                probe.send(#"{"op":"subscribe","topic":"speech:us"}"#)
                let snap = try await probe.next(type: "snapshot")
                let epoch = try #require(snap["epoch"] as? String), seq = try #require(snap["seq"] as? Int)
                probe.send(#"{"op":"unsubscribe","topic":"speech:us"}"#)
                _ = try await probe.next(type: "unsubscribed")
                // Missed while away: the call ends.
                engine.ingest(speech: [.ended(SpeechSessionEnded(org: "us", session: "s-us", at: clock.now(),
                                                                 reason: "completed", metrics: SpeechMetrics(analysedMs: 3000)))])
                await engine.flush()
                h.hub.flush()
                probe.send(#"{"op":"subscribe","topic":"speech:us","since":{"epoch":"\#(epoch)","seq":\#(seq)}}"#)
                let recovered = try await probe.next(type: "recovered")
                #expect(recovered["from"] as? Int == seq + 1)
                let delta = try await probe.next(type: "delta")
                #expect(delta["seq"] as? Int == seq + 1)
                let changes = try #require(delta["changes"] as? [[String: Any]])
                let call = try #require(changes.first { $0["kind"] as? String == "calls" }?["data"] as? [String: Any])
                #expect(call["state"] as? String == "ended")
                probe.stop()
                tg.cancelAll()
            }
        }
    }

    @Test func topicNamesParse() {
        #expect(HubTopic(parsing: "speech:us") == .speech("us"))
        #expect(HubTopic(parsing: "speech:global") == .speechGlobal)
        #expect(HubTopic(parsing: "speech:") == nil)
        #expect(HubTopic(parsing: "speech:us:x") == nil)
        #expect(HubTopic.speech("us").description == "speech:us")
        let regional = HubPrincipal(name: "r", scopes: [.org("us")], expiresAt: nil)
        #expect(regional.canRead(topic: .speech("us")))
        #expect(!regional.canRead(topic: .speech("emea")))
        #expect(!regional.canRead(topic: .speechGlobal))
        #expect(HubPrincipal(name: "g", scopes: [.global], expiresAt: nil).canRead(topic: .speechGlobal))
        // Every family parses and reads the same way (speechtext: what is said).
        #expect(HubTopic(parsing: "speechtext:us") == .family(.speechText, "us"))
        #expect(HubTopic(parsing: "speechtext:global") == .familyGlobal(.speechText))
        #expect(HubTopic.family(.speechText, "us").description == "speechtext:us")
        #expect(HubTopic(parsing: "speechtexts:us") == nil && HubTopic(parsing: "speechtext:") == nil)
        #expect(regional.canRead(topic: .family(.speechText, "us")))
        #expect(!regional.canRead(topic: .family(.speechText, "emea")) && !regional.canRead(topic: .familyGlobal(.speechText)))
        #expect(HubTopic.namesHelp.contains("'speechtext:<id>'"))
    }
}
