import SwitchboardCore
import Yams

extension ConfigReader {
    static let topLevelKeys = ["server", "auth", "clients", "occupancy", "thresholds", "store", "speech", "journeys", "cluster", "orgs"]
    static let serverKeys = [
        "listen", "flushInterval", "historySize", "historyMaxAge", "historyMaxBytes", "pacedBytesPerFlush", "clientQueueBytes",
        "maxInboundFrameBytes", "maxOutboundFrameBytes", "maxTopicsPerConnection", "maxConnections", "pingInterval", "pongTimeout",
        "refreshInterval", "headerReadTimeout", "idleTimeout", "maxHeaderBytes", "maxUnauthenticatedConnections",
        "allowedOrigins", "perMessageDeflate",
    ]
    static let occupancyKeys = ["productivePresences", "bands", "bandWindow", "bandMinProductive"]
    static let bandKeys = ["under", "healthy", "elevated"]

    /// The whole configuration. Problems are collected in ``diagnostics``; the result is only
    /// meaningful when there are none.
    func configuration(from root: Node?) -> SwitchboardConfiguration {
        var config = SwitchboardConfiguration()
        guard let root, !Self.isNull(root) else {
            report("missing-key", at: nil, "top level: the file is empty; add an 'orgs:' list (see orgs.example.yaml)")
            return config
        }
        guard let top = fields(root, path: "", allowed: Self.topLevelKeys) else { return config }
        if let node = top["server"] { config.server = server(node) }
        if let node = top["occupancy"] { config.occupancy = occupancy(node) }
        config.store = top["store"].map(store) ?? StoreConfig(path: StoreConfig.defaultPath(environment: environment))
        if let node = top["speech"] { config.speech = speech(node) }
        if let node = top["journeys"] { config.journeys = journeys(node) }
        if let node = top["cluster"] { config.cluster = cluster(node) }
        if let node = top["orgs"] {
            config.orgs = orgs(node)
        } else if !top.hasOrSuggests("orgs") {
            report("missing-key", at: top.mark,
                   "top level: missing required key 'orgs'; add an 'orgs:' list with at least one org")
        }
        config.auth = auth(top, orgIDs: declaredOrgIDs)
        var top_ = ThresholdLevel(path: "thresholds", set: ThresholdSet())
        if let node = top["thresholds"] { top_ = thresholdLevel(node, path: "thresholds", allowQueues: false).0 }
        checkThresholds(top_, inherited: ThresholdSet(), bands: config.occupancy.bands)
        var thresholds = ThresholdsConfig(defaults: top_.set)
        for (id, (org, queues)) in orgThresholds {
            checkThresholds(org, inherited: top_.set, bands: config.occupancy.bands)
            for (_, q) in queues { checkThresholds(q, inherited: org.set.over(top_.set), bands: config.occupancy.bands) }
            thresholds.orgs[id] = OrgThresholds(set: org.set, queues: queues.map(\.0))
        }
        config.thresholds = thresholds
        if let listen = options.listen { config.server.listen = listen }
        if let problem = ConfigPolicy.authNoneProblem(config, listenFromCommandLine: options.listen != nil,
                                                      running: options.runningListen) {
            report("auth-none-not-loopback", at: top["auth"]?.mark ?? top.mark, problem)
        }
        return config
    }

    func server(_ node: Node) -> ServerConfig {
        var s = ServerConfig()
        guard let f = fields(node, path: "server", allowed: Self.serverKeys) else { return s }
        if let v = listen(f, "listen") { s.listen = v }
        if let v = duration(f, "flushInterval", example: "250ms") { s.flushInterval = v }
        if let v = int(f, "historySize", min: 1, example: "512") { s.historySize = v }
        if let v = duration(f, "historyMaxAge", example: "5m") { s.historyMaxAge = v }
        if let v = bytes(f, "historyMaxBytes", example: "8MiB") { s.historyMaxBytes = v }
        if let v = bytes(f, "pacedBytesPerFlush", example: "64KiB") { s.pacedBytesPerFlush = v }
        if let v = bytes(f, "clientQueueBytes", example: "1MiB") { s.clientQueueBytes = v }
        if let v = bytes(f, "maxInboundFrameBytes", example: "64KiB") { s.maxInboundFrameBytes = v }
        if let v = bytes(f, "maxOutboundFrameBytes", example: "1MiB") { s.maxOutboundFrameBytes = v }
        if let v = int(f, "maxTopicsPerConnection", min: 1, example: "64") { s.maxTopicsPerConnection = v }
        if let v = int(f, "maxConnections", min: 1, example: "20000") { s.maxConnections = v }
        if let v = duration(f, "pingInterval", example: "25s") { s.pingInterval = v }
        if let v = duration(f, "pongTimeout", example: "10s") { s.pongTimeout = v }
        if let v = duration(f, "refreshInterval", example: "5s") { s.refreshInterval = v }
        if let v = duration(f, "headerReadTimeout", example: "10s") { s.headerReadTimeout = v }
        if let v = duration(f, "idleTimeout", example: "60s") { s.idleTimeout = v }
        if let v = bytes(f, "maxHeaderBytes", min: 1024, example: "16KiB") { s.maxHeaderBytes = v }
        if let v = int(f, "maxUnauthenticatedConnections", min: 1, example: "1024") { s.maxUnauthenticatedConnections = v }
        if let v = allowedOrigins(f, "allowedOrigins") { s.allowedOrigins = v }
        if let v = flag(f, "perMessageDeflate") { s.perMessageDeflate = v }
        return s
    }

    func occupancy(_ node: Node) -> OccupancyConfig {
        var o = OccupancyConfig()
        guard let f = fields(node, path: "occupancy", allowed: Self.occupancyKeys) else { return o }
        if let node = f["productivePresences"] {
            let path = f.path("productivePresences")
            if let items = list(node, path: path, example: "[On Queue, Available]") {
                var set = Set<SystemPresence>()
                for (i, item) in items.enumerated() {
                    if let p = presence(item, path: "\(path)[\(i)]") { set.insert(p) }
                }
                o.productivePresences = set
            }
        }
        if let node = f["bands"], let b = fields(node, path: f.path("bands"), allowed: Self.bandKeys) {
            var bands = BandThresholds()
            let before = diagnostics.count
            let open = 0.0...1.0
            let text = "between 0 and 1 (0.6 means 60 %)"
            if let v = double(b, "under", range: open, rangeText: text, example: "0.6") { bands.under = v }
            if let v = double(b, "healthy", range: open, rangeText: text, example: "0.8") { bands.healthy = v }
            if let v = double(b, "elevated", range: open, rangeText: text, example: "0.9") { bands.elevated = v }
            if diagnostics.count == before,
               !(0 < bands.under && bands.under < bands.healthy && bands.healthy < bands.elevated && bands.elevated < 1) {
                report("range", at: b.mark, "\(b.path): thresholds must satisfy 0 < under < healthy < elevated < 1, "
                    + "found under \(bands.under), healthy \(bands.healthy), elevated \(bands.elevated); "
                    + "reorder them (defaults 0.6, 0.8, 0.9)")
            }
            o.bands = bands
        }
        if let w = choice(f, "bandWindow", among: OccupancyWindow.allCases.map(\.rawValue)),
           let window = OccupancyWindow(rawValue: w) {
            o.bandWindow = window
        }
        if let v = duration(f, "bandMinProductive", example: "10m") { o.bandMinProductive = v }
        return o
    }

    /// A system presence written as `On Queue` or `ON_QUEUE`.
    func presence(_ node: Node, path: String) -> SystemPresence? {
        guard let t = text(node, path: path, expected: "a presence name", example: "On Queue") else { return nil }
        let p = SystemPresence(t.trimmingWhitespace())
        guard SystemPresence.known.contains(p) else {
            let names = SystemPresence.known.map(\.platformSpelling)
            let guess = DidYouMean.suggest(p.platformSpelling, from: names).map { "did you mean '\($0)'?" }
            report("value", at: node.mark, "\(path): unknown presence '\(shown(node, t))'; "
                + (guess ?? "use one of \(names.joined(separator: ", "))"))
            return nil
        }
        return p
    }
}
