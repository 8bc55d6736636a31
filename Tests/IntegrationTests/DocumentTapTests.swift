@testable import Bridge
import Foundation
import Logging
import Store
import Synchronization
import SwitchboardConfig
import SwitchboardCore
import Testing

/// The bridge's side of polled documents (docs/store.md, "Documents"): the `DocumentTap` hands every batch
/// to the views and the utilization and quality results to the store's writer; a restart reads today's
/// back as the views' events and the utilization poller's seed.
@Suite struct DocumentTapTests {
    /// Records what reaches the views.
    final class RecordingSink: BridgeEventSink {
        let events = Mutex<[BridgeEvent]>([])
        func ingest(org: OrgID, events more: [BridgeEvent]) async { events.withLock { $0 += more } }
    }

    static let dayStart = Timestamp.parse("2026-03-04T05:00:00.000Z")!  // midnight in New York
    static let now = Timestamp.parse("2026-03-04T15:00:00.000Z")!

    static var logger: Logger {
        var l = Logger(label: "document-tap-tests")
        l.logLevel = .critical
        return l
    }

    static func withStore(_ body: (SQLiteHistoryStore) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("document-tap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteHistoryStore(path: dir.appendingPathComponent("s.sqlite").path, logger: logger)
        try await body(store)
        try store.close()
    }

    static let agent = AgentUtilization(agent: EntityID(org: "us", platformID: "a1"), dayStart: dayStart, asOf: now - 60_000,
                                        intervals: [UtilizationInterval(start: dayStart + 9 * 3_600_000, handleMs: 600_000,
                                                                        handleCount: 3, connected: 3),
                                                    UtilizationInterval(start: now - 30 * 60_000, handleMs: 1, handleCount: 1, open: true)])
    static let queue = AgentUtilization(agent: EntityID(org: "us", platformID: "q1"), dayStart: dayStart, asOf: now - 60_000,
                                        intervals: agent.intervals, subject: .queue)
    static let report = QualityReport(org: "us", asOf: now - 120_000, minEvaluations: 3, agents: [
        AgentQuality(agent: EntityID(org: "us", platformID: "a1"), forms: [FormQuality(formID: "f1", count: 3, averageScore: 90)]),
    ], dayStart: dayStart)

    @Test func aUtilizationEventReachingTheSinkIsStoredAsADocumentAfterAFlush() async throws {
        try await Self.withStore { store in
            let writer = StoreWriter(store: store, logger: Self.logger)
            let views = RecordingSink()
            let tap = DocumentTap(views: views, writer: writer)
            let status = BridgeEvent.agentStatus(AgentStatusChange(agent: EntityID(org: "us", platformID: "a1"), at: Self.now,
                                                                   presence: .onQueue))
            await tap.ingest(org: "us", events: [status])
            #expect(writer.pendingItems == 0, "notification traffic is not stored as documents")
            await tap.ingest(org: "us", events: [.utilization(Self.agent), .utilization(Self.queue), .quality(Self.report)])
            #expect(views.events.withLock { $0 } == [status, .utilization(Self.agent), .utilization(Self.queue), .quality(Self.report)])
            #expect(writer.pendingItems == 3)
            #expect(try await store.documents(kind: .utilization, org: "us", dayStart: Self.dayStart).isEmpty, "not before a flush")
            #expect(await writer.flush())
            let stored = try await store.documents(kind: .utilization, org: "us", dayStart: Self.dayStart)
            #expect(stored.map(\.key) == ["a1", "queue/q1"])
            #expect(try stored.map { try $0.utilization() } == [Self.agent, Self.queue])
            #expect(stored.first?.asOf == Self.agent.asOf)
            let quality = try await store.documents(kind: .quality, org: "us", dayStart: Self.dayStart)
            #expect(try quality.map { try $0.quality() } == [Self.report])
        }
    }

    @Test func aRestartRestoresTodaysDocumentsAndSeedsThePoller() async throws {
        try await Self.withStore { store in
            var batch = StoreBatch()
            batch.documents = [StoredDocument.utilization(Self.agent)!, StoredDocument.utilization(Self.queue)!,
                               StoredDocument.quality(Self.report)!,
                               // yesterday's: not restored
                               StoredDocument.utilization(AgentUtilization(agent: EntityID(org: "us", platformID: "a2"),
                                                                           dayStart: Self.dayStart - 86_400_000, asOf: Self.dayStart - 1,
                                                                           intervals: Self.agent.intervals))!]
            try await store.write(batch)
            let org = OrgConfig(id: "us", name: "US", apiBase: "http://127.0.0.1:1", loginBase: "http://127.0.0.1:1",
                                clientId: "c", clientSecret: Secret("s"), timezone: TimeZone(identifier: "America/New_York")!)
            let restored = try await BridgeHistory.restoreDocuments(org: org, store: store, now: Self.now, logger: Self.logger)
            #expect(restored.events == [.utilization(Self.agent), .utilization(Self.queue), .quality(Self.report)])
            let seed = try #require(restored.seed)
            #expect(seed.dayStart == Self.dayStart && seed.asOf == Self.agent.asOf)
            #expect(seed.agents == ["a1": Self.agent.intervals] && seed.queues == ["q1": Self.queue.intervals])
            // Another org, or tomorrow: nothing.
            let later = try await BridgeHistory.restoreDocuments(org: org, store: store, now: Self.now + 86_400_000, logger: Self.logger)
            #expect(later.events.isEmpty && later.seed == nil)
        }
    }
}
