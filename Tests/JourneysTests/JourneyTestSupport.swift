import Journeys
import SwitchboardCore

/// Builders for journey tests: times are milliseconds after `t0`.
enum JT {
    static let org: OrgID = "us"
    static let t0: EpochMillis = 1_790_000_000_000
    static let minute: EpochMillis = 60_000
    static let policy = try! CustomerKeyPolicy(defaultCountry: "US")

    static func config(timeout: EpochMillis = 5 * minute, idleGrace: EpochMillis = 5 * minute,
                       window: EpochMillis = 100, retention: EpochMillis = 30 * 86_400_000,
                       maxClosed: Int = 1000, maxBytes: Int = 64 << 20, seen: Int = 10_000,
                       orphanGrace: EpochMillis = 60_000, maxOrphans: Int = 1000,
                       maxBuffered: Int = 10_000) -> JourneyStitcher.Configuration {
        .init(identity: policy, sessionTimeout: timeout, idleGrace: idleGrace, reorderWindow: window,
              retention: retention, maxClosedJourneys: maxClosed, maxClosedBytes: maxBytes, seenCapacity: seen,
              orphanGrace: orphanGrace, maxOrphanEvents: maxOrphans, maxBufferedEvents: maxBuffered)
    }

    static func stitcher(_ c: JourneyStitcher.Configuration = config()) -> JourneyStitcher {
        JourneyStitcher(org: org, configuration: c)
    }

    /// An event at `t` ms after t0, received `delay` ms later.
    static func ev(_ id: String, _ conv: String, _ kind: JourneyEvent.Kind, at t: EpochMillis,
                   media: JourneyMedia = .voice, phone: String? = nil, email: String? = nil,
                   contact: String? = nil, queue: String? = nil, agent: String? = nil,
                   targetMedia: JourneyMedia? = nil, wrapup: String? = nil, delay: EpochMillis = 0,
                   source: JourneyEvent.Source = .detailEvent) -> JourneyEvent {
        var addresses: [CustomerAddress] = []
        if let phone { addresses.append(CustomerAddress(.phone, phone)) }
        if let email { addresses.append(CustomerAddress(.email, email)) }
        let identity = (addresses.isEmpty && contact == nil)
            ? nil : CustomerIdentity(externalContactID: contact, addresses: addresses)
        return JourneyEvent(org: org, id: id, source: source, time: t0 + t, receivedAt: t0 + t + delay,
                            conversationID: conv, media: media, kind: kind, queueID: queue, agentID: agent,
                            customer: identity, targetMedia: targetMedia, wrapupCode: wrapup)
    }

    static func opened(_ a: [JourneyStitcher.Action]) -> [Journey] {
        a.compactMap { if case .journeyOpened(let j) = $0 { j } else { nil } }
    }
    static func changed(_ a: [JourneyStitcher.Action]) -> [Journey] {
        a.compactMap { if case .journeyChanged(let j) = $0 { j } else { nil } }
    }
    static func closed(_ a: [JourneyStitcher.Action]) -> [Journey] {
        a.compactMap { if case .journeyClosed(let j) = $0 { j } else { nil } }
    }
    static func late(_ a: [JourneyStitcher.Action]) -> [String] {
        a.compactMap { if case .lateEvent(_, let id, _) = $0 { id } else { nil } }
    }
    static func duplicates(_ a: [JourneyStitcher.Action]) -> [JourneyStitcher.DuplicateReason] {
        a.compactMap { if case .duplicateDropped(_, let r) = $0 { r } else { nil } }
    }
    static func evicted(_ a: [JourneyStitcher.Action]) -> [(Journey, EvictionReason)] {
        a.compactMap { if case .evicted(let j, let r) = $0 { (j, r) } else { nil } }
    }

    /// Ingests each event at its own arrival time (in arrival order, ties in the given order), ticking at every
    /// deadline before it; returns all actions.
    static func feed(_ s: inout JourneyStitcher, _ events: [JourneyEvent]) -> [JourneyStitcher.Action] {
        var out: [JourneyStitcher.Action] = []
        let arrivals = events.enumerated().sorted { ($0.element.receivedAt, $0.offset) < ($1.element.receivedAt, $1.offset) }
        for e in arrivals.map(\.element) {
            out += run(&s, until: e.receivedAt)
            out += s.ingest(e, now: e.receivedAt)
        }
        return out
    }

    /// Ticks at every deadline up to and including `t` (absolute).
    static func run(_ s: inout JourneyStitcher, until t: EpochMillis) -> [JourneyStitcher.Action] {
        var out: [JourneyStitcher.Action] = []
        var guardCount = 0
        while let d = s.nextDeadline, d <= t, guardCount < 100_000 {
            out += s.tick(now: d)
            guardCount += 1
        }
        out += s.tick(now: t)
        return out
    }

    /// A voice call of a customer (by phone): start, queue, agent, end and (optionally) a wrap-up.
    static func call(_ conv: String, at t: EpochMillis, length: EpochMillis = 60_000, phone: String = "+15551230001",
                     queue: String = "q1", agent: String? = "a1", wrapup: Bool = true,
                     media: JourneyMedia = .voice, email: String? = nil, contact: String? = nil) -> [JourneyEvent] {
        let isPhone = media == .voice || media == .callback
        var es = [ev("\(conv)-cs", conv, .customerStart, at: t, media: media, phone: isPhone ? phone : nil,
                     email: email, contact: contact),
                  ev("\(conv)-as", conv, .acdStart, at: t + 1_000, media: media, queue: queue)]
        if let agent {
            es.append(ev("\(conv)-us", conv, .userStart, at: t + 5_000, media: media, agent: agent))
        }
        es.append(ev("\(conv)-ce", conv, .customerEnd, at: t + length, media: media))
        if let agent, wrapup {
            es.append(ev("\(conv)-wu", conv, .wrapup, at: t + length + 2_000, media: media, agent: agent,
                         wrapup: "resolved"))
        }
        return es
    }
}
