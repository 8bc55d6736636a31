import SwitchboardCore

/// A stream topic: `global`, `org:<id>`, and per topic family (``TopicFamily``: `speech`, `speechtext`)
/// `<family>:global` and `<family>:<id>` (docs/protocol.md §2).
public enum HubTopic: Hashable, Sendable, CustomStringConvertible {
    case global
    case org(OrgID)
    /// `<family>:global`: every org's figures of the family.
    case familyGlobal(TopicFamily)
    /// `<family>:<id>`: one org's.
    case family(TopicFamily, OrgID)

    /// `speech:global`.
    public static var speechGlobal: HubTopic { .familyGlobal(.speech) }
    /// `speech:<id>`.
    public static func speech(_ org: OrgID) -> HubTopic { .family(.speech, org) }

    /// Parses `global`, `org:<id>`, `<family>:global` and `<family>:<id>`; nil for anything else.
    public init?(parsing s: String) {
        if s == "global" {
            self = .global
            return
        }
        if let id = Self.suffix(s, after: "org:") {
            self = .org(OrgID(id))
            return
        }
        for f in TopicFamily.all {
            guard let id = Self.suffix(s, after: f.name + ":") else { continue }
            self = id == "global" ? .familyGlobal(f) : .family(f, OrgID(id))
            return
        }
        return nil
    }

    /// The topic names a client may ask for, for error messages.
    public static var namesHelp: String {
        "topics are 'global', 'org:<id>', " + TopicFamily.all.map { "'\($0.name):global', '\($0.name):<id>'" }
            .joined(separator: ", ")
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

    /// The org an `org:<id>` or `<family>:<id>` topic is restricted to; nil for the global topics.
    public var scopeOrg: OrgID? {
        switch self {
        case .org(let id), .family(_, let id): id
        case .global, .familyGlobal: nil
        }
    }

    /// The family of a `<family>:…` topic; nil for `global` and `org:<id>` (the live views).
    public var family: TopicFamily? {
        switch self {
        case .family(let f, _), .familyGlobal(let f): f
        case .global, .org: nil
        }
    }

    /// True for the topics of a family (not computed at read time: their snapshot is the state after the
    /// last delta).
    public var isFamily: Bool { family != nil }

    /// The wire name.
    public var description: String {
        switch self {
        case .global: "global"
        case .org(let id): "org:\(id.rawValue)"
        case .familyGlobal(let f): "\(f.name):global"
        case .family(let f, let id): "\(f.name):\(id.rawValue)"
        }
    }
}
