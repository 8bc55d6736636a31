import Foundation

/// ISO-8601 conversions for the wire. Genesys sends `2026-05-07T10:00:00.000Z`; Switchboard sends
/// the same shape (UTC, milliseconds).
public enum Timestamp {
    /// Parses an ISO-8601 UTC timestamp with or without fractional seconds. Nil when it is not one.
    public static func parse(_ s: String) -> EpochMillis? {
        var s = s
        return s.withUTF8 { parse(utf8: $0) }
    }

    /// ``parse(_:)`` over UTF-8 bytes (e.g. a string inside a frame), without making a `String`.
    public static func parse(utf8 u: UnsafeBufferPointer<UInt8>) -> EpochMillis? {
        // Fast path for the canonical shape: YYYY-MM-DDTHH:MM:SS[.fff…]Z
        guard u.count >= 20, u[4] == 0x2D, u[7] == 0x2D, u[10] == 0x54, u[13] == 0x3A, u[16] == 0x3A else {
            return nil
        }
        func num(_ a: Int, _ n: Int) -> Int? {
            var v = 0
            for i in a..<(a + n) {
                let d = Int(u[i]) - 48
                guard d >= 0 && d <= 9 else { return nil }
                v = v * 10 + d
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2),
            let mi = num(14, 2), let se = num(17, 2), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60,
            se < 61
        else { return nil }
        var i = 19
        var millis = 0
        if i < u.count && u[i] == 0x2E {
            i += 1
            var digits = 0
            while i < u.count, u[i] >= 48, u[i] <= 57 {
                if digits < 3 { millis = millis * 10 + Int(u[i]) - 48 }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            if digits < 3 { for _ in digits..<3 { millis *= 10 } }
        }
        var offsetSeconds = 0
        if i < u.count && u[i] == 0x5A {  // Z
            i += 1
        } else if i + 6 <= u.count && (u[i] == 0x2B || u[i] == 0x2D), u[i + 3] == 0x3A,
            let oh = num(i + 1, 2), let om = num(i + 4, 2)
        {
            offsetSeconds = (oh * 3600 + om * 60) * (u[i] == 0x2D ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == u.count else { return nil }
        let days = daysFromCivil(y, mo, d)
        let secs = Int64(days) * 86_400 + Int64(h * 3600 + mi * 60 + se) - Int64(offsetSeconds)
        return secs * 1000 + Int64(millis)
    }

    /// Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    public static func format(_ t: EpochMillis) -> String {
        let ms = Int((t % 1000 + 1000) % 1000)
        let secs = (t - Int64(ms)) / 1000
        let days = Int((secs >= 0 ? secs : secs - 86_399) / 86_400)
        let rem = Int(secs - Int64(days) * 86_400)
        let (y, m, d) = civilFromDays(days)
        func p2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        func p3(_ v: Int) -> String { v < 10 ? "00\(v)" : v < 100 ? "0\(v)" : "\(v)" }
        return "\(y)-\(p2(m))-\(p2(d))T\(p2(rem / 3600)):\(p2(rem / 60 % 60)):\(p2(rem % 60)).\(p3(ms))Z"
    }

    /// Appends ``format(_:)``'s text (no quotes) to `out` without making a `String`.
    public static func append(_ t: EpochMillis, to out: inout [UInt8]) {
        withFormatted(t) { out.append(contentsOf: $0) }
    }

    /// Calls `body` with ``format(_:)``'s UTF-8 text, written into a 24-byte stack buffer (no `String`).
    /// Years outside 1000...9999 go through ``format(_:)`` (its unpadded shape is kept).
    public static func withFormatted<R>(_ t: EpochMillis, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let ms = Int((t % 1000 + 1000) % 1000)
        let secs = (t - Int64(ms)) / 1000
        let days = Int((secs >= 0 ? secs : secs - 86_399) / 86_400)
        let rem = Int(secs - Int64(days) * 86_400)
        let (y, m, d) = civilFromDays(days)
        guard y >= 1000 && y <= 9999 else {
            var s = format(t)
            return s.withUTF8(body)
        }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { b in
            @inline(__always) func put(_ v: Int, _ at: Int, _ n: Int) {
                var v = v
                var i = at + n
                while i > at {
                    i -= 1
                    b[i] = 0x30 + UInt8(v % 10)
                    v /= 10
                }
            }
            put(y, 0, 4)
            b[4] = 0x2D
            put(m, 5, 2)
            b[7] = 0x2D
            put(d, 8, 2)
            b[10] = 0x54
            put(rem / 3600, 11, 2)
            b[13] = 0x3A
            put(rem / 60 % 60, 14, 2)
            b[16] = 0x3A
            put(rem % 60, 17, 2)
            b[19] = 0x2E
            put(ms, 20, 3)
            b[23] = 0x5A
            return body(UnsafeBufferPointer(b))
        }
    }

    /// Formats epoch milliseconds in a time zone with its offset: `2026-05-07T12:00:00.000+02:00`.
    public static func format(_ t: EpochMillis, in zone: TimeZone) -> String {
        let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t) / 1000))
        let local = format(t + Int64(offset) * 1000)
        let sign = offset < 0 ? "-" : "+"
        let a = abs(offset)
        let hh = a / 3600, mm = a / 60 % 60
        return String(local.dropLast()) + "\(sign)\(hh < 10 ? "0" : "")\(hh):\(mm < 10 ? "0" : "")\(mm)"
    }

    /// Local midnight (as UTC epoch ms) of the day containing `t` in `zone`.
    public static func startOfDay(_ t: EpochMillis, in zone: TimeZone) -> EpochMillis {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        let date = Date(timeIntervalSince1970: Double(t) / 1000)
        let start = cal.startOfDay(for: date)
        return EpochMillis((start.timeIntervalSince1970 * 1000).rounded())
    }

    /// Local midnight (as UTC epoch ms) of calendar day `day` (a ``CalendarDay`` number) in `zone`; on a day
    /// whose midnight a DST change skips, the first instant of that day.
    public static func startOfDay(calendarDay day: Int, in zone: TimeZone) -> EpochMillis {
        // Noon UTC of that date lies on the same local date in every zone from -11:59 to +11:59; outside
        // that (e.g. +13:00, +14:00) step to the local date wanted from the zone's own midnight.
        var t = EpochMillis(day) * 86_400_000 + 12 * 3_600_000
        for _ in 0..<3 {
            let start = startOfDay(t, in: zone)
            let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(start) / 1000))
            let local = CalendarDay.of(start, offsetSeconds: offset)
            if local == day { return start }
            t = start + EpochMillis(day - local) * 86_400_000 + 12 * 3_600_000
        }
        return startOfDay(t, in: zone)
    }

    // Howard Hinnant's civil calendar algorithms.
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
