import Foundation
import Journeys
import Logging
import Metrics
import Normalizer
import ServiceLifecycle
import Synchronization
import SwitchboardConfig
import SwitchboardCore

/// Customer journeys, wired (docs/journeys.md): one ``Journeys/JourneyStitcher`` per org with a `journeys:`
/// section, fed by the connectors' queue conversation snapshots (``ingest(journeyEvents:)``) and by Amazon
/// EventBridge deliveries (``ingestEventBridge(org:apiKey:body:)``); published on `journeys:<org>` and
/// `journeys:global` (docs/protocol.md "Journey topics"), read by id and by customer.
///
/// Inputs never wait: events are staged under a lock and folded by ``flush()`` — every `tick` while the engine
/// runs as a `Service` — which also ticks each stitcher whose deadline passed (business time), encodes each
/// changed entity once and publishes the batch.
public actor JourneyViewEngine: JourneyEventSink, JourneyQueries, Service {
    /// Events staged between two flushes at most; beyond, the newest are dropped and counted (a flush every
    /// 100 ms makes this a burst of a million events a second).
    public static let stagingLimit = 100_000
    /// A search reads at most this many journeys from the archive (newest first).
    public static let archiveSearchLimit = 100

    private let staging = Mutex<[JourneyEvent]>([])
    private let stagedDrops = Atomic<Int>(0)
    /// The orgs' EventBridge keys, read without the actor (a refused key costs the actor nothing).
    private let eventBridgeKeys = Mutex<[OrgID: EventBridgeConfig]>([:])
    var state: JourneyViewState
    /// In a cluster: the orgs led elsewhere and their parts of the global totals (JourneyViewEngine+Remote.swift).
    let remoteParts = Mutex(RemoteTotalsParts<JourneyTotalsPart>())
    /// The salt used when the configuration gives none: random per start.
    private let randomSalt: Secret
    private let clock: any WallClock
    private var sink: (any ViewChangeSink)?
    private let metrics: JourneyMetrics?
    /// Where journeys evicted by a cap go, and where reads look when memory does not have them (the store);
    /// nil with `store: none`.
    private let archive: (any JourneyArchive)?
    private let logger: Logger
    public let tick: Duration

    /// - Parameters:
    ///   - configuration: the orgs' `journeys:` sections and the deployment's salt.
    ///   - clock: business time (the demo's scaled clock: the reorder window is scaled by its speed).
    ///   - sink: where changes go (the hub).
    ///   - metricsFactory: swift-metrics factory (the bridge's Prometheus registry); nil: no metrics.
    ///   - archive: the store's journeys (docs/journeys.md "Retention"); nil: evicted journeys are dropped.
    public init(configuration: SwitchboardConfiguration, clock: any WallClock = SystemClock(),
                sink: (any ViewChangeSink)? = nil, tick: Duration = .milliseconds(100),
                metricsFactory: (any MetricsFactory)? = nil, archive: (any JourneyArchive)? = nil,
                logger: Logger = .switchboard("journeys")) {
        var bytes = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
        let random = Secret(bytes.map { String(format: "%02x", $0) }.joined())
        randomSalt = random
        let metrics = metricsFactory.map(JourneyMetrics.init(factory:))
        var s = JourneyViewState(salt: configuration.journeys.salt ?? random, speed: clock.speed, metrics: metrics)
        s.archiving = archive != nil
        s.configure(orgs: Self.sections(configuration), salt: configuration.journeys.salt ?? random, now: clock.now())
        state = s
        self.metrics = metrics
        self.archive = archive
        self.clock = clock
        self.sink = sink
        self.tick = tick
        self.logger = logger
        eventBridgeKeys.withLock { $0 = Self.keys(configuration) }
        if configuration.journeys.salt == nil && configuration.orgs.contains(where: { $0.journeys != nil }) {
            logger.notice("journeys.salt is not set: hashed customer keys use a random salt and change at every restart")
        }
    }

    static func sections(_ c: SwitchboardConfiguration) -> [(OrgID, OrgJourneysConfig)] {
        c.orgs.compactMap { o in o.journeys.map { (o.id, $0) } }
    }

    static func keys(_ c: SwitchboardConfiguration) -> [OrgID: EventBridgeConfig] {
        Dictionary(c.orgs.compactMap { o in o.journeys?.eventBridge.map { (o.id, $0) } }, uniquingKeysWith: { a, _ in a })
    }

    public func attach(sink: any ViewChangeSink) { self.sink = sink }

    /// Applies a reloaded configuration: orgs' sections added, changed (journeys kept; new timers apply at once)
    /// or removed, the salt, the EventBridge keys. Changes are published at the next flush.
    public func apply(_ configuration: SwitchboardConfiguration) {
        eventBridgeKeys.withLock { $0 = Self.keys(configuration) }
        state.configure(orgs: Self.sections(configuration), salt: configuration.journeys.salt ?? randomSalt,
                        now: clock.now())
    }

    // MARK: Inputs (never wait)

    public nonisolated func ingest(journeyEvents events: [JourneyEvent]) {
        guard !events.isEmpty else { return }
        let dropped = staging.withLock { staged -> Int in
            let room = max(0, Self.stagingLimit - staged.count)
            staged.append(contentsOf: events.prefix(room))
            return events.count - min(room, events.count)
        }
        if dropped > 0 { stagedDrops.add(dropped, ordering: .relaxed) }
    }

    // MARK: Flushing

    /// Folds what was staged, ticks what is due at the clock's now and publishes the changes (also returned).
    @discardableResult
    public func flush() -> [EntityChange] {
        let events = staging.withLock { staged -> [JourneyEvent] in
            let out = staged
            staged.removeAll(keepingCapacity: true)
            return out
        }
        let now = clock.now()
        state.takeRemote(remoteParts.withLock { $0 })
        state.ingest(events, now: now)
        state.advance(now: now)
        let changes = state.takeChanges()
        if !changes.isEmpty { sink?.publish(changes) }
        let records = state.takeArchived()
        if let archive, !records.isEmpty { archive.save(records) }
        return changes
    }

    public func run() async throws {
        let clock = ContinuousClock()
        var next = clock.now.advanced(by: tick)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do { try await Task.sleep(until: next, clock: clock) } catch { break }
            flush()
            next = max(next.advanced(by: tick), clock.now)
        }
        flush()
        // The closed journeys still in memory are kept too, so reads find them after a restart (the store's
        // writer stops after this service and stores them with its last batch).
        if let archive {
            let records = state.retainedRecords()
            if !records.isEmpty {
                archive.save(records)
                logger.info("closed journeys handed to the store at shutdown", metadata: ["journeys": "\(records.count)"])
            }
        }
    }

    // MARK: JourneyQueries

    /// From memory, else from the archive (the customer shown by the org's current `showCustomer`, never more
    /// than was kept).
    public func journey(id: String) async -> EncodedJSON? {
        guard let eid = EntityID(namespaced: id) else { return nil }
        if let (j, redactor) = state.journey(eid) { return JourneyJSON.journey(j, redactor: redactor) }
        guard let archive, state.org(eid.org) != nil else { return nil }
        do {
            guard let r = try await archive.journey(id: eid.description), r.org == eid.org else { return nil }
            return decoded(r, mode: state.org(eid.org)?.redactor.mode).map(EncodedJSON.init(bytes:))
        } catch {
            logger.warning("reading a journey from the store failed", metadata: ["journey": "\(eid)", "error": "\(error)"])
            return nil
        }
    }

    /// Memory's journeys merged with the archive's (at most ``archiveSearchLimit``), newest first, each once
    /// (memory's copy wins).
    public func journeys(org: OrgID, customer: String) async -> JourneySearch {
        let found: JourneyViewState.SearchFound
        switch state.search(org: org, typed: customer) {
        case nil: return .unknownOrg
        case .failure(let p): return .unreadable(p.reason)
        case .success(let f): found = f
        }
        var entries = found.journeys.map { j in
            (openedAt: j.openedAt, id: j.id.description, bytes: JourneyJSON.bytes(j, redactor: found.redactor))
        }
        if let archive, !found.hashes.isEmpty {
            do {
                let inMemory = Set(entries.map(\.id))
                let mode = state.org(org)?.redactor.mode ?? found.redactor.mode
                for r in try await archive.journeys(org: org, customerHashes: found.hashes, limit: Self.archiveSearchLimit)
                where r.org == org && !inMemory.contains(r.id) {
                    if let bytes = decoded(r, mode: mode) { entries.append((r.openedAt, r.id, bytes)) }
                }
                entries.sort { ($0.openedAt, $0.id) > ($1.openedAt, $1.id) }
            } catch {
                logger.warning("searching journeys in the store failed; answering from memory",
                               metadata: ["org": "\(org)", "error": "\(error)"])
            }
        }
        return .found(JourneyJSON.list(entries.map(\.bytes)))
    }

    private func decoded(_ r: StoredJourney, mode: CustomerKeyRedactor.Mode?) -> [UInt8]? {
        guard let bytes = JourneyRecord.journeyJSON(r, mode: mode) else {
            logger.warning("a stored journey this build cannot read is left out", metadata: ["journey": "\(r.id)"])
            return nil
        }
        return bytes
    }

    /// Checks the key (constant time; never logged), decodes the body off the actor, then drops the event ids
    /// seen before and stages the rest. The answer is built here: `202` with the counts and refusals, `400` when
    /// nothing in the body is an event. With a store, `202` comes only once the body is stored (replayed at the
    /// next start, ``replayEventBridge()``); `503` when it could not be.
    public nonisolated func ingestEventBridge(org: OrgID, apiKey: String?, body: [UInt8]) async -> EventBridgeIngest {
        if let refusal = eventBridgeRefusal(org: org, apiKey: apiKey) { return refusal }
        let receivedAt = clock.now()
        switch EventBridgeDecoder.decode(body, org: org, receivedAt: receivedAt) {
        case .invalid(let why):
            metrics?.eventBridge(org: org, status: 400)
            return .invalid(Self.answer(accepted: 0, duplicates: 0, refused: [], error: why))
        case .items(let items):
            let outcome = await accept(org: org, items: items)
            guard case .accepted = outcome else { return outcome }
            if let archive {
                // Duplicates too: a retry after a 503 is all duplicates, and must be stored this time.
                do {
                    try await archive.keep(EventBridgeDelivery(org: org, receivedAt: receivedAt, body: body))
                } catch {
                    metrics?.eventBridge(org: org, status: 503)
                    return .unavailable("\(error)")
                }
            }
            metrics?.eventBridge(org: org, status: 202)
            return outcome
        }
    }

    /// The span of EventBridge deliveries a restart replays for an org: its session timeout plus idle grace plus
    /// reorder window (an open journey's events are all within it; older ones belong to closed journeys).
    public static func replayWindow(_ c: OrgJourneysConfig) -> Int64 {
        c.sessionTimeout.milliseconds + c.idleGrace.milliseconds + c.reorderWindow.milliseconds
    }

    /// At start: stages the stored EventBridge deliveries of each org with journeys received within its
    /// ``replayWindow(_:)``, as they came (their `receivedAt`), so journeys open at the stop are open again. Ids
    /// seen before are dropped, as for a retried delivery. Returns how many deliveries were replayed.
    @discardableResult
    public func replayEventBridge() async -> Int {
        var replayed = 0
        for org in state.orgs.keys.sorted() { replayed += await replayEventBridge(org: org) }
        return replayed
    }

    /// The same for one org — in a cluster, before this replica leads it (docs/scale-out.md): the deliveries any
    /// replica accepted within the window, so the journeys open at the take-over are open here too — or those
    /// received since `since` (the leader's catch-up of deliveries other replicas accepted). Returns how many
    /// deliveries were read; a delivery read before is not decoded again, and only events not seen before are
    /// staged.
    @discardableResult
    public func replayEventBridge(org: OrgID, since: EpochMillis? = nil) async -> Int {
        guard let archive, let config = state.org(org)?.config else { return 0 }
        let deliveries: [EventBridgeDelivery]
        do {
            deliveries = try await archive.deliveries(org: org, since: since ?? clock.now() - Self.replayWindow(config))
        } catch {
            logger.warning("the stored EventBridge deliveries could not be read; not replayed",
                           metadata: ["org": "\(org)", "error": "\(error)"])
            return 0
        }
        var events = 0
        for d in deliveries where state.firstRead(org: org, receivedAt: d.receivedAt, body: d.body) {
            guard case .items(let items) = EventBridgeDecoder.decode(d.body, org: org, receivedAt: d.receivedAt) else { continue }
            var ids: [String] = []
            for case .event(_, let id, _) in items { ids.append(id) }
            var first = state.firstSightings(org: org, ids: ids).makeIterator()
            var staged: [JourneyEvent] = []
            for case .event(_, _, let e) in items where first.next() == true { staged += e }
            events += staged.count
            ingest(journeyEvents: staged)
        }
        if since == nil ? !deliveries.isEmpty : events > 0 {
            logger.info("stored EventBridge deliveries replayed", metadata: [
                "org": "\(org)", "deliveries": "\(deliveries.count)", "events": "\(events)"])
        }
        return deliveries.count
    }

    private func accept(org: OrgID, items: [EventBridgeDecoder.Item]) -> EventBridgeIngest {
        guard state.org(org) != nil else {
            metrics?.eventBridge(org: org, status: 404)
            return .unknownOrg
        }
        var ids: [String] = []
        for case .event(_, let id, _) in items { ids.append(id) }
        var first = state.firstSightings(org: org, ids: ids).makeIterator()
        var accepted = 0, duplicates = 0
        var refused: [(Int, String?, String)] = []
        var events: [JourneyEvent] = []
        for item in items {
            switch item {
            case .event(_, _, let e):
                if first.next() == true {
                    accepted += 1
                    events += e
                } else {
                    duplicates += 1
                }
            case .refused(let i, let id, let reason):
                refused.append((i, id, reason))
            }
        }
        ingest(journeyEvents: events)
        if accepted + duplicates == 0 {
            metrics?.eventBridge(org: org, status: 400)
            return .invalid(Self.answer(accepted: 0, duplicates: 0, refused: refused,
                                        error: "no event in the body could be used; see refused"))
        }
        if !refused.isEmpty {
            logger.notice("EventBridge events refused", metadata: [
                "org": "\(org)", "refused": "\(refused.count)", "first": "\(refused[0].2)"])
        }
        return .accepted(Self.answer(accepted: accepted, duplicates: duplicates, refused: refused, error: nil))
    }

    /// `{"accepted":n,"duplicates":n,"refused":[{"index","id","reason"}]}`, with `"error"` first when the whole
    /// body was refused.
    static func answer(accepted: Int, duplicates: Int, refused: [(Int, String?, String)], error: String?) -> EncodedJSON {
        var o: [UInt8] = [UInt8(ascii: "{")]
        if let error {
            o.append(contentsOf: #""error":"#.utf8)
            JSONText.appendString(error, to: &o)
            o.append(UInt8(ascii: ","))
        }
        o.append(contentsOf: #""accepted":"#.utf8)
        JSONText.appendInt(Int64(accepted), to: &o)
        o.append(contentsOf: #","duplicates":"#.utf8)
        JSONText.appendInt(Int64(duplicates), to: &o)
        o.append(contentsOf: #","refused":["#.utf8)
        for (n, r) in refused.enumerated() {
            if n > 0 { o.append(UInt8(ascii: ",")) }
            o.append(contentsOf: #"{"index":"#.utf8)
            JSONText.appendInt(Int64(r.0), to: &o)
            o.append(contentsOf: #","id":"#.utf8)
            if let id = r.1 { JSONText.appendString(id, to: &o) } else { o.append(contentsOf: "null".utf8) }
            o.append(contentsOf: #","reason":"#.utf8)
            JSONText.appendString(r.2, to: &o)
            o.append(UInt8(ascii: "}"))
        }
        o.append(contentsOf: "]}".utf8)
        return EncodedJSON(bytes: o)
    }

    public nonisolated func eventBridgeRefusal(org: OrgID, apiKey: String?) -> EventBridgeIngest? {
        guard let config = eventBridgeKeys.withLock({ $0[org] }) else {
            metrics?.eventBridge(org: org, status: 404)
            return .unknownOrg
        }
        guard config.accepts(apiKey) else {
            metrics?.eventBridge(org: org, status: 401)
            return .unauthorized
        }
        return nil
    }

    // MARK: Introspection (readiness, tests)

    /// An org's journey figures for `/readyz`; nil for an org without journeys.
    public func status(of org: OrgID) -> JourneyStatus? {
        guard let o = state.org(org) else { return nil }
        let s = o.stitcher
        return JourneyStatus(active: s.activeCount, retained: s.closedCount, buffered: s.bufferedCount,
                             unattributedWaiting: s.orphanCount, evictions: o.evictions)
    }

    /// Events dropped because staging overflowed.
    public var droppedEvents: Int { stagedDrops.load(ordering: .relaxed) }
}

/// One org's journeys on `/readyz`.
public struct JourneyStatus: Sendable, Equatable {
    /// Open journeys.
    public var active: Int
    /// Closed journeys kept for reads.
    public var retained: Int
    /// Events held in the reorder window.
    public var buffered: Int
    /// Events waiting for an event that names their customer.
    public var unattributedWaiting: Int
    /// Closed journeys evicted (retention or caps) since the bridge started.
    public var evictions: Int
}
