import CHeapStats
import Foundation
import Journeys
import JourneyViews
import Normalizer
import SwitchboardConfig
import SwitchboardCore
import Views

/// The plain-decode baselines of the journeys scenario: the fields `JourneyWire` reads, decoded by
/// `JSONDecoder` from the same bytes and nothing else done with them.
enum PlainJourneyWire {
    struct Address: Decodable { var addressNormalized: String? }
    struct Communication: Decodable {
        var state: String?
        var connectedTime: String?
        var disconnectedTime: String?
        var disconnectType: String?
        var ownAddress: Address?
        enum CodingKeys: String, CodingKey {
            case state, connectedTime, disconnectedTime, disconnectType
            case ownAddress = "self"
        }
    }
    struct Wrapup: Decodable { var code: String? }
    struct Participant: Decodable {
        var id, purpose, userId, queueId, address, ani, externalContactId: String?
        var connectedTime, endTime, startAcwTime, endAcwTime: String?
        var wrapup: Wrapup?
        var calls, callbacks, chats, emails, messages: [Communication]?
    }
    struct Conversation: Decodable {
        var id: String?
        var participants: [Participant]?
    }
    struct Envelope<Body: Decodable>: Decodable {
        var topicName: String?
        var eventBody: Body?
    }
    struct DetailEvent: Decodable {
        var eventTime: Int64?
        var conversationId, participantId, mediaType, direction, ani, dnis, addressFrom, addressTo: String?
        var externalContactId, queueId, userId, disconnectType, acdOutcome, wrapupCode: String?
    }
    struct EventBridgeEvent: Decodable {
        var id: String?
        var detailType: String?
        var detail: Envelope<DetailEvent>?
        enum CodingKeys: String, CodingKey {
            case id, detail
            case detailType = "detail-type"
        }
    }
}

/// `--child journeys-ingest`: queue conversation snapshot frames (and EventBridge batches) of a generated
/// workload through three variants each, interleaved over rounds in one process (pin it with `taskset`):
/// *decode* — `JSONDecoder` into the fields journeys read, nothing more (the baseline); *normalize* —
/// `NotificationNormalizer.normalize` (decode + `JourneyMapper`); *path* — that, `JourneyViewEngine.ingest` and a
/// `flush()` every 100 ms of business time (stitching, figures, every changed entity encoded) on a `ManualClock`
/// moved to each frame's time. EventBridge: *ebDecode* (plain decode of the batch), *ebDecoder*
/// (`EventBridgeDecoder.decode`), *ebPath* (`JourneyViewEngine.ingestEventBridge` + flushes).
/// Prints per variant the median pass's process CPU seconds, and per round each variant's CPU.
enum JourneysIngestChild {
    static func configuration(maxClosed: Int = 50_000) -> SwitchboardConfiguration {
        var j = OrgJourneysConfig(maxClosed: maxClosed, eventBridge: EventBridgeConfig(apiKey: Secret(apiKey)))
        j.defaultCountry = "US"
        let org = OrgConfig(id: OrgID(JourneyCorpus.org), name: "US", apiBase: "https://api.example",
                            loginBase: "https://login.example", clientId: "bench", clientSecret: Secret("bench"),
                            timezone: TimeZone(identifier: "UTC")!, journeys: j)
        var c = SwitchboardConfiguration(orgs: [org])
        c.journeys.salt = Secret("switchboard-bench-journey-salt")
        return c
    }

    static let apiKey = "switchboard-bench-eventbridge-key"

    static func run(_ opts: [String: String]) async {
        let customers = Int(opts["customers"] ?? "3000") ?? 3000
        let rounds = Int(opts["rounds"] ?? "3") ?? 3
        let minutes = Int64(opts["minutes"] ?? "10") ?? 10
        let variants = (opts["variants"] ?? "decode,normalize,path,ebDecode,ebDecoder,ebPath").split(separator: ",").map(String.init)
        let t0: EpochMillis = 1_790_000_000_000
        let corpus = JourneyCorpus(customers: customers, arrivalSpan: minutes * 60_000, t0: t0)
        let frames = corpus.snapshotFrames()
        let batches = corpus.eventBridgeBodies(batch: 10)
        var out: [String: Double] = [
            "customers": Double(customers), "frames": Double(frames.count), "batches": Double(batches.count),
            "frameBytes": Double(frames.reduce(0) { $0 + $1.body.count }) / Double(max(1, frames.count)),
            "batchBytes": Double(batches.reduce(0) { $0 + $1.body.count }) / Double(max(1, batches.count)),
            "businessSeconds": Double((frames.last?.at ?? t0) - (frames.first?.at ?? t0)) / 1000,
        ]
        var cpu: [String: [Double]] = [:]
        for r in 0..<rounds {
            for k in 0..<variants.count {
                let v = variants[(k + r) % variants.count]
                let (seconds, facts) = await pass(v, frames: frames, batches: batches)
                cpu[v, default: []].append(seconds)
                out["round\(r).\(v)"] = seconds
                for (key, value) in facts { out["\(v).\(key)"] = value }
            }
        }
        for (v, list) in cpu { out["\(v).cpuMedian"] = list.sorted()[list.count / 2] }
        // Untimed: how many of the mapped events are new (a snapshot repeats the conversation's history).
        var ids = Set<String>()
        let normalizer = NotificationNormalizer(org: OrgID(JourneyCorpus.org))
        for f in frames {
            if case .journeys(_, let evs) = normalizer.normalize(f.body, receivedAt: f.at) { for e in evs { ids.insert(e.id) } }
        }
        out["uniqueEvents"] = Double(ids.count)
        let json = try! JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        FileHandle.standardOutput.write(json + Data("\n".utf8))
    }

    /// One pass of a variant over the whole corpus: process CPU seconds, and what it counted.
    static func pass(_ variant: String, frames: [JourneyCorpus.Item], batches: [JourneyCorpus.Item]) async
        -> (Double, [String: Double])
    {
        let org = OrgID(JourneyCorpus.org)
        switch variant {
        case "decode", "ebDecode":
            let decoder = JSONDecoder()
            var n = 0
            let c0 = Proc.cpuSeconds
            if variant == "decode" {
                for f in frames {
                    let env = try? decoder.decode(PlainJourneyWire.Envelope<PlainJourneyWire.Conversation>.self,
                                                  from: Data(f.body))
                    n += env?.eventBody?.participants?.count ?? 0
                }
            } else {
                for b in batches {
                    n += (try? decoder.decode([PlainJourneyWire.EventBridgeEvent].self, from: Data(b.body)))?.count ?? 0
                }
            }
            return (Proc.cpuSeconds - c0, ["items": Double(n)])
        case "normalize":
            let normalizer = NotificationNormalizer(org: org)
            var events = 0, other = 0
            let c0 = Proc.cpuSeconds
            for f in frames {
                if case .journeys(_, let evs) = normalizer.normalize(f.body, receivedAt: f.at) { events += evs.count } else { other += 1 }
            }
            return (Proc.cpuSeconds - c0, ["events": Double(events), "notJourneys": Double(other)])
        case "ebDecoder":
            var events = 0
            let c0 = Proc.cpuSeconds
            for b in batches {
                if case .items(let items) = EventBridgeDecoder.decode(b.body, org: org, receivedAt: b.at) {
                    for case .event(_, _, let e) in items { events += e.count }
                }
            }
            return (Proc.cpuSeconds - c0, ["events": Double(events)])
        default:  // path, ebPath
            let items = variant == "path" ? frames : batches
            let clock = ManualClock(items.first?.at ?? 0)
            let sink = CountingSink()
            let engine = JourneyViewEngine(configuration: configuration(), clock: clock, sink: sink)
            let normalizer = NotificationNormalizer(org: org)
            var events = 0, flushes = 0, refused = 0, accepted = 0
            var nextFlush = (items.first?.at ?? 0) + 100
            let c0 = Proc.cpuSeconds
            for f in items {
                if f.at >= nextFlush {
                    clock.set(nextFlush)
                    await engine.flush()
                    flushes += 1
                    nextFlush = max(nextFlush + 100, f.at - f.at % 100)
                }
                clock.set(f.at)
                if variant == "path" {
                    if case .journeys(_, let evs) = normalizer.normalize(f.body, receivedAt: f.at) {
                        events += evs.count
                        engine.ingest(journeyEvents: evs)
                    }
                } else {
                    switch await engine.ingestEventBridge(org: org, apiKey: apiKey, body: f.body) {
                    case .accepted: accepted += 1
                    default: refused += 1
                    }
                }
            }
            // The last held events leave the reorder window.
            clock.set((items.last?.at ?? 0) + 200)
            await engine.flush()
            let seconds = Proc.cpuSeconds - c0
            let status = await engine.status(of: org)
            return (seconds, [
                "events": Double(events), "flushes": Double(flushes + 1), "refused": Double(refused), "accepted": Double(accepted),
                "changes": Double(sink.changes.load(ordering: .relaxed)),
                "bytesPublished": Double(sink.bytes.load(ordering: .relaxed)),
                "active": Double(status?.active ?? -1), "retained": Double(status?.retained ?? -1),
                "dropped": Double(await engine.droppedEvents),
            ])
        }
    }
}

/// `--child journeys-memory`: live heap (`mallinfo2`) of a `JourneyViewEngine` (its sink counts and drops)
/// holding N open journeys of 2–4 contacts each (the last contact in progress), at each step of `--steps`
/// (cumulative), then the same journeys closed and retained. Events are built directly (as the mapper makes
/// them) so the heap holds only the engine's state.
enum JourneysMemoryChild {
    static func run(_ opts: [String: String]) async {
        let steps = (opts["steps"] ?? "1000,10000,50000").split(separator: ",").compactMap { Int($0) }.sorted()
        let total = steps.last ?? 0
        let start: EpochMillis = 1_790_000_000_000
        let clock = ManualClock(start)
        // Contacts in the 40 minutes before the start; every customer's first contact at the same time.
        let corpus = JourneyCorpus(customers: total, arrivalSpan: 0, t0: start - 2_400_000)
        let sink = CountingSink()
        let org = OrgID(JourneyCorpus.org)
        let engine = JourneyViewEngine(configuration: JourneysIngestChild.configuration(maxClosed: max(50_000, total * 2)),
                                       clock: clock, sink: sink)
        await engine.flush()
        Proc.trim()
        let heap0 = Double(switchboard_heap_in_use())
        var out: [String: Double] = ["heapBefore": heap0]
        var made = 0, contacts = 0, events = 0
        let batch = 500
        for step in steps {
            while made < step {
                var evs: [JourneyEvent] = []
                for c in made..<min(step, made + batch) {
                    let e = corpus.events(of: c, receivedAt: clock.now(), closeLast: false)
                    contacts += 2 + c % 3
                    events += e.count
                    evs += e
                }
                made = min(step, made + batch)
                engine.ingest(journeyEvents: evs)
                clock.advance(by: 150)
                await engine.flush()
            }
            clock.advance(by: 150)
            await engine.flush()
            Proc.trim()
            let heap = Double(switchboard_heap_in_use())
            let status = await engine.status(of: org)
            out["open\(step).active"] = Double(status?.active ?? -1)
            out["open\(step).heapDelta"] = heap - heap0
            out["open\(step).bytesPerJourney"] = (heap - heap0) / Double(max(1, status?.active ?? 1))
            out["open\(step).contacts"] = Double(contacts)
            out["open\(step).events"] = Double(events)
            out["open\(step).fragmentBytes"] = Double(sink.bytes.load(ordering: .relaxed))
            out["open\(step).fragments"] = Double(sink.changes.load(ordering: .relaxed))
        }
        // Close them all: the last contacts end and wrap up; after the session timeout (5 min) the journeys
        // close; after the 60 s linger they leave the topics.
        var c = 0
        while c < total {
            var evs: [JourneyEvent] = []
            for k in c..<min(total, c + batch) {
                evs += corpus.events(of: k, receivedAt: clock.now(), closeLast: true, onlyClosing: true)
            }
            c += batch
            engine.ingest(journeyEvents: evs)
            clock.advance(by: 150)
            await engine.flush()
        }
        clock.advance(by: 300_000 + 1_000)
        await engine.flush()
        clock.advance(by: 61_000)
        await engine.flush()
        Proc.trim()
        let heap = Double(switchboard_heap_in_use())
        let status = await engine.status(of: org)
        out["closed.active"] = Double(status?.active ?? -1)
        out["closed.retained"] = Double(status?.retained ?? -1)
        out["closed.heapDelta"] = heap - heap0
        out["closed.bytesPerJourney"] = (heap - heap0) / Double(max(1, status?.retained ?? 1))
        out["closed.evictions"] = Double(status?.evictions ?? -1)
        let json = try! JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        FileHandle.standardOutput.write(json + Data("\n".utf8))
    }
}
