import Foundation

/// Streaming voice activity for one call (one or two channels), in bounded memory: talk time per
/// channel, silence (every channel quiet), overtalk (both talking), the longest silence, the mean
/// speech level per channel and the agent : customer talk ratio.
///
/// Method (docs/audio.md):
/// 1. Samples are cut into windows of `window` (20 ms, 160 samples at 8 kHz) per channel. A window's
///    level is its mean square relative to full scale, in dBFS: `10·log10(mean(s²) / 32768²)`.
/// 2. A window is *active* when its level is at least `threshold` (−40 dBFS).
/// 3. Hangover: a quiet spell of at most `hangover` (200 ms) between two active windows of a channel
///    counts as talk (the pauses between words); quiet after a channel's last active window does
///    not, so spurt ends are not stretched. A window's talk state is therefore final `hangover`
///    after it; ``metrics`` counts final windows only (they lag the audio by at most `hangover`),
///    ``finish()`` finalises the rest.
/// 4. Each final window adds its length to the talk time of each talking channel, to overtalk when
///    both talk, to silence when none does (and to the current silence run). Overtalk is also counted
///    per channel, to the channel whose current spurt began later (the one who cut in; a spurt begins
///    at the first final talking window after a non-talking one or a gap); when both spurts began in
///    the same window it is split evenly, so the channels' overtalk sums to the total.
/// 5. Speech level: the power mean of the channel's active windows, in dBFS.
///
/// Memory is a few words per channel whatever the call length: window sums, a 64-bit history of talk
/// states (so `hangover` ≤ 63 windows) and the totals.
public struct VoiceActivityAnalyzer: Sendable {
    public struct Parameters: Sendable, Equatable {
        /// Analysis window.
        public var window: Duration
        /// Level (dBFS) from which a window counts as voice.
        public var threshold: Double
        /// Longest quiet spell inside a spurt still counted as talk (at most 63 windows).
        public var hangover: Duration

        public init(window: Duration = .milliseconds(20), threshold: Double = -40, hangover: Duration = .milliseconds(200)) {
            self.window = window
            self.threshold = threshold
            self.hangover = hangover
        }
    }

    public let channels: [AudioChannel]
    public let rate: Int
    public let parameters: Parameters
    private let windowSamples: Int
    private let hangoverWindows: Int
    /// A window of `n` samples is active when its sum of squares is at least `n ×` this.
    private let thresholdMeanSquare: Double

    // The window being filled.
    private var sum0: Int64 = 0
    private var sum1: Int64 = 0
    private var filled = 0
    // Talk states of recent windows per channel: bit k is the window k before the newest.
    private var talk0: UInt64 = 0
    private var talk1: UInt64 = 0
    private var lastActive0: Int64?
    private var lastActive1: Int64?
    private var windowIndex: Int64 = 0
    /// Windows closed but not final yet (≤ `hangoverWindows`).
    private var pending = 0
    // Totals, in samples per channel.
    private var talkSamples0: Int64 = 0
    private var talkSamples1: Int64 = 0
    private var speechPower0: Double = 0
    private var speechPower1: Double = 0
    private var activeWindows0: Int64 = 0
    private var activeWindows1: Int64 = 0
    private var analysedSamples: Int64 = 0
    private var silenceSamples: Int64 = 0
    private var overtalkSamples: Int64 = 0
    private var gapSamples: Int64 = 0
    private var silenceRun: Int64 = 0
    private var longestSilence: Int64 = 0
    // Per-channel overtalk: who cut in. `final` counts finalised windows; a spurt begins at the first
    // final talking window after a non-talking one (or a gap).
    private var finalWindows: Int64 = 0
    private var wasTalking0 = false
    private var wasTalking1 = false
    private var spurtStart0: Int64 = 0
    private var spurtStart1: Int64 = 0
    /// Overtalk counted to channel 0 / 1 (its spurt began later), and to neither (both began together).
    private var overtalkSamples0: Int64 = 0
    private var overtalkSamples1: Int64 = 0
    private var overtalkTieSamples: Int64 = 0

    /// - Parameters:
    ///   - channels: the medium's channels in interleaving order (one or two).
    ///   - rate: samples per second.
    public init(channels: [AudioChannel], rate: Int = 8000, parameters: Parameters = Parameters()) {
        precondition((1...2).contains(channels.count), "one or two channels")
        precondition(rate > 0)
        self.channels = channels
        self.rate = rate
        self.parameters = parameters
        let windowMs = max(1, parameters.window.milliseconds)
        windowSamples = max(1, Int(Int64(rate) * windowMs / 1000))
        hangoverWindows = min(63, max(0, Int(parameters.hangover.milliseconds / windowMs)))
        thresholdMeanSquare = Self.fullScale * pow10(parameters.threshold / 10)
    }

    /// The analyzer for a session's chosen medium.
    public init(media: AudioMedia, parameters: Parameters = Parameters()) {
        self.init(channels: media.channels, rate: media.rate, parameters: parameters)
    }

    /// 32768², the mean square of a full-scale square wave (0 dBFS).
    static let fullScale: Double = 1_073_741_824

    // MARK: Input

    /// Adds a frame from the session (its medium must be the analyzer's).
    public mutating func process(_ frame: AudioHookSessionStateMachine.AudioFrame) {
        if frame.media.format == .l16 { process(l16: frame.bytes) } else { process(pcmu: frame.bytes) }
    }

    /// Adds interleaved μ-law bytes (a trailing partial sample group is ignored).
    public mutating func process(pcmu bytes: [UInt8]) {
        let n = channels.count
        PCMU.table.withUnsafeBufferPointer { t in
            bytes.withUnsafeBufferPointer { b in
                var i = 0
                if n == 2 {
                    while i + 1 < b.count {
                        let s0 = Int64(t[Int(b[i])]), s1 = Int64(t[Int(b[i + 1])])
                        sum0 += s0 * s0
                        sum1 += s1 * s1
                        i += 2
                        sampleAdded()
                    }
                } else {
                    while i < b.count {
                        let s0 = Int64(t[Int(b[i])])
                        sum0 += s0 * s0
                        i += 1
                        sampleAdded()
                    }
                }
            }
        }
    }

    /// Adds interleaved little-endian 16-bit samples.
    public mutating func process(l16 bytes: [UInt8]) {
        let n = channels.count
        bytes.withUnsafeBufferPointer { b in
            var i = 0
            while i + 2 * n <= b.count {
                let s0 = Int64(L16.sample(b[i], b[i + 1]))
                sum0 += s0 * s0
                if n == 2 {
                    let s1 = Int64(L16.sample(b[i + 2], b[i + 3]))
                    sum1 += s1 * s1
                }
                i += 2 * n
                sampleAdded()
            }
        }
    }

    /// Adds linear samples, interleaved over the channels (a trailing partial sample group is ignored).
    public mutating func process(samples: [Int16]) {
        samples.withUnsafeBufferPointer { process(samples: $0) }
    }

    /// Adds linear samples, interleaved over the channels, read in place (e.g. a decoder's output buffer;
    /// a trailing partial sample group is ignored). Sums each window's run of samples in one tight loop.
    public mutating func process(samples: UnsafeBufferPointer<Int16>) {
        guard let base = samples.baseAddress else { return }
        let n = channels.count
        let frames = samples.count / n
        var done = 0
        while done < frames {
            let take = min(frames - done, windowSamples - filled)
            var a: Int64 = 0
            var b: Int64 = 0
            let p = base + done * n
            if n == 2 {
                for k in 0..<take {
                    let s0 = Int32(p[2 * k]), s1 = Int32(p[2 * k + 1])
                    a &+= Int64(s0 &* s0)
                    b &+= Int64(s1 &* s1)
                }
            } else {
                for k in 0..<take {
                    let s0 = Int32(p[k])
                    a &+= Int64(s0 &* s0)
                }
            }
            sum0 += a
            sum1 += b
            filled += take
            done += take
            if filled == windowSamples { closeWindow(length: windowSamples) }
        }
    }

    /// Audio that was not sent (pause, discarded): finalises what came before, so no spurt or
    /// silence is bridged across the gap, and counts the gap apart from talk and silence.
    public mutating func gap(_ duration: AudioHookDuration) {
        flush()
        gapSamples += duration.samples(rate: rate)
    }

    /// Finalises every window (the end of the call) and returns the totals.
    public mutating func finish() -> VoiceActivityMetrics {
        flush()
        return metrics
    }

    // MARK: Output

    /// Totals over the final windows (all but the last `hangover` of audio until ``finish()``).
    public var metrics: VoiceActivityMetrics {
        func ms(_ samples: Int64) -> Int64 { samples * 1000 / Int64(rate) }
        func level(_ power: Double, _ windows: Int64) -> Double? {
            windows == 0 ? nil : 10 * log10Safe(power / Double(windows) / Self.fullScale)
        }
        let analysedMs = ms(analysedSamples), overtalkMs = ms(overtalkSamples)
        // Channel 0's share (its own plus half the ties); channel 1 gets the rest, so the two sum to the total.
        let overtalk0 = channels.count == 2 ? min(overtalkMs, ms(overtalkSamples0 + overtalkTieSamples / 2)) : 0
        let talk0 = ms(talkSamples0)
        var perChannel = [VoiceActivityMetrics.Channel(channel: channels[0], talkMs: talk0,
                                                      speechLevelDbfs: level(speechPower0, activeWindows0),
                                                      silenceMs: analysedMs - talk0, overtalkMs: overtalk0)]
        if channels.count == 2 {
            let talk1 = ms(talkSamples1)
            perChannel.append(.init(channel: channels[1], talkMs: talk1, speechLevelDbfs: level(speechPower1, activeWindows1),
                                    silenceMs: analysedMs - talk1, overtalkMs: overtalkMs - overtalk0))
        }
        return VoiceActivityMetrics(analysedMs: analysedMs, silenceMs: ms(silenceSamples), overtalkMs: overtalkMs,
                                    longestSilenceMs: ms(longestSilence), gapMs: ms(gapSamples), channels: perChannel)
    }

    // MARK: Windows

    @inline(__always)
    private mutating func sampleAdded() {
        filled += 1
        if filled == windowSamples { closeWindow(length: windowSamples) }
    }

    private mutating func closeWindow(length: Int) {
        let index = windowIndex
        windowIndex += 1
        let threshold = thresholdMeanSquare * Double(length)
        let active0 = Double(sum0) >= threshold
        if active0 {
            speechPower0 += Double(sum0) / Double(length)
            activeWindows0 += 1
        }
        talk0 = push(talk0, active: active0, index: index, last: &lastActive0)
        if channels.count == 2 {
            let active1 = Double(sum1) >= threshold
            if active1 {
                speechPower1 += Double(sum1) / Double(length)
                activeWindows1 += 1
            }
            talk1 = push(talk1, active: active1, index: index, last: &lastActive1)
        }
        sum0 = 0
        sum1 = 0
        filled = 0
        pending += 1
        if pending > hangoverWindows {
            finalize(bit: hangoverWindows, length: hangoverWindows == 0 ? length : windowSamples)
            pending -= 1
        }
    }

    /// Shifts in the newest window; an active one also marks the quiet windows since the channel's
    /// previous active window as talk when there are at most `hangoverWindows` of them.
    private func push(_ bits: UInt64, active: Bool, index: Int64, last: inout Int64?) -> UInt64 {
        var bits = bits << 1
        guard active else { return bits }
        bits |= 1
        if let previous = last {
            let quiet = index - previous - 1
            if quiet >= 1 && quiet <= Int64(hangoverWindows) {
                bits |= ((UInt64(1) << UInt64(quiet)) - 1) << 1
            }
        }
        last = index
        return bits
    }

    private mutating func finalize(bit: Int, length: Int) {
        let samples = Int64(length)
        let t0 = (talk0 >> UInt64(bit)) & 1 == 1
        let t1 = channels.count == 2 && (talk1 >> UInt64(bit)) & 1 == 1
        if t0 { talkSamples0 += samples }
        if t1 { talkSamples1 += samples }
        if t0 && !wasTalking0 { spurtStart0 = finalWindows }
        if t1 && !wasTalking1 { spurtStart1 = finalWindows }
        wasTalking0 = t0
        wasTalking1 = t1
        finalWindows += 1
        if t0 && t1 {
            overtalkSamples += samples
            if spurtStart0 > spurtStart1 {
                overtalkSamples0 += samples
            } else if spurtStart1 > spurtStart0 {
                overtalkSamples1 += samples
            } else {
                overtalkTieSamples += samples
            }
        }
        analysedSamples += samples
        if !t0 && !t1 {
            silenceSamples += samples
            silenceRun += samples
            longestSilence = max(longestSilence, silenceRun)
        } else {
            silenceRun = 0
        }
    }

    /// Closes a partly filled window and finalises all pending ones, newest last.
    private mutating func flush() {
        var partial: Int?
        if filled > 0 {
            partial = filled
            closeWindow(length: filled)
        }
        var bit = pending - 1
        while bit >= 0 {
            finalize(bit: bit, length: bit == 0 ? (partial ?? windowSamples) : windowSamples)
            bit -= 1
        }
        pending = 0
        lastActive0 = nil
        lastActive1 = nil
        silenceRun = 0
        // A gap ends every spurt: talk after it begins a new one.
        wasTalking0 = false
        wasTalking1 = false
    }
}

private func pow10(_ x: Double) -> Double { pow(10, x) }
private func log10Safe(_ x: Double) -> Double { x > 0 ? log10(x) : -.infinity }
