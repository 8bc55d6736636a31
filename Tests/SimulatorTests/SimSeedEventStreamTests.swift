import Foundation
import Journeys
@testable import Simulator
import SwitchboardCore
import Testing

/// The seed's journey event stream, driven through the model (no sockets): the five event types carry what the
/// bridge's stitcher needs to rebuild the journeys truth — fed the stream as sent, it makes the truth's journeys.
@Suite struct SimSeedEventStreamTests {
    static let t0 = testBusinessHours

    /// Six simulated hours of one org's seed events, as the stream sends them (in order), with the truth.
    static let sixHours: (truth: SimJourneyTruth, events: [SimSeedEvent]) = {
        let m = JourneyGeneratorTests.model()
        m.start(at: t0)
        var events: [SimSeedEvent] = []
        for q in 1...24 {
            m.advance(to: t0 + EpochMillis(q) * 900_000)
            _ = m.drain()
            events += m.journeys!.takeSeedEvents()
        }
        return (m.journeyTruth()!, events)
    }()

    /// What the bridge's `SeedEventMapper` reads from a frame (the frame's own shape is checked below).
    static func journeyEvent(_ e: SimSeedEvent) -> JourneyEvent {
        let customer: CustomerIdentity? = e.customerID.map { id in
            switch e.customerIDType {
            case "externalContact": CustomerIdentity(externalContactID: id)
            case "phone": CustomerIdentity(addresses: [.init(.phone, id)])
            case "email": CustomerIdentity(addresses: [.init(.email, id)])
            default: CustomerIdentity(addresses: [.init(.messaging, id)])
            }
        }
        return JourneyEvent(org: "us", id: e.id, source: .seedStream, time: e.time, receivedAt: e.time,
                            conversationID: e.conversationID, media: e.media, kind: JourneyEvent.Kind(seedEventType: e.type)!,
                            queueID: e.queueID, agentID: e.agentID, customer: customer, targetMedia: e.transferMedia,
                            targetQueueID: e.transferQueueID, wrapupCode: e.dispositionCode)
    }

    @Test func everyTypeIsSentWithWhatAJourneyNeeds() throws {
        let events = Self.sixHours.events
        let byType = Dictionary(grouping: events, by: \.type)
        #expect(Set(byType.keys) == Set(SimSeedEvent.types))
        #expect(events.allSatisfy { !($0.customerID ?? "").isEmpty })
        #expect(Set(events.map(\.customerIDType)) == ["externalContact", "phone", "email", "messaging"])
        #expect(byType["conversation.started"]!.allSatisfy { $0.agentID != nil && $0.queueID != nil })
        #expect(byType["disposition.completed"]!.allSatisfy { $0.agentID != nil && $0.dispositionCode != nil })
        let transfers = byType["transfer.initiated"]!
        #expect(transfers.contains { $0.transferQueueID != nil } && transfers.contains { $0.transferMedia != $0.media && $0.transferMedia != nil })
        #expect(Set(events.map(\.id)).count == events.count)
        // The frame as written.
        let frame = try #require(try JSONSerialization.jsonObject(with: Data(transfers[0].frame(subscription: "s1").utf8)) as? [String: Any])
        #expect(frame["type"] as? String == "event" && frame["subscriptionId"] as? String == "s1")
        #expect(frame["eventType"] as? String == "transfer.initiated" && (frame["timestamp"] as? NSNumber)?.int64Value == transfers[0].time)
        let payload = try #require(frame["payload"] as? [String: Any])
        #expect(payload["interactionId"] as? String == transfers[0].conversationID)
        #expect(payload["transferTarget"] is [String: Any])
    }

    /// The bridge's stitcher, fed the stream as sent (no delay), makes the journeys the truth says — wherever the
    /// truth's margin leaves no doubt.
    @Test func theStitcherFedTheStreamMakesTheTruthsJourneys() throws {
        let (truth, events) = Self.sixHours
        var stitcher = JourneyStitcher(org: "us", configuration: .init(
            identity: try CustomerKeyPolicy(defaultCountry: truth.defaultCountry),
            sessionTimeout: truth.sessionTimeoutMs, idleGrace: truth.idleGraceMs, reorderWindow: 0))
        var ticks = 0
        var now = Self.t0
        for e in events {
            // A held disposition is sent after its contact's end, with its own (earlier) time.
            now = max(now, e.time)
            while let d = stitcher.nextDeadline, d < now, ticks < 1_000_000 {
                _ = stitcher.tick(now: d)
                ticks += 1
            }
            _ = stitcher.ingest([Self.journeyEvent(e)], now: now)
        }
        _ = try JourneyTruthCheck.settleAndCompare(&stitcher, truth: truth, end: Self.t0 + 6 * 3_600_000, ticks: ticks)
        #expect(Set(truth.journeys.compactMap(\.closedReason)) == ["completed", "timeout", "abandonedAtTimeout"])
    }
}
