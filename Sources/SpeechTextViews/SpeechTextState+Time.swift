import SpeechViews
import SwitchboardCore

extension SpeechTextState {
    /// Moves time to `now`: each org's midnight, the end and removal of calls (agents gone, idle, lingered), the
    /// hot-call rule on rolling sentiment, and the entities whose time-driven figures moved (re-sent).
    mutating func advance(now: EpochMillis) {
        for (org, s) in setups where now >= s.nextDayStart { newDay(org, now: now) }
        advanceRemote(now: now)
        if now >= nextRollingCheck {
            nextRollingCheck = now + limits.rollingEvery
            for id in Array(calls.keys) { look(at: id, now: now) }
            // Rolling counts move only when a minute turns (a new hit marks its entities itself).
            let minute = MinuteCounts.minute(now)
            if minute != checkedMinute {
                checkedMinute = minute
                for (e, r) in rollups where r.rollingSignature(at: now) != (shownRolling[e] ?? []) {
                    dirty.insert(e)
                    totalsDirty = true
                }
                if remoteRollingMoved(now: now) { totalsDirty = true }
            }
        }
        if now >= nextSweep {
            nextSweep = now + limits.sweepEvery
            let calls = self.calls
            directory.expire(now: now) { calls["\($0.org.rawValue)/\($0.id)"] != nil }
        }
    }

    /// One call's lifetime and time-driven figures.
    private mutating func look(at id: String, now: EpochMillis) {
        guard let c = calls[id], let setup = setups[c.org] else { return }
        if let ended = c.endedAt {
            if now - ended >= linger { remove(id) }
            return
        }
        let entry = directory[ConversationDirectory.Key(org: c.org, id: c.conversationID)]
        if now - max(c.lastEventAt, entry?.lastSeen ?? .min) >= limits.callIdleTTL {
            end(id, now: now)
            remove(id)
            return
        }
        if entry?.allEnded == true, now - c.lastEventAt >= limits.endAfterAgentsLeft {
            end(id, now: now)
            return
        }
        checkSentiment(id, setup: setup, now: now)
        if c.rolling(at: now) != c.shownRolling { dirtyCalls.insert(id) }
    }

    /// The org's new local day: its counts start again; live calls count in the new day, with the agent and
    /// queue they are with; agents and queues with nothing live or rolling leave the lists.
    private mutating func newDay(_ org: OrgID, now: EpochMillis) {
        guard let s = setups[org] else { return }
        setups[org] = OrgSetup(config: s.config, timeZone: s.timeZone, now: now)
        for e in Array(rollups.keys) where e.org == org {
            rollups[e]!.newDay()
            dirty.insert(e)
        }
        for (id, c) in calls where c.org == org {
            calls[id]!.reachedAgents = c.isLive ? c.agent.map { [$0] } ?? [] : []
            calls[id]!.reachedQueues = c.isLive ? c.queue.map { [$0] } ?? [] : []
            guard c.isLive else {
                // An ended call still lingering belongs to yesterday: a late word counts in the org alone.
                calls[id]!.countedSentiment = false
                calls[id]!.countedNegative = false
                continue
            }
            for e in here(id) {
                update(e) {
                    $0.calls += 1
                    if c.countedSentiment { $0.sentimentCalls += 1 }
                    if c.countedNegative { $0.negativeCalls += 1 }
                    if c.hotSince != nil { $0.hotCalls += 1 }
                }
            }
        }
        for (e, r) in rollups where e.org == org && e.isMember && r.isIdle(at: now) {
            rollups[e] = nil
            removed.append(e)
        }
        totalsDirty = true
    }
}

extension SpeechTextState.Entity {
    /// An agent or a queue (which leave the lists when idle; an org stays).
    var isMember: Bool {
        if case .org = self { return false }
        return true
    }
}
