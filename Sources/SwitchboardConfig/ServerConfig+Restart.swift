extension ServerConfig {
    /// The `server:` settings that are fixed when the listener starts: a reload that changes one of them
    /// is applied for everything else, and this one is reported as waiting for a restart.
    ///
    /// The others (`flushInterval`, `historySize`, `historyMaxAge`, `historyMaxBytes`, `pacedBytesPerFlush`,
    /// `clientQueueBytes`, `maxTopicsPerConnection`, `maxConnections`, `pingInterval`) take effect at the reload.
    public static let restartOnlyKeys = [
        "listen", "maxInboundFrameBytes", "maxOutboundFrameBytes", "pongTimeout", "refreshInterval",
        "headerReadTimeout", "idleTimeout", "maxHeaderBytes", "maxUnauthenticatedConnections", "perMessageDeflate",
    ]

    /// One line per restart-only setting that differs between `running` (what the listener was started
    /// with) and this configuration: `server.listen: 127.0.0.1:8080 → 0.0.0.0:8080`. Empty when none does.
    public func restartOnlyChanges(from running: ServerConfig) -> [String] {
        var out: [String] = []
        func check<T: Equatable>(_ key: String, _ path: KeyPath<ServerConfig, T>, _ show: (T) -> String) {
            let old = running[keyPath: path], new = self[keyPath: path]
            if old != new { out.append("server.\(key): \(show(old)) → \(show(new))") }
        }
        let bytes = { (n: Int) in "\(n) bytes" }
        check("listen", \.listen) { $0.description }
        check("maxInboundFrameBytes", \.maxInboundFrameBytes, bytes)
        check("maxOutboundFrameBytes", \.maxOutboundFrameBytes, bytes)
        check("pongTimeout", \.pongTimeout, ConfigDuration.format)
        check("refreshInterval", \.refreshInterval, ConfigDuration.format)
        check("headerReadTimeout", \.headerReadTimeout, ConfigDuration.format)
        check("idleTimeout", \.idleTimeout, ConfigDuration.format)
        check("maxHeaderBytes", \.maxHeaderBytes, bytes)
        check("maxUnauthenticatedConnections", \.maxUnauthenticatedConnections) { "\($0)" }
        check("perMessageDeflate", \.perMessageDeflate) { "\($0)" }
        return out
    }
}

extension StoreConfig {
    /// `store:` is read once at start: a reload that changes it is reported as waiting for a restart.
    public func restartOnlyChanges(from running: StoreConfig) -> [String] {
        var out: [String] = []
        if path != running.path { out.append("store.path: \(running.path ?? "none") → \(path ?? "none")") }
        if retention != running.retention { out.append("store.retention: changed") }
        return out
    }
}
