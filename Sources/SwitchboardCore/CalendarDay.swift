/// A calendar date without a time of day or a zone (a hire date), counted as days since 1970-01-01:
/// 0 is 1970-01-01, 19_000 is 2022-01-08. Genesys sends such dates as `yyyy-MM-dd` strings
/// (`employerInfo.dateHire`); Switchboard writes them in the same shape.
public enum CalendarDay {
    /// Parses `yyyy-MM-dd`, or the date part of an ISO-8601 timestamp (`yyyy-MM-ddT…`), with a year in
    /// 1000…9999. Nil when it is not a real date (`2023-02-30`, `14/03/2019`, empty).
    public static func parse(_ s: String) -> Int? {
        let u = Array(s.utf8.prefix(11))
        guard u.count >= 10, u[4] == 0x2D, u[7] == 0x2D, u.count == 10 || u[10] == 0x54 else { return nil }
        func num(_ a: Int, _ n: Int) -> Int? {
            var v = 0
            for i in a..<(a + n) {
                let d = Int(u[i]) - 48
                guard d >= 0 && d <= 9 else { return nil }
                v = v * 10 + d
            }
            return v
        }
        guard let y = num(0, 4), let m = num(5, 2), let d = num(8, 2), y >= 1000, (1...12).contains(m),
            (1...31).contains(d)
        else { return nil }
        let days = Timestamp.daysFromCivil(y, m, d)
        // 31 days in any month would roll 2023-02-30 over to 2023-03-02: only real dates round-trip.
        guard components(days) == (y, m, d) else { return nil }
        return days
    }

    /// `(year, month, day)` of a day number.
    public static func components(_ day: Int) -> (year: Int, month: Int, day: Int) {
        Timestamp.civilFromDays(day)
    }

    /// `yyyy-MM-dd` (years below 1000 are not zero-padded to four digits).
    public static func format(_ day: Int) -> String {
        let (y, m, d) = components(day)
        return "\(y)-\(m < 10 ? "0" : "")\(m)-\(d < 10 ? "0" : "")\(d)"
    }

    /// The day number of the calendar date at epoch milliseconds `t` in a zone `offsetSeconds` from UTC.
    public static func of(_ t: EpochMillis, offsetSeconds: Int = 0) -> Int {
        let local = t + Int64(offsetSeconds) * 1000
        return Int((local >= 0 ? local : local - 86_399_999) / 86_400_000)
    }
}
