import Foundation

/// The `store:` section (docs/store.md, docs/configuration.md): where history is kept and for how long, or
/// `store: none` to keep everything in memory only (a restart then starts cold and forgets the hub epoch).
public struct StoreConfig: Sendable, Equatable {
    /// The database file; nil with `store: none`.
    public var path: String?
    /// Retention per kind (each `≥ 1d`).
    public var retention = StoreRetentionConfig()

    /// The default file: `$STATE_DIRECTORY/switchboard.db` under systemd (its `StateDirectory=`), else
    /// `switchboard.db` in the working directory.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        // systemd may list several directories separated by ':'; the first is ours.
        if let dir = environment["STATE_DIRECTORY"]?.split(separator: ":").first, !dir.isEmpty {
            return "\(dir)/switchboard.db"
        }
        return "switchboard.db"
    }

    public init(path: String? = StoreConfig.defaultPath()) {
        self.path = path
    }

    /// Memory only.
    public static let none = StoreConfig(path: nil)
}

/// How long each kind of history is kept.
public struct StoreRetentionConfig: Sendable, Equatable {
    public var occupancy: Duration = .seconds(35 * 86_400)
    public var utilization: Duration = .seconds(35 * 86_400)
    public var quality: Duration = .seconds(35 * 86_400)
    public var audit: Duration = .seconds(365 * 86_400)
    public var journeys: Duration = .seconds(30 * 86_400)
    public var speech: Duration = .seconds(30 * 86_400)
    public init() {}
}
