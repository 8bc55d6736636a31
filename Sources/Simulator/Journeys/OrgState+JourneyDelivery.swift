import SwitchboardCore

/// What an org's delivery keeps for its journey messages: the `journey-reorder` gates (socket and EventBridge),
/// pending `journey-duplicate`s, and the last messages for a `journey-replay`.
struct SimJourneyDelivery {
    var socketGate = SimJourneyLagGate()
    var eventBridgeGate = SimJourneyLagGate()
    var duplicates = 0
    /// The last journey messages routed (subscribed topics), oldest first.
    var ring: [Outgoing] = []
    /// Channels whose socket the replay fault closed: the next socket attached to one gets the ring first.
    var replayChannels: Set<String> = []
}

extension OrgState {
    /// The journey options of the org (nil without journeys).
    var journeyOptions: SimJourneyOptions? { model.journeys?.options }

    /// Passes drained messages through the reorder gate (a no-op without a held contact).
    func gateJourneyMessages(_ messages: [SimMessage], realNow: EpochMillis) -> [SimMessage] {
        guard let o = journeyOptions else { return messages }
        return journeyDelivery.socketGate.pass(messages, realNow: realNow, delay: GenesysSimulator.millis(o.reorderDelay),
                                               maxHold: GenesysSimulator.millis(o.reorderMaxHold))
    }

    /// The detail events collected for EventBridge since the last call, through their own reorder gate.
    func takeEventBridge(realNow: EpochMillis) -> [SimMessage] {
        guard let j = model.journeys, let o = journeyOptions else { return [] }
        let events = j.takeEventBridge()
        guard !events.isEmpty || journeyDelivery.eventBridgeGate.isHolding else { return [] }
        return journeyDelivery.eventBridgeGate.pass(events, realNow: realNow, delay: GenesysSimulator.millis(o.reorderDelay),
                                                    maxHold: GenesysSimulator.millis(o.reorderMaxHold))
    }

    /// A journey message is about to be routed: keep it for a replay; true when it is to be sent twice.
    func noteJourneyMessage(_ m: Outgoing) -> Bool {
        let cap = max(0, journeyOptions?.replayMessages ?? 0)
        if cap > 0 {
            journeyDelivery.ring.append(m)
            if journeyDelivery.ring.count > cap * 2 { journeyDelivery.ring.removeFirst(journeyDelivery.ring.count - cap) }
        }
        guard journeyDelivery.duplicates > 0 else { return false }
        journeyDelivery.duplicates -= 1
        return true
    }

    /// Sends the kept journey messages a channel subscribes to, when the replay fault closed its last socket.
    func replayJourneys(channel id: String, socket: SimSocket) {
        guard journeyDelivery.replayChannels.remove(id) != nil, let ch = channels[id] else { return }
        let cap = max(0, journeyOptions?.replayMessages ?? 0)
        for m in journeyDelivery.ring.suffix(cap) where ch.topics.contains(m.topic) { socket.send(m.text) }
    }

    /// Applies a journey fault; returns what it did.
    func applyJourney(_ fault: SimJourneyFault, count n: Int) -> String {
        guard let j = model.journeys else { return "the org has no journeys" }
        switch fault {
        case .reorder:
            j.reorderFaults += n
            return "next \(n) non-voice contact(s) held behind the next voice message"
        case .duplicate:
            journeyDelivery.duplicates += n
            return "next \(n) journey message(s) sent twice"
        case .missingDisposition:
            j.missingDispositionFaults += n
            return "next \(n) agent leg(s) never wrap up"
        case .replay:
            var closed = 0
            for (id, ch) in channels {
                guard let s = ch.socket else { continue }
                s.abort()
                channels[id]?.socket = nil
                journeyDelivery.replayChannels.insert(id)
                closed += 1
            }
            return "\(closed) socket(s) closed; the last \(journeyOptions?.replayMessages ?? 0) journey message(s) are replayed on reconnect"
        }
    }
}
