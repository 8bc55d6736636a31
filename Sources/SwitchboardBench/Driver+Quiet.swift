extension Driver {
    /// Issue 19 §1: no false stale verdicts in 30 quiet minutes at the platform's heartbeat cadence
    /// (`--child quiet`; `--quick`: 3 minutes).
    mutating func quiet() async {
        let duration = quick ? 180 : 1800
        let r = await child("quiet", ["--agents", "8", "--duration", "\(duration)"], timeout: Double(duration) + 600)
        let stale = r["staleVerdicts"] ?? -1
        let others = r["otherLeaves"] ?? -1
        let cfg = ["orgs": "3", "agentsPerOrg": "8", "faults": "none", "heartbeat": "30 s (timeout 65 s)",
                   "pingAfterQuiet": "8 s", "pingTimeout": "3 s (one retry)", "duration": "\(duration) s",
                   "upstreamEventsPerOrgPerSecond": fmt(r["eventsPerOrgPerSecond"] ?? -1, 2),
                   "pingProbesAnswered": fmt(r["pingsAnswered"] ?? -1, 0),
                   "otherDeparturesFromOpen": fmt(others, 0), "secondsNotOpen": fmt(r["notOpenSeconds"] ?? -1, 1),
                   "method": "every org's status read every 50 ms; each change from open counted (none is expected: no fault)",
                   "verdict": r.isEmpty ? "no result" : stale == 0 && others == 0 ? "met" : "missed"]
        add("quiet", "false stale verdicts in \(duration / 60) quiet minutes", stale, "verdicts", target: "0", cfg)
        add("quiet", "other departures from open (reconnects)", others, "times", target: "0", cfg)
    }
}
