/// The key a journey is stitched on: one customer, whichever channel they use. Made by a
/// ``CustomerKeyPolicy`` from an event's ``CustomerIdentity``.
///
/// The value is personal data (a phone number, an email address): `description` shows it masked
/// (`phone:+44••••••••58`), so a key cannot reach a log line whole by accident. ``canonical`` is the whole
/// key, for lookups only; ``CustomerKeyRedactor`` makes what users see.
public struct CustomerKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The org's external contact id.
        case externalContact = "contact"
        /// An E.164 number.
        case phone
        /// A lower-cased email address.
        case email
        /// A messaging id, as is.
        case messaging = "msg"
    }

    public let kind: Kind
    /// The normalised value.
    public let value: String

    /// A key from an already normalised value (use ``CustomerKeyPolicy`` for raw addresses).
    public init(kind: Kind, value: String) {
        self.kind = kind
        self.value = value
    }

    /// `kind:value` (`phone:+442079460958`). Personal data.
    public var canonical: String { "\(kind.rawValue):\(value)" }

    /// Parses ``canonical``; nil without a known kind.
    public init?(canonical: String) {
        guard let colon = canonical.firstIndex(of: ":"),
            let kind = Kind(rawValue: String(canonical[..<colon]))
        else { return nil }
        let value = canonical[canonical.index(after: colon)...]
        guard !value.isEmpty else { return nil }
        self.init(kind: kind, value: String(value))
    }

    /// The key with most of its value hidden: a phone keeps its first two and last two digits
    /// (`+44••••••••58`), an email the first letter of its local part and domain and the top-level domain
    /// (`a•••@e•••.com`), other ids their first and last two characters (`ab•••yz`, `•••` when short).
    public var masked: String {
        "\(kind.rawValue):" + Self.mask(kind: kind, value)
    }

    public var description: String { masked }

    public static func < (a: CustomerKey, b: CustomerKey) -> Bool { a.canonical < b.canonical }

    static func mask(kind: Kind, _ v: String) -> String {
        let dots = "•••"
        switch kind {
        case .phone:
            let digits = Array(v.dropFirst())
            guard digits.count > 4 else { return "+" + dots }
            return "+" + String(digits.prefix(2)) + String(repeating: "•", count: digits.count - 4)
                + String(digits.suffix(2))
        case .email:
            guard let at = v.lastIndex(of: "@") else { return dots }
            let local = v[..<at], domain = v[v.index(after: at)...]
            let tld = domain.lastIndex(of: ".").map { String(domain[$0...]) } ?? ""
            return "\(local.prefix(1))\(dots)@\(domain.prefix(1))\(dots)\(tld)"
        case .externalContact, .messaging:
            guard v.count >= 8 else { return dots }
            return "\(v.prefix(2))\(dots)\(v.suffix(2))"
        }
    }
}
