/// The duration syntax of the orgs YAML: one or more `<number><unit>` parts, units `ms`, `s`, `m`,
/// `h`, `d` (`250ms`, `65s`, `15m`, `2h`, `1h30m`, `1.5s`, `35d`). A bare number is not a duration.
public enum ConfigDuration {
    /// Parses a duration; nil when `text` is not in the syntax above (including bare numbers).
    public static func parse(_ text: String) -> Duration? {
        let s = Array(text.trimmingWhitespace().unicodeScalars)
        guard !s.isEmpty else { return nil }
        var i = 0
        var totalMs = 0.0
        while i < s.count {
            let numberStart = i
            var sawDot = false
            while i < s.count, ("0"..."9").contains(s[i]) || (s[i] == "." && !sawDot) {
                if s[i] == "." { sawDot = true }
                i += 1
            }
            guard i > numberStart, let number = Double(String(String.UnicodeScalarView(s[numberStart..<i]))) else {
                return nil
            }
            let unitStart = i
            while i < s.count, s[i].properties.isAlphabetic { i += 1 }
            let unitMs: Double
            switch String(String.UnicodeScalarView(s[unitStart..<i])) {
            case "ms": unitMs = 1
            case "s": unitMs = 1000
            case "m": unitMs = 60_000
            case "h": unitMs = 3_600_000
            case "d": unitMs = 86_400_000
            default: return nil
            }
            totalMs += number * unitMs
        }
        guard totalMs.isFinite, totalMs < 1e15 else { return nil }
        return .milliseconds(Int64(totalMs.rounded()))
    }

    /// True when `text` is a plain number (a duration missing its unit).
    static func isBareNumber(_ text: String) -> Bool {
        Double(text.trimmingWhitespace()) != nil
    }

    /// The shortest spelling in this syntax, at millisecond precision: `250ms`, `65s`, `1h30m`.
    public static func format(_ duration: Duration) -> String {
        var ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if ms == 0 { return "0s" }
        var out = ms < 0 ? "-" : ""
        ms = abs(ms)
        let parts: [(Int64, String)] = [(86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1000, "s"), (1, "ms")]
        for (size, unit) in parts where ms >= size {
            out += "\(ms / size)\(unit)"
            ms %= size
        }
        return out
    }
}

/// The byte-size syntax of the orgs YAML: a whole number of bytes, or a number with a unit
/// `B`, `KiB`, `MiB`, `GiB` (powers of 1024) or `KB`, `MB`, `GB` (powers of 1000): `1MiB`, `512KiB`.
public enum ConfigByteSize {
    /// Parses a size in bytes; nil when `text` is not in the syntax above.
    public static func parse(_ text: String) -> Int? {
        let t = text.trimmingWhitespace().replacingUnderscores()
        if let n = Int(t) { return n }
        let units: [(String, Int)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1000), ("MB", 1_000_000),
            ("GB", 1_000_000_000), ("B", 1),
        ]
        for (unit, size) in units where t.hasSuffix(unit) {
            let number = t.dropLast(unit.count).trimmingWhitespace()
            guard let n = Int(number) else { return nil }
            let (product, overflow) = n.multipliedReportingOverflow(by: size)
            return overflow ? nil : product
        }
        return nil
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }

    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
