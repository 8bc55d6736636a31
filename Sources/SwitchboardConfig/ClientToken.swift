import Foundation

/// Fresh downstream client tokens (`switchboard token new`).
public enum ClientToken {
    /// 32 bytes from the system's secure generator (`getrandom` on Linux), base64url without padding:
    /// 43 characters, 256 bits — well over what ``TokenStrength`` requires.
    public static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
