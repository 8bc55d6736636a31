import Foundation

extension Driver {
    /// AudioHook sessions (docs/performance.md "audio"): the in-process analysis baseline, then the same
    /// session ramp against the real `/audiohook/v1` and against a plain relay that discards the audio.
    mutating func audio() async {
        let taskset = FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset") ? ["taskset", "-c", "0"] : []
        let base = await child("audio-analysis", ["--seconds", quick ? "2" : "4"], wrapper: taskset, timeout: 120)
        let baseCfg = ["audio": "30 s synthetic stereo PCMU call at 8 kHz (turns, overtalk, silences, −60 dBFS noise), looped",
                       "frame": "200 ms (3,200 bytes)", "pinned": taskset.isEmpty ? "no" : "taskset -c 0",
                       "analyzerCPUSeconds": fmt(base["analyzerCPUSeconds"] ?? -1, 2),
                       "pathCPUSeconds": fmt(base["pathCPUSeconds"] ?? -1, 2),
                       "method": "audio seconds processed ÷ CPU seconds, one thread"]
        var c = baseCfg
        c["path"] = "VoiceActivityAnalyzer.process(pcmu:): μ-law table decode, 20 ms windows, hangover, totals"
        add("audio", "analysis, single thread", base["analyzerRealTime"] ?? -1, "× real time", target: "≥ 1,000× per core", c)
        c["path"] = "frame copy → AudioHookSessionStateMachine.receivedAudio → analyzer; a progress snapshot every 3rd frame"
        add("audio", "session frame path, single thread", base["pathRealTime"] ?? -1, "× real time", c)

        await audioOpus(taskset: taskset)

        let steps = quick ? [250, 500, 1000] : [250, 500, 1000, 2000, 3000]
        let warmup = quick ? 2 : 3, measure = quick ? 5 : 10
        let args = ["--steps", steps.map(String.init).joined(separator: ","), "--warmup", "\(warmup)", "--measure", "\(measure)"]
        let timeout = Double(steps.count * (warmup + measure + 60) + 120)
        let real = await child("audio", args + ["--mode", "analyse"], timeout: timeout)
        let relay = await child("audio", args + ["--mode", "relay"], timeout: timeout)
        var largestHeld = 0, heldCPU = -1.0, heldRelayCPU = -1.0
        for (i, n) in steps.enumerated() {
            let p = "s\(i)."
            func r(_ k: String) -> Double { real[p + k] ?? -1 }
            let sendLate = r("sendLateP99")
            let held = r("opened") >= Double(n) && r("failed") == 0 && r("closed") == 0 && r("unreported") == 0
                && r("lagP99") >= 0 && r("lagP99") <= 1000 && r("analysedPerRealMs") >= 0.95
                && sendLate >= 0 && sendLate <= 100
            if held, n > largestHeld {
                largestHeld = n
                heldCPU = r("serverCPUPercent")
                heldRelayCPU = relay[p + "serverCPUPercent"] ?? -1
            }
            let cfg = ["sessions": "\(n)", "ramp": steps.prefix(i + 1).map(String.init).joined(separator: " → "),
                       "opened": fmt(r("opened"), 0), "failed": fmt(r("failed"), 0), "droppedSockets": fmt(r("closed"), 0),
                       "heldInRealTime": held ? "yes" : "no",
                       "window": "\(measure) s after \(warmup) s warm-up", "progressInterval": "400 ms", "hangover": "200 ms",
                       "sendLateP50ms": fmt(r("sendLateP50"), 1), "sendLateP99ms": fmt(sendLate, 1),
                       "lagP50ms": fmt(r("lagP50"), 0), "delayP50ms": fmt(r("delayP50"), 1), "lagMaxMs": fmt(r("lagMax"), 0),
                       "ageMaxMs": fmt(r("ageMax"), 0), "ageFrames": fmt(r("ageFrames"), 0),
                       "framesNeverReported": fmt(r("unreported"), 0),
                       "reportsPerSessionSecond": fmt(r("reportsPerSessionSecond"), 2),
                       "analysedMsPerRealMs": fmt(r("analysedPerRealMs"), 3),
                       "loadChildCPU%": fmt(r("clientCPUPercent"), 0),
                       "relayOpened": fmt(relay[p + "opened"] ?? -1, 0),
                       "relayRSSPerSessionKiB": fmt((relay[p + "rssPerSession"] ?? -1) / 1024, 1),
                       "relayRSSPerAddedSessionKiB": fmt((relay[p + "rssPerAddedSession"] ?? -1) / 1024, 1),
                       "relayLoadChildCPU%": fmt(relay[p + "clientCPUPercent"] ?? -1, 0),
                       "method": "server child: listener + AudioHookServer (or the plain relay), recording sink; load child: "
                           + "signed sessions streaming 200 ms frames on an absolute schedule; CPU from getrusage over the "
                           + "window, RSS (VmRSS, no trim) at its end minus before any session; age = first progress report "
                           + "whose analysedMs covers a frame − that frame's send (CLOCK_MONOTONIC in both processes)"]
            let name = "audio-\(n)"
            let cpu = r("serverCPUPercent"), relayCPU = relay[p + "serverCPUPercent"] ?? -1
            add(name, "server CPU, AudioHook", cpu, "% of one core", cfg)
            add(name, "server CPU, plain relay", relayCPU, "% of one core", cfg)
            add(name, "AudioHook / plain relay CPU", cpu / relayCPU, "ratio", cfg)
            add(name, "analysis lag p99 (audio sent − analysed)", r("lagP99"), "ms", target: "≤ 1,000 ms (real time kept)", cfg)
            add(name, "report delay p99 (frame send → its report)", r("delayP99"), "ms", cfg)
            add(name, "figure age p50", r("ageP50"), "ms", cfg)
            add(name, "figure age p99", r("ageP99"), "ms", target: "≤ 500 ms (progress interval + 100 ms)", cfg)
            add(name, "RSS per session", r("rssPerSession") / 1024, "KiB", cfg)
            add(name, "RSS per added session (this step's)", r("rssPerAddedSession") / 1024, "KiB", cfg)
        }
        let cfg = ["steps": steps.map(String.init).joined(separator: " → "), "cores": "\(Proc.cores)",
                   "held": "all opened, none failed or dropped, every frame reported, lag p99 ≤ 1 s, analysed ≥ 0.95 × real "
                       + "time, sender p99 lateness ≤ 100 ms; server and load child share the machine's cores",
                   "serverCPU%AtLargestHeld": fmt(heldCPU, 0), "relayCPU%AtLargestHeld": fmt(heldRelayCPU, 0)]
        add("audio", "sessions held in real time (largest step)", Double(largestHeld), "sessions",
            target: "≥ 2,000 on 2 cores", cfg)
        add("audio", "sessions on 2 cores, projected from server CPU", heldCPU > 0 ? Double(largestHeld) * 200 / heldCPU : -1,
            "sessions", target: "≥ 2,000", cfg)
        add("audio", "AudioHook / plain relay CPU at largest held step", heldCPU / heldRelayCPU, "ratio", cfg)
    }
}
