import SwitchboardCore

/// A minimal JSON writer for the hot path: payloads are written straight into bytes, once.
/// Commas are managed by the writer; callers only open and close containers.
struct JSONWriter {
    var bytes: [UInt8] = []
    private var needsComma = false

    init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    /// Writes a key. Keys are the writer's own constants and never need escaping.
    mutating func key(_ k: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: k.utf8)
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        needsComma = false
    }

    mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }
    mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }
    mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }
    mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    mutating func string(_ s: String) {
        separate()
        JSONText.appendString(s, to: &bytes)
    }
    mutating func int(_ v: Int64) {
        separate()
        JSONText.appendInt(v, to: &bytes)
    }
    mutating func int(_ v: Int) { int(Int64(v)) }
    mutating func bool(_ v: Bool) {
        separate()
        bytes.append(contentsOf: (v ? "true" : "false").utf8)
    }
    mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
    }
    /// A pre-encoded JSON value.
    mutating func raw(_ json: [UInt8]) {
        separate()
        bytes.append(contentsOf: json)
    }
    /// Writes `"YYYY-MM-DDTHH:MM:SS.mmmZ"` (what `Timestamp.format` gives) without building a String.
    mutating func time(_ t: EpochMillis) {
        separate()
        let ms = Int((t % 1000 + 1000) % 1000)
        let secs = (t - Int64(ms)) / 1000
        let days = Int((secs >= 0 ? secs : secs - 86_399) / 86_400)
        let rem = Int(secs - Int64(days) * 86_400)
        // Howard Hinnant's civil-from-days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func digits(_ v: Int, _ n: Int, _ out: inout [UInt8]) {
            var div = 1
            for _ in 1..<n { div *= 10 }
            var v = v
            while div > 0 {
                out.append(UInt8(48 + (v / div) % 10))
                v %= div
                div /= 10
            }
        }
        bytes.append(UInt8(ascii: "\""))
        digits(y, 4, &bytes)
        bytes.append(UInt8(ascii: "-"))
        digits(m, 2, &bytes)
        bytes.append(UInt8(ascii: "-"))
        digits(d, 2, &bytes)
        bytes.append(UInt8(ascii: "T"))
        digits(rem / 3600, 2, &bytes)
        bytes.append(UInt8(ascii: ":"))
        digits(rem / 60 % 60, 2, &bytes)
        bytes.append(UInt8(ascii: ":"))
        digits(rem % 60, 2, &bytes)
        bytes.append(UInt8(ascii: "."))
        digits(ms, 3, &bytes)
        bytes.append(contentsOf: [UInt8(ascii: "Z"), UInt8(ascii: "\"")])
    }
    mutating func time(_ t: EpochMillis?) {
        if let t { time(t) } else { null() }
    }

    /// A string known to need no escaping (ids, enum values).
    mutating func plain(_ s: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: s.utf8)
        bytes.append(UInt8(ascii: "\""))
    }

    // Key-value conveniences.
    mutating func field(_ k: String, plain v: String) { key(k); plain(v) }
    mutating func field(_ k: String, _ v: String) { key(k); string(v) }
    mutating func field(_ k: String, _ v: Int64) { key(k); int(v) }
    mutating func field(_ k: String, _ v: Int) { key(k); int(v) }
    mutating func field(_ k: String, _ v: Bool) { key(k); bool(v) }
    mutating func field(_ k: String, time v: EpochMillis?) { key(k); time(v) }
    mutating func field(_ k: String, optional v: String?) {
        key(k)
        if let v { string(v) } else { null() }
    }

    mutating func object(_ body: (inout JSONWriter) -> Void) {
        beginObject()
        body(&self)
        endObject()
    }
    mutating func object(_ k: String, _ body: (inout JSONWriter) -> Void) {
        key(k)
        object(body)
    }
    mutating func array(_ k: String, _ body: (inout JSONWriter) -> Void) {
        key(k)
        beginArray()
        body(&self)
        endArray()
    }
}
