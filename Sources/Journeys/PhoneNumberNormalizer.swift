import Foundation

/// Turns a telephone number as a source gives it into E.164 (`+` and 7 to 15 digits, no leading zero), so
/// the same caller is one key whichever way the number was written.
///
/// Rules, in order:
/// 1. A `tel:`, `sip:` or `sips:` scheme is dropped; of a SIP URI only the user part (before `@`) is kept.
///    URI parameters (`;ext=…`, `;user=phone`) and an extension (`#…`, `x…`, `ext…`) are dropped.
/// 2. Spaces, `-`, `.`, `/`, `(` and `)` are separators. Any Unicode decimal digit counts as its digit
///    (full-width or Arabic-Indic digits from a web form). Any other character (a letter of a vanity number,
///    `anonymous`, `unknown`) makes the number unusable: nil.
/// 3. A leading `+` means the number is international; a trunk prefix written in parentheses after the
///    country code (`+44 (0)20 …`) is dropped.
/// 4. Without `+`, a number starting with one of the plan's international prefixes (`00`, `011`, …) is
///    international after it; otherwise it is national: the plan's trunk prefix (`0`, or `1` in North
///    America) is dropped unless the plan keeps it (Italy), and the plan's country code is put in front.
/// 5. The result must have 7 to 15 digits and must not start with `0`; otherwise nil (an internal extension,
///    a truncated number).
///
/// It does not check that a number exists or is assigned (no numbering tables): two writings of one
/// number give one key, which is all a journey needs.
public struct PhoneNumberNormalizer: Sendable, Equatable {
    /// How national numbers are written in a country.
    public struct Plan: Sendable, Equatable {
        /// The country calling code, digits only (`1`, `44`).
        public var callingCode: String
        /// The national trunk prefix, dropped from national numbers (`0`; `1` for North America).
        public var trunkPrefix: String?
        /// The prefixes that start an international number dialled from the country (`00`, `011`).
        public var internationalPrefixes: [String]
        /// The lengths a national number has without its trunk prefix, when fixed (North America: 10).
        /// The trunk prefix is dropped only when what is left has one of these lengths (nil: any length).
        public var nationalLengths: ClosedRange<Int>?
        /// The trunk prefix is part of the international number (Italy, San Marino).
        public var keepsTrunkPrefix: Bool

        public init(callingCode: String, trunkPrefix: String?, internationalPrefixes: [String],
                    nationalLengths: ClosedRange<Int>? = nil, keepsTrunkPrefix: Bool = false) {
            self.callingCode = callingCode
            self.trunkPrefix = trunkPrefix
            self.internationalPrefixes = internationalPrefixes
            self.nationalLengths = nationalLengths
            self.keepsTrunkPrefix = keepsTrunkPrefix
        }
    }

    public let plan: Plan
    /// The ISO 3166 country the plan is for, when built from one.
    public let country: String?

    public init(plan: Plan) {
        self.plan = plan
        self.country = nil
    }

    /// The normaliser for a country's numbering plan (ISO 3166 alpha-2, any case); see ``knownCountries``.
    public init(defaultCountry: String) throws(JourneyError) {
        let code = defaultCountry.uppercased()
        guard let plan = Self.plans[code] else {
            throw JourneyError(
                code: "journeys.unknown-country",
                message: "the journeys default country '\(defaultCountry)' has no numbering plan here; use one of "
                    + "\(Self.knownCountries.joined(separator: ", ")) or give the plan (calling code, trunk and "
                    + "international prefixes)")
        }
        self.plan = plan
        self.country = code
    }

    /// The countries ``init(defaultCountry:)`` knows.
    public static var knownCountries: [String] { plans.keys.sorted() }

    /// The number in E.164 (`+442079460958`), or nil when it is not a usable telephone number.
    public func normalize(_ raw: String) -> String? {
        var s = Substring(raw.trimmingCharacters(in: .whitespacesAndNewlines))
        for scheme in ["tel:", "sips:", "sip:"] where s.lowercased().hasPrefix(scheme) {
            s = s.dropFirst(scheme.count)
            if scheme != "tel:", let at = s.firstIndex(of: "@") { s = s[..<at] }
            break
        }
        if let semi = s.firstIndex(of: ";") { s = s[..<semi] }
        s = Self.droppingExtension(s)
        var international = false
        var digits: [Character] = []
        var sawDigit = false
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if let d = Self.digit(c) {
                digits.append(d)
                sawDigit = true
            } else if c == "+", !sawDigit, !international {
                international = true
            } else if c == "(", international, s[i...].hasPrefix("(0)"), sawDigit {
                i = s.index(i, offsetBy: 3)  // "+44 (0)20": the trunk prefix shown for national callers
                continue
            } else if !(c == " " || c == "-" || c == "." || c == "/" || c == "(" || c == ")" || c == "\u{00A0}") {
                return nil
            }
            i = s.index(after: i)
        }
        var number = String(digits)
        if !international {
            if let intl = plan.internationalPrefixes.sorted(by: { $0.count > $1.count })
                .first(where: { number.hasPrefix($0) })
            {
                number = String(number.dropFirst(intl.count))
            } else {
                if let trunk = plan.trunkPrefix, !plan.keepsTrunkPrefix, number.hasPrefix(trunk),
                    plan.nationalLengths.map({ $0.contains(number.count - trunk.count) }) ?? true
                {
                    number = String(number.dropFirst(trunk.count))
                }
                if let lengths = plan.nationalLengths, !lengths.contains(number.count) { return nil }
                number = plan.callingCode + number
            }
        }
        guard (7...15).contains(number.count), number.first != "0" else { return nil }
        return "+" + number
    }

    /// `digits` without an extension: `#12`, `x12`, `ext 12`, `ext. 12` after the number.
    private static func droppingExtension(_ s: Substring) -> Substring {
        if let hash = s.firstIndex(of: "#") { return s[..<hash] }
        for marker in ["ext", "x"] {
            if let r = s.range(of: marker, options: .caseInsensitive),
                // Only after some digits: an "x" before the number is not an extension.
                s[..<r.lowerBound].contains(where: { digit($0) != nil })
            {
                return s[..<r.lowerBound]
            }
        }
        return s
    }

    /// The ASCII digit for any Unicode decimal digit (`٣`, `３` → `3`); nil for anything else.
    private static func digit(_ c: Character) -> Character? {
        guard c.unicodeScalars.count == 1, let scalar = c.unicodeScalars.first,
            scalar.properties.numericType == .decimal, let v = c.wholeNumberValue, (0...9).contains(v)
        else { return nil }
        return Character(String(v))
    }
}
