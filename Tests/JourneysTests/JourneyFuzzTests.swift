import Journeys
import SwitchboardCore
import Testing

/// Random customers, contacts and deliveries (jitter, duplicates across sources, replays, full permutations)
/// against the invariants and, where delivery is only jittered, against the ground truth of every journey.
@Suite struct JourneyFuzzTests {
    struct Rng: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    struct TruthJourney {
        var customer: String
        var conversations: [String]
        var starts: [EpochMillis]
        var ends: [EpochMillis?]
        var reason: ClosedReason
    }

    struct Scenario {
        var events: [JourneyEvent] = []  // unique, receivedAt = time
        var truth: [TruthJourney] = []
        var customerOf: [String: String] = [:]
    }

    /// Customers with 1–3 journeys of 1–3 contacts each; contacts of a journey within the session timeout of
    /// each other, journeys of a customer well apart.
    static func scenario(_ rng: inout Rng) -> Scenario {
        var sc = Scenario()
        let m = JT.minute
        for c in 0..<Int.random(in: 6...12, using: &rng) {
            let customer = "cust-\(c)"
            var t = EpochMillis.random(in: 0..<(20 * m), using: &rng)
            for jn in 0..<Int.random(in: 1...3, using: &rng) {
                var tj = TruthJourney(customer: customer, conversations: [], starts: [], ends: [], reason: .completed)
                let contacts = Int.random(in: 1...3, using: &rng)
                var last = t
                for k in 0..<contacts {
                    let conv = "\(customer)-j\(jn)-k\(k)"
                    let media = JourneyMedia.allCases.randomElement(using: &rng)!
                    let ended = k < contacts - 1 || Double.random(in: 0..<1, using: &rng) < 0.85
                    let agent = Double.random(in: 0..<1, using: &rng) < 0.85 ? "agent-\(Int.random(in: 0..<5, using: &rng))" : nil
                    let disposed = agent != nil && Double.random(in: 0..<1, using: &rng) < 0.8
                    let seedStyle = Bool.random(using: &rng)
                    let length = EpochMillis.random(in: 30_000...(3 * m), using: &rng)
                    var kinds: [(JourneyEvent.Kind, EpochMillis)] = []
                    let start = t
                    kinds.append((seedStyle ? .interactionCreated : .customerStart, start))
                    if seedStyle { kinds.append((.conversationStarted, start + 500)) }
                    kinds.append((.acdStart, start + 1_000))
                    if let _ = agent { kinds.append((.userStart, start + 8_000)) }
                    if Double.random(in: 0..<1, using: &rng) < 0.3 {
                        kinds.append((.transferInitiated, start + 15_000))
                        kinds.append((.acdStart, start + 16_000))
                    }
                    var end: EpochMillis?
                    if ended {
                        end = start + length
                        kinds.append((seedStyle ? .conversationEnded : .customerEnd, start + length))
                        if disposed { kinds.append((seedStyle ? .dispositionCompleted : .wrapup, start + length + 3_000)) }
                    }
                    for (i, (kind, time)) in kinds.enumerated() {
                        let id = "\(conv)-\(i)"
                        let identity = i == 0
                            ? CustomerIdentity(externalContactID: customer,
                                               addresses: media == .voice ? [CustomerAddress(.phone, "+1555\(1_000_000 + c)")] : [])
                            : nil
                        let queue = kind == .acdStart ? "q\(i)" : nil
                        let agentID = [.userStart, .wrapup].contains(kind) ? agent : nil
                        sc.events.append(JourneyEvent(org: JT.org, id: id, source: seedStyle ? .seedStream : .detailEvent,
                                                      time: JT.t0 + time, receivedAt: JT.t0 + time, conversationID: conv,
                                                      media: media, kind: kind, queueID: queue, agentID: agentID,
                                                      customer: identity))
                        last = max(last, time)
                    }
                    sc.customerOf[conv] = customer
                    tj.conversations.append(conv)
                    tj.starts.append(JT.t0 + start)
                    tj.ends.append(end.map { JT.t0 + $0 })
                    if !ended {
                        tj.reason = .abandonedAtTimeout
                    } else if agent != nil && !disposed && tj.reason == .completed {
                        tj.reason = .timeout
                    }
                    t = last + EpochMillis.random(in: 5_000...(3 * m), using: &rng)
                }
                sc.truth.append(tj)
                t = last + (tj.reason == .abandonedAtTimeout ? 11 * m : 6 * m) + EpochMillis.random(in: 0...(3 * m), using: &rng)
            }
        }
        return sc
    }

    /// Checks what must hold of every action stream; returns the last value seen of every journey.
    static func checkInvariants(_ actions: [JourneyStitcher.Action]) -> [EntityID: Journey] {
        var closed: Set<EntityID> = []
        var last: [EntityID: Journey] = [:]
        for a in actions {
            let j: Journey
            switch a {
            case .journeyOpened(let x):
                #expect(!closed.contains(x.id), "journey \(x.id) opened again after closing")
                j = x
            case .journeyChanged(let x):
                j = x
            case .journeyClosed(let x):
                #expect(closed.insert(x.id).inserted, "journey \(x.id) closed twice")
                j = x
            default: continue
            }
            if closed.contains(j.id) { #expect(j.state == .closed, "closed journey \(j.id) reopened") }
            let starts = j.contacts.map(\.start)
            #expect(starts == starts.sorted(), "contacts of \(j.id) out of event-time order")
            #expect(Set(j.contacts.map(\.conversationID)).count == j.contacts.count, "a contact twice in \(j.id)")
            last[j.id] = j
        }
        // Every conversation in exactly one journey.
        var owner: [String: EntityID] = [:]
        for j in last.values {
            for c in j.contacts {
                #expect(owner[c.conversationID] == nil, "conversation \(c.conversationID) in two journeys")
                owner[c.conversationID] = j.id
            }
        }
        return last
    }

    @Test(arguments: 0..<16)
    func jitteredDuplicatedDeliveryMatchesTheGroundTruth(seed: Int) {
        var rng = Rng(state: UInt64(seed) &* 7919 &+ 17)
        let sc = Self.scenario(&rng)
        var deliveries: [JourneyEvent] = []
        for e in sc.events {
            var d = e
            d.receivedAt = e.time + EpochMillis.random(in: 0...1_500, using: &rng)
            deliveries.append(d)
            if Double.random(in: 0..<1, using: &rng) < 0.15 {  // the same occurrence through EventBridge
                var copy = e
                copy.id = "eb-\(e.id)"
                copy.source = .eventBridge
                copy.receivedAt = e.time + EpochMillis.random(in: 0...3_000, using: &rng)
                deliveries.append(copy)
            }
            if Double.random(in: 0..<1, using: &rng) < 0.1 {  // a replay after a reconnect
                var replay = d
                replay.receivedAt += EpochMillis.random(in: 1...5_000, using: &rng)
                deliveries.append(replay)
            }
        }
        var s = JT.stitcher()
        var actions = JT.feed(&s, deliveries)
        actions += JT.run(&s, until: (deliveries.map(\.receivedAt).max() ?? JT.t0) + 60 * JT.minute)
        let journeys = Self.checkInvariants(actions)
        #expect(s.counters.applied == sc.events.count)
        #expect(s.counters.duplicates == deliveries.count - sc.events.count)
        #expect(s.activeCount == 0)
        #expect(journeys.count == sc.truth.count)
        for t in sc.truth {
            let id = JourneyStitcher.journeyID(org: JT.org, conversation: t.conversations[0])
            guard let j = journeys[id] else {
                Issue.record("seed \(seed): no journey opened by \(t.conversations[0])")
                continue
            }
            #expect(j.customer == CustomerKey(kind: .externalContact, value: t.customer))
            #expect(j.contacts.map(\.conversationID) == t.conversations, "seed \(seed) journey \(id)")
            #expect(j.contacts.map(\.start) == t.starts)
            #expect(j.contacts.map(\.end) == t.ends)
            #expect(j.closedReason == t.reason, "seed \(seed) journey \(id)")
            #expect(j.state == .closed)
            #expect(s.journey(id) == j)
        }
    }

    @Test(arguments: 0..<16)
    func anyPermutationKeepsTheInvariants(seed: Int) {
        var rng = Rng(state: UInt64(seed) &* 104_729 &+ 3)
        let sc = Self.scenario(&rng)
        var deliveries = sc.events + sc.events.filter { _ in Bool.random(using: &rng) }  // and replays
        deliveries.shuffle(using: &rng)
        var s = JT.stitcher()
        var actions: [JourneyStitcher.Action] = []
        var now = JT.t0 + 60 * JT.minute
        for e in deliveries {
            var d = e
            d.receivedAt = now
            actions += JT.run(&s, until: now)
            actions += s.ingest(d, now: now)
            now += EpochMillis.random(in: 0...20, using: &rng)
        }
        // Some event times lie after `now` (the deliveries start an hour in): run well past the last one.
        actions += JT.run(&s, until: now + 4 * 60 * JT.minute)
        let journeys = Self.checkInvariants(actions)
        #expect(s.counters.applied == sc.events.count)
        #expect(s.counters.unattributed == 0)
        #expect(s.activeCount == 0)
        #expect(journeys.values.reduce(0) { $0 + $1.contacts.count } == Set(sc.events.map(\.conversationID)).count)
        for j in journeys.values {
            let customers = Set(j.contacts.map { sc.customerOf[$0.conversationID] ?? "?" })
            #expect(customers.count == 1, "journey \(j.id) mixes customers \(customers)")
            #expect(j.state == .closed)
        }
    }
}
