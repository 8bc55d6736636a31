import SwitchboardCore

/// The `journey-reorder` fault's delivery side: messages of a held-back contact (``SimJourneyTag/lagged``) wait
/// until a voice message of the org has gone out after them and `delay` (real time) has passed — or `maxHold`
/// has — so they arrive behind another contact's later events, well beyond a 100 ms reorder window. A
/// customer's contacts keep their order: before a message of another contact of the same customer goes out,
/// that customer's held messages go first. Messages of a contact go out in the order they were published.
struct SimJourneyLagGate {
    private struct Hold {
        var since: EpochMillis
        var voiceAfter = false
    }
    private var held: [SimMessage] = []
    private var holds: [String: Hold] = [:]
    private var released: Set<String> = []

    var isHolding: Bool { !held.isEmpty }

    /// The messages to deliver now, in order: `incoming` less what is held, plus what is released.
    mutating func pass(_ incoming: [SimMessage], realNow: EpochMillis, delay: EpochMillis,
                       maxHold: EpochMillis) -> [SimMessage] {
        if held.isEmpty && !incoming.contains(where: { $0.tag?.lagged == true }) { return incoming }
        var out: [SimMessage] = []
        out.reserveCapacity(incoming.count)
        for m in incoming {
            guard let tag = m.tag else {
                out.append(m)
                continue
            }
            if tag.lagged && !released.contains(tag.conversation) {
                held.append(m)
                if holds[tag.conversation] == nil { holds[tag.conversation] = Hold(since: realNow) }
                continue
            }
            if tag.customer >= 0 {
                let mine = Set(held.compactMap { $0.tag }.filter { $0.customer == tag.customer && $0.conversation != tag.conversation }
                    .map(\.conversation))
                for c in mine { release(c, into: &out) }
            }
            out.append(m)
            if tag.media == .voice {
                for c in holds.keys { holds[c]?.voiceAfter = true }
            }
        }
        for (c, h) in holds.sorted(by: { $0.value.since < $1.value.since })
        where (h.voiceAfter && realNow - h.since >= delay) || realNow - h.since >= maxHold {
            release(c, into: &out)
        }
        return out
    }

    private mutating func release(_ conversation: String, into out: inout [SimMessage]) {
        guard holds.removeValue(forKey: conversation) != nil else { return }
        out.append(contentsOf: held.filter { $0.tag?.conversation == conversation })
        held.removeAll { $0.tag?.conversation == conversation }
        if released.count > 50_000 { released.removeAll() }
        released.insert(conversation)
    }
}
