import Journeys
import SwitchboardCore

/// A simulated customer of an org: who they are (an external contact id on some, a phone number, an email
/// address, a web messaging id) and which media they use. Every contact of a customer carries the customer's
/// primary identity (the external contact id for known customers, else the one address kind they use), so
/// all of their contacts have one customer key; how each contact *writes* the address varies (E.164,
/// national formats, `tel:` and `sip:` URIs, mixed-case emails, display names).
struct SimCustomer {
    /// How the org knows the customer.
    enum Kind: String, Sendable, CaseIterable {
        /// An external contact: its id is on every contact; any medium.
        case known
        /// Only a phone number: voice, callback, SMS messages.
        case phone
        /// Only an email address: email and chat.
        case email
        /// Only a web messaging id: messages.
        case messaging
    }

    let serial: Int
    let kind: Kind
    let firstName: String
    let lastName: String
    let externalContactID: String?
    let phone: SimPhoneNumber?
    /// Lower-case email address.
    let email: String?
    let messagingID: String?
    /// The canonical customer key (`contact:…`, `phone:+…`, `email:…`, `msg:…`), by the org's key policy.
    var key: String = ""
    /// Contacts begun so far.
    var contacts = 0
    /// Contacts in progress (begun and not yet done: ended and wrapped up, or given up).
    var active = 0
    /// The latest event time of any of its contacts.
    var lastEventAt: EpochMillis = 0

    /// The media this customer uses.
    var media: [JourneyMedia] {
        switch kind {
        case .known: JourneyMedia.allCases
        case .phone: [.voice, .callback, .message]
        case .email: [.email, .chat]
        case .messaging: [.message]
        }
    }

    /// The address a contact on `media` shows, written one of the ways people and systems write it, and
    /// the message type for messages (`sms` or `webmessaging`).
    func address(for media: JourneyMedia, _ rng: inout SimRandom) -> (address: String, messageType: String?) {
        switch media {
        case .voice, .callback:
            return (phone!.written(&rng, sip: media == .voice), nil)
        case .message:
            if let id = messagingID, phone == nil || rng.chance(0.5) { return (id, "webmessaging") }
            return (phone!.written(&rng, sip: false), "sms")
        case .email, .chat:
            return (Self.writtenEmail(email!, first: firstName, last: lastName, &rng), nil)
        }
    }

    /// The identity a contact shows, as the platform gives it.
    func identity(address: String) -> CustomerIdentity {
        CustomerIdentity(externalContactID: externalContactID,
                         addresses: CustomerAddress(inferring: address).map { [$0] } ?? [])
    }

    /// One of the ways an email address is written: capitalised, upper case, with a display name, as a
    /// `mailto:` URI, or plain.
    static func writtenEmail(_ email: String, first: String, last: String, _ rng: inout SimRandom) -> String {
        let at = email.firstIndex(of: "@")!
        let local = String(email[..<at]), domain = String(email[email.index(after: at)...])
        let capitalised = local.split(separator: ".").map { $0.prefix(1).uppercased() + $0.dropFirst() }
            .joined(separator: ".") + "@" + domain.prefix(1).uppercased() + domain.dropFirst()
        switch rng.int(0...5) {
        case 0: return capitalised
        case 1: return email.uppercased()
        case 2: return "\"\(first) \(last)\" <\(email)>"
        case 3: return "mailto:\(capitalised)"
        case 4: return "\(first) \(last) <\(capitalised.uppercased())>"
        default: return email
        }
    }

    /// Letters of the workload's names an email local part spells in ASCII.
    static func ascii(_ s: String) -> String {
        var out = ""
        for c in s.lowercased() {
            switch c {
            case "é", "ë": out.append("e")
            case "í": out.append("i")
            case "ü": out.append("u")
            case "ø": out.append("o")
            case "'", " ": continue
            default: out.append(c)
            }
        }
        return out
    }

    /// A new customer: identity kind, names, a phone number unique in the org (``SimPhoneNumber``), an
    /// email address and a messaging id unique by construction (the serial is part of them).
    static func make(serial: Int, country: String, rng: inout SimRandom, usedPhones: inout Set<String>) -> SimCustomer {
        let roll = rng.unit()
        let kind: Kind = roll < 0.5 ? .known : roll < 0.8 ? .phone : roll < 0.95 ? .email : .messaging
        let first = OrgModel.firstNames[rng.int(0...(OrgModel.firstNames.count - 1))]
        let last = OrgModel.lastNames[rng.int(0...(OrgModel.lastNames.count - 1))]
        var phone: SimPhoneNumber?
        if kind == .known || kind == .phone {
            repeat { phone = SimPhoneNumber.make(country: country, &rng) } while !usedPhones.insert(phone!.e164).inserted
        }
        let domains = ["example.com", "example.org", "mail.example.net", "example.co.uk"]
        let email = kind == .known || kind == .email
            ? "\(ascii(first)).\(ascii(last))\(serial)@\(domains[rng.int(0...(domains.count - 1))])" : nil
        var messaging: String?
        if kind == .messaging || (kind == .known && rng.chance(0.5)) {
            messaging = "wm-\(String(serial, radix: 16))-\(String(rng.next() & 0xFFFF_FFFF, radix: 16))"
        }
        return SimCustomer(
            serial: serial, kind: kind, firstName: first, lastName: last,
            externalContactID: kind == .known ? rng.uuid() : nil, phone: phone, email: email, messagingID: messaging)
    }
}

/// A customer's telephone number: its E.164 form and the ways to write it.
struct SimPhoneNumber: Sendable, Equatable {
    /// `+14155550123`.
    let e164: String
    /// The country the number is of (ISO 3166), and its national significant number (no trunk prefix).
    let country: String
    let national: String
    /// Whether the number is of the org's own country (else only international forms are written).
    let domestic: Bool

    /// A number: of the org's country nine times in ten (US, Germany or Japan plans; other orgs like the US),
    /// else a foreign one (UK, France, Australia).
    static func make(country orgCountry: String, _ rng: inout SimRandom) -> SimPhoneNumber {
        let domestic = !rng.chance(0.1)
        let country = domestic ? (["DE", "JP"].contains(orgCountry) ? orgCountry : "US")
            : ["GB", "FR", "AU"][rng.int(0...2)]
        func digits(_ n: Int) -> String { (0..<n).map { _ in String(rng.int(0...9)) }.joined() }
        let national: String
        switch country {
        case "DE":
            let area = ["30", "40", "89", "69", "221", "151", "176"][rng.int(0...6)]
            national = area + String(rng.int(2...9)) + digits(area.count == 2 ? 7 : 6)
        case "JP":
            let area = ["3", "6", "90", "80"][rng.int(0...3)]
            national = area + String(rng.int(2...9)) + digits(7)
        case "GB": national = "207946" + digits(4)
        case "FR": national = "1" + String(rng.int(4...7)) + digits(7)
        case "AU": national = "2" + String(rng.int(8...9)) + digits(7)
        default:
            let area = ["212", "312", "415", "617", "206", "303", "404", "512", "702", "919"][rng.int(0...9)]
            var exchange = rng.int(200...999)
            if exchange == 555 { exchange = 556 }
            national = area + String(exchange) + digits(4)
        }
        let code = ["US": "1", "DE": "49", "JP": "81", "GB": "44", "FR": "33", "AU": "61"][country]!
        return SimPhoneNumber(e164: "+" + code + national, country: country, national: national, domestic: domestic)
    }

    /// The number written one of the ways callers, carriers and CRMs write it: E.164 with or without
    /// separators, a `tel:` URI, a `sip:` URI (voice), the national format of the org's country with its trunk
    /// prefix, brackets, dots or dashes, or an international prefix dialled from that country.
    func written(_ rng: inout SimRandom, sip: Bool) -> String {
        let cc = String(e164.dropFirst().prefix(e164.count - 1 - national.count))
        let n = Array(national)
        func part(_ a: Int, _ b: Int) -> String { String(n[min(a, n.count)..<min(b, n.count)]) }
        if !domestic {
            switch rng.int(0...3) {
            case 0: return e164
            case 1: return "tel:\(e164)"
            case 2 where country == "GB": return "+44 (0)\(part(0, 2)) \(part(2, 6)) \(part(6, 10))"
            default: return "+\(cc) \(part(0, 1)) \(part(1, 5)) \(part(5, 12))"
            }
        }
        let pick = rng.int(0...(sip ? 8 : 7))
        if pick == 8 { return "sip:\(e164)@sip.carrier.example;user=phone" }
        switch country {
        case "DE":
            let a = national.hasPrefix("221") ? 3 : national.hasPrefix("1") ? 3 : 2
            let area = part(0, a), sub = part(a, n.count)
            switch pick {
            case 0: return e164
            case 1: return "tel:\(e164)"
            case 2: return "0\(area) \(sub)"
            case 3: return "+49 \(area) \(sub)"
            case 4: return "0049 \(area) \(sub)"
            case 5: return "+49 (0)\(area) \(part(a, a + 4)) \(part(a + 4, n.count))"
            case 6: return "(0\(area)) \(sub)"
            default: return "0\(area)-\(sub)"
            }
        case "JP":
            let a = national.count == 9 ? 1 : 2
            let area = part(0, a)
            let mid = part(a, n.count - 4), tail = part(n.count - 4, n.count)
            switch pick {
            case 0: return e164
            case 1: return "tel:\(e164)"
            case 2: return "0\(area)-\(mid)-\(tail)"
            case 3: return "+81 \(area)-\(mid)-\(tail)"
            case 4: return "010 81 \(area) \(mid) \(tail)"
            case 5: return "(0\(area)) \(mid)-\(tail)"
            case 6: return "0\(area)\(mid)\(tail)"
            default: return "tel:+81-\(area)-\(mid)-\(tail)"
            }
        default:
            let a = part(0, 3), e = part(3, 6), l = part(6, 10)
            switch pick {
            case 0: return e164
            case 1: return "tel:\(e164)"
            case 2: return "+1 \(a)-\(e)-\(l)"
            case 3: return "(\(a)) \(e)-\(l)"
            case 4: return "\(a).\(e).\(l)"
            case 5: return "1-\(a)-\(e)-\(l)"
            case 6: return "+1 (\(a)) \(e)-\(l)"
            default: return "\(a)\(e)\(l)"
            }
        }
    }
}
