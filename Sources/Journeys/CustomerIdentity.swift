import Foundation

/// Who the customer of an event is, as the source gave it (raw: not yet normalised). Personal data: never
/// logged; the ``CustomerKeyPolicy`` turns it into ``CustomerKey``s.
public struct CustomerIdentity: Sendable, Hashable {
    /// The org's external contact id for the customer (Genesys external contacts; the seed's `customerId`).
    public var externalContactID: String?
    /// The customer's addresses on this contact: the caller's number, the sender's email, a messaging id.
    public var addresses: [CustomerAddress]

    public init(externalContactID: String? = nil, addresses: [CustomerAddress] = []) {
        self.externalContactID = externalContactID
        self.addresses = addresses
    }

    /// True when there is nothing to key a journey on.
    public var isEmpty: Bool {
        (externalContactID?.isEmpty ?? true) && addresses.isEmpty
    }
}

/// One address of a customer, with what kind of address it is.
public struct CustomerAddress: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A telephone number (`tel:+1…`, `sip:+1…@…`, or digits as dialled).
        case phone
        /// An email address.
        case email
        /// A messaging id (web messaging session, SMS short code sender, social handle): compared as is.
        case messaging
    }

    public var kind: Kind
    public var value: String

    public init(_ kind: Kind, _ value: String) {
        self.kind = kind
        self.value = value
    }

    /// An address whose kind is read from its shape, for sources that give a bare address (a conversation
    /// participant's `address`, a detail event's `ani`/`addressFrom`): `tel:` and `sip:` URIs, `+` and digits
    /// are phones; `mailto:` and anything with an `@` an email; anything else a messaging id. Nil for an
    /// empty string.
    public init?(inferring raw: String) {
        let s = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !s.isEmpty else { return nil }
        let lower = s.lowercased()
        if lower.hasPrefix("tel:") || lower.hasPrefix("sip:") || lower.hasPrefix("sips:") {
            self.init(.phone, s)
        } else if lower.hasPrefix("mailto:") || s.contains("@") {
            self.init(.email, s)
        } else if s.first == "+" || s.allSatisfy({ $0.isNumber || " -().".contains($0) }) {
            self.init(.phone, s)
        } else {
            self.init(.messaging, s)
        }
    }
}
