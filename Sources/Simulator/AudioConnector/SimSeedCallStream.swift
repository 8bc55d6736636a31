import Foundation
import SwitchboardCore

/// One call's audio as the seed Audio Connector produces it, as a pure state machine on injected real time:
/// packets from stream position 0 (the agent connecting) paced in real time, numbered from 0 for the whole
/// call; no packets while paused (hold, transfer) with the sequence standing still; the stream position moving
/// on by the real time paused, as AudioHook's does. It also keeps what the truth needs: the stream intervals
/// whose packets reached a connection whole (``markSent(_:intact:)``), and the pauses.
///
/// The talk schedule is the call's ``SimSpeechSchedule`` seeded by the conversation id and the simulator's seed,
/// the same one the AudioHook client streams, so one truth serves both paths.
struct SimSeedCallStream: Sendable {
    /// One packet produced: its sequence number, where it lies in the stream and how it is cut.
    struct Packet: Sendable, Equatable {
        var sequence: UInt32
        var startUs: Int64
        var durationUs: Int64
        var fragments: Int
        var endUs: Int64 { startUs + durationUs }
    }

    let conversationId: String
    let interaction: UUID
    let startedAt: ContinuousClock.Instant
    private(set) var schedule: SimSpeechSchedule
    private var plan: SimSeedPacketPlan
    private var upcoming: [SimSeedPacketPlan.Slot] = []
    /// The next packet's sequence number (= packets produced so far).
    private(set) var nextSequence: UInt32 = 0
    /// Where the next packet begins (µs of stream position).
    private(set) var positionUs: Int64 = 0
    private(set) var paused = false
    private(set) var ended = false
    /// Stream intervals (ms) whose packets reached at least one connection whole, merged, in order.
    private(set) var segments: [Range<Int64>] = []
    /// Stream intervals (ms) paused (hold, transfer), in order; the one under way is open at `pausedFromUs`.
    private(set) var pauses: [Range<Int64>] = []
    private var pausedFromUs: Int64?
    /// Whether any packet was sent to a connection (whole or not): the call has a session from then on.
    private(set) var everSent = false

    init(conversationId: String, seed: UInt64, fragmentShare: Double, startedAt: ContinuousClock.Instant,
         phrases: SimPhraseBook? = nil) {
        self.conversationId = conversationId
        interaction = UUID(uuidString: conversationId) ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        self.startedAt = startedAt
        let scheduleSeed = SimAudioHookClient.hash(conversationId, seed: seed)
        schedule = SimSpeechSchedule(seed: scheduleSeed, phrases: phrases)
        plan = SimSeedPacketPlan(seed: scheduleSeed, fragmentShare: fragmentShare)
    }

    /// Replaces the talk schedule (tests).
    mutating func replaceSchedule(_ schedule: SimSpeechSchedule) { self.schedule = schedule }

    /// Stream position (µs) at `now`: real time since the start.
    func elapsedUs(_ now: ContinuousClock.Instant) -> Int64 {
        let c = (now - startedAt).components
        return max(0, c.seconds * 1_000_000 + c.attoseconds / 1_000_000_000_000)
    }

    /// Every packet that has ended by `now` (none while paused or after the end). 2.5 ms packets come in
    /// pairs: both or neither.
    mutating func produce(until now: ContinuousClock.Instant) -> [Packet] {
        guard !paused, !ended else { return [] }
        let target = elapsedUs(now)
        var out: [Packet] = []
        while true {
            if upcoming.isEmpty { upcoming = plan.next() }
            let total = upcoming.reduce(0) { $0 + $1.durationUs }
            guard positionUs + total <= target else { break }
            for slot in upcoming {
                out.append(Packet(sequence: nextSequence, startUs: positionUs, durationUs: slot.durationUs,
                                  fragments: slot.fragments))
                nextSequence &+= 1
                positionUs += slot.durationUs
            }
            upcoming.removeAll(keepingCapacity: true)
        }
        if let last = out.last { schedule.extend(through: (last.endUs + 999) / 1000) }
        return out
    }

    /// Forces the next packet (not yet produced) to be cut into at least `fragments` fragments.
    mutating func requireFragments(_ fragments: Int) {
        if upcoming.isEmpty { upcoming = plan.next() }
        upcoming[0].fragments = max(upcoming[0].fragments, fragments)
    }

    /// On hold or in a transfer: the packets due by `now` are produced (and returned), then none until
    /// ``resume(at:)``. A pause while paused changes nothing.
    mutating func pause(at now: ContinuousClock.Instant) -> [Packet] {
        guard !paused, !ended else { return [] }
        let out = produce(until: now)
        paused = true
        pausedFromUs = positionUs
        upcoming.removeAll()  // a pair cut by the pause is dropped whole; the plan goes on after the pause
        return out
    }

    /// Off hold, or the transfer connected: packets go on from the current stream position (a whole ms).
    mutating func resume(at now: ContinuousClock.Instant) {
        guard paused, !ended else { return }
        paused = false
        let resumeUs = max(positionUs, elapsedUs(now) / 1000 * 1000)
        if let from = pausedFromUs, from < resumeUs { pauses.append(from / 1000..<resumeUs / 1000) }
        pausedFromUs = nil
        positionUs = resumeUs
    }

    /// The call ended: the packets due by `now` (unless paused), then nothing more.
    mutating func end(at now: ContinuousClock.Instant) -> [Packet] {
        guard !ended else { return [] }
        let out = paused ? [] : produce(until: now)
        if paused, let from = pausedFromUs {
            let endUs = max(from, elapsedUs(now) / 1000 * 1000)
            if from < endUs { pauses.append(from / 1000..<endUs / 1000) }
        }
        pausedFromUs = nil
        ended = true
        return out
    }

    /// Records that `packet` went to at least one connection; `intact` when its bytes were the real packet,
    /// whole (not a garbage packet, no fragment missing): only those count as audio sent.
    mutating func markSent(_ packet: Packet, intact: Bool) {
        everSent = true
        guard intact else { return }
        let lo = packet.startUs / 1000, hi = (packet.endUs + 999) / 1000
        if let last = segments.last, last.upperBound >= lo {
            segments[segments.count - 1] = last.lowerBound..<max(last.upperBound, hi)
        } else {
            segments.append(lo..<hi)
        }
    }

    /// The session's truth: `seed/<conversation id>`, the figures of the audio sent (``SimSpeechSession/figures``);
    /// `gapMs` is the stream time of the pauses (over) that began after the first packet sent. Nil while nothing
    /// was sent.
    func truth(org: String, startedAt: String, state: String, faults: [String]) -> SimSpeechSession? {
        guard everSent else { return nil }
        let f = SimSpeechSession.figures(schedule: schedule, segments: segments)
        let first = segments.first?.lowerBound ?? 0
        let gap = pauses.filter { $0.lowerBound >= first }.reduce(0) { $0 + Int64($1.count) }
        var truth = SimSpeechSession(
            org: org, session: "seed/" + conversationId, correlationId: "", conversationId: conversationId,
            state: state, detail: nil, paused: paused && !ended, startedAt: startedAt,
            analysedMs: segments.reduce(0) { $0 + Int64($1.count) }, gapMs: gap, customer: f.customer, agent: f.agent,
            silenceMs: f.silenceMs, overtalkMs: f.overtalkMs, longestSilenceMs: f.longestSilenceMs, faults: faults)
        truth.spoken = SimSpeechSession.spoken(schedule: schedule, segments: segments)
        return truth
    }
}
