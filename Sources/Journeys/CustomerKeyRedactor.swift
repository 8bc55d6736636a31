import Crypto
import SwitchboardCore

/// What users see of a customer key. Addresses are personal data: by default a key is shown as a salted
/// hash (``token(for:)``), stable within a deployment and useless elsewhere; an org may choose masked keys
/// or, where it is allowed to, the clear key.
public struct CustomerKeyRedactor: Sendable {
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// `phone#1f0c…` (kind and 16 hex digits of HMAC-SHA256 with the deployment's salt).
        case hashed
        /// `phone:+44••••••••58` (``CustomerKey/masked``).
        case masked
        /// `phone:+442079460958`: only where the org's configuration allows showing addresses.
        case clear
    }

    public let mode: Mode
    private let key: SymmetricKey

    /// The shortest salt accepted: 16 characters.
    public static let minimumSaltLength = 16

    /// - Parameter salt: the deployment's secret salt (the same on every replica, so tokens agree).
    public init(salt: Secret, mode: Mode = .hashed) throws(JourneyError) {
        guard salt.reveal().utf8.count >= Self.minimumSaltLength else {
            throw JourneyError(
                code: "journeys.salt-too-short",
                message: "the customer key salt has fewer than \(Self.minimumSaltLength) characters; set a long "
                    + "random value (the same on every replica) so hashed customer keys cannot be guessed")
        }
        self.mode = mode
        self.key = SymmetricKey(data: Array(salt.reveal().utf8))
    }

    /// The key as users see it in this mode.
    public func display(_ k: CustomerKey) -> String {
        switch mode {
        case .hashed: token(for: k)
        case .masked: k.masked
        case .clear: k.canonical
        }
    }

    /// The salted hash of a key: `kind#` and 16 hex digits. The same key always gives the same token within
    /// a deployment, so a search may use it in place of the address.
    public func token(for k: CustomerKey) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(k.canonical.utf8), using: key)
        var out = "\(k.kind.rawValue)#"
        for byte in mac.prefix(8) {
            out += byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }
        return out
    }
}
