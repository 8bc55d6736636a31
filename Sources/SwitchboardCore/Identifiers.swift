/// Milliseconds since 1970-01-01T00:00:00Z. Every time inside Switchboard is UTC epoch milliseconds.
public typealias EpochMillis = Int64

/// The id of a Genesys org as named in the orgs YAML (`us`, `emea`, `apac`).
public struct OrgID: RawRepresentable, Hashable, Sendable, Codable, Comparable,
    CustomStringConvertible, ExpressibleByStringLiteral
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (a: OrgID, b: OrgID) -> Bool { a.rawValue < b.rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// An org-namespaced entity id: `us/0f3c…`. Platform ids are UUIDs, unique only within an org,
/// so every id that leaves a connector is namespaced.
public struct EntityID: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let org: OrgID
    /// The platform's own id (no prefix).
    public let platformID: String

    public init(org: OrgID, platformID: String) {
        self.org = org
        self.platformID = platformID
    }

    /// Parses `org/platformId`; nil when there is no `/`.
    public init?(namespaced: String) {
        guard let slash = namespaced.firstIndex(of: "/") else { return nil }
        let org = namespaced[..<slash]
        let id = namespaced[namespaced.index(after: slash)...]
        guard !org.isEmpty, !id.isEmpty else { return nil }
        self.org = OrgID(String(org))
        self.platformID = String(id)
    }

    public var description: String { "\(org.rawValue)/\(platformID)" }
    public static func < (a: EntityID, b: EntityID) -> Bool { a.description < b.description }

    public init(from decoder: any Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let id = EntityID(namespaced: s) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "expected an org-namespaced id 'org/id', got '\(s)'"))
        }
        self = id
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
