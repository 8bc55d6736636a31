import Journeys
import SwitchboardConfig
import SwitchboardCore

/// The journey views' state (time passed in): one ``Journeys/JourneyStitcher`` per org with a `journeys:`
/// section, its figures, what is on the `journeys:*` topics, and the changes to publish next.
struct JourneyViewState: Sendable {
    /// A closed journey stays on the topics this long (business time) after it closed.
    static let closedLinger: EpochMillis = 60_000

    struct Org: Sendable {
        let id: OrgID
        var config: OrgJourneysConfig
        var stitcher: JourneyStitcher
        var redactor: CustomerKeyRedactor
        var figures = JourneyFigures()
        /// Every customer key of the org's journeys (open and retained) with how many journeys carry it, the keys
        /// each journey counted, and the keys' hashed tokens, so a search may use a displayed hash.
        var keys: [CustomerKey: Int] = [:]
        var journeyKeys: [EntityID: [CustomerKey]] = [:]
        var tokens: [String: CustomerKey] = [:]
        /// What was last published per queue (platform id) and for the org.
        var shownQueues: [String: JourneyRollup] = [:]
        var shownOrg: JourneyRollup?
        var evictions = 0
        /// EventBridge event ids seen (a retried delivery is a duplicate).
        var eventBridgeSeen = RecentIDs(capacity: 100_000)
        /// Stored deliveries read back already (JourneyViewState+EventBridge.swift).
        var deliveriesRead = RecentIDs(capacity: 10_000)
    }

    private(set) var orgs: [OrgID: Org] = [:]
    private(set) var salt: Secret
    /// Business seconds per real second (the reorder window is a network allowance: real time, scaled by this).
    var speed: Double
    let metrics: JourneyMetrics?
    /// Whether journeys evicted by a cap are kept as records for a ``JourneyArchive`` (a store is configured).
    var archiving = false
    /// Records of journeys evicted by a cap since the last ``takeArchived()``.
    private var archived: [StoredJourney] = []

    /// Journeys on the topics; closed ones with the time they leave.
    private(set) var onTopic: Set<EntityID> = []
    private(set) var lingering: [EntityID: EpochMillis] = [:]

    // The next publication.
    private var dirtyJourneys: [EntityID: Journey] = [:]
    private var dirtyOrder: [EntityID] = []
    private var removals: [EntityChange] = []
    private var dirtyOrgs: Set<OrgID> = []
    var totalsDirty = false
    private var totalsShown = false
    /// In a cluster (JourneyViewState+Remote.swift): the orgs led elsewhere and their leaders' parts.
    var remote = RemoteTotalsParts<JourneyTotalsPart>()

    init(salt: Secret, speed: Double, metrics: JourneyMetrics?) {
        self.salt = salt
        self.speed = speed
        self.metrics = metrics
    }

    // MARK: Configuration

    /// The stitcher's rules for an org's section; the reorder window is scaled to business time.
    static func stitcherConfiguration(_ c: OrgJourneysConfig, speed: Double) -> JourneyStitcher.Configuration {
        let policy = (try? CustomerKeyPolicy(defaultCountry: c.defaultCountry, sources: c.identity))
            ?? CustomerKeyPolicy(sources: c.identity, phone: try! PhoneNumberNormalizer(defaultCountry: "US"))
        let window = Double(c.reorderWindow.milliseconds) * max(speed, 1)
        return JourneyStitcher.Configuration(
            identity: policy, sessionTimeout: max(1, c.sessionTimeout.milliseconds),
            idleGrace: max(0, c.idleGrace.milliseconds), reorderWindow: EpochMillis(window.rounded()),
            retention: max(1, c.retention.milliseconds), maxClosedJourneys: c.maxClosed)
    }

    /// Applies the orgs' sections and the salt (a reload changes them live): orgs are added, reconfigured
    /// (journeys kept) or removed (their entities leave the topics).
    mutating func configure(orgs sections: [(OrgID, OrgJourneysConfig)], salt newSalt: Secret, now: EpochMillis) {
        let saltChanged = newSalt != salt
        salt = newSalt
        let wanted = Set(sections.map(\.0))
        for id in orgs.keys.sorted() where !wanted.contains(id) { remove(id) }
        for (id, c) in sections {
            // Taken out and put back (here and below): `var o = orgs[id]` would leave a second reference to the
            // org's tables, and the stitcher's first write to each would copy it whole (copy-on-write) — a cost
            // that grew with the journeys held (bench `--only journeys`, docs/performance.md).
            guard var o = orgs.removeValue(forKey: id) else {
                let stitcher = JourneyStitcher(org: id, configuration: Self.stitcherConfiguration(c, speed: speed))
                orgs[id] = Org(id: id, config: c, stitcher: stitcher, redactor: Self.redactor(salt, c.showCustomer))
                dirtyOrgs.insert(id)
                totalsDirty = true
                continue
            }
            let before = o.config
            o.config = c
            if saltChanged || before.showCustomer != c.showCustomer {
                o.redactor = Self.redactor(salt, c.showCustomer)
                if saltChanged {
                    o.tokens = Dictionary(o.keys.keys.map { (o.redactor.token(for: $0), $0) }, uniquingKeysWith: { a, _ in a })
                }
            }
            let rules = Self.stitcherConfiguration(c, speed: speed)
            var actions: [JourneyStitcher.Action] = []
            if rules != o.stitcher.configuration { actions = o.stitcher.reconfigure(rules, now: now) }
            orgs[id] = o
            if saltChanged || before.showCustomer != c.showCustomer {
                // The customer is shown differently: every journey on the topics is sent again.
                for jid in onTopic where jid.org == id {
                    if let j = o.stitcher.journey(jid) { mark(j) }
                }
            }
            process(id, actions, now: now)
        }
    }

    static func redactor(_ salt: Secret, _ mode: CustomerKeyRedactor.Mode) -> CustomerKeyRedactor {
        // The salt is checked by the configuration (≥ 16 characters) or random; this never fails.
        (try? CustomerKeyRedactor(salt: salt, mode: mode))
            ?? (try! CustomerKeyRedactor(salt: Secret(String(repeating: "0", count: 32)), mode: mode))
    }

    /// An org leaves: its journeys, queues, org entity and totals are removed from the topics.
    private mutating func remove(_ id: OrgID) {
        guard let o = orgs.removeValue(forKey: id) else { return }
        let family = TopicFamily.journeys
        for jid in onTopic.sorted() where jid.org == id {
            removals.append(EntityChange(kind: .journeys, id: jid.description, scope: .family(family, id), json: nil))
            onTopic.remove(jid)
            lingering[jid] = nil
            if dirtyJourneys.removeValue(forKey: jid) != nil { dirtyOrder.removeAll { $0 == jid } }
        }
        for q in o.shownQueues.keys.sorted() {
            removals.append(EntityChange(kind: .queues, id: EntityID(org: id, platformID: q).description,
                                         scope: .family(family, id), json: nil))
        }
        if o.shownOrg != nil {
            removals.append(EntityChange(kind: .orgs, id: id.rawValue, scope: .family(family, id), json: nil))
            removals.append(EntityChange(kind: .totals, id: id.rawValue, scope: .familyOrgOnly(family, id), json: nil))
        }
        dirtyOrgs.remove(id)
        totalsDirty = true
    }

    // MARK: Input and time

    /// Events received now, in arrival order; events of orgs without journeys are dropped.
    mutating func ingest(_ events: [JourneyEvent], now: EpochMillis) {
        guard !events.isEmpty else { return }
        var byOrg: [OrgID: [JourneyEvent]] = [:]
        var order: [OrgID] = []
        for e in events {
            if byOrg[e.org] == nil { order.append(e.org) }
            byOrg[e.org, default: []].append(e)
        }
        for org in order {
            guard let batch = byOrg[org], var o = orgs.removeValue(forKey: org) else { continue }
            if let metrics {
                var bySource: [JourneyEvent.Source: Int] = [:]
                for e in batch { bySource[e.source, default: 0] += 1 }
                for (s, n) in bySource { metrics.events(org: org, source: s.rawValue, count: n) }
            }
            let actions = o.stitcher.ingest(batch, now: now)
            orgs[org] = o
            process(org, actions, now: now)
        }
    }

    /// Ticks every stitcher whose deadline passed and removes closed journeys whose linger ended.
    mutating func advance(now: EpochMillis) {
        for id in orgs.keys.sorted() {
            guard let due = orgs[id]?.stitcher.nextDeadline, due <= now, var o = orgs.removeValue(forKey: id) else { continue }
            let actions = o.stitcher.tick(now: now)
            orgs[id] = o
            process(id, actions, now: now)
        }
        guard !lingering.isEmpty else { return }
        for (jid, at) in lingering.sorted(by: { $0.key < $1.key }) where at <= now {
            lingering[jid] = nil
            takeOffTopic(jid)
        }
    }

    /// The earliest time ``advance(now:)`` has something to do; nil when nothing is pending.
    var nextDeadline: EpochMillis? {
        (orgs.values.compactMap(\.stitcher.nextDeadline) + [lingering.values.min()].compactMap { $0 }).min()
    }

    private mutating func takeOffTopic(_ jid: EntityID) {
        guard onTopic.remove(jid) != nil else { return }
        if dirtyJourneys.removeValue(forKey: jid) != nil { dirtyOrder.removeAll { $0 == jid } }
        removals.append(EntityChange(kind: .journeys, id: jid.description, scope: .family(.journeys, jid.org), json: nil))
    }

    /// Performs a stitcher's actions: figures, topics, keys, metrics.
    private mutating func process(_ org: OrgID, _ actions: [JourneyStitcher.Action], now: EpochMillis) {
        guard !actions.isEmpty, var o = orgs.removeValue(forKey: org) else { return }
        var changed = false
        var late = 0, duplicates = 0, unattributed = 0, evicted = 0
        for a in actions {
            o.figures.record(a)
            switch a {
            case .journeyOpened(let j), .journeyChanged(let j):
                changed = true
                learn(j, &o)
                // A closed journey changed by a late event: sent again only while it is still on the topics.
                if !j.isClosed || lingering[j.id] != nil { mark(j) }
            case .journeyClosed(let j):
                changed = true
                learn(j, &o)
                mark(j)
                lingering[j.id] = now + Self.closedLinger
            case .lateEvent: late += 1
            case .duplicateDropped: duplicates += 1
            case .unattributed(_, let n): unattributed += n
            case .evicted(let j, let reason):
                // Past retention a journey is gone; pushed out by a cap it goes to the store.
                if archiving && reason != .expired { archived.append(JourneyRecord.make(j, redactor: o.redactor)) }
                evicted += 1
                o.evictions += 1
                lingering[j.id] = nil
                takeOffTopic(j.id)
                forget(j, &o)
            }
        }
        orgs[org] = o
        if changed { dirtyOrgs.insert(org) }
        if let metrics {
            metrics.late(org: org, count: late)
            metrics.duplicates(org: org, count: duplicates)
            metrics.unattributed(org: org, count: unattributed)
            metrics.evictions(org: org, count: evicted)
            if changed { metrics.active(org: org, o.stitcher.activeCount) }
        }
    }

    private mutating func mark(_ j: Journey) {
        onTopic.insert(j.id)
        if dirtyJourneys.updateValue(j, forKey: j.id) == nil { dirtyOrder.append(j.id) }
    }

    /// Counts the keys of a journey not counted for it yet (a key learnt later is an alias).
    private func learn(_ j: Journey, _ o: inout Org) {
        var counted = o.journeyKeys[j.id] ?? []
        for k in [j.customer] + j.aliases where !counted.contains(k) {
            counted.append(k)
            o.keys[k, default: 0] += 1
            if o.keys[k] == 1 { o.tokens[o.redactor.token(for: k)] = k }
        }
        o.journeyKeys[j.id] = counted
    }

    /// An evicted journey's keys: those no other journey carries are forgotten.
    private func forget(_ j: Journey, _ o: inout Org) {
        for k in o.journeyKeys.removeValue(forKey: j.id) ?? [] {
            let n = (o.keys[k] ?? 1) - 1
            if n > 0 {
                o.keys[k] = n
            } else {
                o.keys[k] = nil
                o.tokens[o.redactor.token(for: k)] = nil
            }
        }
    }

    // MARK: Output

    /// The records of journeys evicted by a cap since the last call (for the archive).
    mutating func takeArchived() -> [StoredJourney] {
        defer { archived = [] }
        return archived
    }

    /// Records of every closed journey still in memory (kept at a graceful shutdown).
    func retainedRecords() -> [StoredJourney] {
        orgs.keys.sorted().flatMap { id in
            orgs[id]!.stitcher.closedJourneys.map { JourneyRecord.make($0, redactor: orgs[id]!.redactor) }
        }
    }

    /// The changes since the last call, each entity encoded once: removals, journeys, then the figures of the
    /// orgs that changed (queues, the org, its totals) and the global totals.
    mutating func takeChanges() -> [EntityChange] {
        let family = TopicFamily.journeys
        var out = removals
        removals = []
        for jid in dirtyOrder {
            guard let j = dirtyJourneys[jid], let o = orgs[jid.org] else { continue }
            out.append(EntityChange(kind: .journeys, id: jid.description, scope: .family(family, jid.org),
                                    json: JourneyJSON.journey(j, redactor: o.redactor)))
        }
        dirtyJourneys = [:]
        dirtyOrder = []
        for id in dirtyOrgs.sorted() {
            guard var o = orgs.removeValue(forKey: id) else { continue }
            for q in o.figures.queues.keys.sorted() {
                let r = JourneyRollup(o.figures.queues[q]!)
                guard o.shownQueues[q] != r else { continue }
                o.shownQueues[q] = r
                let qid = EntityID(org: id, platformID: q).description
                out.append(EntityChange(kind: .queues, id: qid, scope: .family(family, id),
                                        json: JourneyJSON.rollup(id: qid, org: id, r)))
            }
            let r = JourneyRollup(o.figures)
            if o.shownOrg != r {
                o.shownOrg = r
                out.append(EntityChange(kind: .orgs, id: id.rawValue, scope: .family(family, id),
                                        json: JourneyJSON.rollup(id: id.rawValue, org: id, r)))
                out.append(EntityChange(kind: .totals, id: id.rawValue, scope: .familyOrgOnly(family, id),
                                        json: JourneyJSON.rollup(id: id.rawValue, org: nil, r)))
                totalsDirty = true
            }
            orgs[id] = o
        }
        dirtyOrgs = []
        if totalsDirty {
            totalsDirty = false
            if orgs.isEmpty {
                if totalsShown {
                    out.append(EntityChange(kind: .totals, id: "global", scope: .familyGlobal(family), json: nil))
                    totalsShown = false
                }
            } else {
                out.append(EntityChange(kind: .totals, id: "global", scope: .familyGlobal(family),
                                        json: JourneyJSON.rollup(id: "global", org: nil, globalTotals)))
                totalsShown = true
            }
        }
        return out
    }

    // MARK: Reads

    /// A journey by id (a read marks a retained one used).
    mutating func journey(_ id: EntityID) -> (Journey, CustomerKeyRedactor)? {
        guard let j = orgs[id.org]?.stitcher.journey(id), var o = orgs.removeValue(forKey: id.org) else { return nil }
        if j.isClosed { o.stitcher.touch(id) }
        orgs[id.org] = o
        return (j, o.redactor)
    }

    /// An org's journeys of what a user typed, newest first; nil when the org has no journeys.
    mutating func search(org: OrgID, typed: String) -> Result<SearchFound, SearchProblem>? {
        guard var o = orgs[org] else { return nil }
        let text = typed.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return .failure(.init(reason: "customer is empty; type a phone number, an email "
            + "address, an external contact id or a displayed hash")) }
        var keys: [CustomerKey] = []
        if let k = o.tokens[text.lowercased()] { keys.append(k) }
        if let k = o.stitcher.configuration.identity.key(searching: text) { keys.append(k) }
        if !text.contains(":") && !text.contains("#") {
            // A bare id may be an external contact id or a messaging id as well as what its shape suggests.
            keys.append(CustomerKey(kind: .externalContact, value: text))
            keys.append(CustomerKey(kind: .messaging, value: text))
        }
        // What a store searches by: the salted hashes of those keys, and a displayed hash typed as is.
        var hashes = keys.map { o.redactor.token(for: $0) }
        let lowered = text.lowercased()
        if Self.looksLikeToken(lowered) && !hashes.contains(lowered) { hashes.append(lowered) }
        var seen: Set<EntityID> = []
        var found: [Journey] = []
        for k in keys {
            for j in o.stitcher.journeys(customer: k) where seen.insert(j.id).inserted { found.append(j) }
        }
        found.sort { ($0.openedAt, $0.id) > ($1.openedAt, $1.id) }
        for j in found where j.isClosed { o.stitcher.touch(j.id) }
        orgs[org] = o
        return .success(SearchFound(journeys: found, redactor: o.redactor, hashes: hashes))
    }

    struct SearchFound {
        /// In memory, newest first.
        var journeys: [Journey]
        var redactor: CustomerKeyRedactor
        /// The salted hashes to look for in the store.
        var hashes: [String]
    }

    struct SearchProblem: Error {
        var reason: String
    }

    /// `kind#` and 16 hex digits (``CustomerKeyRedactor/token(for:)``).
    static func looksLikeToken(_ s: String) -> Bool {
        guard let hash = s.firstIndex(of: "#"), CustomerKey.Kind(rawValue: String(s[..<hash])) != nil else { return false }
        let digits = s[s.index(after: hash)...]
        return digits.count == 16 && digits.allSatisfy(\.isHexDigit)
    }

    /// Whether an org has journeys, and its EventBridge section.
    func org(_ id: OrgID) -> Org? { orgs[id] }


    /// Records EventBridge event ids: true for each id not seen before (in order; a repeat within the batch is a
    /// duplicate too).
    mutating func firstSightings(org: OrgID, ids: [String]) -> [Bool] {
        guard var o = orgs.removeValue(forKey: org) else { return ids.map { _ in false } }
        let out = ids.map { o.eventBridgeSeen.insert($0) }
        orgs[org] = o
        return out
    }

    /// Records a stored delivery read back (its receive time and body): true the first time, so a catch-up that
    /// reads the same deliveries again does not decode them again.
    mutating func firstRead(org: OrgID, receivedAt: EpochMillis, body: [UInt8]) -> Bool {
        guard orgs[org] != nil else { return false }
        return orgs[org]!.deliveriesRead.insert(hash: RecentIDs.hash(bytes: body, seed: UInt64(bitPattern: receivedAt)))
    }
}
