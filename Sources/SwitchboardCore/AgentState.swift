/// A Genesys system presence, normalised: upper case, spaces as underscores
/// (`"On Queue"` and `"ON_QUEUE"` are the same presence).
public struct SystemPresence: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = SystemPresence.normalise(rawValue) }
    public init(_ value: String) { self.init(rawValue: value) }
    public var description: String { rawValue }

    public static let onQueue = SystemPresence("ON_QUEUE")
    public static let available = SystemPresence("AVAILABLE")
    public static let busy = SystemPresence("BUSY")
    public static let away = SystemPresence("AWAY")
    public static let breakTime = SystemPresence("BREAK")
    public static let meal = SystemPresence("MEAL")
    public static let meeting = SystemPresence("MEETING")
    public static let training = SystemPresence("TRAINING")
    public static let idle = SystemPresence("IDLE")
    public static let offline = SystemPresence("OFFLINE")

    /// The presences Genesys documents as system presences.
    public static let known: [SystemPresence] = [
        .onQueue, .available, .busy, .away, .breakTime, .meal, .meeting, .training, .idle, .offline,
    ]

    /// The platform's display spelling (`On Queue`), as sent in `presenceDefinition.systemPresence`.
    public var platformSpelling: String {
        rawValue.split(separator: "_").map { $0.prefix(1) + $0.dropFirst().lowercased() }.joined(separator: " ")
    }

    static func normalise(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.uppercased() {
            if ch == " " || ch == "-" { out.append("_") } else { out.append(ch) }
        }
        return out
    }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// A Genesys ACD routing status.
public enum RoutingStatus: String, Sendable, Codable, Hashable, CaseIterable {
    case offQueue = "OFF_QUEUE"
    case idle = "IDLE"
    case interacting = "INTERACTING"
    case notResponding = "NOT_RESPONDING"
    case communicating = "COMMUNICATING"
}

/// The health of one org's upstream connection, as shown to users.
public enum OrgStatus: String, Sendable, Codable, Hashable {
    /// Socket open, heartbeats arriving.
    case open
    /// Starting, renewing, subscribing or reconnecting after a fault.
    case connecting
    /// The heartbeat watchdog fired: figures may be old; a re-sync is under way.
    case stale
    /// No upstream connection (backing off, or a hard error such as failed authentication).
    case disconnected
}

/// Occupancy windows (SPEC §5).
public enum OccupancyWindow: String, Sendable, Codable, Hashable, CaseIterable {
    /// Since local midnight in the org's time zone.
    case today
    case rolling15m
    case rolling60m
}

/// Occupancy bands (SPEC §5).
public enum OccupancyBand: String, Sendable, Codable, Hashable {
    case under, healthy, elevated, burnout
}
