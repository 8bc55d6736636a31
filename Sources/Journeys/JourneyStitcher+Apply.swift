import Crypto
import SwitchboardCore

extension JourneyStitcher {
    /// Applies released events in order, then settles the journeys they touched.
    mutating func applyBatch(_ events: [JourneyEvent], now: EpochMillis) {
        guard !events.isEmpty else { return }
        for e in events { apply(e, now: now) }
        let dirty = call.dirty
        call.dirty = []
        call.dirtySet = []
        for id in dirty where open[id] != nil { evaluate(id, now: now) }
    }

    private mutating func apply(_ e: JourneyEvent, now: EpochMillis) {
        let conversation = e.conversationID
        if let id = byConversation[conversation] {
            applyToJourney(id, e, now: now)
            return
        }
        if tombstones.contains(conversation) {
            counters.afterEviction += 1
            return
        }
        let keys = e.customer.map { configuration.identity.keys(for: $0) } ?? []
        guard !keys.isEmpty else {
            orphans.hold(e, expiresAt: now + configuration.orphanGrace)
            if orphans.count > configuration.maxOrphanEvents {
                for (c, n) in orphans.expire(now: now, force: true) {
                    counters.unattributed += n
                    call.actions.append(.unattributed(conversationID: c, events: n))
                }
            }
            return
        }
        // A new conversation: with the events held for it, placed by its earliest time.
        var events = orphans.take(conversation) + [e]
        events.sort { ($0.time, $0.kind) < ($1.time, $1.kind) }
        let id = place(conversation: conversation, keys: keys, start: events[0].time, now: now)
        byConversation[conversation] = id
        for ev in events { applyToJourney(id, ev, now: now) }
    }

    /// The journey a new conversation of a customer starting at `start` belongs to: the customer's open
    /// journey, a kept closed one its time falls in (placed late, not reopened), or a new one.
    private mutating func place(conversation: String, keys: [CustomerKey], start: EpochMillis,
                                now: EpochMillis) -> EntityID {
        let timeout = configuration.sessionTimeout
        if let id = keys.compactMap({ openByKey[$0] }).first, let j = open[id] {
            let busy = j.contacts.contains { !$0.isClosed }
            if start >= j.openedAt - timeout && (busy || start <= j.lastActivityAt + timeout) { return id }
            if !busy && start > j.lastActivityAt + timeout {
                // Its time proves no contact came within the timeout: the journey is over.
                close(id, now: now)
            }
        }
        for key in keys {
            for id in (closedByKey[key] ?? []).reversed() {
                guard let c = closed[id] else { continue }
                if start >= c.openedAt - timeout && start <= c.lastActivityAt + timeout { return id }
            }
        }
        return openJourney(conversation: conversation, keys: keys, start: start)
    }

    private mutating func openJourney(conversation: String, keys: [CustomerKey], start: EpochMillis) -> EntityID {
        let id = Self.journeyID(org: org, conversation: conversation)
        var j = Journey(id: id, customer: keys[0], at: start)
        j.aliases = Array(keys.dropFirst())
        open[id] = j
        for k in keys where openByKey[k].flatMap({ open[$0] }) == nil { openByKey[k] = id }
        counters.journeysOpened += 1
        call.opened.insert(id)
        call.touch(id)
        return id
    }

    /// The id of the journey a conversation opens: `org/j-` and 16 hex digits of SHA-256 over the org and the
    /// conversation id (a ground truth can compute it too).
    public static func journeyID(org: OrgID, conversation: String) -> EntityID {
        let digest = SHA256.hash(data: Array("\(org.rawValue)\u{0}\(conversation)".utf8))
        var hex = "j-"
        for byte in digest.prefix(8) { hex += byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16) }
        return EntityID(org: org, platformID: hex)
    }

    /// Folds an event into its journey: an open one changes (and is settled at the end of the batch), a kept
    /// closed one takes it as a late event and stays closed.
    private mutating func applyToJourney(_ id: EntityID, _ e: JourneyEvent, now: EpochMillis) {
        counters.applied += 1
        let arrival = min(e.receivedAt, now)
        let isOpen = open[id] != nil
        guard var j = open[id] ?? closed[id] else { return }
        if !isOpen || e.time < j.lastActivityAt {
            counters.late += 1
            if !isOpen { counters.lateAfterClose += 1 }
            j.lateEvents += 1
            call.actions.append(.lateEvent(journey: id, eventID: e.id, behindBy: max(0, j.lastActivityAt - e.time)))
        }
        if let i = j.contacts.firstIndex(where: { $0.conversationID == e.conversationID }) {
            j.contacts[i].apply(e, arrival: arrival)
            // While the journey is open, an event revives a contact the timeout had closed.
            if isOpen { j.contacts[i].timedOut = false }
        } else {
            var c = JourneyContact(conversationID: e.conversationID, media: e.media, start: e.time, arrival: arrival)
            c.apply(e, arrival: arrival)
            j.contacts.append(c)
        }
        j.contacts.sort { ($0.start, $0.conversationID) < ($1.start, $1.conversationID) }
        j.openedAt = min(j.openedAt, e.time)
        j.lastActivityAt = max(j.lastActivityAt, e.time)
        if let identity = e.customer { addAliases(configuration.identity.keys(for: identity), to: &j) }
        if isOpen {
            open[id] = j
            call.markDirty(id)
        } else {
            j.closedAt = j.contacts.compactMap(\.stoppedAt).max() ?? j.lastActivityAt
            closed.update(j)
        }
        call.touch(id)
    }

    /// Keys learnt later for a journey's customer: an open journey is then found by them too.
    private mutating func addAliases(_ keys: [CustomerKey], to j: inout Journey) {
        for k in keys where k != j.customer && !j.aliases.contains(k) {
            j.aliases.append(k)
            if j.isClosed {
                closedByKey[k, default: []].append(j.id)
            } else if openByKey[k].flatMap({ open[$0] }) == nil {
                openByKey[k] = j.id
            }
        }
    }
}
