import NIOCore
import Synchronization
import SwitchboardCore

/// What a subscriber asked to receive of a topic (`"select"` on `subscribe`, docs/protocol.md "Selecting kinds
/// and fields"): some of its kinds, and of each either every field or the named ones. A wall of agent tiles on a
/// regional link takes `{"agents":["presence","routingStatus","state","stateSince","band"],"orgs":["status"]}` and
/// is sent those fields as they change — not the figures that move every turn, nor queues, utilization or quality.
///
/// Selecting implies field-level patches: a change whose patch moves none of the selected fields leaves nothing
/// for the client, so it is left out of its delta. A delta keeps its `seq` even when nothing in it was selected
/// (`"changes":[]`): clients keep checking continuity as always.
///
/// Equal selections (the same kinds and fields, in any order) share one projection of each message, made once on
/// first demand and kept with the message (``SelectionCache``), so a thousand walls with the same
/// selection cost one projection per delta, not a thousand. Written here rather than taken from a JSON library for
/// the reason ``EntityPatch`` gives: it cuts members out of our own encoder's output without decoding values.
struct StreamSelection: Hashable, Sendable {
    /// Per kind (its raw value, the collection's name in a snapshot's `data`): nil = every field, else the
    /// names kept (as bytes, sorted) besides `id`, which is always kept.
    let kinds: [String: [[UInt8]]?]
    /// Kinds and fields sorted, as text: equal selections have equal keys.
    let key: String

    /// The kinds a selection may name: every kind a topic holds (EntityKind).
    static let knownKinds: [String] = ["agents", "calls", "journeys", "occupancy", "orgs", "quality", "queues",
                                       "totals", "utilization"]
    /// Most fields one kind may name (an entity has a few dozen).
    static let maxFields = 64

    static func == (a: StreamSelection, b: StreamSelection) -> Bool { a.key == b.key }
    func hash(into h: inout Hasher) { h.combine(key) }

    /// Validates a subscribe's `select`; the error says which entry is wrong and how to write it.
    static func make(_ spec: SelectSpec) -> Result<StreamSelection, StreamSelectionError> {
        guard case .kinds(let raw) = spec else {
            return .failure(.init(#"select must be an object naming kinds, e.g. {"agents":["presence","stateSince"],"orgs":true}"#))
        }
        guard !raw.isEmpty else {
            return .failure(.init("select names no kind: name at least one of \(knownKinds.joined(separator: ", ")), or leave select out for everything"))
        }
        var kinds: [String: [[UInt8]]?] = [:]
        var parts: [String] = []
        for (kind, field) in raw.sorted(by: { $0.key < $1.key }) {
            guard knownKinds.contains(kind) else {
                return .failure(.init("select.\(kind): not a kind; kinds are \(knownKinds.joined(separator: ", "))"))
            }
            switch field {
            case .all:
                kinds[kind] = .some(nil)
                parts.append("\(kind)=*")
            case .fields(let names):
                guard names.count <= maxFields else {
                    return .failure(.init("select.\(kind): \(names.count) fields, at most \(maxFields); use true for every field"))
                }
                for (i, n) in names.enumerated() where !isFieldName(n) {
                    return .failure(.init("select.\(kind)[\(i)]: \(n.debugDescription) is not a field name (letters, digits and _, as in the snapshot's entities)"))
                }
                let sorted = Set(names).subtracting(["id"]).sorted()
                kinds[kind] = .some(sorted.map { Array($0.utf8) })
                parts.append("\(kind)=" + sorted.joined(separator: ","))
            case .invalid(let what):
                return .failure(.init("select.\(kind): \(what); give true for every field or a list of field names, e.g. [\"presence\",\"stateSince\"]"))
            }
        }
        return .success(StreamSelection(kinds: kinds, key: parts.joined(separator: ";")))
    }

    private static func isFieldName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 64 && s.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
        }
    }

    // MARK: Projection

    /// Whether `key` (a member's key bytes) is kept for a kind selected with `fields` (nil: every field).
    private static func keeps(_ key: ArraySlice<UInt8>, _ fields: [[UInt8]]?) -> Bool {
        guard let fields else { return true }
        if key.elementsEqual("id".utf8) { return true }
        return fields.contains { $0.elementsEqual(key) }
    }

    /// The object in `b[range]` with only the kept members, appended to `o` (as it was when it is not an object).
    static func appendObject(_ b: [UInt8], _ range: Range<Int>, fields: [[UInt8]]?, to o: inout [UInt8]) {
        guard let fields, let members = EntityPatch.members(b, in: range) else {
            o.append(contentsOf: b[range])
            return
        }
        o.append(UInt8(ascii: "{"))
        var first = true
        for m in members where keeps(b[m.key], fields) { EntityPatch.append(m, of: b, to: &o, first: &first) }
        o.append(UInt8(ascii: "}"))
    }

    /// A change's `,"patch":{…}[,"unset":[…]]` splice (``EntityPatch/make``) with only the kept fields; nil when
    /// none is left (the change moved nothing this selection shows).
    static func projectPatch(_ p: [UInt8], fields: [[UInt8]]?) -> [UInt8]? {
        guard let fields else { return p }
        let head = Array(#","patch":"#.utf8)
        guard p.count > head.count, p.starts(with: head),
              let objectEnd = EntityPatch.valueEnd(p, head.count),
              let members = EntityPatch.members(p, in: head.count..<objectEnd) else { return p }
        var o = head
        o.append(UInt8(ascii: "{"))
        var kept = 0, first = true
        for m in members where keeps(p[m.key], fields) {
            EntityPatch.append(m, of: p, to: &o, first: &first)
            kept += 1
        }
        o.append(UInt8(ascii: "}"))
        let unsetHead = Array(#","unset":"#.utf8)
        var unset = 0
        if p.count > objectEnd + unsetHead.count, p[objectEnd...].starts(with: unsetHead),
           let arrayEnd = EntityPatch.valueEnd(p, objectEnd + unsetHead.count),
           let names = EntityPatch.elements(p, in: (objectEnd + unsetHead.count)..<arrayEnd) {
            for n in names where n.count >= 2 && keeps(p[(n.lowerBound + 1)..<(n.upperBound - 1)], fields) {
                o.append(contentsOf: unset == 0 ? #","unset":["#.utf8 : ",".utf8)
                unset += 1
                o.append(contentsOf: p[n])
            }
            if unset > 0 { o.append(UInt8(ascii: "]")) }
        }
        return kept + unset > 0 ? o : nil
    }

    /// The delta as this selection's clients get it: the selected kinds' changes, as patches where the topic
    /// worked them out, each cut to the selected fields; changes that keep nothing are left out.
    func delta(_ d: DeltaPayload) -> ByteBuffer {
        var changes: [ChangeRecord] = []
        changes.reserveCapacity(d.changes.count)
        for c in d.changes {
            guard let entry = kinds[c.kind.rawValue] else { continue }
            let fields = entry
            // A merge (several deltas for one slow client) carries whole records: a patch is against the previous
            // seq only (DeltaPayload).
            if let patch = c.patch, d.fromSeq == d.seq {
                guard let kept = Self.projectPatch(patch, fields: fields) else { continue }
                changes.append(ChangeRecord(kind: c.kind, id: c.id, json: c.json, patch: kept))
            } else if let json = c.json {
                var o: [UInt8] = []
                o.reserveCapacity(fields == nil ? json.bytes.count : 256)
                Self.appendObject(json.bytes, 0..<json.bytes.count, fields: fields, to: &o)
                changes.append(ChangeRecord(kind: c.kind, id: c.id, json: EncodedJSON(bytes: o)))
            } else {
                changes.append(c)
            }
        }
        return HubFrame.delta(topic: d.topic, epoch: d.epoch, fromSeq: d.fromSeq, seq: d.seq, at: d.at,
                              changes: changes, patches: d.fromSeq == d.seq)
    }

    /// A snapshot frame with only the selected collections in `data`, each entity cut to the selected fields.
    /// A frame that does not parse (never one of ours) is returned as it is.
    func snapshot(_ frame: ByteBuffer) -> ByteBuffer {
        let b = Array(frame.readableBytesView)
        guard let top = EntityPatch.members(b) else { return frame }
        var o: [UInt8] = []
        o.reserveCapacity(b.count / 4)
        o.append(UInt8(ascii: "{"))
        for (i, m) in top.enumerated() {
            if i > 0 { o.append(UInt8(ascii: ",")) }
            o.append(UInt8(ascii: "\""))
            o.append(contentsOf: b[m.key])
            o.append(contentsOf: #"":"#.utf8)
            guard b[m.key].elementsEqual("data".utf8), let collections = EntityPatch.members(b, in: m.value) else {
                o.append(contentsOf: b[m.value])
                continue
            }
            o.append(UInt8(ascii: "{"))
            var first = true
            for c in collections {
                guard let entry = kinds[String(decoding: b[c.key], as: UTF8.self)] else { continue }
                let fields = entry
                if !first { o.append(UInt8(ascii: ",")) }
                first = false
                o.append(UInt8(ascii: "\""))
                o.append(contentsOf: b[c.key])
                o.append(contentsOf: #"":"#.utf8)
                if let items = EntityPatch.elements(b, in: c.value) {
                    o.append(UInt8(ascii: "["))
                    for (j, item) in items.enumerated() {
                        if j > 0 { o.append(UInt8(ascii: ",")) }
                        Self.appendObject(b, item, fields: fields, to: &o)
                    }
                    o.append(UInt8(ascii: "]"))
                } else {
                    Self.appendObject(b, c.value, fields: fields, to: &o)  // a singleton (or null)
                }
            }
            o.append(UInt8(ascii: "}"))
        }
        o.append(UInt8(ascii: "}"))
        return ByteBuffer(bytes: o)
    }
}

/// A `select` that cannot be used; `message` names the entry and how to write it.
struct StreamSelectionError: Error, Sendable, Equatable {
    let code = "bad-select"
    let message: String
    init(_ message: String) { self.message = message }
}

/// A subscribe's `select` as sent: decoding never fails on it, so a wrong shape gets ``StreamSelectionError``'s
/// message instead of the generic "expected a JSON object".
enum SelectSpec: Decodable, Sendable, Equatable {
    case kinds([String: SelectField])
    case invalid

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        self = (try? c.decode([String: SelectField].self)).map { .kinds($0) } ?? .invalid
    }
}

/// One kind's entry in `select`: `true` (every field) or a list of field names.
enum SelectField: Decodable, Sendable, Equatable {
    case all
    case fields([String])
    /// What was sent instead, described.
    case invalid(String)

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) {
            self = b ? .all : .invalid("false is not a selection (leave the kind out instead)")
        } else if let names = try? c.decode([String].self) {
            self = .fields(names)
        } else {
            self = .invalid("neither true nor a list of field names")
        }
    }
}

/// Each message's projections for the selections its clients asked for, made on first demand and shared.
final class SelectionCache: Sendable {
    private let frames = Mutex<[(key: String, frame: SharedFrame)]>([])
    /// Selections kept per message; a client whose selection is past them gets its own projection, uncached.
    static let limit = 8

    init() {}

    func frame(for selection: StreamSelection, make: () -> ByteBuffer) -> SharedFrame {
        if let hit = frames.withLock({ f in f.first { $0.key == selection.key }?.frame }) { return hit }
        let made = SharedFrame(make())
        return frames.withLock { f in
            if let raced = f.first(where: { $0.key == selection.key }) { return raced.frame }
            if f.count < Self.limit { f.append((selection.key, made)) }
            return made
        }
    }
}
