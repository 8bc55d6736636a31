import Foundation
import Journeys
@testable import JourneyViews
import SwitchboardConfig
import SwitchboardCore
import Testing

/// The journey views with a manual clock: the entities of docs/protocol.md "Journey topics", closed journeys
/// leaving the topics 60 s after closing, the customer as each `showCustomer` mode shows it, searches, reloads.
@Suite struct JourneyViewEngineTests {
    let clock = ManualClock(JV.t0)
    let sink = CapturingSink()

    func engine(_ config: SwitchboardConfiguration = JV.configuration()) -> JourneyViewEngine {
        JourneyViewEngine(configuration: config, clock: clock, sink: sink)
    }

    /// Stages `events` received at their own time, then flushes once their reorder window (100 ms) has passed.
    func feed(_ e: JourneyViewEngine, _ events: [JourneyEvent]) async -> [EntityChange] {
        var out: [EntityChange] = []
        for ev in events.sorted(by: { $0.receivedAt < $1.receivedAt }) {
            if ev.receivedAt > clock.now() { clock.set(ev.receivedAt) }
            e.ingest(journeyEvents: [ev])
            out += await e.flush()
        }
        clock.advance(by: 100)
        out += await e.flush()
        return out
    }

    func at(_ e: JourneyViewEngine, _ t: EpochMillis) async -> [EntityChange] {
        clock.set(JV.t0 + t)
        return await e.flush()
    }

    @Test func anOpenJourneyAndItsFiguresAreAsDocumented() async throws {
        let e = engine()
        let first = await e.flush()
        // Before any journey: the org with journeys appears with zero figures; emea (no section) does not.
        #expect(first.contains { $0.kind == .orgs && $0.id == "us" })
        #expect(!first.contains { $0.id == "emea" })
        let global = try JV.object(try #require(first.first { $0.kind == .totals && $0.id == "global" }))
        #expect(global["active"] as? Int == 0 && global["closed"] as? Int == 0)

        let changes = await feed(e, Array(JV.call("c1", at: 0).prefix(3)))
        let id = JourneyStitcher.journeyID(org: "us", conversation: "c1")
        let journeyChange = try #require(JV.changes(changes, .journeys).last)
        #expect(journeyChange.id == id.description && journeyChange.scope == .family(.journeys, "us"))
        let j = try JV.object(journeyChange)
        let key = CustomerKey(kind: .phone, value: "+15551230001")
        #expect(j["id"] as? String == id.description)
        #expect(j["org"] as? String == "us")
        #expect(j["customer"] as? String == JV.redactor().token(for: key))
        #expect((j["customer"] as? String)?.hasPrefix("phone#") == true)
        #expect(j["state"] as? String == "ACTIVE")
        #expect(j["openedAt"] as? Int64 == JV.t0 && j["lastActivityAt"] as? Int64 == JV.t0 + 5_000)
        #expect(j["closedAt"] is NSNull && j["closedReason"] is NSNull)
        #expect(j["path"] as? [String] == ["voice"] && j["channelSwitches"] as? Int == 0)
        #expect(j["lateEvents"] as? Int == 0)
        let channels = try #require(j["channels"] as? [[String: Any]])
        #expect(channels.count == 1 && channels[0]["media"] as? String == "voice" && channels[0]["state"] as? String == "ACTIVE")
        let contacts = try #require(j["contacts"] as? [[String: Any]])
        #expect(contacts.count == 1)
        let c = contacts[0]
        #expect(c["conversationId"] as? String == "c1" && c["media"] as? String == "voice")
        #expect(c["startedAt"] as? Int64 == JV.t0 && c["endedAt"] is NSNull)
        #expect(c["queues"] as? [String] == ["us/q1"] && c["agents"] as? [String] == ["us/a1"])
        #expect(c["transfers"] as? Int == 0 && c["dispositioned"] as? Bool == false && c["timedOut"] as? Bool == false)

        let queue = try JV.object(try #require(JV.changes(changes, .queues).last))
        #expect(queue["id"] as? String == "us/q1" && queue["org"] as? String == "us")
        #expect(queue["active"] as? Int == 1)
        #expect(queue["activeByPath"] as? [String: Int] == ["voice": 1])
        #expect(queue["activeByState"] as? [String: Int] == ["ACTIVE": 1])
        let org = try JV.object(try #require(JV.changes(changes, .orgs).last))
        #expect(org["id"] as? String == "us" && org["active"] as? Int == 1 && org["closed"] as? Int == 0)
        #expect(org["meanChannelSwitches"] is NSNull)
        let ttc = try #require(org["timeToCloseMs"] as? [String: Any])
        #expect(ttc["count"] as? Int == 0 && ttc["meanMs"] is NSNull)
        let totals = JV.changes(changes, .totals)
        #expect(totals.contains { $0.id == "us" && $0.scope == .familyOrgOnly(.journeys, "us") })
        let all = try JV.object(try #require(totals.first { $0.id == "global" && $0.scope == .familyGlobal(.journeys) }))
        #expect(all["active"] as? Int == 1 && all["org"] == nil)
        // Nothing changes without new events or time: nothing is sent again.
        #expect(await e.flush().isEmpty)
    }

    @Test func aClosedJourneyLeavesTheTopics60SecondsAfterItClosedAndStaysReadable() async throws {
        let e = engine()
        _ = await e.flush()
        _ = await feed(e, JV.call("c1", at: 0))
        let id = JourneyStitcher.journeyID(org: "us", conversation: "c1")
        // The journey closes a session timeout (5 min) plus the reorder window after the customer's last contact.
        let beforeClose = await at(e, 62_000 + 300_000 + 99)
        #expect(!beforeClose.contains { $0.kind == .journeys && (try? JV.object($0)["state"] as? String) == "CLOSED" })
        let closing = await at(e, 62_000 + 300_000 + 101)
        let closed = try JV.object(try #require(JV.changes(closing, .journeys).last))
        #expect(closed["state"] as? String == "CLOSED" && closed["closedReason"] as? String == "completed")
        #expect(closed["closedAt"] as? Int64 == JV.t0 + 60_000)
        let org = try JV.object(try #require(JV.changes(closing, .orgs).last))
        #expect(org["active"] as? Int == 0 && org["closed"] as? Int == 1)
        #expect(org["closedByReason"] as? [String: Int] == ["completed": 1])
        #expect(org["closedByPath"] as? [String: Int] == ["voice": 1])
        #expect(org["activeByPath"] as? [String: Int] == [:])
        let queue = try JV.object(try #require(JV.changes(closing, .queues).last))
        #expect(queue["closedByPath"] as? [String: Int] == ["voice": 1])
        #expect(org["meanChannelSwitches"] as? Int == 0)
        let ttc = try #require(org["timeToCloseMs"] as? [String: Any])
        #expect(ttc["count"] as? Int == 1 && ttc["minMs"] as? Int == 60_000 && ttc["maxMs"] as? Int == 60_000)
        #expect(ttc["meanMs"] as? Int == 60_000)

        // Still on the topic 59.9 s later; removed at 60 s.
        let closedAt: EpochMillis = 62_000 + 300_000 + 101
        #expect(!(await at(e, closedAt + 59_900)).contains { $0.kind == .journeys })
        let removal = await at(e, closedAt + 60_000)
        #expect(removal == [EntityChange(kind: .journeys, id: id.description, scope: .family(.journeys, "us"), json: nil)])
        // GET /v1/journeys/{id} still serves it.
        let read = try #require(await e.journey(id: id.description))
        #expect(read.string.contains(#""state":"CLOSED""#))
        #expect(await e.journey(id: "us/j-0000000000000000") == nil)
        #expect(await e.journey(id: "not-an-id") == nil)
    }

    @Test func theCustomerIsShownAsTheOrgChooses() async throws {
        let key = CustomerKey(kind: .phone, value: "+15551230001")
        for (mode, shown) in [(CustomerKeyRedactor.Mode.hashed, JV.redactor().token(for: key)),
                              (.masked, key.masked), (.clear, "phone:+15551230001")] {
            let e = engine(JV.configuration { $0.showCustomer = mode })
            let changes = await feed(e, Array(JV.call("c1", at: 0).prefix(1)))
            let j = try JV.object(try #require(JV.changes(changes, .journeys).last))
            #expect(j["customer"] as? String == shown, "\(mode)")
        }
        #expect(key.masked == "phone:+15•••••••01")
        #expect(!JV.redactor().token(for: key).contains("555"))
    }

    @Test func changingShowCustomerLiveSendsTheJourneysAgain() async throws {
        let e = engine()
        _ = await feed(e, Array(JV.call("c1", at: 0).prefix(2)))
        await e.apply(JV.configuration { $0.showCustomer = .clear })
        let changes = await e.flush()
        let j = try JV.object(try #require(JV.changes(changes, .journeys).last))
        #expect(j["customer"] as? String == "phone:+15551230001")
    }

    @Test func aShorterSessionTimeoutAppliesLiveAndKeepsTheJourneys() async throws {
        let e = engine()
        _ = await feed(e, JV.call("c1", at: 0))
        _ = await at(e, 130_000)
        // Its last event was at 62 s: with a 1-minute timeout it is over at once.
        await e.apply(JV.configuration { $0.sessionTimeout = .seconds(60) })
        let changes = await e.flush()
        let j = try JV.object(try #require(JV.changes(changes, .journeys).last))
        #expect(j["state"] as? String == "CLOSED")
        #expect(await e.status(of: "us")?.active == 0)
        #expect(await e.status(of: "us")?.retained == 1)
    }

    @Test func anOrgWhoseSectionIsRemovedLeavesTheTopics() async throws {
        let e = engine()
        _ = await feed(e, Array(JV.call("c1", at: 0).prefix(2)))
        let id = JourneyStitcher.journeyID(org: "us", conversation: "c1")
        var config = JV.configuration()
        config.orgs[0].journeys = nil
        await e.apply(config)
        let changes = await e.flush()
        let family = TopicFamily.journeys
        #expect(changes == [
            EntityChange(kind: .journeys, id: id.description, scope: .family(family, "us"), json: nil),
            EntityChange(kind: .queues, id: "us/q1", scope: .family(family, "us"), json: nil),
            EntityChange(kind: .orgs, id: "us", scope: .family(family, "us"), json: nil),
            EntityChange(kind: .totals, id: "us", scope: .familyOrgOnly(family, "us"), json: nil),
            EntityChange(kind: .totals, id: "global", scope: .familyGlobal(family), json: nil),
        ])
        #expect(await e.status(of: "us") == nil)
        #expect(await e.journeys(org: "us", customer: "+15551230001") == .unknownOrg)
        // Its events are dropped from now on.
        e.ingest(journeyEvents: JV.call("c2", at: 1_000))
        clock.advance(by: 10_000)
        #expect(await e.flush().isEmpty)
    }

    @Test func aSearchReadsWhatUsersTypeAndAnswersNewestFirst() async throws {
        let e = engine()
        // Two journeys of one caller: the second call starts after the first journey's session timeout.
        _ = await feed(e, JV.call("c1", at: 0))
        _ = await feed(e, JV.call("c2", at: 62_000 + 400_000, phone: "+1 (555) 123-0001"))
        _ = await feed(e, JV.call("c3", at: 500_000, phone: "+15550009999"))
        let first = JourneyStitcher.journeyID(org: "us", conversation: "c1").description
        let second = JourneyStitcher.journeyID(org: "us", conversation: "c2").description
        let token = JV.redactor().token(for: CustomerKey(kind: .phone, value: "+15551230001"))
        for typed in ["+15551230001", "(555) 123-0001", "tel:+1-555-123-0001", "phone:+15551230001", token,
                      token.uppercased()] {
            guard case .found(let json) = await e.journeys(org: "us", customer: typed) else {
                Issue.record("no answer for \(typed)")
                continue
            }
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.bytes)) as? [String: Any])
            let ids = (object["journeys"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(ids == [second, first], "\(typed)")
        }
        guard case .found(let none) = await e.journeys(org: "us", customer: "+15550000000") else {
            Issue.record("no answer")
            return
        }
        #expect(none.string == #"{"journeys":[]}"#)
        #expect(await e.journeys(org: "emea", customer: "+15551230001") == .unknownOrg)
        #expect(await e.journeys(org: "nowhere", customer: "+15551230001") == .unknownOrg)
        if case .unreadable(let why) = await e.journeys(org: "us", customer: "  ") {
            #expect(why.contains("empty"))
        } else {
            Issue.record("an empty customer must be refused")
        }
    }

    @Test func anExternalContactIDTypedBareIsFound() async throws {
        let e = engine()
        var events = Array(JV.call("c1", at: 0).prefix(2))
        events[0].customer = CustomerIdentity(externalContactID: "3f6f0c2e-9d1b-4c8e-a7a5-2b6f1e0d9c41")
        _ = await feed(e, events)
        guard case .found(let json) = await e.journeys(org: "us", customer: "3f6f0c2e-9d1b-4c8e-a7a5-2b6f1e0d9c41") else {
            Issue.record("no answer")
            return
        }
        #expect(json.string.contains(JourneyStitcher.journeyID(org: "us", conversation: "c1").description))
    }

    @Test func theReorderWindowIsScaledToTheDemosBusinessTime() {
        let c = OrgJourneysConfig(reorderWindow: .milliseconds(100))
        #expect(JourneyViewState.stitcherConfiguration(c, speed: 1).reorderWindow == 100)
        #expect(JourneyViewState.stitcherConfiguration(c, speed: 60).reorderWindow == 6_000)
        let rules = JourneyViewState.stitcherConfiguration(OrgJourneysConfig(
            identity: [.email, .phone], defaultCountry: "GB", sessionTimeout: .seconds(90), idleGrace: .seconds(30),
            retention: .seconds(3600), maxClosed: 7), speed: 1)
        #expect(rules.identity.sources == [.email, .phone])
        #expect(rules.identity.phone.normalize("020 7946 0958") == "+442079460958")
        #expect(rules.sessionTimeout == 90_000 && rules.idleGrace == 30_000)
        #expect(rules.retention == 3_600_000 && rules.maxClosedJourneys == 7)
    }

    @Test func eventsOfTwoOrgsStayApartAndTheGlobalTotalsSumThem() async throws {
        let e = engine(JV.configuration(emea: OrgJourneysConfig()))
        _ = await e.flush()
        let changes = await feed(e, Array(JV.call("c1", at: 0).prefix(2)) + Array(JV.call("e1", at: 10, org: "emea").prefix(2)))
        let journeys = JV.changes(changes, .journeys)
        #expect(Set(journeys.map(\.scope)) == [.family(.journeys, "us"), .family(.journeys, "emea")])
        let global = try JV.object(try #require(changes.last { $0.kind == .totals && $0.id == "global" }))
        #expect(global["active"] as? Int == 2)
        #expect(await e.status(of: "us")?.active == 1)
        #expect(await e.status(of: "emea")?.active == 1)
    }
}
