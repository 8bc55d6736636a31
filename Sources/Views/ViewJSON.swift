import SwitchboardCore

/// A byte buffer for hand-written JSON fragments: each entity is encoded once, straight to bytes.
struct ViewJSON {
    var bytes: [UInt8] = []

    init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func string(_ s: String) { JSONText.appendString(s, to: &bytes) }

    mutating func string(_ s: String?) {
        if let s { JSONText.appendString(s, to: &bytes) } else { raw("null") }
    }

    mutating func int(_ v: Int64) { JSONText.appendInt(v, to: &bytes) }

    mutating func int(_ v: Int64?) {
        if let v { JSONText.appendInt(v, to: &bytes) } else { raw("null") }
    }

    /// ISO-8601 UTC with milliseconds, or null.
    mutating func time(_ t: Int64?) {
        guard let t else { return raw("null") }
        bytes.append(UInt8(ascii: "\""))
        Timestamp.append(t, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }
}
