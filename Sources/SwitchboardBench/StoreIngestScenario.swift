import Foundation
import Logging
import Normalizer
import Store
import Synchronization
import SwitchboardConfig
import SwitchboardCore
import Views

/// `--child store-ingest --mode store|none|bare`: the ingest scenario's path (frames → normalizer → views →
/// counting sink) over one hour of business time on a `ManualClock` moved to each frame's time, with
/// `ViewEngine.refresh()` every 5 business minutes, so 15-minute buckets close during the measurement (4 per org)
/// as often per event as they would at this density (300,000 frames a business hour at 3 × 5,000 agents).
///
/// - `store`: the views' history sink is a real `StoreWriter` (running as it does in the bridge: a flush every
///   second) over a `SQLiteHistoryStore` on a temporary file — what `store.path` costs.
/// - `none`: no sink attached, orgs open — what `store: none` costs today (the views still close buckets).
/// - `bare`: the orgs never report open, so no bucket is ever closed (the ingest scenario's condition).
///
/// Prints `{"events","seconds","eventsPerSecond","eventsPerCPUSecond","refreshSeconds","buckets","batches",…}` on stdout.
enum StoreIngestChild {
    /// 2026-05-07T12:00:00Z, a bucket boundary: the measured hour starts here (orgs in UTC).
    static let t0: EpochMillis = 1_778_155_200_000

    static func run(_ opts: [String: String]) async {
        bootstrapBenchLogging()
        let mode = opts["mode"] ?? "store"
        let agentsPerOrg = Int(opts["agents"] ?? "5000") ?? 5000
        let frames = Int(opts["frames"] ?? "300000") ?? 300_000
        let span = Int64(opts["span-minutes"] ?? "60").map { $0 * 60_000 } ?? 3_600_000
        let refreshEvery = Int64(opts["refresh-ms"] ?? "300000") ?? 300_000
        let factory = FrameFactory(agentsPerOrg: agentsPerOrg, queuesPerOrg: min(40, max(2, agentsPerOrg / 25)))
        let clock = ManualClock(t0)
        // Frames with times in [t0, t0 + span), generated before the clock starts.
        let step = max(1, span / Int64(max(frames, 1)))
        let mix = factory.mix(count: frames, end: t0 + Int64(frames) * step, step: step)
        let warm = (0..<(3 * agentsPerOrg)).map { n in
            (n % 3, factory.activity(org: n % 3, agent: n / 3, at: t0 - 7_200_000, variant: 0))
        }
        let orgIDs = FrameFactory.orgs.map { OrgID($0) }
        let sink = CountingSink()
        let engine = ViewEngine(occupancy: OccupancyConfig(),
                                orgs: orgIDs.map { ViewOrg(id: $0, name: $0.rawValue.uppercased(), timeZone: TimeZone(identifier: "UTC")!) },
                                clock: clock, sink: sink)
        let normalizers = orgIDs.map { NotificationNormalizer(org: $0) }

        // The store: a fresh file, the bridge's writer settings (1 s flushes), run as the bridge runs it.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-bench-store-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("history.sqlite").path
        var timed: TimedStore?
        var writer: StoreWriter?
        var writerTask: Task<Void, Never>?
        if mode == "store" {
            guard let sqlite = try? SQLiteHistoryStore(path: path, logger: Logger(label: "bench.store")) else {
                log("store-ingest: cannot open \(path)")
                return
            }
            let t = TimedStore(sqlite)
            let w = StoreWriter(store: t, clock: clock, logger: Logger(label: "bench.store"))
            await engine.attachHistory(WriterSink(writer: w))
            writerTask = Task { try? await w.run() }
            timed = t
            writer = w
        }

        // Warm-up: every agent known (two hours back), the orgs open at t0 (not in `bare`), one refresh: the
        // buckets of the hour before t0 close here and are stored before the clock starts.
        for (org, frame) in warm {
            if case .events(_, let evs) = normalizers[org].normalize(frame) { await engine.ingest(org: orgIDs[org], events: evs) }
        }
        if mode != "bare" {
            for org in orgIDs { await engine.ingest(org: org, events: [.connector(ConnectorStatus(org: org, status: .open, at: t0))]) }
        }
        await engine.refresh()
        if let writer { await writer.flush() }
        let warmBuckets = timed?.tally.buckets ?? 0
        timed?.reset()

        var events = 0
        var refreshes = 0
        var refreshSeconds = 0.0
        var nextRefresh = t0 + refreshEvery
        let cpu0 = Proc.cpuSeconds
        let tStart = Proc.now
        for (i, m) in mix.enumerated() {
            // Pinned to one core, the concurrency pool has one thread: yield now and then (in every mode) so the
            // writer's flushes run during the loop, as its service does in the bridge, and count in its time.
            if i % 1000 == 999 { await Task.yield() }
            if m.at >= nextRefresh {
                clock.set(nextRefresh)
                let r0 = Proc.now
                await engine.refresh()
                refreshSeconds += Proc.now - r0
                refreshes += 1
                nextRefresh += refreshEvery
            }
            clock.set(m.at)
            if case .events(_, let evs) = normalizers[m.org].normalize(m.frame, receivedAt: m.at) {
                events += evs.count
                await engine.ingest(org: orgIDs[m.org], events: evs)
            }
        }
        let seconds = Proc.now - tStart
        let loopCPU = Proc.cpuSeconds - cpu0
        // What the writer had not stored yet when the loop ended (its next flush would), stored now and counted
        // in the CPU time: the process's CPU seconds (every thread, the writer's and SQLite's included) are the
        // figure a busy shared machine disturbs least.
        let pendingAtEnd = writer?.pendingItems ?? 0
        writerTask?.cancel()
        if let writer { await writer.flush() }
        await writerTask?.value
        let cpu = Proc.cpuSeconds - cpu0

        var out: [String: Double] = [
            "events": Double(events), "frames": Double(mix.count), "seconds": seconds, "cpuSeconds": cpu,
            "loopCPUSeconds": loopCPU, "eventsPerSecond": Double(events) / seconds, "eventsPerCPUSecond": Double(events) / cpu, "refreshes": Double(refreshes), "refreshSeconds": refreshSeconds,
            "changes": Double(sink.changes.load(ordering: .relaxed)), "warmBuckets": Double(warmBuckets),
            "pendingAtEnd": Double(pendingAtEnd), "businessMinutes": Double(span / 60_000),
        ]
        if let timed, let sqlite = timed.base as? SQLiteHistoryStore {
            let t = timed.tally
            out["batches"] = Double(t.batches)
            out["batchesDuringLoop"] = Double(t.batchesBefore(tStart + seconds))
            out["items"] = Double(t.items)
            out["buckets"] = Double(t.buckets)
            out["dayTotals"] = Double(t.dayTotals)
            out["agentBucketsWritten"] = Double(t.agentBuckets)
            out["writeSeconds"] = t.writeSeconds
            out["maxWriteSeconds"] = t.maxWriteSeconds
            try? await sqlite.checkpoint()
            if let s = try? await sqlite.statistics() {
                out["bytesOnDisk"] = Double(s.bytesOnDisk)
                out["storedBuckets"] = Double(s.buckets)
                out["storedAgentBuckets"] = Double(s.agentBuckets)
            }
            try? sqlite.close()
        }
        let json = try! JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        FileHandle.standardOutput.write(json + Data("\n".utf8))
    }
}

/// The bridge's `BridgeHistory.record`: the views' closed buckets and day totals, one batch per call.
struct WriterSink: HistorySink {
    let writer: StoreWriter
    func record(buckets: [ClosedBucket], dayTotals: [DayTotals]) {
        var batch = StoreBatch()
        batch.buckets = buckets
        batch.dayTotals = dayTotals
        writer.submit(batch)
    }
}

/// A `HistoryStore` that times and counts the writes it passes on (the writer's batches).
final class TimedStore: HistoryStore {
    struct Tally: Sendable {
        var batches = 0, items = 0, buckets = 0, dayTotals = 0, agentBuckets = 0
        var writeSeconds = 0.0, maxWriteSeconds = 0.0
        var ends: [Double] = []
        func batchesBefore(_ t: Double) -> Int { ends.filter { $0 <= t }.count }
    }
    let base: any HistoryStore
    private let state = Mutex(Tally())
    init(_ base: any HistoryStore) { self.base = base }
    var tally: Tally { state.withLock { $0 } }
    func reset() { state.withLock { $0 = Tally() } }

    func write(_ batch: StoreBatch) async throws {
        let t0 = Proc.now
        try await base.write(batch)
        let t1 = Proc.now
        state.withLock {
            $0.batches += 1
            $0.items += batch.buckets.count + batch.dayTotals.count + batch.documents.count + batch.audit.count
                + (batch.hubState == nil ? 0 : 1) + batch.journeys.count
            $0.buckets += batch.buckets.count
            $0.dayTotals += batch.dayTotals.count
            $0.agentBuckets += batch.buckets.reduce(0) { $0 + $1.agents.count }
            $0.writeSeconds += t1 - t0
            $0.maxWriteSeconds = max($0.maxWriteSeconds, t1 - t0)
            $0.ends.append(t1)
        }
    }
    func series(_ series: SeriesKey, from: EpochMillis, to: EpochMillis, step: HistoryStep) async throws -> [SeriesPoint] {
        try await base.series(series, from: from, to: to, step: step)
    }
    func closedBuckets(org: OrgID, from: EpochMillis, to: EpochMillis) async throws -> [ClosedBucket] {
        try await base.closedBuckets(org: org, from: from, to: to)
    }
    func dayTotals(org: OrgID, dayStart: EpochMillis) async throws -> DayTotals? { try await base.dayTotals(org: org, dayStart: dayStart) }
    func documents(kind: DocumentKind, org: OrgID, dayStart: EpochMillis) async throws -> [StoredDocument] {
        try await base.documents(kind: kind, org: org, dayStart: dayStart)
    }
    func hubState() async throws -> HubState? { try await base.hubState() }
    func auditLog(limit: Int) async throws -> [AuditEntry] { try await base.auditLog(limit: limit) }
    func journey(id: String) async throws -> StoredJourney? { try await base.journey(id: id) }
    func eventBridgeDeliveries(org: OrgID, since: EpochMillis) async throws -> [EventBridgeDelivery] {
        try await base.eventBridgeDeliveries(org: org, since: since)
    }
    func journeys(org: OrgID, customerHashes: [String], limit: Int) async throws -> [StoredJourney] {
        try await base.journeys(org: org, customerHashes: customerHashes, limit: limit)
    }
    func sweep(now: EpochMillis, retention: StoreRetention) async throws -> SweepReport {
        try await base.sweep(now: now, retention: retention)
    }
    func statistics() async throws -> StoreStatistics { try await base.statistics() }
}

/// `--child store-fill --days N`: `SyntheticHistory` (3 orgs × 5,000 agents, 40 queues, 70 % of agents with
/// time in each bucket) written one transaction per org and day, as `switchboard store fill` does, then
/// checkpointed: the steady-state bytes per stored agent-bucket. Prints `{"bytes","agentBuckets",…}`.
enum StoreFillChild {
    static func run(_ opts: [String: String]) async {
        bootstrapBenchLogging()
        let days = Int(opts["days"] ?? "7") ?? 7
        let agents = Int(opts["agents"] ?? "5000") ?? 5000
        let orgs = 3
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-bench-fill-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("fill.sqlite").path
        guard let store = try? SQLiteHistoryStore(path: path, logger: Logger(label: "bench.store")) else {
            log("store-fill: cannot open \(path)")
            return
        }
        var generator = SyntheticHistory(seed: 1, agents: agents, queues: 40, activeShare: 0.7)
        let day0: EpochMillis = 1_767_225_600_000  // 2026-01-01T00:00Z
        var writeSeconds = 0.0
        let t0 = Proc.now
        for day in 0..<days {
            for o in 0..<orgs {
                let org = OrgID("org\(o)")
                let dayStart = day0 + EpochMillis(day) * 86_400_000
                var batch = StoreBatch()
                var totals: [String: OccupancySample] = [:]
                for b in 0..<96 {
                    let bucket = generator.bucket(org: org, start: dayStart + EpochMillis(b) * Bucket.widthMs)
                    for (agent, s) in bucket.agents {
                        totals[agent, default: OccupancySample(handlingMs: 0, productiveMs: 0)].add(s)
                    }
                    batch.buckets.append(bucket)
                }
                batch.dayTotals = [DayTotals(org: org, dayStart: dayStart, asOf: dayStart + 86_400_000, agents: totals)]
                let w0 = Proc.now
                do { try await store.write(batch) } catch {
                    log("store-fill: \(error)")
                    return
                }
                writeSeconds += Proc.now - w0
            }
        }
        try? await store.checkpoint()
        let seconds = Proc.now - t0
        let s = try? await store.statistics()
        try? store.close()
        let bytes = SQLiteHistoryStore.fileBytesOnDisk(path)
        let out: [String: Double] = [
            "days": Double(days), "orgs": Double(orgs), "agentsPerOrg": Double(agents), "bytes": Double(bytes),
            "agentBuckets": Double(s?.agentBuckets ?? 0), "buckets": Double(s?.buckets ?? 0),
            "seconds": seconds, "writeSeconds": writeSeconds,
        ]
        let json = try! JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        FileHandle.standardOutput.write(json + Data("\n".utf8))
    }
}

extension OccupancySample {
    mutating func add(_ o: OccupancySample) {
        handlingMs += o.handlingMs
        productiveMs += o.productiveMs
    }
}
