import Foundation
import SpeechText
import SpeechViews
import SwitchboardConfig
import SwitchboardCore

/// The speech-text views' state (pure; ``SpeechTextViewEngine`` owns one): conversations with words joined to
/// the agents and queues the connectors know, keyword hits matched and utterances scored, rolled up per agent,
/// queue and org over each org's local day, and the entities changed since the last ``takeChanges()``. Every
/// time comes in as an argument (`now`, the views' business clock). docs/speech-text.md, "Views".
struct SpeechTextState {
    struct Limits: Sendable {
        /// A call with no word and no sign of life (no event of its conversation) for this long is removed.
        var callIdleTTL: EpochMillis = 10 * 60_000
        /// A live call whose agents have all left ends this long after its last word.
        var endAfterAgentsLeft: EpochMillis = 30_000
        /// Conversations remembered for the join.
        var conversations = 200_000
        /// How often time-driven figures (rolling sentiment, rolling counts) are looked at again.
        var rollingEvery: EpochMillis = 1_000
        var sweepEvery: EpochMillis = 10_000
    }

    /// One org's setup: its keywords, hot-call rule, transcript policy and local day.
    struct OrgSetup {
        var config: SpeechTextConfig
        var matcher: KeywordMatcher
        var timeZone: TimeZone
        var dayStart: EpochMillis
        var nextDayStart: EpochMillis

        init(config: SpeechTextConfig, timeZone: TimeZone, now: EpochMillis) {
            self.config = config
            matcher = KeywordMatcher(config.keywords)
            self.timeZone = timeZone
            dayStart = Timestamp.startOfDay(now, in: timeZone)
            nextDayStart = Timestamp.startOfDay(dayStart + 26 * 3_600_000, in: timeZone)
        }
    }

    enum Entity: Hashable {
        case agent(EntityID)
        case queue(EntityID)
        case org(OrgID)
    }

    let analyzer: SentimentAnalyzer
    var linger: EpochMillis
    let limits: Limits
    var setups: [OrgID: OrgSetup] = [:]
    var directory: ConversationDirectory
    var calls: [String: SpeechTextCall] = [:]
    var rollups: [Entity: SpeechTextRollup] = [:]
    /// What each entity last showed of its rolling windows.
    var shownRolling: [Entity: [Int]] = [:]
    var nextRollingCheck: EpochMillis = .min
    /// The minute whose rolling windows were last compared with what each entity showed.
    var checkedMinute: Int64 = .min
    var nextSweep: EpochMillis = .min

    var dirtyCalls: Set<String> = []
    var removedCalls: [(String, OrgID)] = []
    var dirty: Set<Entity> = []
    var removed: [Entity] = []
    var totalsDirty = false

    // In a cluster (SpeechTextState+Remote.swift): the orgs led elsewhere and their leaders' parts of the global
    // totals, those whose day ended since, and what each showed of its rolling windows.
    var remote = RemoteTotalsParts<SpeechTextTotalsPart>()
    var remoteRolled: Set<OrgID> = []
    var shownRemoteRolling: [OrgID: [Int]] = [:]

    init(analyzer: SentimentAnalyzer, linger: EpochMillis, limits: Limits = .init()) {
        self.analyzer = analyzer
        self.linger = linger
        self.limits = limits
        directory = ConversationDirectory(capacity: limits.conversations, idleTTL: 4 * 3_600_000,
                                          endedTTL: 10 * 60_000)
    }

    // MARK: Orgs

    /// Declares the orgs with a `speechText:` section; the state of the others is dropped (removals sent).
    mutating func setOrgs(_ orgs: [(id: OrgID, timeZone: TimeZone, config: SpeechTextConfig)], now: EpochMillis) {
        var seen = Set<OrgID>()
        for o in orgs {
            seen.insert(o.id)
            if var s = setups[o.id], s.timeZone == o.timeZone {
                if s.config != o.config {
                    s.config = o.config
                    s.matcher = KeywordMatcher(o.config.keywords)
                    setups[o.id] = s
                    // Transcript lines are kept only while the org pushes them.
                    if !o.config.pushTranscripts {
                        for (id, c) in calls where c.org == o.id && !c.lines.isEmpty {
                            calls[id]!.lines = []
                            dirtyCalls.insert(id)
                        }
                    }
                }
            } else {
                setups[o.id] = OrgSetup(config: o.config, timeZone: o.timeZone, now: now)
            }
        }
        for org in Array(setups.keys) where !seen.contains(org) {
            setups[org] = nil
            for (id, c) in calls where c.org == org {
                calls[id] = nil
                dirtyCalls.remove(id)
                if c.published { removedCalls.append((id, org)) }
            }
            for e in Array(rollups.keys) where e.org == org { rollups[e] = nil; removed.append(e) }
            directory.removeOrg(org)
            totalsDirty = true
        }
    }

    // MARK: Input

    /// Folds the connectors' interactions: a call's new agent or queue.
    mutating func observe(_ x: AgentInteraction, org: OrgID, now: EpochMillis) {
        guard setups[org] != nil else { return }
        guard directory.fold(x, org: org, now: now) else { return }
        let id = "\(org.rawValue)/\(x.conversationID)"
        if calls[id] != nil { join(id, now: now) }
    }

    mutating func ingest(_ event: TranscriptEvent, now: EpochMillis) {
        guard let setup = setups[event.org] else { return }
        let id = "\(event.org.rawValue)/\(event.conversationID)"
        if calls[id] == nil {
            if case .ended = event { return } // the end of something never heard
            open(id, org: event.org, conversation: event.conversationID, now: now)
        }
        calls[id]!.lastEventAt = now
        switch event {
        case .utterance(let u):
            calls[id]!.sources.insert(.transcription)
            guard u.isFinal else { return }
            for h in setup.matcher.hits(in: u) {
                hit(id, .init(label: h.label, phrase: h.phrase.phrase, channel: h.channel, offsetMs: u.offsetMs,
                              at: u.at, source: .transcription), setup: setup, now: now)
            }
            score(id, u, setup: setup, now: now)
            if setup.config.pushTranscripts {
                calls[id]!.keep(.init(channel: u.channel, text: u.text, offsetMs: u.offsetMs, at: u.at))
            }
        case .spotted(let s):
            hit(id, .init(label: s.label, phrase: s.phrase, channel: s.channel, offsetMs: s.offsetMs, at: s.at,
                          source: .onbox), setup: setup, now: now)
        case .ended:
            end(id, now: now)
        }
        dirtyCalls.insert(id)
    }

    // MARK: Calls

    mutating func open(_ id: String, org: OrgID, conversation: String, now: EpochMillis) {
        calls[id] = SpeechTextCall(org: org, conversationID: conversation, now: now)
        update(.org(org)) { $0.calls += 1; $0.live += 1 }
        join(id, now: now)
    }

    /// Moves a call to the agent and queue its conversation is with now (counts follow, docs/speech-text.md).
    mutating func join(_ id: String, now: EpochMillis) {
        guard var c = calls[id] else { return }
        let key = ConversationDirectory.Key(org: c.org, id: c.conversationID)
        guard let current = directory[key]?.current else { return }
        let (agent, queue) = (current.agent, current.queue ?? c.queue)
        guard agent != c.agent || queue != c.queue else { return }
        if c.isLive {
            if let a = c.agent, a != agent { update(.agent(a)) { $0.live -= 1 } }
            if let q = c.queue, q != queue { update(.queue(q)) { $0.live -= 1 } }
            if agent != c.agent { update(.agent(agent)) { $0.live += 1 } }
            if let queue, queue != c.queue { update(.queue(queue)) { $0.live += 1 } }
        }
        var reached: [Entity] = []
        if SpeechTextCall.reach(agent, in: &c.reachedAgents) { reached.append(.agent(agent)) }
        if SpeechTextCall.reach(queue, in: &c.reachedQueues) { reached.append(.queue(queue!)) }
        for e in reached {
            let (sentiment, negative) = (c.countedSentiment, c.countedNegative)
            update(e) {
                $0.calls += 1
                if sentiment { $0.sentimentCalls += 1 }
                if negative { $0.negativeCalls += 1 }
            }
        }
        c.agent = agent
        c.queue = queue
        calls[id] = c
        dirtyCalls.insert(id)
    }

    mutating func hit(_ id: String, _ h: SpeechTextCall.Hit, setup: OrgSetup, now: EpochMillis) {
        calls[id]!.add(h)
        for e in here(id) { update(e) { $0.hit(label: h.label, at: now) } }
        if calls[id]!.isLive, setup.config.hotCalls.isHot(label: h.label) { heat(id, .label(h.label), now: now) }
    }

    mutating func score(_ id: String, _ u: TranscriptUtterance, setup: OrgSetup, now: EpochMillis) {
        let s = analyzer.score(u)
        calls[id]!.score(u, s)
        recount(id)
        checkSentiment(id, setup: setup, now: now)
    }

    /// The call's customer sentiment as counted in the rollups of the org and everyone it reached.
    mutating func recount(_ id: String) {
        let c = calls[id]!
        let (has, negative) = (c.hasCustomerSentiment, c.isNegative)
        guard has != c.countedSentiment || negative != c.countedNegative else { return }
        let ds = (has ? 1 : 0) - (c.countedSentiment ? 1 : 0), dn = (negative ? 1 : 0) - (c.countedNegative ? 1 : 0)
        for e in everywhere(c) { update(e) { $0.sentimentCalls += ds; $0.negativeCalls += dn } }
        calls[id]!.countedSentiment = has
        calls[id]!.countedNegative = negative
    }

    mutating func checkSentiment(_ id: String, setup: OrgSetup, now: EpochMillis) {
        guard let c = calls[id], c.isLive, let v = c.track.rolling(.customer, at: now),
              v < setup.config.hotCalls.sentimentBelow else { return }
        heat(id, .sentiment, now: now)
    }

    mutating func heat(_ id: String, _ reason: SpeechTextCall.HotReason, now: EpochMillis) {
        let (changed, became) = calls[id]!.heat(reason, at: now)
        if became { for e in here(id) { update(e) { $0.hotCalls += 1 } } }
        if changed { dirtyCalls.insert(id) }
    }

    mutating func end(_ id: String, now: EpochMillis) {
        guard let c = calls[id], c.isLive else { return }
        calls[id]!.endedAt = now
        for e in here(id) { update(e) { $0.live -= 1 } }
        dirtyCalls.insert(id)
    }

    /// Forgets a call (its figures stay in the rollups); a removal is sent if it was ever shown.
    mutating func remove(_ id: String) {
        guard let c = calls.removeValue(forKey: id) else { return }
        dirtyCalls.remove(id)
        if c.published { removedCalls.append((id, c.org)) }
    }

    /// The org and the agent and queue the call is with now.
    func here(_ id: String) -> [Entity] {
        let c = calls[id]!
        var out: [Entity] = [.org(c.org)]
        if let a = c.agent { out.append(.agent(a)) }
        if let q = c.queue { out.append(.queue(q)) }
        return out
    }

    /// The org and every agent and queue the call reached.
    func everywhere(_ c: SpeechTextCall) -> [Entity] {
        [.org(c.org)] + c.reachedAgents.map { .agent($0) } + c.reachedQueues.map { .queue($0) }
    }

    mutating func update(_ e: Entity, _ body: (inout SpeechTextRollup) -> Void) {
        body(&rollups[e, default: SpeechTextRollup()])
        dirty.insert(e)
        totalsDirty = true
    }
}

extension SpeechTextState.Entity {
    var org: OrgID {
        switch self {
        case .agent(let id), .queue(let id): id.org
        case .org(let o): o
        }
    }
}
