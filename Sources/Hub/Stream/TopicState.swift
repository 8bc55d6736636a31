import DequeModule
import NIOCore
import OrderedCollections
import SwitchboardCore

/// One topic's state inside the hub (pure; the hub locks it): the latest fragment per entity, the
/// changes pending for the next flush, the bounded history of deltas, and the subscribers.
struct TopicState {
    struct Key: Hashable {
        let kind: EntityKind
        let id: String
    }

    let topic: HubTopic
    let name: String
    /// Changes when continuity cannot be guaranteed: random per process start; in a cluster, an org topic's is its
    /// leader's (``replace(with:now:)``).
    private(set) var epoch: String
    /// Seq of the last delta (0 before the first).
    private(set) var seq = 0
    /// An entity's latest fragment and the seq of the delta that carried it (-1: not from a delta).
    struct Fragment {
        let json: EncodedJSON
        let seq: Int
    }

    /// Latest fragment per entity, per kind, in first-seen order. Applied at flush time, so a
    /// snapshot at `seq` is exactly the state after delta `seq`.
    private(set) var entities: [EntityKind: OrderedDictionary<String, Fragment>] = [:]
    /// A client that got a snapshot computed from live entities holds, for each entity no delta has carried since,
    /// the snapshot's fragment — not the last delta's. Per such entity, the fields where the two may differ (bits of
    /// its kind's `fieldNames`; ``EntityPatch/FieldNames/whole``: the client may not hold it at all): its next change's patch
    /// also carries those fields, so it applies to either copy (docs/protocol.md "Patches"). Before this, that
    /// change went whole — to every client of the topic, after every subscribe.
    private(set) var divergent: [Key: UInt64] = [:]
    /// Per kind (a kind has a few dozen top-level fields; every kind of `global` together, about 50).
    private(set) var fieldNames: [EntityKind: EntityPatch.FieldNames] = [:]
    /// The live entities the cached snapshot was built from, until their divergence is recorded (once per
    /// snapshot, when it first goes to a client that asked for patches).
    private var cachedLive: LiveEntities?
    /// Subscribers (connection ids) that asked for field-level patches (``EntityPatch``); pruned at each flush.
    var patchSubscribers: Set<Int> = []
    var pending: OrderedDictionary<Key, EncodedJSON?> = [:]
    var pendingSince: ContinuousClock.Instant?
    private(set) var history: Deque<DeltaPayload> = []
    /// Encoded bytes of the deltas in `history` (their frames; each also holds its change fragments).
    private(set) var historyBytes = 0
    private var cachedSnapshot: SharedFrame?
    /// How this topic's deltas compressed lately: what a new one is charged to a compressed client's queue.
    let deflateRatio = DeflateRatio()
    /// When `cachedSnapshot` was built from live entities (nil: built from the deltas alone).
    private var cachedLiveAt: ContinuousClock.Instant?
    var subscribers: [Int: ClientConnection] = [:]

    /// Entities clients may still hold from before a restart that kept the epoch (docs/store.md, "Hub
    /// epoch"): any the views do not send again by the time the hub settles are removed then.
    private(set) var purge: Set<Key> = []

    init(topic: HubTopic, epoch: String = TopicState.newEpoch(), seq: Int = 0, purge: Set<Key> = []) {
        self.topic = topic
        self.name = topic.description
        self.epoch = epoch
        self.seq = seq
        self.purge = purge
    }

    static func newEpoch() -> String { String(UInt64.random(in: 1...UInt64.max), radix: 36) }

    /// The keys of every listed (non-singleton) entity a client of this topic may hold now, as `kind/id`.
    var heldKeys: [String] {
        var out: [String] = []
        for (kind, dict) in entities where !kind.isSingleton { for id in dict.keys { out.append("\(kind.rawValue)/\(id)") } }
        for k in purge { out.append("\(k.kind.rawValue)/\(k.id)") }
        return out
    }

    /// Stages the removal of every entity from before the restart that was not sent again.
    mutating func settlePurge(now: ContinuousClock.Instant) -> Int {
        let gone = purge
        purge = []
        for k in gone {
            pending[k] = .some(nil)
            if pendingSince == nil { pendingSince = now }
        }
        return gone.count
    }

    /// A take-over: every listed entity held now (the previous leader's) is removed at ``takePurge(now:)`` unless
    /// this replica's views send it again before.
    mutating func holdEveryEntity() {
        purge = []
        for (kind, dict) in entities where !kind.isSingleton { for id in dict.keys { purge.insert(Key(kind: kind, id: id)) } }
    }

    /// Stages the removal of every held entity that was not sent again, and returns their keys.
    mutating func takePurge(now: ContinuousClock.Instant) -> [Key] {
        let gone = purge.filter { entities[$0.kind]?[$0.id] != nil }
        _ = settlePurge(now: now)
        return Array(gone)
    }

    /// Forgets the entities held for a take-over (the org was given up before it settled).
    mutating func dropPurge() { purge = [] }

    var hasPending: Bool { !pending.isEmpty }

    /// Records the latest state of an entity for the next flush (latest wins).
    mutating func stage(_ change: EntityChange, now: ContinuousClock.Instant) {
        let key = Key(kind: change.kind, id: change.id)
        if !purge.isEmpty { purge.remove(key) }
        pending[key] = .some(change.json)
        if pendingSince == nil { pendingSince = now }
    }

    /// Applies the pending changes and returns the delta encoding them (nil when nothing is pending).
    ///
    /// Paced entities (``EntityKind/isPaced``) go in up to `pacedBytes` of fragments per delta, in the order they
    /// were staged; the rest stay pending for the next flushes. Every other change goes out at once. A snapshot is
    /// the state after the last delta, so a client that subscribes meanwhile gets the rest in the next deltas.
    mutating func flush(at: EpochMillis, now: ContinuousClock.Instant, historySize: Int,
                        historyMaxAge: Duration, historyMaxBytes: Int = .max, pacedBytes: Int = .max) -> DeltaPayload? {
        pruneHistory(now: now, size: historySize, maxAge: historyMaxAge, maxBytes: historyMaxBytes)
        guard !pending.isEmpty else { return nil }
        let delta: DeltaPayload
        if let (out, later) = Self.splitPaced(pending, budget: pacedBytes) {
            delta = commit(out, seq: seq + 1, at: at, publishedAt: pendingSince ?? now, now: now)
            pending = later  // pendingSince stays: what waits was published then
        } else {
            delta = commit(pending, seq: seq + 1, at: at, publishedAt: pendingSince ?? now, now: now)
            pending.removeAll(keepingCapacity: true)
            pendingSince = nil
        }
        pruneHistory(now: now, size: historySize, maxAge: historyMaxAge, maxBytes: historyMaxBytes)
        return delta
    }

    /// `pending` cut in two when its paced fragments exceed `budget`: what goes now (every unpaced change and the
    /// first paced ones within the budget — at least one with bytes, so a burst always drains) and what waits. Nil (nothing
    /// copied) when everything fits. A removal counts as nothing.
    static func splitPaced(_ pending: OrderedDictionary<Key, EncodedJSON?>, budget: Int)
        -> (now: OrderedDictionary<Key, EncodedJSON?>, later: OrderedDictionary<Key, EncodedJSON?>)?
    {
        guard budget < .max else { return nil }
        var paced = 0
        for (key, json) in pending where key.kind.isPaced {
            paced += json?.bytes.count ?? 0
            if paced > budget { break }
        }
        guard paced > budget else { return nil }
        var now: OrderedDictionary<Key, EncodedJSON?> = [:]
        var later: OrderedDictionary<Key, EncodedJSON?> = [:]
        var spent = 0
        for (key, json) in pending {
            let size = json?.bytes.count ?? 0
            // Once one paced change waits, every later one does (their order is kept).
            if !key.kind.isPaced || later.isEmpty && (spent == 0 || spent + size <= budget) {
                now[key] = json
                if key.kind.isPaced { spent += size }
            } else {
                later[key] = json
            }
        }
        return (now, later)
    }

    /// Applies `changes` as the delta `next` (the next seq): entities updated, the delta encoded once (with
    /// patches while someone asked for them) and appended to the history. A flush's pending changes, or a delta
    /// another replica flushed (TopicState+Remote).
    mutating func commit(_ changes: OrderedDictionary<Key, EncodedJSON?>, seq next: Int, at: EpochMillis,
                         publishedAt: ContinuousClock.Instant, now: ContinuousClock.Instant) -> DeltaPayload {
        if !patchSubscribers.isEmpty { patchSubscribers = patchSubscribers.filter { subscribers[$0] != nil } }
        // Patches are worked out only while someone asked for them; every client also gets the whole-record form.
        let patches = !patchSubscribers.isEmpty
        var records: [ChangeRecord] = []
        records.reserveCapacity(changes.count)
        for (key, json) in changes {
            var patch: [UInt8]?
            if let json {
                // Not for a singleton (`occupancy`): a client holds one object for the kind, whatever its id.
                let also = divergent.isEmpty ? 0 : divergent.removeValue(forKey: key) ?? 0
                if patches, !key.kind.isSingleton, also & EntityPatch.FieldNames.whole == 0,
                   let old = entities[key.kind]?[key.id] {
                    patch = EntityPatch.make(old: old.json.bytes, new: json.bytes, also: also, names: fieldNames[key.kind])
                }
                entities[key.kind, default: [:]][key.id] = Fragment(json: json, seq: next)
            } else {
                entities[key.kind]?.removeValue(forKey: key.id)
                if !divergent.isEmpty { divergent.removeValue(forKey: key) }
            }
            records.append(ChangeRecord(kind: key.kind, id: key.id, json: json, patch: patch))
        }
        seq = next
        let delta = DeltaPayload(topic: name, epoch: epoch, fromSeq: seq, seq: seq, at: at, changes: records,
                                 publishedAt: publishedAt, flushedAt: now, patches: patches, ratio: deflateRatio)
        invalidateSnapshot()
        history.append(delta)
        historyBytes += delta.buffer.readableBytes
        return delta
    }

    /// Every entity's fragment now, kinds in the snapshot's order (for another replica to start from).
    var allEntities: [(Key, EncodedJSON)] {
        var kinds: [EntityKind] = topic.family?.kinds ?? [.orgs, .occupancy, .agents, .queues]
        kinds = kinds.compactMap { k in entities.keys.first { $0 == k } }
        kinds += entities.keys.filter { !kinds.contains($0) }.sorted()
        var out: [(Key, EncodedJSON)] = []
        for kind in kinds { for (id, f) in entities[kind] ?? [:] { out.append((Key(kind: kind, id: id), f.json)) } }
        return out
    }

    /// Starts over from another replica's state of this topic: its epoch, seq and entities; the history is
    /// emptied (no client can resume into the new epoch from here), pending changes dropped.
    mutating func replace(epoch: String, seq: Int, entities list: [(Key, EncodedJSON)]) {
        self.epoch = epoch
        self.seq = seq
        entities = [:]
        for (key, json) in list { entities[key.kind, default: [:]][key.id] = Fragment(json: json, seq: seq) }
        history.removeAll()
        historyBytes = 0
        pending.removeAll()
        pendingSince = nil
        purge = []
        divergent = [:]
        invalidateSnapshot()
    }

    /// The deltas after `seq` when the history still holds all of them; nil when the client is too far
    /// behind (or ahead, or on another epoch) and needs a snapshot.
    func missedDeltas(epoch: String, after since: Int) -> ArraySlice<DeltaPayload>? {
        guard epoch == self.epoch, since <= seq, since >= 0 else { return nil }
        if since == seq { return [] }
        guard let first = history.first, first.fromSeq <= since + 1 else { return nil }
        let start = history.firstIndex { $0.seq > since } ?? history.endIndex
        return ArraySlice(history[start...])
    }

    /// A snapshot frame built from live entities less than `maxAge` ago at the current seq, if any: a
    /// burst of subscribers shares one computation.
    func freshSnapshot(now: ContinuousClock.Instant, maxAge: Duration) -> SharedFrame? {
        guard let cachedSnapshot, let builtAt = cachedLiveAt, now - builtAt < maxAge else { return nil }
        return cachedSnapshot
    }

    /// The snapshot frame at the current seq.
    ///
    /// With `live` entities (computed by the views at `live.at`, after everything already published), the
    /// kinds they cover are taken from them and every other kind from the latest deltas: the figures are
    /// those at `at`, not those of each entity's last delta. Deltas after the current seq still apply on
    /// top (they carry the latest state of each entity they name). Without `live` (no views attached),
    /// the snapshot is the state after the last delta, built once per flush.
    /// - Parameter syntheticOrgs: org entries to add when the views have not published one (id → JSON).
    mutating func snapshot(at: EpochMillis, syntheticOrgs: [(OrgID, EncodedJSON)], live: LiveEntities? = nil,
                           now: ContinuousClock.Instant = .now) -> SharedFrame {
        if live == nil, cachedLiveAt == nil, let cachedSnapshot { return cachedSnapshot }
        let frame = SharedFrame(HubFrame.snapshot(topic: name, epoch: epoch, seq: seq, at: live?.at ?? at,
                                                  data: snapshotData(syntheticOrgs: syntheticOrgs, live: live)))
        cachedSnapshot = frame
        cachedLiveAt = live == nil ? nil : now
        cachedLive = live
        return frame
    }

    /// A snapshot computed from live entities (``snapshot(at:syntheticOrgs:live:now:)`` with `live`, or
    /// ``freshSnapshot(now:maxAge:)``) is being sent to a stream client at the current seq. For a client that
    /// asked for patches, records where each entity of the snapshot may differ from the topic's last fragment
    /// (``divergent``); a client that did not ask is sent whole records whatever it holds.
    mutating func liveSnapshotSent(patches: Bool) {
        guard patches, let live = cachedLive else { return }
        cachedLive = nil
        var inSnapshot: Set<Key> = []
        inSnapshot.reserveCapacity(live.changes.count)
        for change in live.changes where live.kinds.contains(change.kind) && covers(change.scope) {
            guard let json = change.json, !change.kind.isSingleton else { continue }
            let key = Key(kind: change.kind, id: change.id)
            inSnapshot.insert(key)
            // An entity no delta carried yet has no fragment here: its first change goes whole anyway.
            guard let last = entities[change.kind]?[change.id] else { continue }
            let bits = EntityPatch.divergence(last.json.bytes, json.bytes, names: &fieldNames[change.kind, default: .init()])
            if bits != 0 { divergent[key, default: 0] |= bits }
        }
        // Held here but not in the snapshot: that client does not have it.
        for kind in live.kinds where !kind.isSingleton {
            for id in entities[kind]?.keys ?? [] {
                let key = Key(kind: kind, id: id)
                if !inSnapshot.contains(key) { divergent[key] = EntityPatch.FieldNames.whole }
            }
        }
    }

    mutating func invalidateSnapshot() {
        cachedSnapshot = nil
        cachedLiveAt = nil
        cachedLive = nil
    }

    /// Whether a change of `scope` belongs to this topic (as ``StreamHub/publish(_:)`` routes it).
    func covers(_ scope: ChangeScope) -> Bool {
        switch (topic, scope) {
        case (.global, .global), (.global, .org): true
        case (.org(let mine), .org(let o)), (.org(let mine), .orgOnly(let o)): mine == o
        case (.familyGlobal(let f), .familyGlobal(let g)), (.familyGlobal(let f), .family(let g, _)): f == g
        case (.family(let f, let mine), .family(let g, let o)), (.family(let f, let mine), .familyOrgOnly(let g, let o)):
            f == g && mine == o
        default: false
        }
    }

    /// `{"orgs":[…],"occupancy":{…}|null,"agents":[…],"queues":[…], …other kinds}`; on a speech topic
    /// `{"calls":[…],"agents":[…],"queues":[…],"orgs":[…],"totals":{…}|null}`.
    private func snapshotData(syntheticOrgs: [(OrgID, EncodedJSON)], live: LiveEntities?) -> [UInt8] {
        var entities = self.entities
        if let live {
            for kind in live.kinds { entities[kind] = [:] }
            for change in live.changes where live.kinds.contains(change.kind) && covers(change.scope) {
                if let json = change.json { entities[change.kind, default: [:]][change.id] = Fragment(json: json, seq: -1) }
            }
        }
        var kinds: [EntityKind] = topic.family?.kinds ?? [.orgs, .occupancy, .agents, .queues]
        kinds += entities.keys.filter { !kinds.contains($0) }.sorted()
        var size = 64
        for (_, dict) in entities { for (_, v) in dict { size += v.json.bytes.count + 1 } }
        var o: [UInt8] = []
        o.reserveCapacity(size)
        o.append(UInt8(ascii: "{"))
        for (i, kind) in kinds.enumerated() {
            if i > 0 { o.append(UInt8(ascii: ",")) }
            JSONText.appendString(kind.rawValue, to: &o)
            o.append(UInt8(ascii: ":"))
            let dict = entities[kind] ?? [:]
            let singleton = entities.keys.first { $0 == kind }?.isSingleton ?? kind.isSingleton
            if singleton {
                if let v = dict.values.last { o.append(contentsOf: v.json.bytes) } else { o.append(contentsOf: "null".utf8) }
                continue
            }
            o.append(UInt8(ascii: "["))
            var first = true
            for (_, v) in dict {
                if !first { o.append(UInt8(ascii: ",")) }
                first = false
                o.append(contentsOf: v.json.bytes)
            }
            if kind == .orgs {
                for (org, json) in syntheticOrgs where dict[org.rawValue] == nil {
                    if !first { o.append(UInt8(ascii: ",")) }
                    first = false
                    o.append(contentsOf: json.bytes)
                }
            }
            o.append(UInt8(ascii: "]"))
        }
        o.append(UInt8(ascii: "}"))
        return o
    }

    /// Drops the oldest deltas past the count, the age or the byte bound; the newest delta is kept whatever
    /// its size (a client one delta behind always resumes).
    mutating func pruneHistory(now: ContinuousClock.Instant, size: Int, maxAge: Duration, maxBytes: Int = .max) {
        while let first = history.first,
              history.count > max(size, 0) || now - first.flushedAt > maxAge || (historyBytes > maxBytes && history.count > 1) {
            historyBytes -= first.buffer.readableBytes
            history.removeFirst()
        }
    }
}
