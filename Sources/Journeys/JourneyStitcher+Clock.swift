import HeapModule
import SwitchboardCore

extension JourneyStitcher {
    /// Settles an open journey at `now`: times out silent contacts, derives its state and channels, closes
    /// it when it is over, and sets its next timer.
    mutating func evaluate(_ id: EntityID, now: EpochMillis) {
        guard var j = open[id] else { return }
        let c = configuration
        let before = (j.state, j.channels, j.contacts.map(\.timedOut))
        for i in j.contacts.indices where !j.contacts[i].isClosed {
            if now >= j.contacts[i].liveAt + c.sessionTimeout + c.idleGrace { j.contacts[i].timedOut = true }
        }
        j.state = Self.derivedState(j)
        j.channels = Self.channels(j, now: now, timeout: c.sessionTimeout)
        let liveAt = j.contacts.map(\.liveAt).max() ?? j.lastActivityAt
        if j.contacts.allSatisfy(\.isClosed) && now >= liveAt + c.sessionTimeout + c.reorderWindow {
            open[id] = j
            close(id, now: now)
            return
        }
        if before != (j.state, j.channels, j.contacts.map(\.timedOut)) { call.touch(id) }
        open[id] = j
        schedule(id, now: now)
    }

    /// Closes an open journey now (all its contacts have stopped).
    mutating func close(_ id: EntityID, now: EpochMillis) {
        guard var j = open.removeValue(forKey: id) else { return }
        j.state = .closed
        j.channels = j.channels.map { ChannelStatus(media: $0.media, state: .closed) }
        j.closedAt = j.contacts.compactMap(\.stoppedAt).max() ?? j.lastActivityAt
        j.closedReason = j.contacts.contains(where: \.timedOut) ? .abandonedAtTimeout
            : j.contacts.allSatisfy(\.isComplete) ? .completed : .timeout
        j.declaredClosedAt = now
        j.deadline = nil
        for k in [j.customer] + j.aliases {
            if openByKey[k] == id { openByKey[k] = nil }
            closedByKey[k, default: []].append(id)
        }
        closed.insert(j)
        counters.journeysClosed += 1
        call.closedNow[id] = j
        call.touch(id)
    }

    /// Drops an evicted journey's indexes; its conversations are remembered so late events are not taken
    /// for new journeys.
    mutating func forget(_ j: Journey) {
        for c in j.contacts {
            byConversation[c.conversationID] = nil
            tombstones.insert(c.conversationID)
        }
        for k in [j.customer] + j.aliases {
            closedByKey[k]?.removeAll { $0 == j.id }
            if closedByKey[k]?.isEmpty == true { closedByKey[k] = nil }
        }
    }

    /// `TRANSFERRING` while a transfer is pending on a contact and no later contact has started;
    /// `ACTIVE` once anything beyond the interaction's creation happened; `INITIATED` before.
    static func derivedState(_ j: Journey) -> JourneyState {
        for c in j.contacts {
            guard let t = c.pendingTransfer else { continue }
            if !j.contacts.contains(where: { $0.conversationID != c.conversationID && $0.start >= t }) {
                return .transferring
            }
        }
        return j.contacts.contains(where: \.engaged) ? .active : .initiated
    }

    /// Each medium's channel: `ACTIVE` when a contact on it is in progress and had an event within the
    /// timeout, `IDLE` when its contacts in progress are all silent, `CLOSED` when none is in progress.
    static func channels(_ j: Journey, now: EpochMillis, timeout: EpochMillis) -> [ChannelStatus] {
        var states: [JourneyMedia: ChannelStatus.State] = [:]
        for c in j.contacts {
            let s: ChannelStatus.State = c.isClosed ? .closed : now >= c.liveAt + timeout ? .idle : .active
            switch (states[c.media], s) {
            case (nil, _), (.closed?, _), (.idle?, .active): states[c.media] = s
            default: break
            }
        }
        return states.keys.sorted().map { ChannelStatus(media: $0, state: states[$0]!) }
    }

    /// Sets an open journey's next timer: a contact going idle or timing out, or the journey closing.
    mutating func schedule(_ id: EntityID, now: EpochMillis) {
        guard var j = open[id] else { return }
        let c = configuration
        var next: EpochMillis?
        func consider(_ t: EpochMillis) { if t > now { next = min(next ?? t, t) } }
        var allClosed = true
        for contact in j.contacts where !contact.isClosed {
            allClosed = false
            consider(contact.liveAt + c.sessionTimeout)
            consider(contact.liveAt + c.sessionTimeout + c.idleGrace)
        }
        if allClosed {
            let liveAt = j.contacts.map(\.liveAt).max() ?? j.lastActivityAt
            consider(liveAt + c.sessionTimeout + c.reorderWindow)
        }
        guard next != j.deadline else { return }
        scheduleCounter += 1
        j.deadline = next
        j.version = scheduleCounter
        open[id] = j
        if let next { deadlines.insert(Deadline(at: next, id: id, version: scheduleCounter)) }
        if deadlines.count > 4 * open.count + 64 {
            deadlines = Heap(open.values.compactMap { o in
                o.deadline.map { Deadline(at: $0, id: o.id, version: o.version) }
            })
        }
    }
}
