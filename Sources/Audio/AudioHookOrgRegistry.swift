import SwitchboardCore

/// Which org an AudioHook upgrade belongs to: our ``OrgID`` ↔ the Genesys organization id it sends as
/// `Audiohook-Organization-Id`, with the org's integration credentials.
///
/// An org's organization id comes from its YAML `audio.organizationId` or is learned from
/// `GET /api/v2/organizations/me`; the configured one wins. Until an org's id is known its upgrades
/// are refused as an unknown organization. Pure: the server keeps one behind a lock.
public struct AudioHookOrgRegistry: Sendable, Equatable {
    /// One org with an `audio:` section.
    public struct Org: Sendable, Equatable {
        public var org: OrgID
        /// From the YAML; nil: learned.
        public var organizationId: String?
        public var credentials: AudioHookCredentials

        public init(org: OrgID, organizationId: String? = nil, credentials: AudioHookCredentials) {
            self.org = org
            self.organizationId = organizationId
            self.credentials = credentials
        }
    }

    /// What routing found.
    public struct Route: Sendable, Equatable {
        public var org: OrgID
        public var credentials: AudioHookCredentials
    }

    /// What ``learned(_:for:)`` changed, for the log.
    public enum Learned: Sendable, Equatable {
        /// The id is now known (or unchanged).
        case recorded
        /// The YAML names another id; it stays in force.
        case conflicts(configured: String)
        /// The org has no `audio:` section.
        case unknownOrg
    }

    private var orgs: [OrgID: Org] = [:]
    /// Ids learned from the API, kept across reloads while the org has audio.
    private var learnedIds: [OrgID: String] = [:]

    public init(_ orgs: [Org] = []) {
        replace(orgs)
    }

    /// The orgs of a (re)loaded configuration; learned ids of orgs still present are kept.
    public mutating func replace(_ list: [Org]) {
        orgs = Dictionary(list.map { ($0.org, $0) }, uniquingKeysWith: { _, last in last })
        learnedIds = learnedIds.filter { orgs[$0.key] != nil }
    }

    /// The organization id `GET /api/v2/organizations/me` returned for `org`.
    public mutating func learned(_ organizationId: String, for org: OrgID) -> Learned {
        guard let entry = orgs[org] else { return .unknownOrg }
        learnedIds[org] = organizationId.lowercased()
        if let configured = entry.organizationId, configured.lowercased() != organizationId.lowercased() {
            return .conflicts(configured: configured)
        }
        return .recorded
    }

    /// The id upgrades of `org` must carry: the configured one, else the learned one; nil while unknown.
    public func organizationId(of org: OrgID) -> String? {
        guard let entry = orgs[org] else { return nil }
        return entry.organizationId?.lowercased() ?? learnedIds[org]
    }

    /// The org an upgrade's `Audiohook-Organization-Id` names (case-insensitive); nil: unknown.
    public func route(_ organizationId: String) -> Route? {
        let id = organizationId.lowercased()
        for entry in orgs.values.sorted(by: { $0.org.rawValue < $1.org.rawValue }) where self.organizationId(of: entry.org) == id {
            return Route(org: entry.org, credentials: entry.credentials)
        }
        return nil
    }

    /// Orgs with an `audio:` section.
    public var orgIDs: [OrgID] { orgs.keys.sorted { $0.rawValue < $1.rawValue } }
}
