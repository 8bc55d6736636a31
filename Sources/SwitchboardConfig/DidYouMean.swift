/// "Did you mean" suggestions for mistyped names.
enum DidYouMean {
    /// The closest candidate: edit distance ≤ 2 (case-insensitive), or one is a prefix of the
    /// other (at least 3 characters). Nil when nothing is close.
    static func suggest(_ input: String, from candidates: [String]) -> String? {
        let needle = input.lowercased()
        let needleLength = needle.unicodeScalars.count
        guard needleLength > 0 else { return nil }
        var best: (name: String, score: Int)?
        for candidate in candidates {
            let c = candidate.lowercased()
            // The distance is at least the difference in length: skip the quadratic table when that alone
            // rules a candidate out (most of them; a fuzzed or pasted key can be kilobytes long).
            var score = abs(c.unicodeScalars.count - needleLength) > 2 ? 3 : distance(needle, c)
            if score > 2 {
                let isPrefix = min(needle.count, c.count) >= 3 && (c.hasPrefix(needle) || needle.hasPrefix(c))
                guard isPrefix else { continue }
                score = 3
            }
            if best == nil || score < best!.score { best = (candidate, score) }
        }
        return best?.name
    }

    /// Levenshtein distance over Unicode scalars.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
