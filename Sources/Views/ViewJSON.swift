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

    /// `"occupancy":{…},"handlingMs":{…},"productiveMs":{…}` (occupancy null when undefined).
    mutating func windows(_ f: WindowedFigures) {
        raw("\"occupancy\":")
        occupancy(f)
        raw(",\"handlingMs\":{\"today\":")
        int(f.today.handlingMs)
        raw(",\"rolling15m\":")
        int(f.rolling15m.handlingMs)
        raw(",\"rolling60m\":")
        int(f.rolling60m.handlingMs)
        raw("},\"productiveMs\":{\"today\":")
        int(f.today.productiveMs)
        raw(",\"rolling15m\":")
        int(f.rolling15m.productiveMs)
        raw(",\"rolling60m\":")
        int(f.rolling60m.productiveMs)
        raw("}")
    }

    /// `{"today":…,"rolling15m":…,"rolling60m":…}` with 4-decimal ratios or nulls.
    mutating func occupancy(_ f: WindowedFigures) {
        raw("{\"today\":")
        JSONText.appendDouble(f.today.occupancy, to: &bytes)
        raw(",\"rolling15m\":")
        JSONText.appendDouble(f.rolling15m.occupancy, to: &bytes)
        raw(",\"rolling60m\":")
        JSONText.appendDouble(f.rolling60m.occupancy, to: &bytes)
        raw("}")
    }
}
