import Journeys
@testable import JourneyViews
import SwitchboardConfig
import SwitchboardCore
import Testing

/// The state under the engine: what an eviction leaves behind.
@Suite struct JourneyViewStateTests {
    @Test func anEvictedJourneyLeavesTheTopicAndItsKeysAreForgotten() throws {
        var section = OrgJourneysConfig(retention: .seconds(1))
        section.sessionTimeout = .seconds(60)
        var s = JourneyViewState(salt: JV.salt, speed: 1, metrics: nil)
        s.configure(orgs: [("us", section)], salt: JV.salt, now: JV.t0)
        for e in JV.call("c1", at: 0) { s.ingest([e], now: e.receivedAt) }
        s.advance(now: JV.t0 + 62_000 + 100)
        _ = s.takeChanges()
        #expect(s.org("us")?.keys == [CustomerKey(kind: .phone, value: "+15551230001"): 1])
        #expect(s.org("us")?.tokens.count == 1)
        // Closed at 122.1 s (a 1-minute timeout); kept 1 s; still lingering on the topic when it is evicted.
        s.advance(now: JV.t0 + 122_100)
        #expect(s.org("us")?.stitcher.closedCount == 1)
        s.advance(now: JV.t0 + 123_200)
        let changes = s.takeChanges()
        let id = JourneyStitcher.journeyID(org: "us", conversation: "c1")
        #expect(changes.contains(EntityChange(kind: .journeys, id: id.description, scope: .family(.journeys, "us"), json: nil)))
        #expect(s.org("us")?.evictions == 1)
        #expect(s.org("us")?.keys.isEmpty == true && s.org("us")?.tokens.isEmpty == true)
        #expect(s.org("us")?.journeyKeys.isEmpty == true)
        #expect(s.onTopic.isEmpty && s.lingering.isEmpty)
    }

    @Test func eventBridgeIDsAreRememberedWithinTheCapacity() {
        var r = RecentIDs(capacity: 2)
        var seen: [Bool] = []
        for id in ["a", "a", "b", "c", "a", "c", "b"] { seen.append(r.insert(id)) }
        // c forgets a, the second a forgets b.
        #expect(seen == [true, false, true, true, true, false, true])
    }

    /// A stored delivery read back is decoded once: the same receive time and body again is not new; another body
    /// or another time is; an org without journeys reads nothing.
    @Test func aStoredDeliveryIsReadOnce() {
        var s = JourneyViewState(salt: JV.salt, speed: 1, metrics: nil)
        s.configure(orgs: [("us", OrgJourneysConfig())], salt: JV.salt, now: JV.t0)
        let body = Array("[{}]".utf8)
        var read: [Bool] = []
        for (org, at, b) in [("us", 1_000, body), ("us", 1_000, body), ("us", 1_000, Array("[{},{}]".utf8)),
                             ("us", 2_000, body), ("emea", 1_000, body)] as [(OrgID, EpochMillis, [UInt8])] {
            read.append(s.firstRead(org: org, receivedAt: at, body: b))
        }
        #expect(read == [true, false, true, true, false])
    }
}
