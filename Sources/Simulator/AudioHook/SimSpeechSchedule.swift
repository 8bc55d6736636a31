import SwitchboardCore

/// Who talks when in one simulated call's audio: per channel, the talk spurts as half-open intervals of
/// stream position (milliseconds, the AudioHook `position` timeline, pauses included).
///
/// Generated from a seeded random stream, extended on demand (``extend(through:)``) so a call of any
/// length has a schedule without generating hours in advance. Turns mostly alternate, with deliberate
/// overtalk (the next speaker cuts in 300 ms – 1.5 s before the current spurt ends) and long silences
/// (2–8 s). Every boundary lies on a 20 ms step and every spurt and every quiet spell of a channel lasts
/// at least 300 ms, so a 20 ms windowed analysis can recover the schedule.
public struct SimSpeechSchedule: Sendable, Equatable {
    /// Talk spurts of the customer (`external`) and the agent (`internal`), sorted, disjoint per channel.
    public private(set) var customer: [Range<Int64>] = []
    public private(set) var agent: [Range<Int64>] = []
    /// Everything up to here is final.
    public private(set) var horizon: Int64 = 0
    /// With `spokenPhrases`: the sentences, and per channel the clip each spurt says (nil: the tone mix), parallel
    /// to ``customer`` and ``agent``.
    public let book: SimPhraseBook?
    private(set) var customerClips: [Int?] = []
    private(set) var agentClips: [Int?] = []

    private var rng: SimRandom
    private var speaker: SpeechChannel = .customer
    /// Where the last spurt ends and where the next turn may begin.
    private var lastEnd: [SpeechChannel: Int64] = [.customer: -300, .agent: -300]
    private var cursor: Int64

    /// Shortest spurt and shortest quiet spell of a channel.
    static let minimumSpell: Int64 = 300
    static let step: Int64 = 20

    /// - Parameters:
    ///   - phrases: with `spokenPhrases`, the rendered sentences: some spurts say one (and last exactly as long).
    public init(seed: UInt64, phrases: SimPhraseBook? = nil) {
        book = phrases
        rng = SimRandom(seed: seed)
        // Ringing then a greeting: the call begins with 0.6–2 s of quiet.
        cursor = 0
        cursor = pick(600, 2000)
        horizon = 0
    }

    /// Builds a schedule from explicit spurts (tests).
    public init(customer: [Range<Int64>], agent: [Range<Int64>]) {
        book = nil
        rng = SimRandom(seed: 0)
        self.customer = customer
        self.agent = agent
        horizon = .max
        cursor = .max
    }

    public static func == (a: Self, b: Self) -> Bool { a.customer == b.customer && a.agent == b.agent }

    /// The spurts of `channel`.
    public func spurts(_ channel: SpeechChannel) -> [Range<Int64>] { channel == .customer ? customer : agent }

    /// Generates turns until everything before `position` (ms) is final.
    public mutating func extend(through position: Int64) {
        while horizon < position { addTurn() }
    }

    /// A multiple of 20 ms in `lo...hi`.
    private mutating func pick(_ lo: Int64, _ hi: Int64) -> Int64 {
        let steps = Int((hi - lo) / Self.step)
        return lo + Int64(rng.int(0...max(0, steps))) * Self.step
    }

    private mutating func addTurn() {
        let who = speaker
        let start = max(cursor, lastEnd[who]! + Self.minimumSpell)
        // With spoken phrases, a spurt may say a sentence and last exactly as long (drawn only then, so the
        // schedules without are unchanged).
        var clip: Int?
        if let book { clip = book.pick(for: who, rng: &rng) }
        let length: Int64
        if let clip, let book {
            length = book.clips[clip].durationMs
        } else {
            // Mostly short phrases, now and then a long explanation.
            length = rng.chance(0.2) ? pick(4000, 12_000) : pick(600, 4000)
        }
        let end = start + length
        if who == .customer {
            customer.append(start..<end)
            if book != nil { customerClips.append(clip) }
        } else {
            agent.append(start..<end)
            if book != nil { agentClips.append(clip) }
        }
        lastEnd[who] = end
        let other: SpeechChannel = who == .customer ? .agent : .customer
        let roll = rng.unit()
        if roll < 0.22 && length >= 900 {
            // The other side cuts in before this spurt ends (at least 300 ms after it began).
            speaker = other
            let overlap = pick(Self.minimumSpell, min(1500, length - 600))
            cursor = end - overlap
        } else if roll < 0.37 {
            // A long silence (thinking, typing, looking something up).
            speaker = rng.chance(0.8) ? other : who
            cursor = end + pick(2000, 8000)
        } else {
            speaker = rng.chance(0.85) ? other : who
            cursor = end + pick(Self.minimumSpell, 1200)
        }
        // Later turns start at or after the cursor (it only moves forward): everything before it is final.
        horizon = cursor
    }

    /// Whether `channel` talks at `position` (ms).
    public func talks(_ channel: SpeechChannel, at position: Int64) -> Bool {
        spurtIndex(channel, at: position) != nil
    }

    /// The spurt of `channel` at `position` (ms), if it talks then.
    func spurtIndex(_ channel: SpeechChannel, at position: Int64) -> Int? {
        let list = spurts(channel)
        // Binary search for the last spurt starting at or before `position`.
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid].lowerBound <= position { lo = mid + 1 } else { hi = mid }
        }
        return lo > 0 && list[lo - 1].contains(position) ? lo - 1 : nil
    }

    /// The sentence `channel` says at `position` (ms), with its spurt's start; nil for the tone mix or quiet.
    func spoken(_ channel: SpeechChannel, at position: Int64) -> (clip: SimPhraseBook.Clip, startMs: Int64)? {
        guard let book, let i = spurtIndex(channel, at: position) else { return nil }
        let clips = channel == .customer ? customerClips : agentClips
        guard i < clips.count, let c = clips[i] else { return nil }
        return (book.clips[c], spurts(channel)[i].lowerBound)
    }

    /// Every sentence said, per channel: its spurt and clip.
    func sentences(_ channel: SpeechChannel) -> [(spurt: Range<Int64>, clip: SimPhraseBook.Clip)] {
        guard let book else { return [] }
        let list = spurts(channel), clips = channel == .customer ? customerClips : agentClips
        return zip(list, clips).compactMap { spurt, c in c.map { (spurt, book.clips[$0]) } }
    }
}
