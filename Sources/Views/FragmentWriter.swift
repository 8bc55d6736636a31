import SwitchboardCore

/// Writes one hot entity fragment (agents, queues, orgs, totals) into a stack scratch buffer, then
/// copies it into an array of exactly its size: one allocation per fragment, no regrowth, and no
/// capacity left over in the fragments the hub keeps. Hand-written because the per-call overhead of
/// `Array.append(contentsOf:)` was the largest item of `encodeAgent` (Foundation has no byte writer
/// that avoids it). When a fragment does not fit (very long names), the size counted on the way is used
/// for a second, heap-backed pass (so `body` must write the same bytes each time it runs). The one writer
/// of every entity fragment, hot (agents, queues, orgs, totals) and cold (quality, utilization).
struct FragmentWriter {
    private let base: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    /// Bytes written, or that would have been written past `capacity`.
    private(set) var count = 0

    private init(base: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    /// Runs `body` over a writer and returns exactly what it wrote.
    static func encode(_ body: (inout FragmentWriter) -> Void) -> [UInt8] {
        var needed = 0
        let fitted: [UInt8]? = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2048) { buf in
            var w = FragmentWriter(base: buf.baseAddress!, capacity: buf.count)
            body(&w)
            needed = w.count
            return w.count <= buf.count ? Array(UnsafeBufferPointer(start: buf.baseAddress, count: w.count)) : nil
        }
        if let fitted { return fitted }
        return [UInt8](unsafeUninitializedCapacity: needed) { out, n in
            var w = FragmentWriter(base: out.baseAddress!, capacity: needed)
            body(&w)
            n = w.count
        }
    }

    @inline(__always)
    mutating func byte(_ b: UInt8) {
        if count < capacity { base[count] = b }
        count += 1
    }

    @inline(__always)
    mutating func bytes(_ p: UnsafePointer<UInt8>, _ n: Int) {
        if count + n <= capacity { (base + count).initialize(from: p, count: n) }
        count += n
    }

    @inline(__always)
    mutating func raw(_ s: StaticString) { bytes(s.utf8Start, s.utf8CodeUnitCount) }

    /// A JSON string literal, escaped as ``JSONText/appendString(_:to:)`` escapes.
    mutating func string(_ s: String) {
        byte(0x22)
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { u in
            var start = 0
            for i in 0..<u.count {
                let b = u[i]
                guard b < 0x20 || b == 0x22 || b == 0x5C else { continue }
                if i > start { bytes(u.baseAddress! + start, i - start) }
                escape(b)
                start = i + 1
            }
            if start < u.count { bytes(u.baseAddress! + start, u.count - start) }
        }
        if done == nil {
            for b in s.utf8 {
                if b < 0x20 || b == 0x22 || b == 0x5C { escape(b) } else { byte(b) }
            }
        }
        byte(0x22)
    }

    mutating func string(_ s: String?) {
        if let s { string(s) } else { raw("null") }
    }

    private mutating func escape(_ b: UInt8) {
        byte(0x5C)
        switch b {
        case 0x22, 0x5C: byte(b)
        case 0x0A: byte(UInt8(ascii: "n"))
        case 0x0D: byte(UInt8(ascii: "r"))
        case 0x09: byte(UInt8(ascii: "t"))
        default:
            raw("u00")
            byte(Self.hex(b >> 4))
            byte(Self.hex(b & 0xF))
        }
    }

    private static func hex(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }

    /// Decimal digits of `v` (as `String(v)`).
    mutating func int(_ v: Int64) {
        if v < 0 { byte(UInt8(ascii: "-")) }
        digits(v.magnitude)
    }

    mutating func int(_ v: Int64?) {
        if let v { int(v) } else { raw("null") }
    }

    private mutating func digits(_ m: UInt64) {
        var n = 1
        var p: UInt64 = 10
        while n < 20 && m >= p {
            n += 1
            p = p &* 10
        }
        if count + n <= capacity {
            var v = m
            var i = count + n
            repeat {
                i -= 1
                base[i] = 0x30 + UInt8(v % 10)
                v /= 10
            } while v > 0
        }
        count += n
    }

    /// A ratio with 4 decimals as ``JSONText/appendDouble(_:decimals:to:)`` writes it, or null.
    mutating func ratio(_ v: Double?) {
        guard let v, v.isFinite else { return raw("null") }
        let k = (v * 10_000).rounded()
        // Below 2^50 ten-thousandths the shortest decimal that round-trips `k / 10^4` is that quotient
        // itself, trailing zeros dropped, which is what `Double.description` prints; outside, use it.
        guard abs(k) < 1_125_899_906_842_624 else {
            var tmp: [UInt8] = []
            JSONText.appendDouble(v, to: &tmp)
            return tmp.withUnsafeBufferPointer { bytes($0.baseAddress!, $0.count) }
        }
        let n = Int64(k)
        if n < 0 { byte(UInt8(ascii: "-")) }
        let m = n.magnitude
        digits(m / 10_000)
        var frac = m % 10_000
        guard frac != 0 else { return }
        var width = 4
        while frac % 10 == 0 {
            frac /= 10
            width -= 1
        }
        byte(UInt8(ascii: "."))
        var scale: UInt64 = 1
        for _ in 1..<width { scale *= 10 }
        while scale > 0 {
            byte(0x30 + UInt8(frac / scale % 10))
            scale /= 10
        }
    }

    /// A number with at most `decimals` decimals as ``JSONText/appendDouble(_:decimals:to:)`` writes it, or
    /// null (cold entities: scores).
    mutating func double(_ v: Double?, decimals: Int) {
        var tmp: [UInt8] = []
        JSONText.appendDouble(v, decimals: decimals, to: &tmp)
        tmp.withUnsafeBufferPointer { bytes($0.baseAddress!, $0.count) }
    }

    /// ISO-8601 UTC with milliseconds (``Timestamp/format(_:)``), quoted, or null.
    mutating func time(_ t: Int64?) {
        guard let t else { return raw("null") }
        byte(0x22)
        Timestamp.withFormatted(t) { bytes($0.baseAddress!, $0.count) }
        byte(0x22)
    }

    /// A ``CalendarDay`` as `"yyyy-MM-dd"`, or null (years outside 1000…9999 through ``CalendarDay/format(_:)``).
    mutating func day(_ d: Int32?) {
        guard let d else { return raw("null") }
        let (y, m, dd) = CalendarDay.components(Int(d))
        guard y >= 1000 && y <= 9999 else { return string(CalendarDay.format(Int(d))) }
        byte(0x22)
        digits(UInt64(y))
        byte(0x2D)
        if m < 10 { byte(0x30) }
        digits(UInt64(m))
        byte(0x2D)
        if dd < 10 { byte(0x30) }
        digits(UInt64(dd))
        byte(0x22)
    }

    /// `"occupancy":{…},"handlingMs":{…},"productiveMs":{…}` (occupancy null when undefined).
    mutating func windows(_ f: WindowedFigures) {
        raw("\"occupancy\":")
        occupancy(f)
        raw(",")
        durations(f)
    }

    /// `"handlingMs":{"today":…,"rolling15m":…,"rolling60m":…},"productiveMs":{…}`.
    mutating func durations(_ f: WindowedFigures) {
        raw("\"handlingMs\":{")
        perWindow { $0.int(f[$1].handlingMs) }
        raw("},\"productiveMs\":{")
        perWindow { $0.int(f[$1].productiveMs) }
        raw("}")
    }

    /// `"today":…,"rolling15m":…,"rolling60m":…`: the three windows' occupancy, 4-decimal ratios or nulls.
    mutating func ratios(_ f: WindowedFigures) {
        perWindow { $0.ratio(f[$1].occupancy) }
    }

    /// `"<window>":<value>` for each window, comma-separated, in `OccupancyWindow.allCases` order.
    mutating func perWindow(_ value: (inout FragmentWriter, OccupancyWindow) -> Void) {
        for (i, w) in OccupancyWindow.allCases.enumerated() {
            switch w {
            case .today: raw(i == 0 ? "\"today\":" : ",\"today\":")
            case .rolling15m: raw(i == 0 ? "\"rolling15m\":" : ",\"rolling15m\":")
            case .rolling60m: raw(i == 0 ? "\"rolling60m\":" : ",\"rolling60m\":")
            }
            value(&self, w)
        }
    }

    /// `"accruing":{"handling":n,"productive":n},"asOf":"…"`: what a client needs to tick the figures
    /// between updates (docs/protocol.md, "Ticking").
    mutating func ticking(_ a: Accrual, asOf: Int64) {
        raw("\"accruing\":{\"handling\":")
        int(Int64(a.handling))
        raw(",\"productive\":")
        int(Int64(a.productive))
        raw("},\"asOf\":")
        time(asOf)
    }

    /// `{"today":…,"rolling15m":…,"rolling60m":…}` with 4-decimal ratios or nulls.
    mutating func occupancy(_ f: WindowedFigures) {
        raw("{")
        ratios(f)
        raw("}")
    }
}
