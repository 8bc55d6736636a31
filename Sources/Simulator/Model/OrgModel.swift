import Foundation
import SwitchboardCore

/// The workload of one simulated org: directory, agents' presence and routing state machines,
/// calls and queues, driven by a priority queue of actions on business (simulated) time.
///
/// Not thread-safe: the simulator keeps each org's model under that org's lock. The model is a
/// pure function of its seed and the times it is advanced to; it never reads a clock itself.
final class OrgModel {
    let org: String
    let organizationID: String
    let timeZone: TimeZone
    var rng: SimRandom
    var agents: [Agent] = []
    var queues: [Queue] = []
    var agentIndex: [String: Int] = [:]
    var queueIndex: [String: Int] = [:]
    /// Presence definition ids, indexed by `Presence.rawValue`.
    var presenceIDs: [String] = []
    var conversations: [Int: Conversation] = [:]
    /// Every agent leg completed (after-call work ended), in completion order: the utilization truth.
    var handled: [HandledLeg] = []
    /// Every offer, answer and abandon of a queue wait, in time order: the queue service truth.
    var queueCalls: [QueueCallRecord] = []
    /// The day's quality evaluations, by creation time; visible once created (``visibleEvaluations``).
    var evaluations: [SimEvaluation] = []
    /// Evaluations before this index have been announced on `v2.quality.evaluations`.
    var evaluationCursor = 0
    var nextConversation = 0
    var heap = EventHeap()
    /// Business time the model has been advanced to.
    private(set) var now: EpochMillis
    /// When the simulated day began (agents logged in from here).
    private(set) var dayBegan: EpochMillis
    /// Messages published since the last ``drain()``.
    var outbox: [SimMessage] = []
    /// False while replaying a `--start-at` history (nothing is published, only recorded).
    var publishing = true
    /// Told the simulated time now and then while ``start(at:historyFrom:progress:)`` replays a day's history.
    private var replayProgress: (@Sendable (EpochMillis) -> Void)?
    private var replayActions = 0
    /// Call audio milestones for the AudioHook client since the last ``takeAudioEvents()``; recorded only
    /// while `recordsAudio` (an AudioHook target is set) and publishing.
    var audioEvents: [SimCallAudioEvent] = []
    var recordsAudio = false
    /// Conversations that ended lately, by id (`GET /api/v2/conversations/{id}`), oldest first in `endedOrder`.
    var endedConversations: [String: Conversation] = [:]
    var endedOrder: [String] = []
    /// Publish every topic even when nobody subscribes (determinism tests, recomputation).
    var recordAll = false
    /// Topics some channel subscribes to, with their subscriber counts.
    var interest: [String: Int] = [:]
    /// Real-time transcription of the voice calls (OrgModel+Transcription).
    var transcription = SimTranscriptionState()
    /// Customer journeys: the generator, its truth and faults (nil: the org has no journeys).
    var journeys: SimJourneyWorkload?
    /// Round-robin cursor of storm mode.
    var stormCursor = 0
    var observationTicks = 0

    static let wrapupCodes = ["Resolved", "Follow-up", "Escalated", "Sale", "No Sale", "Info Given"]
    static let queueNames = ["Sales", "Support", "Billing", "Claims", "Retention", "Technical", "VIP", "Onboarding",
                             "Returns", "Collections"]
    static let firstNames = ["Ada", "Ben", "Chloé", "Dmitri", "Emma", "Farah", "Gustav", "Hiro", "Ines", "Jonas",
                             "Kaito", "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq",
                             "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zoë"]
    static let lastNames = ["Abe", "Becker", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Hansen", "Ito",
                            "Jensen", "Kowalski", "Larsen", "Müller", "Nakamura", "O'Brien", "Petrov", "Rossi",
                            "Schmidt", "Tanaka", "Urban", "Vogel", "Weber", "Yamada", "Zimmer"]

    /// Share of calls whose customer carries a long attribute map, making snapshots exceed 16 KiB.
    var largeSnapshotRate = 0.02
    /// ``SimulatorOptions/demoLoad``: set before ``start(at:historyFrom:)``.
    var demoLoad = false

    /// Builds the directory. Nothing happens until ``start(at:historyFrom:)``.
    init(org: String, orgIndex: Int, agentCount: Int, queueCount: Int, seed: UInt64, timeZone: TimeZone) {
        self.org = org
        self.timeZone = timeZone
        var rng = SimRandom(seed: seed ^ (UInt64(orgIndex + 1) &* 0xD1B5_4A32_D192_ED03))
        // Hire dates draw from a stream of their own, so adding them left every other draw as it was.
        var hiring = SimRandom(seed: seed ^ (UInt64(orgIndex + 1) &* 0x9FB2_1C65_1E98_DF25) ^ 0x7E4B_11D2)
        transcription.seed = seed
        self.organizationID = rng.uuid()
        self.now = 0
        self.dayBegan = 0
        presenceIDs = Presence.allCases.map { _ in rng.uuid() }
        let qCount = max(1, queueCount)
        for q in 0..<qCount {
            let base = OrgModel.queueNames[q % OrgModel.queueNames.count]
            let round = q / OrgModel.queueNames.count
            let name = "\(org.uppercased()) \(base)\(round > 0 ? " \(round + 1)" : "")"
            let id = rng.uuid()
            var queue = Queue(id: id, name: name, observationsTopic: "v2.analytics.queues.\(id).observations",
                              conversationsTopic: "v2.routing.queues.\(id).conversations")
            queue.weight = 0.5 + rng.unit()
            queueIndex[id] = q
            queues.append(queue)
        }
        for a in 0..<max(1, agentCount) {
            let id = rng.uuid()
            let first = OrgModel.firstNames[rng.int(0...(OrgModel.firstNames.count - 1))]
            let last = OrgModel.lastNames[rng.int(0...(OrgModel.lastNames.count - 1))]
            var memberOf = [a % qCount]
            let extra = qCount > 1 ? rng.int(0...min(2, qCount - 1)) : 0
            for _ in 0..<extra {
                let q = rng.int(0...(qCount - 1))
                if !memberOf.contains(q) { memberOf.append(q) }
            }
            let agent = Agent(
                id: id, name: "\(first) \(last)", queues: memberOf, presenceModified: 0, routingStart: 0,
                idleSince: 0,
                activityTopic: "v2.users.\(id).activity", presenceTopic: "v2.users.\(id).presence",
                routingTopic: "v2.users.\(id).routingStatus", conversationsTopic: "v2.users.\(id).conversations",
                tenureDays: OrgModel.tenureDays(&hiring))
            agentIndex[id] = a
            agents.append(agent)
            for q in memberOf {
                queues[q].members.append(a)
                queues[q].routingCounts[RoutingStatus.offQueue.index] += 1
            }
        }
        self.rng = rng
    }

    /// A plausible tenure in days for the next agent, or nil (5 %: no hire date in the directory, as in real
    /// orgs). Contact centres turn over fast: 30 % under a year (from two weeks), 40 % one to four years,
    /// 24 % four to twelve, 6 % twelve to twenty-five.
    static func tenureDays(_ r: inout SimRandom) -> Int? {
        let roll = r.unit()
        let span = r.unit()
        func within(_ lo: Int, _ hi: Int) -> Int { lo + Int(span * Double(hi - lo + 1)) }
        switch roll {
        case ..<0.05: return nil
        case ..<0.335: return within(14, 365)
        case ..<0.715: return within(366, 4 * 365)
        case ..<0.943: return within(4 * 365 + 1, 12 * 365)
        default: return within(12 * 365 + 1, 25 * 365)
        }
    }

    /// Begins the simulated day at `historyFrom` (or `t0`): every agent Offline, logging in over the
    /// first two minutes; calls start arriving. A history before `t0` is replayed without publishing.
    /// - Parameter progress: called with the simulated time every few thousand actions of a history replay
    ///   (`--start-at`), which can take a while for a long day with many agents.
    func start(at t0: EpochMillis, historyFrom: EpochMillis? = nil, progress: (@Sendable (EpochMillis) -> Void)? = nil) {
        let begin = min(historyFrom ?? t0, t0)
        now = begin
        dayBegan = begin
        let today = CalendarDay.of(begin, offsetSeconds: timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(begin) / 1000)))
        for a in agents.indices {
            agents[a].hireDay = agents[a].tenureDays.map { today - $0 }
            agents[a].presenceModified = begin
            agents[a].routingStart = begin
            agents[a].idleSince = begin
            agents[a].timeline = [Segment(start: begin, presence: .offline, routing: .offQueue)]
            heap.push(begin + rng.millis(0, 120), .login(agent: a))
        }
        for q in queues.indices { scheduleArrival(q) }
        heap.push((begin / 1000 + 1) * 1000, .observationTick)
        planEvaluations(from: begin)
        if begin < t0 {
            publishing = false
            replayProgress = progress
            advance(to: t0)
            replayProgress = nil
            publishing = true
            outbox.removeAll()
            for q in queues.indices {
                queues[q].dirtyUsers = true
                queues[q].dirtyConversations = true
            }
        }
        // Journey customers begin with the live day (a history has none: no bridge could have seen them).
        scheduleNewCustomer()
    }

    /// Runs every action due up to and including `t`.
    func advance(to t: EpochMillis) {
        while let next = heap.nextTime, next <= t {
            // Evaluations interleave by time, whatever the stepping (deterministic output).
            if evaluationCursor < evaluations.count && evaluations[evaluationCursor].createdAt < next {
                announceEvaluations(before: next)
            }
            guard let (time, action) = heap.pop() else { break }
            now = max(now, time)
            perform(action)
            if let replayProgress {
                replayActions &+= 1
                if replayActions % 8192 == 0 { replayProgress(now) }
            }
        }
        now = max(now, t)
        if evaluationCursor < evaluations.count && evaluations[evaluationCursor].createdAt <= now {
            announceEvaluations(before: now + 1)
        }
    }

    /// Takes the messages published so far.
    func drain() -> [SimMessage] {
        defer { outbox.removeAll(keepingCapacity: true) }
        return outbox
    }

    private func perform(_ action: ModelAction) {
        switch action {
        case .login(let a):
            changePresence(a, to: .onQueue)
        case .presenceDue(let a, let epoch):
            guard agents[a].presenceEpoch == epoch else { return }
            presenceDue(a)
        case .arrival(let q): arrival(q)
        case .abandon(let c, let epoch): abandon(c, epoch: epoch)
        case .answer(let a, let epoch): if agents[a].callEpoch == epoch { answer(a) }
        case .ringTimeout(let a, let epoch): if agents[a].callEpoch == epoch { ringTimeout(a) }
        case .holdStart(let a, let epoch): if agents[a].callEpoch == epoch { setHold(a, held: true) }
        case .holdEnd(let a, let epoch): if agents[a].callEpoch == epoch { setHold(a, held: false) }
        case .talkEnd(let a, let epoch): if agents[a].callEpoch == epoch { talkEnd(a) }
        case .acwEnd(let a, let epoch): if agents[a].callEpoch == epoch { acwEnd(a) }
        case .notRespondingEnd(let a, let epoch):
            if agents[a].callEpoch == epoch { backToIdle(a) }
        case .communicatingEnd(let a, let epoch):
            if agents[a].callEpoch == epoch { backToIdle(a) }
        case .transcriptDue(let c, let epoch): transcriptDue(c, epoch: epoch)
        case .journey(let step): performJourney(step)
        case .observationTick:
            observationTick()
            heap.push(now + 1000, .observationTick)
        }
    }

    // MARK: - Presence

    /// A presence period ended: leave or return to On Queue, or defer until the current call is done.
    private func presenceDue(_ a: Int) {
        if agents[a].presence == .onQueue {
            guard agents[a].phase == .free else {
                agents[a].presenceDue = true
                return
            }
            if rng.chance(0.12) {  // a non-ACD call while on queue
                agents[a].callEpoch &+= 1
                agents[a].phase = .communicating
                setState(a, presence: nil, routing: .communicating)
                heap.push(now + rng.millis(45, 180), .communicatingEnd(agent: a, epoch: agents[a].callEpoch))
                schedulePresenceDue(a, meanSeconds: 50 * 60)
                return
            }
            let roll = rng.unit()
            let next: Presence
            switch roll {
            case ..<0.25: next = .breakTime
            case ..<0.35: next = .meal
            case ..<0.45: next = .meeting
            case ..<0.53: next = .training
            case ..<0.65: next = .away
            case ..<0.80: next = .busy
            case ..<0.96: next = .available
            default: next = .offline
            }
            changePresence(a, to: next)
        } else {
            changePresence(a, to: .onQueue)
        }
    }

    /// Mean minutes spent in a presence before the next change.
    private func meanMinutes(_ p: Presence) -> Double {
        switch p {
        case .onQueue: 50
        case .available: 6
        case .busy: 8
        case .breakTime: 12
        case .meal: 30
        case .meeting: 25
        case .training: 30
        case .away: 5
        case .offline: 25
        }
    }

    private func schedulePresenceDue(_ a: Int, meanSeconds: Double) {
        let d = max(30_000, rng.exponentialMillis(meanSeconds: meanSeconds))
        heap.push(now + d, .presenceDue(agent: a, epoch: agents[a].presenceEpoch))
    }

    /// Changes presence (only ever while free of calls) and the routing status that goes with it.
    func changePresence(_ a: Int, to p: Presence) {
        agents[a].presenceEpoch &+= 1
        agents[a].presenceDue = false
        if p == .onQueue {
            agents[a].phase = .free
            agents[a].idleSince = now
            setState(a, presence: .onQueue, routing: .idle)
            schedulePresenceDue(a, meanSeconds: meanMinutes(.onQueue) * 60)
            agentFree(a)
        } else {
            setState(a, presence: p, routing: .offQueue)
            schedulePresenceDue(a, meanSeconds: meanMinutes(p) * 60)
        }
    }

    /// The one place agent state changes: updates queue counts and the timeline, and publishes
    /// `activity`, `presence` and `routingStatus` as they apply.
    func setState(_ a: Int, presence: Presence?, routing: RoutingStatus?) {
        let oldPresence = agents[a].presence
        let oldRouting = agents[a].routing
        let newPresence = presence ?? oldPresence
        let newRouting = routing ?? oldRouting
        let presenceChanged = newPresence != oldPresence
        let routingChanged = newRouting != oldRouting
        guard presenceChanged || routingChanged else { return }
        for q in agents[a].queues {
            queues[q].routingCounts[oldRouting.index] -= 1
            queues[q].routingCounts[newRouting.index] += 1
            if oldPresence == .onQueue { queues[q].onQueueMembers -= 1 }
            if newPresence == .onQueue { queues[q].onQueueMembers += 1 }
            queues[q].dirtyUsers = true
        }
        agents[a].presence = newPresence
        agents[a].routing = newRouting
        if presenceChanged { agents[a].presenceModified = now }
        if routingChanged { agents[a].routingStart = now }
        if var last = agents[a].timeline.last, last.start == now {
            last.presence = newPresence
            last.routing = newRouting
            agents[a].timeline[agents[a].timeline.count - 1] = last
        } else {
            agents[a].timeline.append(Segment(start: now, presence: newPresence, routing: newRouting))
        }
        publishActivity(a, presence: presenceChanged, routing: routingChanged)
    }

    // MARK: - Publishing

    /// True when a message on `topic` would go anywhere.
    @inline(__always) func wants(_ topic: String) -> Bool {
        publishing && (recordAll || interest[topic] != nil)
    }

    func emit(_ topic: String, _ body: [UInt8]) {
        outbox.append(SimMessage(topic: topic, body: body, at: now))
    }

    /// Drops timeline segments older than `keep` before now, keeping the one that covers the cut.
    func pruneTimelines(keep: EpochMillis = 50 * 3_600_000) {
        let cut = now - keep
        for a in agents.indices {
            let tl = agents[a].timeline
            guard tl.count > 64, tl[1].start < cut else { continue }
            var i = 0
            while i + 1 < tl.count && tl[i + 1].start <= cut { i += 1 }
            if i > 0 { agents[a].timeline.removeFirst(i) }
        }
    }

    private func observationTick() {
        observationTicks += 1
        if observationTicks % 3600 == 0 { pruneTimelines() }
        for q in queues.indices where queues[q].dirtyUsers || queues[q].dirtyConversations {
            if wants(queues[q].observationsTopic) {
                if queues[q].dirtyConversations { emit(queues[q].observationsTopic, observationBody(q, users: false)) }
                if queues[q].dirtyUsers { emit(queues[q].observationsTopic, observationBody(q, users: true)) }
            }
            queues[q].dirtyUsers = false
            queues[q].dirtyConversations = false
        }
    }

    /// Storm mode: re-publishes the current `activity` of the next `count` agents (idempotent for a
    /// client: the same state with the same times).
    func stormBurst(_ count: Int) {
        guard !agents.isEmpty else { return }
        for _ in 0..<count {
            stormCursor = (stormCursor + 1) % agents.count
            let a = agents[stormCursor]
            if wants(a.activityTopic) { emit(a.activityTopic, activityBody(stormCursor)) }
        }
    }
}
