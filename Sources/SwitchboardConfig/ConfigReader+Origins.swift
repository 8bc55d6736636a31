import Yams

extension ConfigReader {
    /// `server.allowedOrigins`: a list of origins (`https://wallboard.example.com`, `http://10.0.0.5:8080`)
    /// or `*`. Each entry is checked on its own; duplicates are reported where they repeat.
    func allowedOrigins(_ f: Fields, _ key: String) -> [AllowedOrigin]? {
        guard let node = f[key] else { return nil }
        let path = f.path(key)
        let example = "[https://wallboard.example.com]"
        if Self.isNull(node) { return [] }
        guard let items = list(node, path: path, example: example) else { return nil }
        var out: [AllowedOrigin] = []
        var seen: [AllowedOrigin: Int] = [:]
        let before = diagnostics.count
        for (i, item) in items.enumerated() {
            let itemPath = "\(path)[\(i)]"
            guard let t = text(item, path: itemPath, expected: "an origin", example: "https://wallboard.example.com")
            else { continue }
            let value = t.trimmingWhitespace()
            let entry: AllowedOrigin
            if value == "*" {
                entry = .any
            } else if let origin = WebOrigin(parsing: value) {
                entry = .origin(origin)
            } else {
                report("value", at: item.mark, "\(itemPath): '\(shown(item, value))' is not an origin; "
                    + Self.originHint(value))
                continue
            }
            if let line = seen[entry] {
                report("duplicate", at: item.mark, "\(itemPath): duplicate origin '\(entry)' (first at line \(line)); keep one")
                continue
            }
            seen[entry] = item.mark?.line ?? 0
            out.append(entry)
        }
        return diagnostics.count == before ? out : nil
    }

    /// What to write instead of `value`.
    static func originHint(_ value: String) -> String {
        let lower = value.lowercased()
        if lower.hasPrefix("ws://") || lower.hasPrefix("wss://") {
            let page = (lower.hasPrefix("wss") ? "https" : "http") + value.drop { $0 != ":" }
            return "an origin is the address of the page that opens the stream, not the stream's URL; write e.g. '\(page)'"
        }
        if lower == "null" {
            return "pages with an opaque origin (files, sandboxed frames) send 'null'; serve the page over http(s) instead, or allow every origin with '*'"
        }
        guard let sep = value.range(of: "://") else {
            return "write scheme://host[:port], e.g. 'https://\(value.isEmpty ? "wallboard.example.com" : value)'"
        }
        let authority = value[sep.upperBound...]
        if let cut = authority.firstIndex(where: { "/?#".contains($0) }) {
            return "an origin has no path, query or trailing '/'; write '\(value[..<sep.upperBound])\(authority[..<cut])'"
        }
        return "write scheme://host[:port] with scheme http or https and a port from 1 to 65535, "
            + "e.g. 'https://wallboard.example.com' or 'http://10.0.0.5:8080'"
    }
}
