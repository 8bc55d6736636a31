import Crypto
import SwitchboardCore

/// How a downstream client proves who it is: a bearer token held in the clear (`token:`), or only
/// the SHA-256 of that token (`tokenSha256:`), so the config file never holds the token itself.
public enum ClientCredential: Sendable, Hashable {
    /// The token itself (`token:`, usually `${VAR}`).
    case token(Secret)
    /// Lowercase hex SHA-256 of the token's UTF-8 bytes (`printf %s "$TOKEN" | sha256sum`).
    case sha256(String)

    /// True when `presented` (from `Authorization: Bearer …` or `?access_token=…`) is this
    /// client's token. An empty token never matches. The comparison does not stop at the first
    /// differing byte.
    public func matches(_ presented: String) -> Bool {
        guard !presented.isEmpty else { return false }
        switch self {
        case .token(let secret):
            guard !secret.isEmpty else { return false }
            return Self.constantTimeEqual(Array(secret.reveal().utf8), Array(presented.utf8))
        case .sha256(let hex):
            return Self.constantTimeEqual(Array(hex.utf8), Array(Self.sha256Hex(presented).utf8))
        }
    }

    /// Lowercase hex SHA-256 of the UTF-8 bytes of `text`: what `tokenSha256:` holds.
    public static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
