import Crypto

/// Values that are credentials in all but name, made fit for a log line.
///
/// A Genesys notification channel id is the credential of the upstream socket (whoever knows it can
/// read the org's events from `wss://streaming.<region>/channels/<id>`), so it is never logged: a
/// short SHA-256 prefix identifies the channel across lines without revealing it.
public enum Redaction {
    /// `sha256:` and the first 12 hex digits of the SHA-256 of `value`'s UTF-8 bytes.
    public static func shortHash(_ value: String) -> String {
        var out = "sha256:"
        for byte in SHA256.hash(data: Array(value.utf8)).prefix(6) {
            out += byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }
        return out
    }

    /// A Genesys API path with the channel id after `/notifications/channels/` replaced by its
    /// ``shortHash(_:)`` (`/api/v2/notifications/channels/sha256:1a2b…/subscriptions`).
    public static func apiPath(_ path: String) -> String {
        let marker = "/notifications/channels/"
        guard let range = path.range(of: marker) else { return path }
        let rest = path[range.upperBound...]
        let end = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let id = rest[..<end]
        guard !id.isEmpty else { return path }
        return String(path[..<range.upperBound]) + shortHash(String(id)) + String(rest[end...])
    }
}
