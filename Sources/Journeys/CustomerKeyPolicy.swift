/// How an org's events name their customer: which identities count, in which order, and how phone numbers
/// written without a country code are read. Configurable per org.
///
/// The first source in ``sources`` the identity has gives the journey's key (an external contact id when
/// present, else the phone, else the email, else the messaging id by default); the others are aliases, so a
/// customer who calls (phone and external contact) and later writes (email and the same external contact)
/// is one journey. An address that does not normalise (a withheld number, `anonymous`, a malformed email)
/// is no identity.
public struct CustomerKeyPolicy: Sendable, Equatable {
    public enum Source: String, Sendable, Hashable, CaseIterable {
        case externalContact
        case phone
        case email
        case messaging
    }

    /// The identity sources, most trusted first. Sources not listed are ignored.
    public var sources: [Source]
    /// Reads phone numbers; its plan is the org's default country.
    public var phone: PhoneNumberNormalizer

    public init(sources: [Source] = [.externalContact, .phone, .email, .messaging],
                phone: PhoneNumberNormalizer) {
        self.sources = sources
        self.phone = phone
    }

    /// The default order with the numbering plan of `defaultCountry` (ISO 3166 alpha-2).
    public init(defaultCountry: String, sources: [Source] = [.externalContact, .phone, .email, .messaging])
        throws(JourneyError)
    {
        let phone = try PhoneNumberNormalizer(defaultCountry: defaultCountry)
        self.init(sources: sources, phone: phone)
    }

    /// Every key of `identity`, most trusted first, without repeats. Empty when nothing normalises.
    public func keys(for identity: CustomerIdentity) -> [CustomerKey] {
        var keys: [CustomerKey] = []
        func add(_ k: CustomerKey) { if !keys.contains(k) { keys.append(k) } }
        for source in sources {
            switch source {
            case .externalContact:
                if let id = identity.externalContactID.flatMap(AddressNormalizer.messaging) {
                    add(CustomerKey(kind: .externalContact, value: id))
                }
            case .phone:
                for a in identity.addresses where a.kind == .phone {
                    if let n = phone.normalize(a.value) { add(CustomerKey(kind: .phone, value: n)) }
                }
            case .email:
                for a in identity.addresses where a.kind == .email {
                    if let n = AddressNormalizer.email(a.value) { add(CustomerKey(kind: .email, value: n)) }
                }
            case .messaging:
                for a in identity.addresses where a.kind == .messaging {
                    if let n = AddressNormalizer.messaging(a.value) { add(CustomerKey(kind: .messaging, value: n)) }
                }
            }
        }
        return keys
    }

    /// The journey key of `identity`: the first of ``keys(for:)``.
    public func key(for identity: CustomerIdentity) -> CustomerKey? { keys(for: identity).first }

    /// The key a user typed (a search): `kind:value` with the value normalised, or a bare address whose kind
    /// is read from its shape. Nil when it does not normalise.
    public func key(searching raw: String) -> CustomerKey? {
        if let k = CustomerKey(canonical: raw) {
            switch k.kind {
            case .externalContact: return k
            case .phone: return phone.normalize(k.value).map { CustomerKey(kind: .phone, value: $0) }
            case .email: return AddressNormalizer.email(k.value).map { CustomerKey(kind: .email, value: $0) }
            case .messaging: return AddressNormalizer.messaging(k.value).map { CustomerKey(kind: .messaging, value: $0) }
            }
        }
        guard let address = CustomerAddress(inferring: raw) else { return nil }
        let p = CustomerKeyPolicy(sources: [.phone, .email, .messaging], phone: phone)
        return p.key(for: CustomerIdentity(addresses: [address]))
    }
}
