import Audio
import Bridge
import Foundation
import Hub
import Logging
import ServiceLifecycle
import Synchronization
import SwitchboardConfig
import SwitchboardCore

/// Records every progress report (monotonic receive time, analysed ms) per session index.
final class BenchSpeechSink: SpeechEventSink {
    struct Report: Sendable {
        var at: Double
        var analysedMs: Int64
    }
    private let reports: Mutex<[[Report]]>
    let opened = Atomic<Int>(0)
    let ended = Atomic<Int>(0)

    init(capacity: Int) { reports = Mutex([[Report]](repeating: [], count: capacity)) }

    func ingest(speech events: [SpeechEvent]) {
        let now = Proc.now
        for event in events {
            switch event {
            case .opened: opened.add(1, ordering: .relaxed)
            case .ended: ended.add(1, ordering: .relaxed)
            case .progress(let p):
                guard let i = SyntheticCall.index(ofSession: p.session) else { continue }
                reports.withLock { if i < $0.count { $0[i].append(Report(at: now, analysedMs: p.metrics.analysedMs)) } }
            }
        }
    }

    var all: [[Report]] { reports.withLock { $0 } }
}

/// `--child audio --mode analyse|relay`: the bridge's listener (hub + `/audiohook/v1`) in this process —
/// `analyse`: the real ``AudioHookServer`` route with a recording sink; `relay`: a route that accepts the
/// upgrade, answers the first text message and discards everything else (the socket cost alone). The
/// sessions come from an `--child audio-load` process. Samples this process's CPU and RSS every 250 ms,
/// then joins the load child's send log with the sink's reports per step. Prints one JSON object.
enum AudioChild {
    static func run(_ opts: [String: String]) async {
        bootstrapBenchLogging()
        let relay = opts["mode"] == "relay"
        let steps = opts["steps"] ?? "250,500"
        let maxN = steps.split(separator: ",").compactMap { Int($0) }.max() ?? 0
        let progressMs = Int64(opts["progress"] ?? "400") ?? 400
        var logger = Logger(label: "bench.audio")
        logger.logLevel = .warning
        var server = ServerConfig()
        server.listen = ListenAddress(host: "127.0.0.1", port: 0)
        var auth = AuthConfig()
        auth.clients = [ClientConfig(name: "bench", token: Secret("bench"), scopes: [.global])]
        let hub: StreamHub
        do { hub = try await StreamHub(configuration: server, auth: auth, metrics: HubMetrics(), logger: logger) } catch {
            log("audio: hub failed: \(error)")
            return
        }
        let sink = BenchSpeechSink(capacity: maxN)
        var configuration = AudioHookServer.Configuration()
        configuration.progressInterval = .milliseconds(progressMs)
        let audio = AudioHookServer(orgs: [.init(org: "bench", organizationId: SyntheticCall.organizationId,
                                                 credentials: SyntheticCall.credentials)],
                                    sink: sink, configuration: configuration, logger: logger)
        let route = relay ? Self.relayRoute(maxMessageBytes: configuration.maxMessageBytes) : audio.upgradeRoute
        let port = AtomicInt()
        let app = makeBridgeApplication(
            hub: hub, configuration: server,
            readiness: { ReadinessReport(ready: true, configLoadedAt: nil, orgs: []) },
            upgradeRoutes: [route], logger: logger, onListening: { p in port.store(p) })
        let group = ServiceGroup(configuration: .init(services: [.init(service: hub), .init(service: app)],
                                                      gracefulShutdownSignals: [], cancellationSignals: [], logger: logger))
        let serverTask = Task { try? await group.run() }
        while port.load() == 0 { try? await Task.sleep(for: .milliseconds(20)) }
        // Warm the analysis tables and the route before the baseline.
        _ = SyntheticCall.frames.count
        try? await Task.sleep(for: .seconds(1))
        Proc.trim()
        let rss0 = Proc.rss
        // Sampler: (monotonic s, CPU s, RSS bytes) every 250 ms.
        let samples = Mutex<[(Double, Double, Double)]>([])
        let stop = AtomicInt()
        let sampler = Task.detached {
            while stop.load() == 0 {
                let s = (Proc.now, Proc.cpuSeconds, Double(Proc.rss))
                samples.withLock { $0.append(s) }
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
        let sendsPath = NSTemporaryDirectory() + "switchboard-bench-audio-\(getpid()).bin"
        let child: ChildProcess
        do {
            child = try ChildProcess(args: ["--child", "audio-load", "--port", "\(port.load())", "--steps", steps,
                                            "--warmup", opts["warmup"] ?? "3", "--measure", opts["measure"] ?? "10",
                                            "--sends", sendsPath])
        } catch {
            log("audio: cannot start the load child: \(error)")
            return
        }
        let load = await child.result(timeout: 1800)
        stop.store(1)
        _ = await sampler.result
        let sends = AudioSendLog.read(sendsPath)
        try? FileManager.default.removeItem(atPath: sendsPath)
        let reports = sink.all
        var out = load
        out["rssBaseline"] = Double(rss0)
        out["sinkOpened"] = Double(sink.opened.load(ordering: .relaxed))
        out["sinkEnded"] = Double(sink.ended.load(ordering: .relaxed))
        let trace = samples.withLock { $0 }
        var previous: (n: Int, rss: Double) = (0, Double(rss0))
        for i in 0..<Int(load["steps"] ?? 0) {
            let p = "s\(i)."
            guard let n = load[p + "n"].map(Int.init), let a = load[p + "start"], let b = load[p + "end"] else { continue }
            let before = trace.last { $0.0 <= a } ?? trace.first ?? (a, 0, 0)
            let after = trace.first { $0.0 >= b } ?? trace.last ?? (b, 0, 0)
            out[p + "serverCPUPercent"] = (after.1 - before.1) / max(0.001, after.0 - before.0) * 100
            out[p + "rssPerSession"] = (after.2 - Double(rss0)) / Double(max(1, n))
            // The step's added sessions alone (the first sessions also pay for event-loop and allocator set-up).
            out[p + "rssPerAddedSession"] = (after.2 - previous.rss) / Double(max(1, n - previous.n))
            previous = (n, after.2)
            let stats = Self.join(sends: sends.prefix(n), reports: reports.prefix(n), window: (a, b))
            for (k, v) in stats { out[p + k] = v }
        }
        await child.wait(timeout: 30)
        _ = serverTask  // the process exits with the listener up; a graceful shutdown only adds log noise
        let json = try! JSONSerialization.data(withJSONObject: out.mapValues { $0.isFinite ? $0 : -1 }, options: [.sortedKeys])
        FileHandle.standardOutput.write(json + Data("\n".utf8))
        exit(0)
    }

    /// The plain relay: accept, answer the first text message, discard the rest.
    static func relayRoute(maxMessageBytes: Int) -> WebSocketUpgradeRoute {
        WebSocketUpgradeRoute(path: AudioHookServer.path) { _ in
            .accept { inbound, outbound in
                var answered = false
                for try await message in inbound.messages(maxSize: maxMessageBytes) {
                    if case .text = message, !answered {
                        answered = true
                        try await outbound.write(.text(#"{"version":"2","type":"opened","seq":1,"clientseq":1,"parameters":{}}"#))
                    }
                }
            }
        }
    }

    /// Per step, over the sessions present: lateness of the sender; analysis lag at each report in the
    /// window (audio ms sent by the report's arrival − analysed ms) and delay (the report's arrival − the
    /// send of the newest frame sent before it, the frame whose arrival made it); figure age of each frame sent in the
    /// window up to 1 s before its end (first report whose analysed ms covers the frame − the frame's send).
    static func join(sends: ArraySlice<AudioSendLog.Session>, reports: ArraySlice<[BenchSpeechSink.Report]>,
                     window: (Double, Double)) -> [String: Double] {
        let (a, b) = window
        let frameMs = SyntheticCall.frameMs
        var late: [Double] = [], lags: [Double] = [], ages: [Double] = [], delays: [Double] = []
        var unreported = 0, frames = 0, reportCount = 0
        var analysedInWindow: Int64 = 0, spanMs = 0.0
        for (s, r) in zip(sends, reports) {
            let times = s.sends
            for (k, t) in times.enumerated() where t >= a && t < b {
                late.append((t - (s.t0 + Double(k) * Double(frameMs) / 1000)) * 1000)
            }
            // Lag at each report in the window.
            var sent = 0
            var first: BenchSpeechSink.Report?, last: BenchSpeechSink.Report?
            for rep in r where rep.at >= a && rep.at < b {
                while sent < times.count && times[sent] <= rep.at { sent += 1 }
                lags.append(Double(Int64(sent) * frameMs - rep.analysedMs))
                // Reports are made on a frame's arrival: the delay from that frame's send to the report.
                if sent > 0 { delays.append((rep.at - times[sent - 1]) * 1000) }
                reportCount += 1
                if first == nil { first = rep }
                last = rep
            }
            if let first, let last {
                analysedInWindow += last.analysedMs - first.analysedMs
                spanMs += (last.at - first.at) * 1000
            }
            // Age of each frame: the first report covering it.
            var j = 0
            for (k, t) in times.enumerated() where t >= a && t < b - 1 {
                frames += 1
                let need = Int64(k + 1) * frameMs
                while j < r.count && (r[j].analysedMs < need || r[j].at < t) { j += 1 }
                if j < r.count { ages.append((r[j].at - t) * 1000) } else { unreported += 1 }
            }
        }
        late.sort()
        lags.sort()
        ages.sort()
        delays.sort()
        return ["delayP50": percentile(delays, 50), "delayP99": percentile(delays, 99),"sendLateP50": percentile(late, 50), "sendLateP99": percentile(late, 99), "lagP50": percentile(lags, 50),
                "lagP99": percentile(lags, 99), "lagMax": lags.last ?? .nan, "ageP50": percentile(ages, 50),
                "ageP99": percentile(ages, 99), "ageMax": ages.last ?? .nan, "ageFrames": Double(frames),
                "unreported": Double(unreported), "reports": Double(reportCount),
                "reportsPerSessionSecond": Double(reportCount) / Double(max(1, sends.count)) / (b - a),
                "analysedPerRealMs": spanMs > 0 ? Double(analysedInWindow) / spanMs : .nan]
    }
}

/// `--child audio-analysis`: the in-process baselines, single thread (the driver pins it to one core):
/// the analyzer alone (`process(pcmu:)`: μ-law table decode + windows + hangover + totals) and the
/// session's per-frame path (state machine `receivedAudio` → `deliverAudio` → analyzer, with the copy
/// of the frame the socket reader makes and a progress snapshot every third frame).
enum AudioAnalysisChild {
    static func run(_ opts: [String: String]) async {
        let seconds = Double(opts["seconds"] ?? "3") ?? 3
        let frames = SyntheticCall.frames
        // Analyzer alone.
        var analyzer = VoiceActivityAnalyzer(media: .pcmuStereo)
        var audioMs: Int64 = 0
        var c0 = Proc.cpuSeconds
        var t0 = Proc.now
        var i = 0
        while Proc.now - t0 < seconds {
            for _ in 0..<150 {
                analyzer.process(pcmu: frames[i % frames.count])
                i += 1
            }
            audioMs += 150 * SyntheticCall.frameMs
        }
        let analyzerCPU = Proc.cpuSeconds - c0
        let talk = analyzer.finish().channels.map(\.talkMs).reduce(0, +)
        // The session's per-frame path.
        var machine = AudioHookSessionStateMachine(sessionId: SyntheticCall.sessionId(0),
                                                   organizationId: SyntheticCall.organizationId, now: .now)
        var sessionAnalyzer: VoiceActivityAnalyzer?
        for action in machine.receivedText(SyntheticCall.openMessage(0), now: .now) {
            if case .started(let info) = action { sessionAnalyzer = VoiceActivityAnalyzer(media: info.media) }
        }
        var pathMs: Int64 = 0
        var snapshots: Int64 = 0
        c0 = Proc.cpuSeconds
        t0 = Proc.now
        i = 0
        while Proc.now - t0 < seconds {
            for _ in 0..<150 {
                let bytes = Array(frames[i % frames.count][...])  // the reader's copy of the socket buffer
                for action in machine.receivedAudio(bytes, now: .now) {
                    if case .deliverAudio(let frame) = action { sessionAnalyzer?.process(frame) }
                }
                if i % 3 == 2, let m = sessionAnalyzer?.metrics.speechMetrics { snapshots += m.analysedMs > 0 ? 1 : 0 }
                i += 1
            }
            pathMs += 150 * SyntheticCall.frameMs
        }
        let pathCPU = Proc.cpuSeconds - c0
        let out: [String: Double] = [
            "analyzerAudioSeconds": Double(audioMs) / 1000, "analyzerCPUSeconds": analyzerCPU,
            "analyzerRealTime": Double(audioMs) / 1000 / analyzerCPU,
            "pathAudioSeconds": Double(pathMs) / 1000, "pathCPUSeconds": pathCPU,
            "pathRealTime": Double(pathMs) / 1000 / pathCPU,
            "talkMs": Double(talk), "snapshots": Double(snapshots),
        ]
        let json = try! JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        FileHandle.standardOutput.write(json + Data("\n".utf8))
        exit(0)
    }
}
