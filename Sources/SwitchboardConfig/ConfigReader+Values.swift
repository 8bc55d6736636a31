import Foundation
import Yams

/// Typed readers for one key of a checked mapping. Each returns nil when the key is absent (the
/// caller keeps its default) or after reporting what is wrong with the value.
extension ConfigReader {
    /// A non-empty string.
    func string(_ f: Fields, _ key: String, example: String) -> String? {
        guard let node = f[key] else { return nil }
        return nonEmptyString(node, path: f.path(key), example: example)
    }

    func nonEmptyString(_ node: Node, path: String, example: String) -> String? {
        guard let value = text(node, path: path, expected: "a string", example: example) else { return nil }
        guard !value.trimmingWhitespace().isEmpty else {
            report("value", at: node.mark, "\(path): must not be empty; write e.g. \(example)")
            return nil
        }
        return value.trimmingWhitespace()
    }

    /// A whole number from `min` to `max` (inclusive).
    func int(_ f: Fields, _ key: String, min: Int, max: Int = Int.max, example: String) -> Int? {
        guard let node = f[key] else { return nil }
        let path = f.path(key)
        guard let t = text(node, path: path, expected: "a whole number", example: example) else { return nil }
        guard let value = Int(t.trimmingWhitespace().replacingUnderscores()) else {
            typeMismatch(node, path: path, expected: "a whole number", hint: "write e.g. \(example)")
            return nil
        }
        return checkRange(value, node: node, path: path, min: min, max: max)
    }

    private func checkRange(_ value: Int, node: Node, path: String, min: Int, max: Int) -> Int? {
        guard value >= min, value <= max else {
            let range = max == Int.max ? "of at least \(min)" : "from \(min) to \(max)"
            report("range", at: node.mark, "\(path): \(value) is out of range; use a number \(range)")
            return nil
        }
        return value
    }

    /// A size in bytes of at least `min` (default 1): an integer or `512KiB`, `1MiB`, `2MB`.
    func bytes(_ f: Fields, _ key: String, min: Int = 1, example: String) -> Int? {
        guard let node = f[key] else { return nil }
        let path = f.path(key)
        guard let t = text(node, path: path, expected: "a size in bytes", example: example) else { return nil }
        guard let value = ConfigByteSize.parse(t) else {
            typeMismatch(node, path: path, expected: "a size in bytes",
                         hint: "write a whole number of bytes or use a unit: KiB, MiB, GiB, KB, MB, GB (e.g. \(example))")
            return nil
        }
        return checkRange(value, node: node, path: path, min: min, max: Int.max)
    }

    /// A number within `range`; `rangeText` describes it for the message.
    func double(_ f: Fields, _ key: String, range: ClosedRange<Double>, rangeText: String, example: String) -> Double? {
        guard let node = f[key] else { return nil }
        let path = f.path(key)
        guard let t = text(node, path: path, expected: "a number", example: example) else { return nil }
        guard let value = Double(t.trimmingWhitespace()), value.isFinite else {
            typeMismatch(node, path: path, expected: "a number", hint: "write e.g. \(example)")
            return nil
        }
        guard range.contains(value) else {
            report("range", at: node.mark, "\(path): \(shown(node, t)) is out of range; use a number \(rangeText)")
            return nil
        }
        return value
    }

    /// A positive duration: `250ms`, `65s`, `15m`, `2h`, `1h30m`.
    func duration(_ f: Fields, _ key: String, example: String) -> Duration? {
        guard let node = f[key] else { return nil }
        let path = f.path(key)
        guard let t = text(node, path: path, expected: "a duration", example: example) else { return nil }
        guard let value = ConfigDuration.parse(t) else {
            if ConfigDuration.isBareNumber(t) {
                let n = shown(node, t)
                report("duration", at: node.mark,
                       "\(path): '\(n)' has no unit; add one of ms, s, m, h (e.g. \(n)s)")
            } else {
                report("duration", at: node.mark,
                       "\(path): '\(shown(node, t))' is not a duration; write e.g. 250ms, 65s, 15m, 2h or 1h30m")
            }
            return nil
        }
        guard value > .zero else {
            report("range", at: node.mark, "\(path): must be longer than zero; write e.g. \(example)")
            return nil
        }
        return value
    }

    /// One of a fixed set of words.
    func choice(_ f: Fields, _ key: String, among options: [String]) -> String? {
        guard let node = f[key] else { return nil }
        let path = f.path(key)
        let example = options.joined(separator: " or ")
        guard let t = text(node, path: path, expected: example, example: options[0]) else { return nil }
        let value = t.trimmingWhitespace()
        guard options.contains(value) else {
            let guess = DidYouMean.suggest(value, from: options).map { "did you mean '\($0)'?" }
            report("value", at: node.mark, "\(path): unknown value '\(shown(node, value))'; " + (guess ?? "use \(example)"))
            return nil
        }
        return value
    }

    /// `host:port`, port 0–65535.
    func listen(_ f: Fields, _ key: String) -> ListenAddress? {
        guard let node = f[key] else { return nil }
        let path = f.path(key)
        guard let t = text(node, path: path, expected: "host:port", example: "127.0.0.1:8080") else { return nil }
        let value = t.trimmingWhitespace()
        if let address = ListenAddress(parsing: value), !address.host.contains(" ") { return address }
        if let colon = value.lastIndex(of: ":"), let port = Int(value[value.index(after: colon)...]) {
            report("range", at: node.mark, "\(path): port \(port) is out of range; use 0–65535 (0 picks a free port)")
        } else {
            report("value", at: node.mark,
                   "\(path): '\(shown(node, value))' is not host:port; write e.g. 127.0.0.1:8080, [::1]:8080 or :8080")
        }
        return nil
    }

    /// An absolute http, https, ws or wss URL with a host; returned without a trailing `/`.
    func url(_ f: Fields, _ key: String, example: String) -> String? {
        guard let node = f[key] else { return nil }
        let path = f.path(key)
        guard let t = text(node, path: path, expected: "a URL", example: example) else { return nil }
        var value = t.trimmingWhitespace()
        guard let components = URLComponents(string: value),
              let scheme = components.scheme?.lowercased(), ["http", "https", "ws", "wss"].contains(scheme),
              let host = components.host, !host.isEmpty
        else {
            report("value", at: node.mark,
                   "\(path): '\(shown(node, value))' is not an http(s) or ws(s) URL with a host; write e.g. \(example)")
            return nil
        }
        while value.hasSuffix("/") { value.removeLast() }
        return value
    }
}
