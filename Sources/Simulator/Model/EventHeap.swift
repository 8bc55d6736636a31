import SwitchboardCore

/// What the model schedules.
enum ModelAction {
    case login(agent: Int)
    case presenceDue(agent: Int, epoch: UInt32)
    case arrival(queue: Int)
    case abandon(conversation: Int, epoch: UInt32)
    case answer(agent: Int, epoch: UInt32)
    case ringTimeout(agent: Int, epoch: UInt32)
    case holdStart(agent: Int, epoch: UInt32)
    case holdEnd(agent: Int, epoch: UInt32)
    case talkEnd(agent: Int, epoch: UInt32)
    case acwEnd(agent: Int, epoch: UInt32)
    case notRespondingEnd(agent: Int, epoch: UInt32)
    case communicatingEnd(agent: Int, epoch: UInt32)
    /// The next partial or final of a call's transcription is due (OrgModel+Transcription).
    case transcriptDue(conversation: Int, epoch: UInt32)
    /// A step of the journey generator (OrgModel+Journeys).
    case journey(SimJourneyAction)
    case observationTick
}

/// A message the model published: a topic and its `eventBody`, encoded once.
struct SimMessage: Sendable {
    let topic: String
    let body: [UInt8]
    let at: EpochMillis
    /// Set on the messages of journey conversations (journey topics only).
    var tag: SimJourneyTag? = nil
}

/// A binary min-heap on (time, sequence): equal times run in scheduling order, so the run is deterministic.
struct EventHeap {
    private struct Entry {
        let time: EpochMillis
        let seq: UInt64
        let action: ModelAction
        func before(_ o: Entry) -> Bool { time != o.time ? time < o.time : seq < o.seq }
    }
    private var items: [Entry] = []
    private var seq: UInt64 = 0

    var count: Int { items.count }
    var nextTime: EpochMillis? { items.first?.time }

    mutating func push(_ time: EpochMillis, _ action: ModelAction) {
        seq += 1
        items.append(Entry(time: time, seq: seq, action: action))
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard items[i].before(items[p]) else { break }
            items.swapAt(i, p)
            i = p
        }
    }

    mutating func pop() -> (EpochMillis, ModelAction)? {
        guard !items.isEmpty else { return nil }
        let top = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && items[l].before(items[m]) { m = l }
                if r < items.count && items[r].before(items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return (top.time, top.action)
    }
}

