import Foundation

/// The `relay` scenario's rows (docs/performance.md "Relay baseline"): each figure for Switchboard and for the
/// minimal Node.js relay (`bench/relay/relay.js`), and Switchboard / relay with its target and verdict.
extension Driver {
    mutating func relay() async {
        let duration = quick ? 20 : 120, warmup = quick ? 5 : 15, clients = 1000, samples = 20
        let r = await child("relay", ["--agents", "5000", "--rate", "10000", "--clients", "\(clients)", "--samples", "\(samples)",
                                      "--duration", "\(duration)", "--warmup", "\(warmup)"],
                            timeout: 3 * Double(duration + warmup) + 1500)
        func side(_ p: String) -> [String: Double] {
            r.filter { $0.key.hasPrefix(p + ".") }.reduce(into: [:]) { $0[String($1.key.dropFirst(p.count + 1))] = $1.value }
        }
        let sb = side("sb"), relay = side("relay"), sel = side("sbsel")
        func perClient(_ s: [String: Double], _ k: String) -> Double { (s[k] ?? .nan) / max(1, s["upgraded"] ?? 1) }
        func changesPerClientSecond(_ s: [String: Double]) -> Double {
            (s["ageSamples"] ?? .nan) / Double(samples) / max(1, s["seconds"] ?? 1)
        }
        func sideConfig(_ s: [String: Double]) -> String {
            "connected \(fmt(s["upgraded"] ?? -1, 0)), ready in \(fmt(s["readySeconds"] ?? -1, 0)) s, "
                + (s["resyncedSeconds"].map { "every org re-synced and live at \(fmt($0, 0)) s, " } ?? "")
                + (s["pacedDrainedSeconds"].map { "the pollers' first load out at \(fmt($0, 0)) s (the clients connect after), " } ?? "")
                + "measured \(fmt(s["measureSeconds"] ?? -1, 0)) s, "
                + "client CPU \(fmt((s["clientCPUSeconds"] ?? 0) / max(1, s["seconds"] ?? 1) * 100, 0)) %, "
                + "closed \(fmt(s["closed"] ?? -1, 0)), slow-consumer errors \(fmt(s["slowConsumer"] ?? -1, 0)), "
                + "flush age p99 \(fmt(s["flushAgeP99"] ?? -1, 0)) ms, wire age p99 \(fmt(s["wireAgeP99"] ?? -1, 0)) ms, "
                + "simulator CPU \(fmt(s["simulatorCPUPercent"] ?? -1, 0)) % of one core, "
                + "machine busy \(fmt(s["machineBusyPercent"] ?? -1, 0)) % of \(fmt(s["cores"] ?? -1, 0)) cores"
        }
        let cfg = ["orgs": "3", "agentsPerOrg": "5000", "stormEventsPerSecond": "10000", "clients": "\(clients)",
                   "topic": "global", "flushInterval": "250 ms", "warmup": "\(warmup) s", "duration": "\(duration) s per side",
                   "simulator": "in the scenario's own process, start-at 01:00, real speed; the relay's turn first, then Switchboard's",
                   "switchboard": "`switchboard run` (release), default tunables, log level info (for its re-sync lines), "
                       + "clients subscribe with patches (docs/protocol.md), clients connect once every org re-synced and the pollers' first load went out; " + sideConfig(sb)
                       + ", REST responses \(fmt(sb["server.restPerSecond"] ?? -1, 1))/s",
                   "relay": "node bench/relay/relay.js (Node \(Self.nodeVersion), Debian node-ws), one activity topic per agent; "
                       + sideConfig(relay),
                   "method": "server CPU from /proc/<pid>/stat and RSS from /proc/<pid>/status of the server alone (simulator "
                       + "and load client excluded); bytes = WebSocket payload bytes the load client received; age = client "
                       + "receive wall time − agent stateSince, 20 sample clients"]
        var rows: [(metric: String, value: Double, unit: String, target: String?, config: [String: String])] = []
        /// Three rows: Switchboard (`side`), relay (unless `relayRow` is false: the tiles share the relay's rows), and
        /// the ratio (with its target and verdict when `target` is set).
        func compare(_ metric: String, _ a: Double, _ b: Double, _ unit: String, max target: Double? = nil,
                     side: String = "Switchboard", relayRow: Bool = true, config: [String: String]? = nil) {
            let cfg = config ?? cfg
            rows.append(("\(metric), \(side)", a, unit, nil, cfg))
            if relayRow { rows.append(("\(metric), relay", b, unit, nil, cfg)) }
            var c = cfg
            // A side without the figure (a failed side reports 0 or -1) has no ratio, never a "met".
            let ratio = a > 0 && b > 0 ? a / b : .nan
            if let target { c["verdict"] = ratio.isFinite ? (ratio <= target ? "met" : "not met") : "no figure" }
            rows.append(("\(metric), \(side) / relay", ratio, "ratio", target.map { "≤ \(fmt($0, 1))×" }, c))
        }
        compare("deltas/s delivered per client", perClient(sb, "deltasPerSecond"), perClient(relay, "deltasPerSecond"), "deltas/s")
        compare("agent state changes delivered per client-second", changesPerClientSecond(sb), changesPerClientSecond(relay), "changes/s")
        compare("age at delivery p50", sb["ageP50"] ?? .nan, relay["ageP50"] ?? .nan, "ms")
        compare("age at delivery p99", sb["ageP99"] ?? .nan, relay["ageP99"] ?? .nan, "ms", max: 1.0)
        compare("server CPU", sb["serverCPUPercent"] ?? .nan, relay["serverCPUPercent"] ?? .nan, "% of one core", max: 1.0)
        compare("RSS, peak in the measured window", (sb["windowPeakRSS"] ?? .nan) / 1_048_576,
                (relay["windowPeakRSS"] ?? .nan) / 1_048_576, "MiB", max: 1.0)
        compare("RSS at the end", (sb["endRSS"] ?? .nan) / 1_048_576, (relay["endRSS"] ?? .nan) / 1_048_576, "MiB")
        compare("RSS, peak since start (VmHWM)", (sb["peakRSS"] ?? .nan) / 1_048_576, (relay["peakRSS"] ?? .nan) / 1_048_576, "MiB")
        compare("bytes per client-second", perClient(sb, "bytesPerSecond") / 1024, perClient(relay, "bytesPerSecond") / 1024,
                "KiB/s", max: 0.5)
        compare("bytes per delta", (sb["bytesPerSecond"] ?? .nan) / max(1, sb["deltasPerSecond"] ?? 1) / 1024,
                (relay["bytesPerSecond"] ?? .nan) / max(1, relay["deltasPerSecond"] ?? 1) / 1024, "KiB")
        compare("entity changes per delta (server)", (sb["server.changesPerSecond"] ?? .nan) / (sb["server.deltasPerSecond"] ?? .nan),
                (relay["server.changesPerSecond"] ?? .nan) / (relay["server.deltasPerSecond"] ?? .nan), "changes")
        compare("upstream activity events/s received", sb["server.activityPerSecond"] ?? .nan,
                relay["server.activityPerSecond"] ?? .nan, "events/s")
        // The same bridge, its clients selecting what a wall of agent tiles shows (docs/protocol.md "Selecting kinds
        // and fields"): presence, routing status, derived state, stateSince and occupancy band of each agent, and
        // each org's status — more than the relay carries (state and band), without the figures and other kinds.
        var selCfg = cfg
        selCfg["switchboard"] = "a second `switchboard run` (fresh store, started once the first stopped; the simulator "
            + "still serves the first's subscriptions), clients subscribe with select \(RelayChild.tileSelect); " + sideConfig(sel)
        func compareSelected(_ metric: String, _ a: Double, _ b: Double, _ unit: String, max target: Double? = nil) {
            compare(metric, a, b, unit, max: target, side: "Switchboard (tile selection)", relayRow: false, config: selCfg)
        }
        compareSelected("deltas/s delivered per client", perClient(sel, "deltasPerSecond"), perClient(relay, "deltasPerSecond"), "deltas/s")
        compareSelected("agent state changes delivered per client-second", changesPerClientSecond(sel), changesPerClientSecond(relay), "changes/s")
        compareSelected("age at delivery p50", sel["ageP50"] ?? .nan, relay["ageP50"] ?? .nan, "ms")
        compareSelected("age at delivery p99", sel["ageP99"] ?? .nan, relay["ageP99"] ?? .nan, "ms", max: 1.0)
        compareSelected("server CPU", sel["serverCPUPercent"] ?? .nan, relay["serverCPUPercent"] ?? .nan, "% of one core", max: 1.0)
        compareSelected("RSS, peak in the measured window", (sel["windowPeakRSS"] ?? .nan) / 1_048_576,
                        (relay["windowPeakRSS"] ?? .nan) / 1_048_576, "MiB", max: 1.0)
        compareSelected("bytes per client-second", perClient(sel, "bytesPerSecond") / 1024, perClient(relay, "bytesPerSecond") / 1024,
                        "KiB/s", max: 0.5)
        compareSelected("bytes per delta", (sel["bytesPerSecond"] ?? .nan) / max(1, sel["deltasPerSecond"] ?? 1) / 1024,
                        (relay["bytesPerSecond"] ?? .nan) / max(1, relay["deltasPerSecond"] ?? 1) / 1024, "KiB")
        rows.append(("upstream events/s received (all topics), Switchboard", sb["server.upstreamPerSecond"] ?? .nan, "events/s", nil, cfg))
        rows.append(("start-up: every org re-synced and live, Switchboard", sb["resyncedSeconds"] ?? .nan, "s after start", nil, cfg))
        rows.append(("start-up: the pollers' first load sent, Switchboard", sb["pacedDrainedSeconds"] ?? .nan, "s after start", nil, cfg))
        for row in rows { add("relay", row.metric, row.value, row.unit, target: row.target, row.config) }
    }

    /// `node --version`, for the rows' config.
    static var nodeVersion: String {
        guard let (status, out, _) = try? runProcess("/usr/bin/env", ["node", "--version"]), status == 0 else { return "?" }
        return String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
