import SwitchboardCore

/// A stream topic: `global`, `org:<id>`, `speech:global` or `speech:<id>` (docs/protocol.md §2).
public enum HubTopic: Hashable, Sendable, CustomStringConvertible {
    case global
    case org(OrgID)
    /// `speech:global`: every org's speech analytics.
    case speechGlobal
    /// `speech:<id>`: one org's speech analytics.
    case speech(OrgID)

    /// Parses `global`, `org:<id>`, `speech:global` and `speech:<id>`; nil for anything else.
    public init?(parsing s: String) {
        if s == "global" {
            self = .global
        } else if let id = Self.suffix(s, after: "org:") {
            self = .org(OrgID(id))
        } else if s == "speech:global" {
            self = .speechGlobal
        } else if let id = Self.suffix(s, after: "speech:") {
            self = .speech(OrgID(id))
        } else {
            return nil
        }
    }

    /// The non-empty rest of `s` after `prefix`, when it holds no further `:`.
    private static func suffix(_ s: String, after prefix: String) -> String? {
        guard s.hasPrefix(prefix), s.count > prefix.count else { return nil }
        let rest = s.dropFirst(prefix.count)
        return rest.contains(":") ? nil : String(rest)
    }

    /// The org of an `org:<id>` topic; nil for every other topic (the live views' org, for snapshots).
    public var org: OrgID? {
        if case .org(let id) = self { return id }
        return nil
    }

    /// The org an `org:<id>` or `speech:<id>` topic is restricted to; nil for the global topics.
    public var scopeOrg: OrgID? {
        switch self {
        case .org(let id), .speech(let id): id
        case .global, .speechGlobal: nil
        }
    }

    /// True for `speech:global` and `speech:<id>`.
    public var isSpeech: Bool {
        switch self {
        case .speech, .speechGlobal: true
        case .global, .org: false
        }
    }

    /// The wire name.
    public var description: String {
        switch self {
        case .global: "global"
        case .org(let id): "org:\(id.rawValue)"
        case .speechGlobal: "speech:global"
        case .speech(let id): "speech:\(id.rawValue)"
        }
    }
}
