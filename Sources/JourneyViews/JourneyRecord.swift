import Foundation
import Journeys
import SwitchboardCore

/// A closed journey as the journey views hand it to a ``SwitchboardCore/JourneyArchive`` and read it back
/// (docs/journeys.md, "Retention"). The document is
///
///     {"v":1,"customer":{"hashed":"phone#1f0c…","masked":"phone:+1•••01"|null,"clear":"phone:+1…"|null},
///      "journey":<the journey's entity JSON, its "customer" being the hashed form>}
///
/// Only the forms the org's `showCustomer` allowed when the journey left memory are kept: `hashed` always,
/// `masked` under `masked` or `clear`, the clear key only under `clear`. A read shows the form its org's mode
/// asks for, or the strictest kept form when that one was not kept (never more than either mode allows). The
/// record's search keys are the salted hashes of the customer key and its aliases: never an address.
enum JourneyRecord {
    static let version = 1

    struct Forms: Codable, Equatable {
        var hashed: String
        var masked: String?
        var clear: String?
    }

    private struct Header: Decodable {
        var v: Int
        var customer: Forms
    }

    /// The record of a journey leaving memory, redacted by the org's current rules.
    static func make(_ j: Journey, redactor: CustomerKeyRedactor) -> StoredJourney {
        let hashed = redactor.token(for: j.customer)
        var forms = Forms(hashed: hashed)
        if redactor.mode != .hashed { forms.masked = j.customer.masked }
        if redactor.mode == .clear { forms.clear = j.customer.canonical }
        var o: [UInt8] = Array(#"{"v":1,"customer":{"hashed":"#.utf8)
        JSONText.appendString(forms.hashed, to: &o)
        o.append(contentsOf: #","masked":"#.utf8)
        optional(forms.masked, &o)
        o.append(contentsOf: #","clear":"#.utf8)
        optional(forms.clear, &o)
        o.append(contentsOf: #"},"journey":"#.utf8)
        o += JourneyJSON.bytes(j, customer: hashed)
        o.append(UInt8(ascii: "}"))
        var hashes: [String] = []
        for k in [j.customer] + j.aliases {
            let h = redactor.token(for: k)
            if !hashes.contains(h) { hashes.append(h) }
        }
        return StoredJourney(id: j.id.description, org: j.org, openedAt: j.openedAt,
                             closedAt: j.declaredClosedAt ?? j.closedAt ?? j.lastActivityAt,
                             customerHashes: hashes, document: o)
    }

    /// The journey's entity JSON with the customer shown for `mode` (nil: the org has no journeys now, so
    /// the hashed form); nil when the document is not one this build reads.
    static func journeyJSON(_ r: StoredJourney, mode: CustomerKeyRedactor.Mode?) -> [UInt8]? {
        guard let header = try? JSONDecoder().decode(Header.self, from: Data(r.document)), header.v == version else {
            return nil
        }
        let marker = Array(#""journey":"#.utf8)
        guard let at = firstRange(of: marker, in: r.document), r.document.last == UInt8(ascii: "}") else { return nil }
        var journey = Array(r.document[(at + marker.count)..<(r.document.count - 1)])
        let shown: String = switch mode {
        case .clear: header.customer.clear ?? header.customer.masked ?? header.customer.hashed
        case .masked: header.customer.masked ?? header.customer.hashed
        case .hashed, nil: header.customer.hashed
        }
        guard shown != header.customer.hashed else { return journey }
        var from: [UInt8] = Array(#","customer":"#.utf8)
        var to = from
        JSONText.appendString(header.customer.hashed, to: &from)
        JSONText.appendString(shown, to: &to)
        guard let c = firstRange(of: from, in: journey) else { return nil }
        journey.replaceSubrange(c..<(c + from.count), with: to)
        return journey
    }

    /// Where `needle` first occurs. The markers looked for start with a quote that is not escaped, and the
    /// fields before them are strings and numbers the views wrote, so the first match is the field itself.
    static func firstRange(of needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard !needle.isEmpty, hay.count >= needle.count else { return nil }
        var i = 0
        while i + needle.count <= hay.count {
            if hay[i] == needle[0] && hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    private static func optional(_ s: String?, _ o: inout [UInt8]) {
        if let s { JSONText.appendString(s, to: &o) } else { o.append(contentsOf: "null".utf8) }
    }
}
