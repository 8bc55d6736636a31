import SwitchboardCore

/// One org topic's delta as replicas exchange it (docs/scale-out.md, "Shared view stream"): the leader of the
/// org flushed it under this epoch and seq, and every other replica applies it under the same ones.
public struct RemoteDelta: Sendable, Equatable {
    /// One entity's latest fragment, or its removal (nil).
    public struct Change: Sendable, Equatable {
        public var kind: EntityKind
        public var id: String
        public var json: EncodedJSON?
        public init(kind: EntityKind, id: String, json: EncodedJSON?) {
            self.kind = kind
            self.id = id
            self.json = json
        }
        public static func == (a: Change, b: Change) -> Bool {
            a.kind == b.kind && a.kind.isSingleton == b.kind.isSingleton && a.id == b.id && a.json == b.json
        }
    }

    public var topic: String
    public var epoch: String
    public var seq: Int
    public var at: EpochMillis
    public var changes: [Change]

    public init(topic: String, epoch: String, seq: Int, at: EpochMillis, changes: [Change]) {
        self.topic = topic
        self.epoch = epoch
        self.seq = seq
        self.at = at
        self.changes = changes
    }
}

/// Everything an org topic holds at one seq: what a replica that joins late, or missed a delta, starts from.
public struct RemoteTopicState: Sendable, Equatable {
    public var topic: String
    public var epoch: String
    public var seq: Int
    public var at: EpochMillis
    /// Every entity's fragment (none is nil), kinds and entities in the topic's order.
    public var entities: [RemoteDelta.Change]

    public init(topic: String, epoch: String, seq: Int, at: EpochMillis, entities: [RemoteDelta.Change]) {
        self.topic = topic
        self.epoch = epoch
        self.seq = seq
        self.at = at
        self.entities = entities
    }
}

/// The body of one row of the shared view stream: an org's deltas of one flush, or its topics' full state.
///
/// A binary format of our own rather than JSON or a general serialiser: the fragments are JSON already and are
/// carried as they are (length-prefixed, never re-encoded or escaped), and a follower decodes a row without
/// parsing any fragment. Layout (integers little-endian):
/// `u8 version (1) · u8 kind (0 deltas, 1 states) · u32 count · count × topic`, a topic being
/// `str topic · str epoch · i64 seq · i64 at · u32 changes · changes × (str kind · u8 flags · str id · [bytes json])`,
/// where `str`/`bytes` are `u32 length · bytes` and flags bit 0 = singleton kind, bit 1 = has JSON.
/// ``init(decoding:)`` checks every length against what is left and refuses anything else with a
/// ``RemoteStreamError`` (fuzzed: `make fuzz`).
public enum RemoteStreamRecord: Sendable, Equatable {
    case deltas([RemoteDelta])
    case states([RemoteTopicState])
    /// The org's alerts (`upstream-stale`, `token-renewal-failed`, …) as its leader's connector raised them:
    /// `u8 version · u8 kind (2) · u32 count · count × (str kind · str org · i64 since · str message)`.
    case alerts([StreamAlert])
    /// The org's part of the global totals, an opaque document its leader's views wrote and the others' read:
    /// `u8 version · u8 kind (3) · bytes`.
    case totals([UInt8])

    static let version: UInt8 = 1

    public func encode() -> [UInt8] {
        var o: [UInt8] = []
        // One allocation for the whole row (a delta of every agent of an org is megabytes).
        o.reserveCapacity(encodedSizeHint)
        o.append(Self.version)
        switch self {
        case .deltas(let ds):
            o.append(0)
            Self.put(UInt32(ds.count), &o)
            for d in ds { Self.putTopic(d.topic, d.epoch, d.seq, d.at, d.changes, &o) }
        case .states(let ss):
            o.append(1)
            Self.put(UInt32(ss.count), &o)
            for s in ss { Self.putTopic(s.topic, s.epoch, s.seq, s.at, s.entities, &o) }
        case .totals(let bytes):
            o.append(3)
            Self.putBytes(bytes, &o)
        case .alerts(let alerts):
            o.append(2)
            Self.put(UInt32(alerts.count), &o)
            for a in alerts {
                Self.putBytes(Array(a.kind.rawValue.utf8), &o)
                Self.putBytes(Array((a.org?.rawValue ?? "").utf8), &o)
                Self.put(UInt64(bitPattern: a.since), &o)
                Self.putBytes(Array(a.message.utf8), &o)
            }
        }
        return o
    }

    public init(decoding bytes: [UInt8]) throws(RemoteStreamError) {
        var r = Reader(bytes: bytes)
        let version = try r.u8()
        guard version == Self.version else {
            throw RemoteStreamError(code: "cluster.stream-version",
                                    message: "a view stream row has format version \(version), this build reads \(Self.version): run one version on every replica")
        }
        let kind = try r.u8()
        guard kind <= 3 else { throw r.error("unknown row kind \(kind)") }
        if kind == 3 {
            let bytes = try r.blob()
            guard r.remaining == 0 else { throw r.error("\(r.remaining) bytes after the totals") }
            self = .totals(bytes)
            return
        }
        let count = Int(try r.u32())
        if kind == 2 {
            guard count <= r.remaining / 20 else { throw r.error("\(count) alerts cannot fit in \(r.remaining) bytes") }
            var alerts: [StreamAlert] = []
            for _ in 0..<count {
                let name = try r.string()
                guard let k = StreamAlert.Kind(rawValue: name) else { throw r.error("unknown alert kind '\(name)'") }
                let org = try r.string()
                let since = try r.i64()
                alerts.append(StreamAlert(kind: k, org: org.isEmpty ? nil : OrgID(org), since: since, message: try r.string()))
            }
            guard r.remaining == 0 else { throw r.error("\(r.remaining) bytes after the last alert") }
            self = .alerts(alerts)
            return
        }
        // Each topic takes at least 32 bytes: a count larger than that allows is refused before allocating.
        guard count <= r.remaining / 32 else { throw r.error("\(count) topics cannot fit in \(r.remaining) bytes") }
        var topics: [(String, String, Int, EpochMillis, [RemoteDelta.Change])] = []
        topics.reserveCapacity(count)
        for _ in 0..<count {
            let topic = try r.string(), epoch = try r.string()
            let seq = Int(try r.i64()), at = try r.i64()
            let n = Int(try r.u32())
            guard n <= r.remaining / 10 else { throw r.error("\(n) changes cannot fit in \(r.remaining) bytes") }
            var changes: [RemoteDelta.Change] = []
            changes.reserveCapacity(n)
            for _ in 0..<n {
                let kindName = try r.string()
                let flags = try r.u8()
                guard flags & ~3 == 0 else { throw r.error("unknown change flags \(flags)") }
                let id = try r.string()
                let json = flags & 2 != 0 ? EncodedJSON(bytes: try r.blob()) : nil
                changes.append(.init(kind: EntityKind(kindName, singleton: flags & 1 != 0), id: id, json: json))
            }
            topics.append((topic, epoch, seq, at, changes))
        }
        guard r.remaining == 0 else { throw r.error("\(r.remaining) bytes after the last topic") }
        if kind == 0 {
            self = .deltas(topics.map { RemoteDelta(topic: $0.0, epoch: $0.1, seq: $0.2, at: $0.3, changes: $0.4) })
        } else {
            self = .states(topics.map { RemoteTopicState(topic: $0.0, epoch: $0.1, seq: $0.2, at: $0.3, entities: $0.4) })
        }
    }

    /// The bytes ``encode()`` writes, or a little more (the body's buffer is reserved once).
    private var encodedSizeHint: Int {
        func topics(_ list: [(String, String, [RemoteDelta.Change])]) -> Int {
            list.reduce(6) { sum, t in
                t.2.reduce(sum + 32 + t.0.utf8.count + t.1.utf8.count) { $0 + 17 + $1.kind.rawValue.utf8.count + $1.id.utf8.count + ($1.json?.bytes.count ?? 0) }
            }
        }
        switch self {
        case .deltas(let ds): return topics(ds.map { ($0.topic, $0.epoch, $0.changes) })
        case .states(let ss): return topics(ss.map { ($0.topic, $0.epoch, $0.entities) })
        case .totals(let bytes): return bytes.count + 8
        case .alerts(let alerts): return alerts.reduce(6) { $0 + 24 + $1.kind.rawValue.utf8.count + ($1.org?.rawValue.utf8.count ?? 0) + $1.message.utf8.count }
        }
    }

    private static func putTopic(_ topic: String, _ epoch: String, _ seq: Int, _ at: EpochMillis,
                                 _ changes: [RemoteDelta.Change], _ o: inout [UInt8]) {
        putString(topic, &o)
        putString(epoch, &o)
        put(UInt64(bitPattern: Int64(seq)), &o)
        put(UInt64(bitPattern: at), &o)
        put(UInt32(changes.count), &o)
        for c in changes {
            putString(c.kind.rawValue, &o)
            o.append((c.kind.isSingleton ? 1 : 0) | (c.json == nil ? 0 : 2))
            putString(c.id, &o)
            if let json = c.json { putBytes(json.bytes, &o) }
        }
    }

    private static func putString(_ s: String, _ o: inout [UInt8]) {
        put(UInt32(s.utf8.count), &o)
        o.append(contentsOf: s.utf8)
    }

    private static func put<T: FixedWidthInteger>(_ v: T, _ o: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { o.append(contentsOf: $0) }
    }

    private static func putBytes(_ b: [UInt8], _ o: inout [UInt8]) {
        put(UInt32(b.count), &o)
        o.append(contentsOf: b)
    }

    private struct Reader {
        let bytes: [UInt8]
        var at = 0
        var remaining: Int { bytes.count - at }

        func error(_ what: String) -> RemoteStreamError {
            RemoteStreamError(code: "cluster.stream-malformed",
                              message: "a view stream row is malformed at byte \(at): \(what); the replica that wrote it runs another format or the row is damaged")
        }

        mutating func take(_ n: Int) throws(RemoteStreamError) -> ArraySlice<UInt8> {
            guard n >= 0, n <= remaining else { throw error("\(n) bytes wanted, \(remaining) left") }
            defer { at += n }
            return bytes[at..<(at + n)]
        }

        mutating func u8() throws(RemoteStreamError) -> UInt8 { try take(1).first! }

        mutating func u32() throws(RemoteStreamError) -> UInt32 {
            var v: UInt32 = 0
            for (i, b) in try take(4).enumerated() { v |= UInt32(b) << (8 * i) }
            return v
        }

        mutating func i64() throws(RemoteStreamError) -> Int64 {
            var v: UInt64 = 0
            for (i, b) in try take(8).enumerated() { v |= UInt64(b) << (8 * i) }
            return Int64(bitPattern: v)
        }

        mutating func blob() throws(RemoteStreamError) -> [UInt8] { Array(try take(Int(try u32()))) }

        mutating func string() throws(RemoteStreamError) -> String {
            let b = try take(Int(try u32()))
            guard let s = String(validating: b, as: UTF8.self) else { throw error("a string is not UTF-8") }
            return s
        }
    }
}

/// A view stream row that cannot be read.
public struct RemoteStreamError: CodedError, Equatable {
    public let code: String
    public let message: String
}
