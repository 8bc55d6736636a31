import SwitchboardCore

/// A stream topic: `global` or `org:<id>`.
public enum HubTopic: Hashable, Sendable, CustomStringConvertible {
    case global
    case org(OrgID)

    /// Parses `global` and `org:<id>`; nil for anything else.
    public init?(parsing s: String) {
        if s == "global" {
            self = .global
        } else if s.hasPrefix("org:"), s.count > 4, !s.dropFirst(4).contains(":") {
            self = .org(OrgID(String(s.dropFirst(4))))
        } else {
            return nil
        }
    }

    /// The org of an `org:<id>` topic; nil for `global`.
    public var org: OrgID? {
        if case .org(let id) = self { return id }
        return nil
    }

    /// The wire name.
    public var description: String {
        switch self {
        case .global: "global"
        case .org(let id): "org:\(id.rawValue)"
        }
    }
}
