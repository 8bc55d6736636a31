import Foundation
import Simulator
import Store
import SwitchboardCore

/// `switchboard demo`'s simulated history (docs/store.md, "The demo's back-fill"): before the bridge starts,
/// the whole local days before today's midnight of every simulated org are written into the demo's store
/// from ``GenesysSimulator/backfill(org:from:to:)``, so the dashboard's trends have a yesterday and a last
/// week on first start.
///
/// Only whole days before each org's local midnight: today belongs to the bridge, which writes each closed
/// bucket once and would otherwise find its buckets taken. Buckets already stored (a kept `--store` file)
/// are left as they are; only the missing ones are written.
public enum DemoBackfill {
    public struct Report: Sendable, Equatable {
        /// Buckets written, over every org.
        public var buckets: Int
        /// Buckets of the range that were already stored and left alone.
        public var kept: Int
        /// The end of the back-fill per org: its local midnight today (UTC epoch ms).
        public var until: [String: EpochMillis]
    }

    /// Writes `days` whole local days before today's midnight (at `now`) of every simulated org into `store`,
    /// one transaction per org and day.
    public static func run(simulator: GenesysSimulator, store: any HistoryStore, days: Int,
                           now: EpochMillis) async throws -> Report {
        var report = Report(buckets: 0, kept: 0, until: [:])
        guard days > 0 else { return report }
        for org in simulator.orgIDs {
            guard let zone = simulator.timeZone(org: org) else { continue }
            let midnight = Timestamp.startOfDay(now, in: zone)
            report.until[org] = midnight
            // Day starts, newest first: each the midnight before the previous one (23- or 25-hour days too).
            var starts: [EpochMillis] = []
            var end = midnight
            for _ in 0..<days {
                let start = Timestamp.startOfDay(end - 1, in: zone)
                starts.append(start)
                end = start
            }
            let first = starts.last ?? midnight
            let stored = Set(try await store.series(.org(OrgID(org)), from: first, to: midnight, step: .buckets(1))
                .map(\.start))
            var dayEnd = midnight
            for start in starts {
                defer { dayEnd = start }
                let buckets = simulator.backfill(org: org, from: start, to: dayEnd) ?? []
                var batch = StoreBatch()
                batch.buckets = buckets.filter { !stored.contains($0.start) }
                report.kept += buckets.count - batch.buckets.count
                guard !batch.buckets.isEmpty else { continue }
                try await store.write(batch)
                report.buckets += batch.buckets.count
            }
        }
        return report
    }

    /// ``run(simulator:store:days:now:)`` on the store file at `path` (created if missing), closed afterwards
    /// so the bridge opens it as usual.
    /// - Throws: ``StoreError`` when the file is not a Switchboard store, is damaged or is newer than this build.
    public static func run(simulator: GenesysSimulator, path: String, days: Int, now: EpochMillis) async throws -> Report {
        let store = try SQLiteHistoryStore(path: path)
        do {
            let report = try await run(simulator: simulator, store: store, days: days, now: now)
            try store.close()
            return report
        } catch {
            try? store.close()
            throw error
        }
    }
}
