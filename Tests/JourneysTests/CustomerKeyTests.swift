import Journeys
import SwitchboardCore
import Testing

@Suite struct PhoneNumberNormalizerTests {
    static let us = try! PhoneNumberNormalizer(defaultCountry: "US")
    static let gb = try! PhoneNumberNormalizer(defaultCountry: "gb")
    static let it = try! PhoneNumberNormalizer(defaultCountry: "IT")
    static let au = try! PhoneNumberNormalizer(defaultCountry: "AU")

    @Test(arguments: [
        ("tel:+1 (555) 123-4567", "+15551234567"),
        ("+1.555.123.4567", "+15551234567"),
        ("555-123-4567", "+15551234567"),
        ("(555) 123 4567", "+15551234567"),
        ("1-555-123-4567", "+15551234567"),  // trunk prefix 1
        ("011 44 20 7946 0958", "+442079460958"),  // North American international prefix
        ("sip:+15551234567@edge.example.com;user=phone", "+15551234567"),
        ("SIP:5551234567@10.0.0.1", "+15551234567"),
        ("tel:+15551234567;ext=99", "+15551234567"),
        ("555-123-4567 x89", "+15551234567"),
        ("+1 555 123 4567 ext. 89", "+15551234567"),
        ("555 123 4567#12", "+15551234567"),
        ("\u{FF15}\u{FF15}\u{FF15}1234567", "+15551234567"),  // full-width digits
        ("  +1 555 123 4567\n", "+15551234567"),
    ])
    func northAmerica(raw: String, expected: String) {
        #expect(Self.us.normalize(raw) == expected)
    }

    @Test(arguments: [
        ("020 7946 0958", "+442079460958"),
        ("+44 (0)20 7946 0958", "+442079460958"),
        ("0044 20 7946 0958", "+442079460958"),
        ("00 33 1 23 45 67 89", "+33123456789"),
        ("+٤٤ ٢٠ ٧٩٤٦ ٠٩٥٨", "+442079460958"),  // Arabic-Indic digits
    ])
    func unitedKingdom(raw: String, expected: String) {
        #expect(Self.gb.normalize(raw) == expected)
    }

    @Test func italyKeepsItsTrunkZeroAndAustraliaHasALongInternationalPrefix() {
        #expect(Self.it.normalize("06 1234 5678") == "+390612345678")
        #expect(Self.it.normalize("+39 06 1234 5678") == "+390612345678")
        #expect(Self.au.normalize("(02) 9876 5432") == "+61298765432")
        #expect(Self.au.normalize("0011 1 555 123 4567") == "+15551234567")
    }

    @Test(arguments: [
        "", "anonymous", "Unknown", "+", "1234",  // an internal extension
        "555-1234",  // seven digits: not a North American national number
        "+0123456789",  // no country code starts with 0
        "+1234567890123456",  // 16 digits: longer than E.164
        "1-800-FLOWERS",  // vanity numbers are not read
        "555+123", "ann@example.com", "tel:", "+1 555 ½23 4567",
    ])
    func unusableNumbersAreNoIdentity(raw: String) {
        #expect(Self.us.normalize(raw) == nil)
    }

    @Test func anUnknownDefaultCountryIsACodedErrorNamingTheKnownOnes() {
        #expect(throws: JourneyError.self) { try PhoneNumberNormalizer(defaultCountry: "XX") }
        do {
            _ = try PhoneNumberNormalizer(defaultCountry: "XX")
        } catch {
            #expect(error.code == "journeys.unknown-country")
            #expect(error.message.contains("GB"))
        }
        let custom = PhoneNumberNormalizer(plan: .init(callingCode: "372", trunkPrefix: nil, internationalPrefixes: ["00"]))
        #expect(custom.normalize("5123 4567") == "+37251234567")
    }
}

@Suite struct CustomerKeyTests {
    @Test(arguments: [
        ("Ann.Smith@Example.COM", "ann.smith@example.com"),
        ("mailto:ann@example.com?subject=help", "ann@example.com"),
        ("Ann Smith <ANN@example.com>", "ann@example.com"),
        ("ann@example.com.", "ann@example.com"),
        ("  ann+orders@example.com ", "ann+orders@example.com"),  // tags kept: no provider rules
    ])
    func emailsAreLowerCasedAndUnwrapped(raw: String, expected: String) {
        #expect(AddressNormalizer.email(raw) == expected)
    }

    @Test(arguments: ["", "ann", "ann@", "@example.com", "a@b@c.com", "ann smith@example.com", "ann@exa..mple.com",
                      "ann@example.com, bob@example.com"])
    func malformedEmailsAreNoIdentity(raw: String) {
        #expect(AddressNormalizer.email(raw) == nil)
    }

    @Test func theFirstSourceOfThePolicyIsTheKeyAndTheOthersAliases() throws {
        let identity = CustomerIdentity(externalContactID: "ext-42", addresses: [
            CustomerAddress(.email, "Ann@Example.com"), CustomerAddress(.phone, "555-123-4567"),
            CustomerAddress(.messaging, "  wa:Ann42 "), CustomerAddress(.phone, "anonymous"),
        ])
        let standard = JT.policy
        #expect(standard.keys(for: identity).map(\.canonical)
            == ["contact:ext-42", "phone:+15551234567", "email:ann@example.com", "msg:wa:Ann42"])
        let emailFirst = try CustomerKeyPolicy(defaultCountry: "US", sources: [.email, .phone])
        #expect(emailFirst.keys(for: identity).map(\.canonical) == ["email:ann@example.com", "phone:+15551234567"])
        #expect(emailFirst.key(for: CustomerIdentity(externalContactID: "ext-42")) == nil)
        #expect(standard.key(for: CustomerIdentity(addresses: [CustomerAddress(.phone, "unknown")])) == nil)
    }

    @Test func aSearchTakesACanonicalKeyOrABareAddress() {
        #expect(JT.policy.key(searching: "phone:(555) 123-4567")?.canonical == "phone:+15551234567")
        #expect(JT.policy.key(searching: "555 123 4567")?.canonical == "phone:+15551234567")
        #expect(JT.policy.key(searching: "ANN@example.com")?.canonical == "email:ann@example.com")
        #expect(JT.policy.key(searching: "contact:ext-42")?.canonical == "contact:ext-42")
        #expect(JT.policy.key(searching: "phone:nope") == nil)
        #expect(CustomerKey(canonical: "bogus:1") == nil)
    }

    @Test func addressKindsAreInferredFromTheirShape() {
        #expect(CustomerAddress(inferring: "tel:+15551234567")?.kind == .phone)
        #expect(CustomerAddress(inferring: "sip:bob@edge")?.kind == .phone)
        #expect(CustomerAddress(inferring: "+44 20 7946 0958")?.kind == .phone)
        #expect(CustomerAddress(inferring: "bob@example.com")?.kind == .email)
        #expect(CustomerAddress(inferring: "wa-7f3c9")?.kind == .messaging)
        #expect(CustomerAddress(inferring: "  ") == nil)
    }

    @Test func keysPrintMaskedNeverWhole() {
        let phone = CustomerKey(kind: .phone, value: "+442079460958")
        #expect(phone.masked == "phone:+44••••••••58")
        #expect("\(phone)" == phone.masked)
        #expect(!"\(phone)".contains("7946"))
        #expect(CustomerKey(kind: .email, value: "ann.smith@example.com").masked == "email:a•••@e•••.com")
        #expect(CustomerKey(kind: .externalContact, value: "3f1c0a77-1234").masked == "contact:3f•••34")
        #expect(CustomerKey(kind: .messaging, value: "short").masked == "msg:•••")
    }

    @Test func hashedKeysAreSaltedStableAndModal() throws {
        let key = CustomerKey(kind: .phone, value: "+15551234567")
        let a = try CustomerKeyRedactor(salt: Secret("deployment-salt-0123456789"))
        let b = try CustomerKeyRedactor(salt: Secret("another-salt-abcdefghijkl"))
        #expect(a.token(for: key) == a.token(for: CustomerKey(kind: .phone, value: "+15551234567")))
        #expect(a.token(for: key) != b.token(for: key))
        #expect(a.token(for: key).hasPrefix("phone#"))
        #expect(a.token(for: key).count == "phone#".count + 16)
        #expect(!a.display(key).contains("555"))
        #expect(try CustomerKeyRedactor(salt: Secret("deployment-salt-0123456789"), mode: .masked).display(key)
            == key.masked)
        #expect(try CustomerKeyRedactor(salt: Secret("deployment-salt-0123456789"), mode: .clear).display(key)
            == "phone:+15551234567")
        #expect(throws: JourneyError.self) { try CustomerKeyRedactor(salt: Secret("short")) }
    }
}

@Suite struct JourneyEventKindTests {
    @Test func detailEventTopicsAndSeedTypesMapToKinds() {
        #expect(JourneyEvent.Kind(detailEventTopic: "v2.detail.events.conversation.c0f3-1.acd.start") == .acdStart)
        #expect(JourneyEvent.Kind(detailEventTopic: "v2.detail.events.conversation.{id}.customer.end") == .customerEnd)
        #expect(JourneyEvent.Kind(detailEventTopic: "v2.detail.events.conversation.x.wrapup") == .wrapup)
        #expect(JourneyEvent.Kind(detailEventTopic: "v2.detail.events.conversation.x.flow.start") == nil)
        #expect(JourneyEvent.Kind(detailEventTopic: "v2.users.x.presence") == nil)
        #expect(JourneyEvent.Kind(seedEventType: "transfer.initiated") == .transferInitiated)
        #expect(JourneyEvent.Kind(seedEventType: "disposition.completed") == .dispositionCompleted)
        #expect(JourneyEvent.Kind(seedEventType: "acd.start") == nil)
        #expect(JourneyMedia(platform: "VOICE") == .voice)
        #expect(JourneyMedia(platform: "calls") == .voice)
        #expect(JourneyMedia(platform: "webchat") == .chat)
        #expect(JourneyMedia(platform: "emails") == .email)
        #expect(JourneyMedia(platform: "cobrowse") == nil)
        #expect(JourneyPath([.voice, .voice, .chat, .email, .email]).description == "voice→chat→email")
        #expect(JourneyPath([.voice, .chat, .voice]).switches == 2)
    }
}
