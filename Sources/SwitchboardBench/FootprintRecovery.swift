import CHeapStats
import Foundation
import Hub
import Logging
import Normalizer
import Simulator
import SwitchboardConfig
import SwitchboardCore
import Views

/// `--child footprint`: RSS growth of views + hub (latest entity fragments for snapshots) per tracked
/// agent after a day-like history of events per agent.
enum FootprintChild {
    static func run(_ opts: [String: String]) async {
        bootstrapBenchLogging()
        let agentsPerOrg = Int(opts["agents"] ?? "5000") ?? 5000
        let eventsPerAgent = Int(opts["events"] ?? "20") ?? 20
        let factory = FrameFactory(agentsPerOrg: agentsPerOrg, queuesPerOrg: min(40, max(2, agentsPerOrg / 25)))
        let orgIDs = FrameFactory.orgs.map { OrgID($0) }
        var server = ServerConfig()
        server.listen = ListenAddress(host: "127.0.0.1", port: 0)
        // The delta history is bounded by count and age, not by agents; keep one delta so this measures
        // per-agent state (views + the hub's latest fragments). History is discussed in docs/performance.md.
        server.historySize = Int(opts["history"] ?? "1") ?? 1
        guard let hub = try? await StreamHub(configuration: server, auth: AuthConfig(), metrics: HubMetrics(),
                                             clock: SystemClock(), logger: Logger(label: "bench.hub")) else { return }
        hub.setOrgs(orgIDs)
        let normalizers = orgIDs.map { NotificationNormalizer(org: $0) }
        // Warm the code paths with one agent, then measure from a trimmed heap.
        // `--views-only 1` feeds a counting sink instead of the hub: the views' share of the figure.
        let viewsOnly = opts["views-only"] == "1"
        let sink: any ViewChangeSink = viewsOnly ? CountingSink() : hub
        Proc.trim()
        let rss0 = Proc.rss
        let heap0 = switchboard_heap_in_use()
        let engine = ViewEngine(occupancy: OccupancyConfig(),
                                orgs: orgIDs.map { ViewOrg(id: $0, name: $0.rawValue.uppercased(), timeZone: TimeZone(identifier: "UTC")!) },
                                clock: SystemClock(), sink: sink)
        let total = 3 * agentsPerOrg * eventsPerAgent
        // Frames are generated in small batches: a large batch of temporaries interleaved with the long-lived
        // state fragments the heap and inflates RSS, which a live connector (one frame at a time) does not do.
        let chunk = Int(opts["chunk"] ?? "1000") ?? 1000
        let now = SystemClock.realNow()
        let step: Int64 = max(1, 8 * 3_600_000 / Int64(total))
        var done = 0
        var events = 0
        while done < total {
            let n = min(chunk, total - done)
            let end = now - 1000 - Int64(total - done - n) * step
            let frames = factory.mix(count: n, end: end, step: step, first: done)
            for (k, f) in frames.enumerated() {
                if case .events(_, let evs) = normalizers[f.org].normalize(f.frame, receivedAt: f.at) {
                    events += evs.count
                    await engine.ingest(org: orgIDs[f.org], events: evs)
                }
                if k % 1000 == 999 { hub.flush() }
            }
            hub.flush()
            done += n
        }
        await engine.refresh()
        hub.flush()
        Proc.trim()
        let rss1 = Proc.rss
        let heap1 = switchboard_heap_in_use()
        let held = switchboard_heap_held()
        let tracked = await engine.currentEntities().filter { $0.kind == .agents }.count
        let n = Double(max(1, tracked))
        let out: [String: Double] = [
            "agents": Double(tracked), "events": Double(events), "rssBefore": Double(rss0), "rssAfter": Double(rss1),
            "bytesPerAgent": Double(rss1 - rss0) / n,
            // Live heap (mallinfo2) per agent, and what the allocator holds but does not use.
            "heapBytesPerAgent": Double(Int(heap1) - Int(heap0)) / n,
            "heapFreeHeld": Double(Int(held) - Int(heap1)),
        ]
        let json = try! JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        FileHandle.standardOutput.write(json + Data("\n".utf8))
        exit(0)
    }
}

/// `--child recovery`: ghost one org's upstream socket (it stays open, nothing more arrives, pings unanswered),
/// time until the bridge shows it `stale`, until its socket is open again, and until every agent's presence and
/// routing status in the views match the simulator's truth. Then the planned endings, each on an org of its own:
/// `socket_closing` (apac), a moved channel endpoint (us) and token renewals (every org, tokens of `--token`
/// seconds), timing how long each org is shown `stale` or `disconnected`.
enum RecoveryChild {
    static func run(_ opts: [String: String]) async {
        bootstrapBenchLogging()
        let agentsPerOrg = Int(opts["agents"] ?? "5000") ?? 5000
        let heartbeat = Int(opts["heartbeat"] ?? "30") ?? 30
        let tokenLifetime = Int(opts["token"] ?? "0") ?? 0
        var options = SimulatorOptions()
        options.orgCount = 3
        options.agentsPerOrg = agentsPerOrg
        options.heartbeatInterval = .seconds(heartbeat)
        // The platform's grace after `socket_closing` is ~a minute; the connector leaves at once anyway.
        options.maintenanceCloseGrace = .seconds(30)
        if tokenLifetime > 0 { options.tokenLifetime = tokenLifetime }
        let harness = BridgeHarness(options: options)
        harness.start()
        guard await harness.waitReady(agents: 3 * agentsPerOrg, timeout: 240), let parts = harness.bridge.parts else {
            log("recovery: bridge not ready")
            return
        }
        var out: [String: Double] = ["heartbeatSeconds": Double(heartbeat), "tokenLifetime": Double(tokenLifetime)]
        let org = OrgID("emea")
        try? await Task.sleep(for: .seconds(3))
        let requestsBefore = await harness.local.requestCounts()
        let tGhost = Proc.now
        _ = await harness.local.inject(.ghost, org: "emea")
        var tStale = Double.nan, tOpen = Double.nan, tTruth = Double.nan
        var checks = 0
        var lastMismatch = 0
        while Proc.now - tGhost < 240 {
            let status = await parts.views.orgStatuses()[org]?.status
            if tStale.isNaN {
                if status == .stale { tStale = Proc.now }
            } else if tOpen.isNaN {
                if status == .open { tOpen = Proc.now }
            } else {
                checks += 1
                lastMismatch = await mismatches(harness: harness, views: parts.views, org: org)
                if lastMismatch == 0 {
                    tTruth = Proc.now
                    break
                }
            }
            try? await Task.sleep(for: .milliseconds(tOpen.isNaN ? 50 : 100))
        }
        // The re-sync's requests (every org's, but the others only poll meanwhile; the endpoints below are the
        // re-sync's and the channel lifecycle's).
        let requests = await harness.local.requestCounts().merging(requestsBefore) { $0 - $1 }
        let resyncEndpoints = ["GET /api/v2/users", "GET /api/v2/routing/queues",
                               "POST /api/v2/analytics/users/details/query", "POST /api/v2/analytics/queues/observations/query",
                               "POST /api/v2/analytics/users/aggregates/query"]
        let channelCalls = requests.filter { $0.key.contains("/notifications/channels") }.values.reduce(0, +)
        out["resyncRequests"] = Double(resyncEndpoints.map { requests[$0] ?? 0 }.reduce(0, +))
        out["channelRequests"] = Double(channelCalls)
        for (i, e) in resyncEndpoints.enumerated() { out["requests\(i)"] = Double(requests[e] ?? 0) }
        out["ghostToStale"] = tStale - tGhost
        out["ghostToOpen"] = tOpen - tGhost
        out["openToTruth"] = tTruth - tOpen
        out["staleToTruth"] = tTruth - tStale
        out["truthChecks"] = Double(checks)
        out["lastMismatches"] = Double(lastMismatch)

        // Planned endings: how long each org is shown stale or disconnected.
        let closing = await shownStale(harness: harness, views: parts.views, org: OrgID("apac"), fault: .socketClosing)
        out["socketClosingShownStale"] = closing.stale
        out["socketClosingToOpen"] = closing.reopened
        out["socketClosingToTruth"] = closing.truth
        let moved = await shownStale(harness: harness, views: parts.views, org: OrgID("us"), fault: .moveEndpoint)
        out["moveShownStale"] = moved.stale
        out["moveToOpen"] = moved.reopened
        out["moveToTruth"] = moved.truth
        if tokenLifetime > 0 {
            // Wait until every org renewed its token at least once more, watching every org's status meanwhile.
            let before = await harness.local.requestCounts()["POST /oauth/token"] ?? 0
            let t0 = Proc.now
            var shown = 0.0, last = Proc.now
            while Proc.now - t0 < Double(tokenLifetime) + 30 {
                let statuses = await parts.views.orgStatuses()
                let now = Proc.now
                if statuses.values.contains(where: { $0.status == .stale || $0.status == .disconnected }) { shown += now - last }
                last = now
                let renewed = (await harness.local.requestCounts()["POST /oauth/token"] ?? 0) - before
                if renewed >= 3 {
                    out["tokenRenewals"] = Double(renewed)
                    break
                }
                try? await Task.sleep(for: .milliseconds(50))
            }
            out["tokenShownStale"] = shown
        }
        let json = try! JSONSerialization.data(withJSONObject: out.mapValues { $0.isNaN ? -1 : $0 }, options: [.sortedKeys])
        FileHandle.standardOutput.write(json + Data("\n".utf8))
        exit(0)
    }

    /// Injects `fault` on `org`; watches its status every 50 ms until it has been `open` again for 5 s (at most
    /// 120 s): seconds shown `stale` or `disconnected`, from the fault until it is `open` again after having left
    /// `open` (0 if it never left), and until its agents match the truth.
    static func shownStale(harness: BridgeHarness, views: ViewEngine, org: OrgID,
                           fault: SimFault) async -> (stale: Double, reopened: Double, truth: Double) {
        let t0 = Proc.now
        _ = await harness.local.inject(fault, org: org.rawValue)
        var stale = 0.0, last = t0
        var left = false
        var reopened = Double.nan, truth = Double.nan
        while Proc.now - t0 < 120 {
            let status = await views.orgStatuses()[org]?.status
            let now = Proc.now
            if status == .stale || status == .disconnected { stale += now - last }
            last = now
            if status != .open { left = true }
            if left, status == .open, reopened.isNaN { reopened = now - t0 }
            if !reopened.isNaN || (!left && now - t0 > 3) {
                if truth.isNaN, await mismatches(harness: harness, views: views, org: org) == 0 { truth = Proc.now - t0 }
                if !truth.isNaN, now - t0 > max(reopened.isNaN ? 0 : reopened, truth) + 5 { break }
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return (stale, left ? reopened : 0, truth)
    }

    /// Agents whose presence or routing status in the views differs from the simulator's truth.
    static func mismatches(harness: BridgeHarness, views: ViewEngine, org: OrgID) async -> Int {
        guard let truth = await harness.truth(org: org.rawValue) else { return -1 }
        var bad = 0
        for a in truth.agents {
            let f = await views.agentFigures(EntityID(org: org, platformID: a.id))
            let presence = f?.presence.map { "\($0)" }
            let routing = f?.routingStatus?.rawValue
            if routing != a.routingStatus || !presenceMatches(presence, a.presence) { bad += 1 }
        }
        return bad
    }

    static func presenceMatches(_ views: String?, _ truth: String) -> Bool {
        guard let v = views else { return false }
        return v.lowercased().filter { $0.isLetter } == truth.lowercased().filter { $0.isLetter }
    }
}
