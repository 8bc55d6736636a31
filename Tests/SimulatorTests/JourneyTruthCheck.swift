import Foundation
import Journeys
@testable import Simulator
import SwitchboardCore
import Testing

/// The shared end of the simulator's stitcher-versus-truth tests (detail events and the seed's event stream):
/// settle the stitcher up to `end`, then compare every journey whose truth margin leaves no doubt.
enum JourneyTruthCheck {
    /// Returns how many journeys were compared (expected to be over 90 % of the truth's).
    @discardableResult
    static func settleAndCompare(_ stitcher: inout JourneyStitcher, truth: SimJourneyTruth, end: EpochMillis,
                                 ticks: Int) throws -> Int {
        var ticks = ticks
        while let d = stitcher.nextDeadline, d <= end, ticks < 1_000_000 {
            _ = stitcher.tick(now: d)
            ticks += 1
        }
        _ = stitcher.tick(now: end)
        var compared = 0
        for t in truth.journeys {
            if let m = t.marginMs, m < 2000 { continue }
            if abs(t.closeDueAt - end) < 2000 { continue }
            let id = try #require(EntityID(namespaced: t.id))
            guard let j = stitcher.journey(id) else {
                Issue.record("the stitcher has no journey \(t.id) (\(t.source), \(t.contacts.count) contact(s))")
                continue
            }
            #expect(j.customer.canonical == t.customer, "\(t.id)")
            #expect(j.contacts.map(\.conversationID) == t.contacts.map(\.conversationId), "\(t.id)")
            #expect(j.contacts.map(\.media.rawValue) == t.contacts.map(\.media), "\(t.id)")
            #expect(j.contacts.map(\.start) == t.contacts.map(\.startedAt), "\(t.id)")
            #expect(j.contacts.map(\.end) == t.contacts.map(\.endedAt), "\(t.id)")
            #expect(j.isClosed == t.closed, "\(t.id)")
            #expect(j.closedReason?.rawValue == t.closedReason, "\(t.id)")
            #expect(j.closedAt == t.closedAt, "\(t.id)")
            compared += 1
        }
        #expect(compared > truth.journeys.count * 9 / 10)
        return compared
    }
}
