import SwitchboardCore

/// One interaction's decoded audio on its way to a ``SpeechAudioTap`` (the on-box keyword spotter): interleaved
/// samples in, one chunk per channel out, each placed on the interaction's stream time.
///
/// Samples are gathered per channel until at least `chunk` of audio is buffered (AudioHook's 200 ms frames go out
/// one by one; the seed Audio Connector's 2.5–120 ms Opus packets are gathered to about 100 ms), then offered. A
/// jump in stream time — a pause or hold (AudioHook `resumed`/`discarded`, a seed pause), a skipped run — sends
/// what is buffered first, so every chunk is contiguous and its offset is that of its first sample.
///
/// A value type owned by the session (or the seed client's loop) that feeds it; it never waits: the tap queues or
/// drops. Call ``end()`` once when the interaction is over (it flushes, then ends the tap's interaction).
public struct SpeechAudioTapFeed: Sendable {
    public let tap: any SpeechAudioTap
    public let org: OrgID
    public let conversationID: String
    /// The channels in interleaving order.
    public let channels: [SpeechChannel]
    public let sampleRate: Int
    /// Samples per channel gathered before a chunk goes out.
    let chunkSamples: Int
    private var buffers: [[Int16]]
    /// Stream time (ns) of the current run's first sample, and samples per channel since then.
    private var runStartNs: Int64 = 0
    private var runSamples: Int64 = 0
    /// Samples per channel buffered (the run's last ones).
    private var buffered = 0
    public private(set) var ended = false

    public init(tap: any SpeechAudioTap, org: OrgID, conversationID: String, channels: [SpeechChannel],
                sampleRate: Int, chunk: Duration = .milliseconds(100)) {
        self.tap = tap
        self.org = org
        self.conversationID = conversationID
        self.channels = channels
        self.sampleRate = max(1, sampleRate)
        let (seconds, attoseconds) = chunk.components
        let ns = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        chunkSamples = max(1, Int(ns * Int64(max(1, sampleRate)) / 1_000_000_000))
        buffers = Array(repeating: [], count: channels.count)
    }

    /// Stream time (ns) of the next sample expected.
    public var nextNs: Int64 { runStartNs + runSamples * 1_000_000_000 / Int64(sampleRate) }

    /// Adds `interleaved` samples (whole frames of every channel; a trailing partial frame is ignored) whose first
    /// lies at `offsetNs` of stream time — nil: right after the previous ones. An offset more than 1 ms away from
    /// where the previous samples ended starts a new run (what is buffered goes out first).
    public mutating func append(interleaved: UnsafeBufferPointer<Int16>, atNs offsetNs: Int64? = nil) {
        guard !ended, !channels.isEmpty else { return }
        if let offsetNs, abs(offsetNs - nextNs) > 1_000_000 { jump(to: offsetNs) }
        let n = channels.count
        let frames = interleaved.count / n
        guard frames > 0 else { return }
        for c in 0..<n {
            buffers[c].reserveCapacity(max(chunkSamples, buffered + frames))
            var i = c
            for _ in 0..<frames {
                buffers[c].append(interleaved[i])
                i += n
            }
        }
        buffered += frames
        runSamples += Int64(frames)
        if buffered >= chunkSamples { flush() }
    }

    /// Adds `interleaved` samples from an array (see ``append(interleaved:atNs:)``).
    public mutating func append(interleaved: [Int16], atNs offsetNs: Int64? = nil) {
        interleaved.withUnsafeBufferPointer { append(interleaved: $0, atNs: offsetNs) }
    }

    /// Stream time passes without audio (a pause, a skipped run): what is buffered goes out first.
    public mutating func gap(ns: Int64) {
        guard !ended, ns > 0 else { return }
        jump(to: nextNs + ns)
    }

    /// Offers what is buffered, one chunk per channel.
    public mutating func flush() {
        guard buffered > 0 else { return }
        let startNs = runStartNs + (runSamples - Int64(buffered)) * 1_000_000_000 / Int64(sampleRate)
        for (c, channel) in channels.enumerated() {
            tap.offer(org: org, conversationID: conversationID, channel: channel, sampleRate: sampleRate,
                      samples: buffers[c], offsetMs: startNs / 1_000_000)
            buffers[c] = []
        }
        buffered = 0
    }

    /// The interaction is over: what is buffered goes out, then the tap is told (once).
    public mutating func end() {
        guard !ended else { return }
        flush()
        ended = true
        tap.end(org: org, conversationID: conversationID)
    }

    private mutating func jump(to ns: Int64) {
        flush()
        runStartNs = ns
        runSamples = 0
    }
}
