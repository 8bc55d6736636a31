import Foundation

/// Email and messaging-id normalisation (phones: ``PhoneNumberNormalizer``).
public enum AddressNormalizer {
    /// The address lower-cased, or nil when it is not one address.
    ///
    /// A `mailto:` scheme and its query (`?subject=…`) are dropped, a display form (`Ann <ann@x.org>`) gives
    /// the part in angle brackets, a trailing dot of the domain is dropped. The whole address is lower-cased:
    /// the local part is case-sensitive in theory, never in practice. Provider rules (dots and `+tags` in
    /// Gmail) are not applied: they differ by provider and would join two people's journeys.
    public static func email(_ raw: String) -> String? {
        var s = Substring(raw.trimmingCharacters(in: .whitespacesAndNewlines))
        if let open = s.lastIndex(of: "<"), let close = s.lastIndex(of: ">"), open < close {
            s = s[s.index(after: open)..<close]
        }
        if s.lowercased().hasPrefix("mailto:") {
            s = s.dropFirst("mailto:".count)
            if let q = s.firstIndex(of: "?") { s = s[..<q] }
        }
        let address = s.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        var domain = parts[1]
        if domain.hasSuffix(".") { domain = domain.dropLast() }
        let local = parts[0]
        guard !local.isEmpty, !domain.isEmpty, !domain.hasPrefix("."), !domain.contains(".."),
            !address.contains(where: { $0.isWhitespace || $0 == "," || $0 == ";" || $0 == "<" || $0 == ">" })
        else { return nil }
        return "\(local)@\(domain)"
    }

    /// A messaging id as is, trimmed of surrounding white space; nil when empty. Ids are opaque and
    /// case-sensitive on most platforms.
    public static func messaging(_ raw: String) -> String? {
        let s = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        return s.isEmpty ? nil : s
    }
}
