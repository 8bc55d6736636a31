import Foundation
import SwitchboardConfig
import SwitchboardCore

/// The speech views' state (pure; ``SpeechViewEngine`` owns one): sessions joined to conversations,
/// rollups per agent, queue and org over each org's local day, and the entities changed since the last
/// ``takeChanges()``. Every time comes in as an argument (`now`, the views' business clock).
struct SpeechViewState {
    /// Bounds that keep the state's memory in hand (docs/speech.md, "Memory").
    struct Limits: Sendable {
        /// A session without any report for this long is dropped (the audio path lost it).
        var sessionTTL: EpochMillis = 120_000
        /// Conversations remembered at most.
        var conversations = 200_000
        /// A conversation without news for this long is forgotten; one whose agents all left, sooner.
        var conversationIdleTTL: EpochMillis = 4 * 3_600_000
        var conversationEndedTTL: EpochMillis = 10 * 60_000
        /// How often the directory is swept.
        var sweepEvery: EpochMillis = 10_000
    }

    struct OrgDay {
        var timeZone: TimeZone
        var dayStart: EpochMillis
        var nextDayStart: EpochMillis

        init(timeZone: TimeZone, now: EpochMillis) {
            self.timeZone = timeZone
            dayStart = Timestamp.startOfDay(now, in: timeZone)
            nextDayStart = Timestamp.startOfDay(dayStart + 26 * 3_600_000, in: timeZone)
        }
    }

    var grace: EpochMillis
    var linger: EpochMillis
    let limits: Limits
    private(set) var days: [OrgID: OrgDay] = [:]
    private(set) var directory: ConversationDirectory
    private(set) var sessions: [String: SpeechSession] = [:]
    /// Sessions per conversation (the join, both ways).
    private var byConversation: [ConversationDirectory.Key: [String]] = [:]
    private(set) var agents: [EntityID: SpeechRollup] = [:]
    private(set) var queues: [EntityID: SpeechRollup] = [:]
    private(set) var orgs: [OrgID: SpeechRollup] = [:]
    private var nextSweep: EpochMillis = 0
    /// Reports dropped: for a session never opened, or after it ended.
    private(set) var dropped = 0

    // Changed since the last `takeChanges`.
    private var dirtyCalls: Set<String> = []
    private var removedCalls: [(String, OrgID)] = []
    private var dirtyAgents: Set<EntityID> = []
    private var dirtyQueues: Set<EntityID> = []
    private var removedAgents: [EntityID] = []
    private var removedQueues: [EntityID] = []
    private var dirtyOrgs: Set<OrgID> = []

    // In a cluster (SpeechViewState+Remote.swift): the orgs led elsewhere and their leaders' parts of the global
    // totals, those whose day ended since, and whether the global totals must be sent again for them.
    var remote = RemoteTotalsParts<SpeechTotalsPart>()
    var remoteRolled: Set<OrgID> = []
    var remoteDirty = false

    init(configuration: SpeechConfig, limits: Limits = .init()) {
        grace = configuration.correlationGrace.milliseconds
        linger = configuration.endedLinger.milliseconds
        self.limits = limits
        directory = ConversationDirectory(capacity: limits.conversations, idleTTL: limits.conversationIdleTTL,
                                          endedTTL: limits.conversationEndedTTL)
    }

    mutating func apply(configuration: SpeechConfig) {
        grace = configuration.correlationGrace.milliseconds
        linger = configuration.endedLinger.milliseconds
    }

    // MARK: Orgs

    /// Declares the orgs and their time zones; the state of orgs no longer listed is dropped (removals sent).
    mutating func setOrgs(_ zones: [OrgID: TimeZone], now: EpochMillis) {
        for (org, tz) in zones where days[org]?.timeZone != tz { days[org] = OrgDay(timeZone: tz, now: now) }
        for org in Array(days.keys) where zones[org] == nil {
            days[org] = nil
            for (id, s) in sessions where s.org == org { remove(id) }
            for id in agents.keys where id.org == org { agents[id] = nil; removedAgents.append(id) }
            for id in queues.keys where id.org == org { queues[id] = nil; removedQueues.append(id) }
            if orgs.removeValue(forKey: org) != nil { dirtyOrgs.insert(org) }
            if remote.parts[org] != nil { remoteDirty = true }
            directory.removeOrg(org)
        }
    }

    // MARK: Input

    /// Folds the connectors' interactions of `org`: a conversation's new agent or queue moves its sessions.
    mutating func observe(_ x: AgentInteraction, org: OrgID, now: EpochMillis) {
        guard days[org] != nil else { return }
        guard directory.fold(x, org: org, now: now) else { return }
        let key = ConversationDirectory.Key(org: org, id: x.conversationID)
        for id in byConversation[key] ?? [] { join(id, now: now) }
    }

    mutating func ingest(_ event: SpeechEvent, now: EpochMillis) {
        guard days[event.org] != nil else { return }
        switch event {
        case .opened(let e):
            let id = "\(e.org.rawValue)/\(e.session)"
            if var s = sessions[id] {
                // A repeated `.opened` of a live session: new hints, nothing else.
                guard s.state != .ended else { dropped += 1; return }
                let changed = s.setHints(e)
                sessions[id] = s
                if changed { join(id, now: now) }
                return
            }
            let s = SpeechSession(opened: e, now: now)
            sessions[id] = s
            byConversation[s.conversation, default: []].append(id)
            join(id, now: now)
        case .progress(let e):
            let id = "\(e.org.rawValue)/\(e.session)"
            guard var s = sessions[id], s.state != .ended else { dropped += 1; return }
            s.metrics = e.metrics
            s.asOf = e.at
            s.state = e.paused ? .paused : .live
            s.lastReportLocal = now
            sessions[id] = s
            account(id)
        case .ended(let e):
            let id = "\(e.org.rawValue)/\(e.session)"
            guard var s = sessions[id], s.state != .ended else { dropped += 1; return }
            s.metrics = e.metrics
            s.asOf = e.at
            s.state = .ended
            s.endedAt = e.at
            s.endReason = e.reason
            s.endedLocal = now
            s.lastReportLocal = now
            if !s.published { s.published = true }  // an ended call shows at once, known or not
            sessions[id] = s
            account(id)
        }
    }

    /// Joins a session to its conversation's current agent and queue; publishes it once known. The session's
    /// hints fill in what the conversation does not know — an agent or queue once the grace has passed without
    /// the conversation, a queue the conversation has none for.
    private mutating func join(_ id: String, now: EpochMillis) {
        guard var s = sessions[id], s.state != .ended else { return }
        let cur = directory[s.conversation]?.current
        guard cur != nil || s.published else { return }  // unknown yet: the grace decides
        var moved = false
        if let agent = cur?.agent ?? s.hintAgent {
            moved = s.retarget(agent: agent, queue: cur?.queue ?? s.hintQueue)
        } else if let queue = s.hintQueue {
            moved = s.fill(queue: queue)
        }
        guard moved || !s.published else { return }
        s.published = true
        sessions[id] = s
        account(id)
    }

    // MARK: Time

    /// Midnight resets, the grace, the linger of ended calls, the purge of silent sessions, the sweep of
    /// the conversation directory.
    mutating func advance(now: EpochMillis) {
        for (org, day) in days where now >= day.nextDayStart {
            days[org] = OrgDay(timeZone: day.timeZone, now: now)
            newDay(org)
        }
        advanceRemote(now: now)
        for (id, s) in sessions {
            if !s.published, now - s.openedLocal >= grace {
                sessions[id]!.published = true
                join(id, now: now)  // with the hints, if any
                account(id)
            } else if let ended = s.endedLocal {
                if now - ended >= linger { remove(id) }
            } else if now - s.lastReportLocal >= limits.sessionTTL {
                remove(id)
            }
        }
        if now >= nextSweep {
            nextSweep = now + limits.sweepEvery
            let referenced = byConversation
            directory.expire(now: now) { referenced[$0] != nil }
        }
    }

    /// A new local day for `org`: its rollups start again from zero; calls live now count in the new day.
    private mutating func newDay(_ org: OrgID) {
        for (id, r) in agents where id.org == org { Self.resetRollup(&agents, id, r, removed: &removedAgents, dirty: &dirtyAgents) }
        for (id, r) in queues where id.org == org { Self.resetRollup(&queues, id, r, removed: &removedQueues, dirty: &dirtyQueues) }
        if let r = orgs[org] {
            orgs[org] = SpeechRollup(calls: r.live, live: r.live)
            dirtyOrgs.insert(org)
        }
        for (id, s) in sessions where s.org == org && s.published {
            sessions[id]!.reachedAgents = s.liveAgent.map { [$0] } ?? []
            sessions[id]!.reachedQueues = s.liveQueue.map { [$0] } ?? []
            sessions[id]!.orgReached = s.liveOrg
        }
    }

    private static func resetRollup<K: Hashable>(_ map: inout [K: SpeechRollup], _ id: K, _ r: SpeechRollup,
                                          removed: inout [K], dirty: inout Set<K>) {
        if r.live == 0 {
            map[id] = nil
            removed.append(id)
            dirty.remove(id)
        } else {
            map[id] = SpeechRollup(calls: r.live, live: r.live)
            dirty.insert(id)
        }
    }

    // MARK: Counting

    /// Adds what the session's figures gained since they were last counted to its org's rollup and its
    /// current part's agent's and queue's, and moves its `live` count where it is now.
    private mutating func account(_ id: String) {
        guard var s = sessions[id], s.published else { return }
        dirtyCalls.insert(id)
        let f = SpeechFigures(s.metrics)
        let org = s.org
        var o = orgs[org] ?? SpeechRollup()
        o.figures += f - s.countedOrg
        s.countedOrg = f
        if !s.orgReached { s.orgReached = true; o.calls += 1 }
        let liveNow = s.state != .ended
        if liveNow != s.liveOrg { o.live += liveNow ? 1 : -1; s.liveOrg = liveNow }
        orgs[org] = o
        dirtyOrgs.insert(org)

        let last = s.segments.count - 1
        let seg = s.segments[last]
        let part = f - seg.base
        if let a = seg.agent {
            var r = agents[a] ?? SpeechRollup()
            r.figures += part - seg.countedAgent
            if !s.reachedAgents.contains(a) { s.reachedAgents.append(a); r.calls += 1 }
            agents[a] = r
            s.segments[last].countedAgent = part
            dirtyAgents.insert(a)
        }
        if let q = seg.queue {
            var r = queues[q] ?? SpeechRollup()
            r.figures += part - seg.countedQueue
            if !s.reachedQueues.contains(q) { s.reachedQueues.append(q); r.calls += 1 }
            queues[q] = r
            s.segments[last].countedQueue = part
            dirtyQueues.insert(q)
        }
        let wantAgent = liveNow ? seg.agent : nil, wantQueue = liveNow ? seg.queue : nil
        if wantAgent != s.liveAgent {
            if let a = s.liveAgent { agents[a]?.live -= 1; dirtyAgents.insert(a) }
            if let a = wantAgent { agents[a, default: SpeechRollup()].live += 1; dirtyAgents.insert(a) }
            s.liveAgent = wantAgent
        }
        if wantQueue != s.liveQueue {
            if let q = s.liveQueue { queues[q]?.live -= 1; dirtyQueues.insert(q) }
            if let q = wantQueue { queues[q, default: SpeechRollup()].live += 1; dirtyQueues.insert(q) }
            s.liveQueue = wantQueue
        }
        sessions[id] = s
    }

    /// Drops a session (lingered out, purged, or its org removed); it stops counting as live.
    private mutating func remove(_ id: String) {
        guard var s = sessions[id] else { return }
        if s.published && s.state != .ended {
            s.state = .ended
            sessions[id] = s
            account(id)
        }
        sessions[id] = nil
        if var ids = byConversation[s.conversation] {
            ids.removeAll { $0 == id }
            byConversation[s.conversation] = ids.isEmpty ? nil : ids
        }
        dirtyCalls.remove(id)
        if s.published { removedCalls.append((id, s.org)) }
    }

    // MARK: Output

    /// The entities changed since the last call, each encoded once: calls, agent, queue and org rollups
    /// (`.speech(org)`), the org's totals (`.speechOrgOnly`), and the global totals (`.speechGlobal`, as of `now`).
    mutating func takeChanges(now: EpochMillis) -> [EntityChange] {
        var out: [EntityChange] = []
        for (id, org) in removedCalls { out.append(EntityChange(kind: .calls, id: id, scope: .speech(org), json: nil)) }
        for id in dirtyCalls.sorted() {
            guard let s = sessions[id] else { continue }
            out.append(EntityChange(kind: .calls, id: id, scope: .speech(s.org), json: SpeechJSON.call(s)))
        }
        for id in removedAgents where agents[id] == nil {
            out.append(EntityChange(kind: .agents, id: id.description, scope: .speech(id.org), json: nil))
        }
        for id in dirtyAgents.sorted() {
            guard let r = agents[id] else { continue }
            out.append(EntityChange(kind: .agents, id: id.description, scope: .speech(id.org),
                                    json: SpeechJSON.rollup(id: id.description, org: id.org, r)))
        }
        for id in removedQueues where queues[id] == nil {
            out.append(EntityChange(kind: .queues, id: id.description, scope: .speech(id.org), json: nil))
        }
        for id in dirtyQueues.sorted() {
            guard let r = queues[id] else { continue }
            out.append(EntityChange(kind: .queues, id: id.description, scope: .speech(id.org),
                                    json: SpeechJSON.rollup(id: id.description, org: id.org, r)))
        }
        for org in dirtyOrgs.sorted() {
            if let r = orgs[org] {
                out.append(EntityChange(kind: .orgs, id: org.rawValue, scope: .speech(org),
                                        json: SpeechJSON.rollup(id: org.rawValue, org: org, r)))
                out.append(EntityChange(kind: .totals, id: org.rawValue, scope: .speechOrgOnly(org),
                                        json: SpeechJSON.rollup(id: org.rawValue, org: nil, r)))
            } else {
                out.append(EntityChange(kind: .orgs, id: org.rawValue, scope: .speech(org), json: nil))
                out.append(EntityChange(kind: .totals, id: org.rawValue, scope: .speechOrgOnly(org), json: nil))
            }
        }
        if !dirtyOrgs.isEmpty || remoteDirty {
            out.append(EntityChange(kind: .totals, id: "global", scope: .speechGlobal,
                                    json: SpeechJSON.rollup(id: "global", org: nil, globalTotals(now: now))))
        }
        remoteDirty = false
        dirtyCalls.removeAll(keepingCapacity: true)
        removedCalls.removeAll(keepingCapacity: true)
        dirtyAgents.removeAll(keepingCapacity: true)
        dirtyQueues.removeAll(keepingCapacity: true)
        removedAgents.removeAll(keepingCapacity: true)
        removedQueues.removeAll(keepingCapacity: true)
        dirtyOrgs.removeAll(keepingCapacity: true)
        return out
    }
}
