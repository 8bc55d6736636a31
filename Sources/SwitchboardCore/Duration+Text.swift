extension Duration {
    /// Rounded for logs and status texts: `340ms`, `1.5s`, `27s`, `2m5s`, `1h30m` — never
    /// `1.0400072461694383 seconds`. Negative durations read as zero.
    public var shortText: String {
        let ms = max(0, Int64((Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15).rounded()))
        if ms < 1000 { return "\(ms)ms" }
        if ms < 10_000 {
            let tenths = (ms + 50) / 100
            return tenths % 10 == 0 ? "\(tenths / 10)s" : "\(tenths / 10).\(tenths % 10)s"
        }
        let s = (ms + 500) / 1000
        if s < 60 { return "\(s)s" }
        if s < 3600 { return s % 60 == 0 ? "\(s / 60)m" : "\(s / 60)m\(s % 60)s" }
        let m = (s + 30) / 60
        return m % 60 == 0 ? "\(m / 60)h" : "\(m / 60)h\(m % 60)m"
    }
}
