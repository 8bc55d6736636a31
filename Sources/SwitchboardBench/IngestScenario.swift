import Foundation
import Normalizer
import Synchronization
import SwitchboardConfig
import SwitchboardCore
import Views

/// A sink that only counts what the views emit (the hub is measured by fan-out and storm).
final class CountingSink: ViewChangeSink {
    let changes = Atomic<Int>(0)
    let bytes = Atomic<Int>(0)
    func publish(_ changes: [EntityChange]) {
        self.changes.add(changes.count, ordering: .relaxed)
        self.bytes.add(changes.reduce(0) { $0 + ($1.json?.bytes.count ?? 0) }, ordering: .relaxed)
    }
    func publish(alert: StreamAlert) {}
}

/// Real-shaped Notification API frames (the simulator's and the platform's shapes): `v2.users.{id}.activity`,
/// `v2.users.{id}.conversations` (full conversation snapshots) and `v2.analytics.queues.{id}.observations`.
struct FrameFactory {
    static let orgs = ["us", "emea", "apac"]
    let agentsPerOrg: Int
    let queuesPerOrg: Int

    static func uuid(_ org: Int, _ kind: Int, _ n: Int) -> String {
        let h = String(format: "%08x", (org << 24) | (kind << 20) | n)
        return "\(h)-5a1e-4c6f-9d1e-\(String(format: "%012x", n &* 2654435761 & 0xffff_ffff_ffff))"
    }
    func agent(_ org: Int, _ a: Int) -> String { Self.uuid(org, 1, a) }
    func queue(_ org: Int, _ q: Int) -> String { Self.uuid(org, 2, q) }

    static let presences = [("On Queue", "e08eaf1b-ee47-4fa9-a231-1200e284798f"), ("Available", "6a3af858-942f-489d-9700-5f9bcdcdae9b"),
                            ("Break", "c2ac2c7b-8d0b-4f1a-a6ea-5ab0d2f2b7a1"), ("Meal", "2e7dfa3b-1a6b-4b1f-9d6a-1b1f0e6c5d9e"),
                            ("Busy", "31fe3bac-dea6-44b7-bed7-47f91660a1a0")]
    static let routing = ["IDLE", "INTERACTING", "NOT_RESPONDING", "OFF_QUEUE"]

    func activity(org: Int, agent a: Int, at t: Int64, variant: Int) -> [UInt8] {
        let id = agent(org, a)
        let p = Self.presences[variant % Self.presences.count]
        let r = p.0 == "On Queue" ? Self.routing[variant % 3] : "OFF_QUEUE"
        let ts = Timestamp.format(t)
        let q1 = queue(org, a % queuesPerOrg), q2 = queue(org, (a + 1) % queuesPerOrg)
        let queues = p.0 == "On Queue" ? "\"\(q1)\",\"\(q2)\"" : ""
        return Array(#"{"topicName":"v2.users.\#(id).activity","version":"2","eventBody":{"id":"\#(id)","routingStatus":{"status":"\#(r)","startTime":"\#(ts)"},"presence":{"presenceDefinition":{"id":"\#(p.1)","systemPresence":"\#(p.0)"},"presenceMessage":"","modifiedDate":"\#(ts)"},"outOfOffice":{"active":false,"modifiedDate":"2026-05-07T08:00:00.000Z"},"activeQueueIds":[\#(queues)],"dateActiveQueuesChanged":"\#(ts)"},"metadata":{"CorrelationId":"\#(a)-\#(variant)"}}"#.utf8)
    }

    func conversation(org: Int, agent a: Int, at t: Int64, variant: Int) -> [UInt8] {
        let id = agent(org, a)
        let q = queue(org, a % queuesPerOrg)
        let conv = "c\(org)-\(a)-\(variant / 4)"
        let start = Timestamp.format(t - 60_000), connected = Timestamp.format(t - 45_000), now = Timestamp.format(t)
        let customer = #"{"id":"p0-\#(conv)","purpose":"customer","queueId":"\#(q)","address":"tel:+15550100","connectedTime":"\#(start)","endTime":null,"wrapupRequired":false,"attributes":{},"calls":[{"id":"k0-\#(conv)","state":"connected","direction":"inbound","held":false,"muted":false,"recording":false,"self":{"addressNormalized":"tel:+15550100"},"other":{},"connectedTime":"\#(start)","disconnectedTime":null,"disconnectType":null,"provider":"Edge"}]}"#
        let agentPart: String
        switch variant % 3 {
        case 0: agentPart = #"{"id":"p1-\#(conv)","purpose":"agent","userId":"\#(id)","queueId":"\#(q)","wrapupExpected":true,"wrapup":null,"startAcwTime":null,"endAcwTime":null,"calls":[{"id":"k1-\#(conv)","state":"connected","held":false,"connectedTime":"\#(connected)","disconnectedTime":null}]}"#
        case 1: agentPart = #"{"id":"p1-\#(conv)","purpose":"agent","userId":"\#(id)","queueId":"\#(q)","wrapupExpected":true,"wrapup":null,"startAcwTime":"\#(now)","endAcwTime":null,"calls":[{"id":"k1-\#(conv)","state":"disconnected","held":false,"connectedTime":"\#(connected)","disconnectedTime":"\#(now)","disconnectType":"peer"}]}"#
        default: agentPart = #"{"id":"p1-\#(conv)","purpose":"agent","userId":"\#(id)","queueId":"\#(q)","wrapupRequired":true,"wrapup":{"code":"sale","notes":""},"startAcwTime":"\#(connected)","endAcwTime":"\#(now)","calls":[{"id":"k1-\#(conv)","state":"disconnected","held":false,"connectedTime":"\#(connected)","disconnectedTime":"\#(connected)","disconnectType":"client"}]}"#
        }
        return Array(#"{"topicName":"v2.users.\#(id).conversations","version":"2","eventBody":{"id":"\#(conv)","maxParticipants":2,"recordingState":"none","participants":[\#(customer),\#(agentPart)],"recentTransfers":[],"divisions":[]},"metadata":{"CorrelationId":"\#(conv)"}}"#.utf8)
    }

    func observation(org: Int, queue qi: Int, at t: Int64, variant: Int) -> [UInt8] {
        let q = queue(org, qi)
        let interval = Timestamp.format(t - t % 1_800_000) + "/" + Timestamp.format(t - t % 1_800_000 + 1_800_000)
        let w = variant % 7, i = variant % 13
        return Array(#"{"topicName":"v2.analytics.queues.\#(q).observations","version":"2","eventBody":{"group":{"queueId":"\#(q)","mediaType":"voice"},"data":[{"interval":"\#(interval)","metrics":[{"metric":"oWaiting","stats":{"count":\#(w)},"observations":[{"observationDate":"\#(Timestamp.format(t - 30_000))","conversationId":"cw\#(variant)"}]},{"metric":"oInteracting","stats":{"count":\#(i)}},{"metric":"oAlerting","stats":{"count":1}},{"metric":"oUserRoutingStatuses","qualifier":"IDLE","stats":{"count":\#(w + 2)}},{"metric":"oUserRoutingStatuses","qualifier":"INTERACTING","stats":{"count":\#(i)}},{"metric":"oOnQueueUsers","qualifier":"e08eaf1b-ee47-4fa9-a231-1200e284798f","stats":{"count":\#(w + i + 2)}},{"metric":"oLongestWaiting","stats":{"max":\#(w * 9000)}}]}]}}"#.utf8)
    }

    /// `count` frames, 70 % activity, 20 % conversations, 10 % observations, round-robin over agents,
    /// event times `step` ms apart ending at `end`.
    /// Frames `first..<first + count` of the sequence (callers generating in batches pass a running `first`).
    func mix(count: Int, end: Int64, step: Int64, only: String? = nil, first: Int = 0)
        -> [(org: Int, frame: [UInt8], at: Int64)]
    {
        var out: [(Int, [UInt8], Int64)] = []
        out.reserveCapacity(count)
        let start = end - Int64(first + count) * step
        for n in first..<(first + count) {
            let org = n % Self.orgs.count
            let a = (n / Self.orgs.count) % agentsPerOrg
            let variant = n / (Self.orgs.count * agentsPerOrg) + n
            let t = start + Int64(n) * step
            // The kind cycles per pass over the agents, so every agent sees every kind.
            var sel = (n + n / (Self.orgs.count * agentsPerOrg)) % 10
            switch only {
            case "activity": sel = 5
            case "conversations": sel = 1
            case "observations": sel = 0
            default: break
            }
            switch sel {
            case 0: out.append((org, observation(org: org, queue: a % queuesPerOrg, at: t, variant: variant), t))
            case 1, 2: out.append((org, conversation(org: org, agent: a, at: t, variant: variant), t))
            default: out.append((org, activity(org: org, agent: a, at: t, variant: variant), t))
            }
        }
        return out
    }
}

/// `--child ingest`: frames → `NotificationNormalizer.normalize` → `ViewEngine.ingest` on one task.
/// Prints `{"frames","events","seconds","framesPerSecond","eventsPerSecond","changes"}`.
enum IngestChild {
    static func run(_ opts: [String: String]) async {
        let agentsPerOrg = Int(opts["agents"] ?? "5000") ?? 5000
        let frames = Int(opts["frames"] ?? "200000") ?? 200_000
        let process = Int(opts["process"] ?? String(frames)) ?? frames
        let passes = Int(opts["passes"] ?? "1") ?? 1
        let factory = FrameFactory(agentsPerOrg: agentsPerOrg, queuesPerOrg: min(40, max(2, agentsPerOrg / 25)))
        let now = SystemClock.realNow()
        // Warm-up: one activity frame per agent so the views hold every agent before measuring.
        let warm = (0..<(3 * agentsPerOrg)).map { n in
            (n % 3, factory.activity(org: n % 3, agent: n / 3, at: now - 7_200_000, variant: 0))
        }
        let mix = factory.mix(count: frames, end: now - 1000, step: 3_600_000 / Int64(max(frames, 1)), only: opts["kinds"])
        let orgIDs = FrameFactory.orgs.map { OrgID($0) }
        let sink = CountingSink()
        let engine = ViewEngine(occupancy: OccupancyConfig(),
                                orgs: orgIDs.map { ViewOrg(id: $0, name: $0.rawValue.uppercased(), timeZone: TimeZone(identifier: "UTC")!) },
                                clock: SystemClock(), sink: sink)
        let normalizers = orgIDs.map { NotificationNormalizer(org: $0) }
        for (org, frame) in warm {
            if case .events(_, let evs) = normalizers[org].normalize(frame) { await engine.ingest(org: orgIDs[org], events: evs) }
        }
        await engine.refresh()
        let changes0 = sink.changes.load(ordering: .relaxed)
        var events = 0
        var malformed = 0
        let cpu0 = Proc.cpuSeconds
        let allocs0 = MallocCounter.count
        let t0 = Proc.now
        for _ in 0..<passes {
            for i in 0..<min(process, mix.count) {
                let m = mix[i]
                switch normalizers[m.org].normalize(m.frame, receivedAt: m.at) {
                case .events(_, let evs):
                    events += evs.count
                    await engine.ingest(org: orgIDs[m.org], events: evs)
                case .malformed: malformed += 1
                default: break
                }
            }
        }
        let seconds = Proc.now - t0
        let allocs = MallocCounter.count.map { $0 - (allocs0 ?? 0) }
        let cpu = Proc.cpuSeconds - cpu0
        // One periodic refresh (ViewRefreshService runs it every 5 s) over every tracked agent.
        let r0 = Proc.now
        await engine.refresh()
        let refreshSeconds = Proc.now - r0
        let n = Double(min(process, mix.count) * passes)
        var out: [String: Double] = [
            "frames": n, "events": Double(events), "malformed": Double(malformed), "seconds": seconds,
            "cpuSeconds": cpu, "refreshSeconds": refreshSeconds, "framesPerSecond": n / seconds, "eventsPerSecond": Double(events) / seconds,
            "changes": Double(sink.changes.load(ordering: .relaxed) - changes0),
            "bytesPerFrame": Double(mix.reduce(0) { $0 + $1.frame.count }) / Double(max(1, mix.count)),
        ]
        if let allocs { out["allocations"] = Double(allocs) }
        let json = try! JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        FileHandle.standardOutput.write(json + Data("\n".utf8))
    }
}

/// The LD_PRELOAD malloc counter of bench/malloc-count.c, when loaded.
enum MallocCounter {
    typealias Fn = @convention(c) () -> UInt
    static let fn: Fn? = {
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "bench_malloc_count") else { return nil }
        return unsafeBitCast(sym, to: Fn.self)
    }()
    static var count: Int? { fn.map { Int($0()) } }
}
