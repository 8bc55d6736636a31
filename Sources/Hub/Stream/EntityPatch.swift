/// Field-level delta changes (docs/protocol.md §4 "delta", "Patches"): the top-level fields of an entity that
/// differ from the fragment the topic last sent for it, so a client that asked for patches is sent
/// `"patch":{"state":"idle","stateSince":"…"}` instead of the whole record.
///
/// One level only, by design: a field's value is replaced whole (an object such as `handlingMs` is sent entire
/// when any of its members moved), so a client applies a patch with one assignment per field and cannot get a
/// nested merge wrong; fields the new fragment no longer has are listed in `"unset"`. Values are compared as the
/// bytes the views encoded (their encoder is deterministic: same value, same bytes), never re-encoded.
///
/// Written here rather than taken from a JSON library: it splits our own encoder's output into members without
/// decoding a value, in one pass over bytes the hub already holds — a JSON Patch / merge-patch library would
/// decode both documents into trees (allocating per value) for every change of every flush.
enum EntityPatch {
    /// A member of a JSON object: the key's bytes (between its quotes, escapes kept) and the value's range.
    struct Member {
        let key: Range<Int>
        let value: Range<Int>
    }

    /// The top-level members of the JSON object in `b` (or in `b[range]`); nil when that is not one well-formed object.
    static func members(_ b: [UInt8], in range: Range<Int>? = nil) -> [Member]? {
        let end = range?.upperBound ?? b.count
        var out: [Member] = []
        out.reserveCapacity(24)
        var i = skipSpace(b, range?.lowerBound ?? 0)
        guard i < end, b[i] == UInt8(ascii: "{") else { return nil }
        i = skipSpace(b, i + 1)
        if i < end, b[i] == UInt8(ascii: "}") { return skipSpace(b, i + 1) == end ? out : nil }
        while true {
            guard i < end, b[i] == UInt8(ascii: "\""), let keyEnd = stringEnd(b, i), keyEnd <= end else { return nil }
            let key = (i + 1)..<(keyEnd - 1)
            i = skipSpace(b, keyEnd)
            guard i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
            i = skipSpace(b, i + 1)
            guard let valueEnd = valueEnd(b, i), valueEnd <= end else { return nil }
            out.append(Member(key: key, value: i..<valueEnd))
            i = skipSpace(b, valueEnd)
            guard i < end else { return nil }
            if b[i] == UInt8(ascii: ",") {
                i = skipSpace(b, i + 1)
                continue
            }
            guard b[i] == UInt8(ascii: "}") else { return nil }
            return skipSpace(b, i + 1) == end ? out : nil
        }
    }

    /// Appends member `m` of `b` as `"key":value`, after a comma unless it is the `first`.
    static func append(_ m: Member, of b: [UInt8], to o: inout [UInt8], first: inout Bool) {
        if !first { o.append(UInt8(ascii: ",")) }
        first = false
        o.append(UInt8(ascii: "\""))
        o.append(contentsOf: b[m.key])
        o.append(contentsOf: #"":"#.utf8)
        o.append(contentsOf: b[m.value])
    }

    /// The ranges of the elements of the JSON array in `b[range]`; nil when that is not one well-formed array.
    static func elements(_ b: [UInt8], in range: Range<Int>) -> [Range<Int>]? {
        let end = range.upperBound
        var out: [Range<Int>] = []
        var i = skipSpace(b, range.lowerBound)
        guard i < end, b[i] == UInt8(ascii: "[") else { return nil }
        i = skipSpace(b, i + 1)
        if i < end, b[i] == UInt8(ascii: "]") { return skipSpace(b, i + 1) == end ? out : nil }
        while true {
            guard let valueEnd = valueEnd(b, i), valueEnd <= end else { return nil }
            out.append(i..<valueEnd)
            i = skipSpace(b, valueEnd)
            guard i < end else { return nil }
            if b[i] == UInt8(ascii: ",") {
                i = skipSpace(b, i + 1)
                continue
            }
            guard b[i] == UInt8(ascii: "]") else { return nil }
            return skipSpace(b, i + 1) == end ? out : nil
        }
    }

    /// `,"patch":{…}` (and `,"unset":[…]` when fields went away) turning `old` into `new`, ready to splice into
    /// a change after its `id`; nil when either is not an object, or when the patch would not be smaller than the
    /// whole record (then the change is sent with `data`).
    ///
    /// `also` names fields some clients may hold with other values than `old` (a snapshot computed at read time,
    /// ``FieldNames``): each is sent with its value in `new` even when `old` has the same, or unset when `new`
    /// lacks it — a no-op for a client that holds `old`, exact for one that holds the snapshot's fragment.
    static func make(old: [UInt8], new: [UInt8], also: UInt64 = 0, names: FieldNames? = nil) -> [UInt8]? {
        guard let was = members(old), let now = members(new) else { return nil }
        var forced = also
        var o: [UInt8] = []
        o.reserveCapacity(min(new.count, 256))
        o.append(contentsOf: #","patch":{"#.utf8)
        var first = true
        for m in now {
            var force = false
            if forced != 0, let names, let bit = names.bit(of: new[m.key]), forced & bit != 0 {
                force = true
                forced &= ~bit
            }
            if !force, same(m, in: new, as: was, in: old) { continue }
            append(m, of: new, to: &o, first: &first)
        }
        o.append(UInt8(ascii: "}"))
        var gone = false
        for p in was where !now.contains(where: { equal(new, $0.key, old, p.key) }) {
            o.append(contentsOf: gone ? #",""#.utf8 : #","unset":[""#.utf8)
            gone = true
            o.append(contentsOf: old[p.key])
            o.append(UInt8(ascii: "\""))
        }
        // Forced fields `new` does not have (a snapshot's fragment had them): unset, unless `old` already said so.
        if forced != 0, let names {
            for (i, name) in names.list.enumerated() where forced & (1 << UInt64(i)) != 0
                && !was.contains(where: { old[$0.key].elementsEqual(name) }) {
                o.append(contentsOf: gone ? #",""#.utf8 : #","unset":[""#.utf8)
                gone = true
                o.append(contentsOf: name)
                o.append(UInt8(ascii: "\""))
            }
        }
        if gone { o.append(UInt8(ascii: "]")) }
        // `"data":` + the record is the alternative.
        return o.count < new.count + 8 ? o : nil
    }

    /// The fields where fragments `a` and `b` of one entity differ (a value differs, or only one has the field), as
    /// bits of `names`; ``FieldNames/whole`` when either is not an object or `names` is full (send it whole).
    static func divergence(_ a: [UInt8], _ b: [UInt8], names: inout FieldNames) -> UInt64 {
        if a == b { return 0 }
        guard let ma = members(a), let mb = members(b) else { return FieldNames.whole }
        var bits: UInt64 = 0
        for m in mb {
            if same(m, in: b, as: ma, in: a) { continue }
            guard let bit = names.bit(adding: b[m.key]) else { return FieldNames.whole }
            bits |= bit
        }
        for p in ma where !mb.contains(where: { equal(b, $0.key, a, p.key) }) {
            guard let bit = names.bit(adding: a[p.key]) else { return FieldNames.whole }
            bits |= bit
        }
        return bits
    }

    /// One kind's field names on a topic (each key's bytes as encoded, escapes kept), numbered so that a set of
    /// them is one `UInt64`. An entity kind has a few dozen top-level fields; past 63 names a set is ``whole``.
    struct FieldNames {
        /// Not a field: the entity's next change must go whole.
        static let whole: UInt64 = 1 << 63
        private(set) var list: [[UInt8]] = []

        func bit(of key: ArraySlice<UInt8>) -> UInt64? {
            list.firstIndex { $0.elementsEqual(key) }.map { 1 << UInt64($0) }
        }

        mutating func bit(adding key: ArraySlice<UInt8>) -> UInt64? {
            if let b = bit(of: key) { return b }
            guard list.count < 63 else { return nil }
            list.append(Array(key))
            return 1 << UInt64(list.count - 1)
        }
    }

    /// Whether member `m` of `b` is in `others` (members of `a`) with the same value.
    private static func same(_ m: Member, in b: [UInt8], as others: [Member], in a: [UInt8]) -> Bool {
        guard let p = others.first(where: { equal(a, $0.key, b, m.key) }) else { return false }
        return equal(a, p.value, b, m.value)
    }

    private static func equal(_ a: [UInt8], _ ra: Range<Int>, _ b: [UInt8], _ rb: Range<Int>) -> Bool {
        ra.count == rb.count && a[ra].elementsEqual(b[rb])
    }

    static func skipSpace(_ b: [UInt8], _ from: Int) -> Int {
        var i = from
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        return i
    }

    /// Index just past the closing quote of the string opening at `start`.
    static func stringEnd(_ b: [UInt8], _ start: Int) -> Int? {
        var i = start + 1
        while i < b.count {
            switch b[i] {
            case UInt8(ascii: "\\"): i += 2
            case UInt8(ascii: "\""): return i + 1
            default: i += 1
            }
        }
        return nil
    }

    /// Index just past the value starting at `start` (string, object, array, number or literal).
    static func valueEnd(_ b: [UInt8], _ start: Int) -> Int? {
        guard start < b.count else { return nil }
        switch b[start] {
        case UInt8(ascii: "\""):
            return stringEnd(b, start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var i = start
            while i < b.count {
                switch b[i] {
                case UInt8(ascii: "\""):
                    guard let e = stringEnd(b, i) else { return nil }
                    i = e
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return i + 1 }
                default: break
                }
                i += 1
            }
            return nil
        default:
            var i = start
            while i < b.count, b[i] != UInt8(ascii: ","), b[i] != UInt8(ascii: "}"), b[i] != UInt8(ascii: "]"),
                  b[i] != 0x20, b[i] != 0x0A, b[i] != 0x0D, b[i] != 0x09 { i += 1 }
            return i > start ? i : nil
        }
    }
}
