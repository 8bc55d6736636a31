import NIOCore
import SwitchboardCore

/// One entity change as the hub keeps it: the kind, the id and the fragment (nil = removed).
/// Fragments are the views' bytes, shared, never re-encoded.
struct ChangeRecord: Sendable {
    let kind: EntityKind
    let id: String
    let json: EncodedJSON?
    /// `,"patch":{…}[,"unset":[…]]` against the topic's previous fragment of the entity (``EntityPatch``), for the
    /// clients that asked for patches; nil: they get `data` too.
    var patch: [UInt8]? = nil
}

/// A delta of one topic, encoded once and shared by every subscriber's queue and the history ring.
final class DeltaPayload: Sendable {
    let topic: String
    let epoch: String
    /// First seq this delta covers (equals `seq` unless it is a per-client merge of several deltas).
    let fromSeq: Int
    let seq: Int
    let at: EpochMillis
    let changes: [ChangeRecord]
    /// The encoded delta, and its compressed form once a client needs it.
    let frame: SharedFrame
    /// The same delta with field-level patches where the topic worked them out (docs/protocol.md "Patches"), for
    /// the clients that asked for them; nil when none was (no patch client at flush, a per-client merge).
    let patchFrame: SharedFrame?
    var buffer: ByteBuffer { frame.buffer }
    /// When the oldest change in it was published (event-to-send latency).
    let publishedAt: ContinuousClock.Instant
    /// When it was appended to history (age bound).
    let flushedAt: ContinuousClock.Instant
    /// The flushed deltas a per-client merge covers (empty for a flushed delta): its compressed size is
    /// estimated from theirs, so a merge for one slow client is never compressed just to be counted.
    private let parts: [DeltaPayload]

    /// What this delta costs a permessage-deflate client's queue: the bytes it will be sent, as its topic's
    /// recent compressions predict them (``DeflateRatio``) — known when it is pushed, before any writer compressed
    /// it, so pushing never waits for zlib; a merge costs the sum of its parts. Fixed for the delta's lifetime (a
    /// queue takes back exactly what it charged).
    let compressedBytes: Int

    init(topic: String, epoch: String, fromSeq: Int, seq: Int, at: EpochMillis, changes: [ChangeRecord],
         publishedAt: ContinuousClock.Instant, flushedAt: ContinuousClock.Instant, parts: [DeltaPayload] = [],
         patches: Bool = false, ratio: DeflateRatio? = nil) {
        self.parts = parts
        self.topic = topic
        self.epoch = epoch
        self.fromSeq = fromSeq
        self.seq = seq
        self.at = at
        self.changes = changes
        self.publishedAt = publishedAt
        self.flushedAt = flushedAt
        let frame = SharedFrame(HubFrame.delta(topic: topic, epoch: epoch, fromSeq: fromSeq, seq: seq, at: at, changes: changes),
                                ratio: ratio)
        self.frame = frame
        self.compressedBytes = parts.isEmpty
            ? ratio?.estimate(plain: frame.buffer.readableBytes) ?? DeflateRatio.estimate(plain: frame.buffer.readableBytes)
            : parts.reduce(0) { $0 + $1.compressedBytes }
        // A merge (several deltas for one slow client) keeps whole records: a patch is against the previous seq only.
        self.patchFrame = patches && fromSeq == seq && changes.contains(where: { $0.patch != nil })
            ? SharedFrame(HubFrame.delta(topic: topic, epoch: epoch, fromSeq: fromSeq, seq: seq, at: at, changes: changes,
                                         patches: true))
            : nil
    }

    /// This delta as clients with `selection` get it, projected once and shared (``StreamSelection``).
    func selected(_ selection: StreamSelection) -> SharedFrame {
        frame.selections.frame(for: selection) { selection.delta(self) }
    }

    /// Merges consecutive deltas of one topic (latest entity wins) into one delta covering them all.
    static func merged(_ deltas: [DeltaPayload]) -> DeltaPayload {
        precondition(!deltas.isEmpty)
        if deltas.count == 1 { return deltas[0] }
        var index: [String: Int] = [:]
        var out: [ChangeRecord] = []
        for d in deltas {
            for c in d.changes {
                let key = c.kind.rawValue + "\u{0}" + c.id
                if let i = index[key] { out[i] = c } else {
                    index[key] = out.count
                    out.append(c)
                }
            }
        }
        let first = deltas[0], last = deltas[deltas.count - 1]
        return DeltaPayload(topic: last.topic, epoch: last.epoch, fromSeq: first.fromSeq, seq: last.seq, at: last.at,
                            changes: out, publishedAt: first.publishedAt, flushedAt: last.flushedAt,
                            parts: deltas.flatMap { $0.parts.isEmpty ? [$0] : $0.parts })
    }
}

/// Encoders for every server → client frame (docs/protocol.md). Hand-written JSON: fragments are
/// spliced in as they are; each frame is encoded once and shared as a `ByteBuffer`.
enum HubFrame {
    static func snapshot(topic: String, epoch: String, seq: Int, at: EpochMillis, data: [UInt8]) -> ByteBuffer {
        var o: [UInt8] = []
        o.reserveCapacity(data.count + 128)
        o.append(contentsOf: #"{"type":"snapshot","topic":"#.utf8)
        header(&o, topic: topic, epoch: epoch, seq: seq, at: at)
        o.append(contentsOf: #","data":"#.utf8)
        o.append(contentsOf: data)
        o.append(UInt8(ascii: "}"))
        return ByteBuffer(bytes: o)
    }

    static func delta(topic: String, epoch: String, fromSeq: Int, seq: Int, at: EpochMillis,
                      changes: [ChangeRecord], patches: Bool = false) -> ByteBuffer {
        var o: [UInt8] = []
        o.reserveCapacity(changes.reduce(160) { $0 + ($1.json?.bytes.count ?? 0) + $1.id.utf8.count + 40 })
        o.append(contentsOf: #"{"type":"delta","topic":"#.utf8)
        header(&o, topic: topic, epoch: epoch, seq: seq, at: at)
        if fromSeq != seq {
            o.append(contentsOf: #","fromSeq":"#.utf8)
            JSONText.appendInt(Int64(fromSeq), to: &o)
        }
        o.append(contentsOf: #","changes":["#.utf8)
        for (i, c) in changes.enumerated() {
            if i > 0 { o.append(UInt8(ascii: ",")) }
            o.append(contentsOf: #"{"kind":"#.utf8)
            JSONText.appendString(c.kind.rawValue, to: &o)
            o.append(contentsOf: #","id":"#.utf8)
            JSONText.appendString(c.id, to: &o)
            if patches, let patch = c.patch {
                o.append(contentsOf: patch)
            } else if let json = c.json {
                o.append(contentsOf: #","data":"#.utf8)
                o.append(contentsOf: json.bytes)
            } else {
                o.append(contentsOf: #","removed":true"#.utf8)
            }
            o.append(UInt8(ascii: "}"))
        }
        o.append(contentsOf: "]}".utf8)
        return ByteBuffer(bytes: o)
    }

    static func recovered(topic: String, epoch: String, from: Int, to: Int) -> ByteBuffer {
        var o: [UInt8] = Array(#"{"type":"recovered","topic":"#.utf8)
        JSONText.appendString(topic, to: &o)
        o.append(contentsOf: #","epoch":"#.utf8)
        JSONText.appendString(epoch, to: &o)
        o.append(contentsOf: #","from":"#.utf8)
        JSONText.appendInt(Int64(from), to: &o)
        o.append(contentsOf: #","to":"#.utf8)
        JSONText.appendInt(Int64(to), to: &o)
        o.append(UInt8(ascii: "}"))
        return ByteBuffer(bytes: o)
    }

    /// `topic` nil for process-wide alerts (config), which go to admin connections only.
    static func alert(_ alert: StreamAlert, topic: String?) -> ByteBuffer {
        var o: [UInt8] = Array(#"{"type":"alert""#.utf8)
        if let topic {
            o.append(contentsOf: #","topic":"#.utf8)
            JSONText.appendString(topic, to: &o)
        }
        o.append(contentsOf: #","kind":"#.utf8)
        JSONText.appendString(alert.kind.rawValue, to: &o)
        if let org = alert.org {
            o.append(contentsOf: #","org":"#.utf8)
            JSONText.appendString(org.rawValue, to: &o)
        }
        o.append(contentsOf: #","since":"#.utf8)
        JSONText.appendString(Timestamp.format(alert.since), to: &o)
        o.append(contentsOf: #","message":"#.utf8)
        JSONText.appendString(alert.message, to: &o)
        o.append(UInt8(ascii: "}"))
        return ByteBuffer(bytes: o)
    }

    static func error(_ code: String, _ message: String, topic: String? = nil) -> ByteBuffer {
        var o: [UInt8] = Array(#"{"type":"error","code":"#.utf8)
        JSONText.appendString(code, to: &o)
        if let topic {
            o.append(contentsOf: #","topic":"#.utf8)
            JSONText.appendString(topic, to: &o)
        }
        o.append(contentsOf: #","message":"#.utf8)
        JSONText.appendString(message, to: &o)
        o.append(UInt8(ascii: "}"))
        return ByteBuffer(bytes: o)
    }

    static func unsubscribed(topic: String, reason: String) -> ByteBuffer {
        var o: [UInt8] = Array(#"{"type":"unsubscribed","topic":"#.utf8)
        JSONText.appendString(topic, to: &o)
        o.append(contentsOf: #","reason":"#.utf8)
        JSONText.appendString(reason, to: &o)
        o.append(UInt8(ascii: "}"))
        return ByteBuffer(bytes: o)
    }

    /// `idJSON` is the client's id echoed as JSON (number or string), or nil.
    static func pong(idJSON: String?) -> ByteBuffer {
        ByteBuffer(string: idJSON.map { #"{"type":"pong","id":\#($0)}"# } ?? #"{"type":"pong"}"#)
    }

    static func authenticated(expiresAt: EpochMillis?, scopes: [String]) -> ByteBuffer {
        var o: [UInt8] = Array(#"{"type":"authenticated","expiresAt":"#.utf8)
        if let expiresAt { JSONText.appendString(Timestamp.format(expiresAt), to: &o) } else {
            o.append(contentsOf: "null".utf8)
        }
        o.append(contentsOf: #","scopes":["#.utf8)
        for (i, s) in scopes.enumerated() {
            if i > 0 { o.append(UInt8(ascii: ",")) }
            JSONText.appendString(s, to: &o)
        }
        o.append(contentsOf: "]}".utf8)
        return ByteBuffer(bytes: o)
    }

    private static func header(_ o: inout [UInt8], topic: String, epoch: String, seq: Int, at: EpochMillis) {
        JSONText.appendString(topic, to: &o)
        o.append(contentsOf: #","epoch":"#.utf8)
        JSONText.appendString(epoch, to: &o)
        o.append(contentsOf: #","seq":"#.utf8)
        JSONText.appendInt(Int64(seq), to: &o)
        o.append(contentsOf: #","at":"#.utf8)
        JSONText.appendString(Timestamp.format(at), to: &o)
    }
}
