import AudioConnector
import Foundation
import NIOCore
import NIOEmbedded
import OpusCodec
@testable import Simulator
import SwitchboardCore
import Testing

/// The seed Audio Connector's server side without sockets: tokens, the packet plan, a call's stream, the
/// fault shaper, subscriptions and the encoder.
@Suite struct SeedAudioUnitTests {
    static let conversation = "7b2c3d4e-0000-4000-8000-0000000000c1"
    static let t0 = ContinuousClock.now

    static func at(ms: Int64) -> ContinuousClock.Instant { t0 + .milliseconds(ms) }

    @Test func tokensAreSingleUseAndExpire() {
        var book = SimSeedConnectionTokens(lifetimeSeconds: 3600, unusedMaxAgeMs: 60_000)
        book.issue("a", org: "us", realNow: 1_000)
        #expect(book.redeem("a", realNow: 2_000) == .valid(org: "us"))
        #expect(book.redeem("a", realNow: 2_001) == .refused(reason: "the connection token was already used"))
        #expect(book.redeem("never", realNow: 2_001) == .refused(reason: "unknown connection token"))
        // Unused for longer than the option: refused although expiresIn has not run out.
        book.issue("b", org: "us", realNow: 10_000)
        guard case .refused(let old) = book.redeem("b", realNow: 70_001) else { Issue.record("an old token opened"); return }
        #expect(old.contains("not used within 60 s"))
        book.issue("c", org: "emea", realNow: 10_000)
        #expect(book.redeem("c", realNow: 70_000) == .valid(org: "emea"))
        // The expired-uri fault: refused at once.
        book.issue("d", org: "us", realNow: 10_000, expired: true)
        #expect(book.redeem("d", realNow: 10_001) == .refused(reason: "the connection token expired"))
        // A short lifetime wins over the unused age.
        var short = SimSeedConnectionTokens(lifetimeSeconds: 1, unusedMaxAgeMs: 60_000)
        short.issue("e", org: "us", realNow: 0)
        #expect(short.redeem("e", realNow: 1_000) == .refused(reason: "the connection token expired"))
    }

    @Test func thePlanCoversEveryDurationAndTheFragmentShare() {
        var plan = SimSeedPacketPlan(seed: 42, fragmentShare: 0.3)
        var durations: [Int64: Int] = [:]
        var fragmented = 0, total = 0
        for _ in 0..<5000 {
            let unit = plan.next()
            #expect(unit.count == (unit[0].durationUs == 2_500 ? 2 : 1), "2.5 ms packets come in pairs")
            for slot in unit {
                durations[slot.durationUs, default: 0] += 1
                total += 1
                if slot.fragments > 1 { fragmented += 1 }
                #expect((1...4).contains(slot.fragments))
            }
        }
        #expect(Set(durations.keys) == [2_500, 5_000, 10_000, 20_000, 40_000, 60_000, 120_000])
        #expect(durations[20_000]! > durations[60_000]! && durations[60_000]! > durations[120_000]!)
        let share = Double(fragmented) / Double(total)
        #expect(share > 0.25 && share < 0.35, "\(share)")
        // The same seed, the same plan.
        var a = SimSeedPacketPlan(seed: 7, fragmentShare: 0.3), b = SimSeedPacketPlan(seed: 7, fragmentShare: 0.3)
        #expect((0..<100).map { _ in a.next() } == (0..<100).map { _ in b.next() })
        var none = SimSeedPacketPlan(seed: 7, fragmentShare: 0)
        #expect((0..<500).allSatisfy { _ in none.next().allSatisfy { $0.fragments == 1 } })
    }

    @Test func packetsArePacedAndPausesHoldTheSequence() {
        var s = SimSeedCallStream(conversationId: Self.conversation, seed: 1, fragmentShare: 0.3, startedAt: Self.t0)
        let first = s.produce(until: Self.at(ms: 1000))
        #expect(first.map(\.sequence) == Array(0..<UInt32(first.count)))
        #expect(first.first?.startUs == 0)
        for (a, b) in zip(first, first.dropFirst()) { #expect(a.endUs == b.startUs, "packets are contiguous") }
        let end = first.last!.endUs
        #expect(end <= 1_000_000 && end > 1_000_000 - 120_000 - 2_500)
        #expect(s.produce(until: Self.at(ms: 1000)).isEmpty, "nothing twice")
        // Hold at 1.5 s: what was due goes out, then nothing, and the sequence stands still.
        let beforeHold = s.pause(at: Self.at(ms: 1500))
        let held = s.nextSequence
        #expect(s.produce(until: Self.at(ms: 3000)).isEmpty)
        #expect(s.nextSequence == held)
        s.resume(at: Self.at(ms: 3000))
        let after = s.produce(until: Self.at(ms: 4000))
        #expect(after.first?.sequence == held, "no packet is missing across a pause")
        #expect(after.first?.startUs == 3_000_000, "the stream position moved on by the time paused")
        let pausedFrom = (beforeHold.last ?? first.last!).endUs / 1000
        #expect(s.pauses == [pausedFrom..<3000])
        // Ended: nothing more.
        _ = s.end(at: Self.at(ms: 4100))
        #expect(s.produce(until: Self.at(ms: 9000)).isEmpty)
    }

    @Test func theTruthCountsWholePacketsSent() throws {
        var s = SimSeedCallStream(conversationId: Self.conversation, seed: 1, fragmentShare: 0.3, startedAt: Self.t0)
        let packets = s.produce(until: Self.at(ms: 3000))
        #expect(s.truth(org: "us", startedAt: "x", state: "open", faults: []) == nil, "no session before audio was sent")
        // Nothing reached a connection for the first ten packets (nobody subscribed); one garbage packet later.
        for (i, p) in packets.enumerated() where i >= 10 { s.markSent(p, intact: i != 20) }
        // Whole milliseconds (a 2.5 ms packet's half millisecond counts whole).
        let segments = [packets[10].startUs / 1000..<(packets[19].endUs + 999) / 1000,
                        packets[21].startUs / 1000..<packets.last!.endUs / 1000]
        let truth = try #require(s.truth(org: "us", startedAt: "x", state: "open", faults: ["seed-audio-garbage-opus"]))
        #expect(truth.session == "seed/" + Self.conversation)
        #expect(truth.conversationId == Self.conversation)
        #expect(s.segments == segments)
        #expect(truth.analysedMs == segments.reduce(0) { $0 + Int64($1.count) })
        #expect(truth.customer.talkMs + truth.agent.talkMs - truth.overtalkMs + truth.silenceMs == truth.analysedMs)
        #expect(truth.faults == ["seed-audio-garbage-opus"])
        // The same schedule as the AudioHook path for this call.
        var schedule = SimSpeechSchedule(seed: SimAudioHookClient.hash(Self.conversation, seed: 1))
        schedule.extend(through: 3000)
        #expect(Array(schedule.customer.prefix(2)) == Array(s.schedule.customer.prefix(2)))
    }

    static func frames(_ sequence: UInt32, count: Int) throws -> [SeedAudioFrame] {
        let bytes = (0..<(count * 10)).map { UInt8(truncatingIfNeeded: $0) }
        return try SeedAudioFrame.fragments(of: bytes, interaction: UUID(), sequence: sequence, maxPayload: 10)
    }

    @Test func theShaperAppliesPacketFaults() throws {
        var shaper = SimSeedFaultShaper()
        let p0 = try Self.frames(0, count: 3)
        #expect(shaper.shape(p0, .none) == p0)
        let missing = shaper.shape(try Self.frames(1, count: 3), .missingFragment)
        #expect(missing.map(\.fragmentIndex) == [0, 2], "the fragment before the last is left out")
        let dup = shaper.shape(try Self.frames(2, count: 2), .duplicateFragment)
        #expect(dup.map(\.fragmentIndex) == [0, 1, 0])
        // Reordered: held back two packets, fragments reversed.
        #expect(shaper.shape(try Self.frames(3, count: 3), .reorder).isEmpty)
        #expect(shaper.shape(try Self.frames(4, count: 1), .none).map(\.sequence) == [4])
        let released = shaper.shape(try Self.frames(5, count: 1), .none)
        #expect(released.map(\.sequence) == [5, 3, 3, 3])
        #expect(released.dropFirst().map(\.fragmentIndex) == [2, 1, 0])
        // Held when the call pauses: flushed.
        #expect(shaper.shape(try Self.frames(6, count: 2), .reorder).isEmpty)
        #expect(shaper.flush().map(\.sequence) == [6, 6])
        #expect(!shaper.isHolding)
    }

    static func subscribe(types: String = #"["voice"]"#, queues: String? = nil, direction: String = #"["inbound","outbound"]"#,
                          rate: Int = 16000, format: String = "opus") -> String {
        let q = queues.map { #","queueIds":\#($0)"# } ?? ""
        return #"{"type":"subscribe","subscription":{"type":"audio","filters":{"interactionTypes":\#(types)\#(q),"direction":\#(direction)},"format":"\#(format)","sampleRate":\#(rate)}}"#
    }

    @Test func subscriptionsAnswerAndKeepTheLimit() {
        var subs = SimSeedSubscriptions(limit: 2)
        var n = 0
        func newID() -> String {
            n += 1
            return "s\(n)"
        }
        func code(_ m: SeedMessage) -> String? {
            if case .error(let e) = m { return e.code }
            return nil
        }
        #expect(code(subs.handle(Self.subscribe(types: #"["voice","chat"]"#), newID: newID)) == "unsupported-interaction-type")
        #expect(code(subs.handle(Self.subscribe(types: #"["video"]"#), newID: newID)) == "unsupported-interaction-type")
        #expect(code(subs.handle(Self.subscribe(rate: 44100), newID: newID)) == "invalid-sample-rate")
        #expect(code(subs.handle("{\"type\":", newID: newID)) == "malformed")
        #expect(code(subs.handle(#"{"type":"subscribed","subscriptionId":"x"}"#, newID: newID)) == "malformed")
        #expect(subs.handle(Self.subscribe(queues: #"["q1"]"#, direction: #"["inbound"]"#, rate: 8000), newID: newID)
            == .subscribed(subscriptionId: "s1", status: "active"))
        #expect(subs.handle(Self.subscribe(rate: 48000), newID: newID) == .subscribed(subscriptionId: "s2", status: "active"))
        #expect(code(subs.handle(Self.subscribe(), newID: newID)) == "subscription-limit")
        #expect(subs.matches(queueId: "q1", direction: "inbound") == [8000, 48000])
        #expect(subs.matches(queueId: "q2", direction: "inbound") == [48000])
        #expect(subs.matches(queueId: "q1", direction: "outbound") == [48000])
        #expect(subs.handle(#"{"type":"unsubscribe","subscriptionId":"s2"}"#, newID: newID) == .unsubscribed(subscriptionId: "s2"))
        #expect(code(subs.handle(#"{"type":"unsubscribe","subscriptionId":"s2"}"#, newID: newID)) == "unknown-subscription")
        #expect(subs.matches(queueId: "q2", direction: "inbound").isEmpty)
        #expect(subs.handle(Self.subscribe(), newID: newID) == .subscribed(subscriptionId: "s3", status: "active"))
    }

    @Test func everyDurationEncodesAndDecodesAtEveryRate() throws {
        let stream = SimSeedCallStream(conversationId: Self.conversation, seed: 1, fragmentShare: 0, startedAt: Self.t0)
        for rate in SimSpeechSynth.pcmRates {
            let encoder = SimSeedEncoder(rate: rate, waveformOffset: 123)
            let decoder = try OpusDecoder(sampleRate: rate, channels: 2)
            var pcm: [Int16] = []
            var start: Int64 = 0
            for duration: Int64 in [2_500, 2_500, 5_000, 10_000, 20_000, 40_000, 60_000, 120_000] {
                let packet = SimSeedCallStream.Packet(sequence: 0, startUs: start, durationUs: duration, fragments: 1)
                start += duration
                let bytes = try #require(encoder.encode(packet, of: stream), "\(duration) µs at \(rate) Hz")
                let samples = Int(duration) * rate / 1_000_000
                #expect(try OpusPacket.samples(bytes, sampleRate: rate) == samples)
                #expect(try OpusPacket.channels(bytes) == 2)
                #expect(try decoder.decode(bytes, into: &pcm) == samples)
            }
        }
        // A garbage packet is refused by libopus, whatever its random bytes.
        var plan = SimSeedPacketPlan(seed: 9, fragmentShare: 0)
        let decoder = try OpusDecoder(sampleRate: 16000, channels: 2)
        var pcm: [Int16] = []
        for size in [2, 3, 40, 200] {
            let garbage = plan.garbage(count: size)
            #expect(garbage.count == size)
            #expect(throws: OpusError.self) { try decoder.decode(garbage, into: &pcm) }
        }
    }

    /// Decoded, each party stays on its channel: talk windows loud, the other side's quiet windows far below the
    /// bridge's −40 dBFS threshold.
    @Test func decodedChannelsKeepThePartiesApart() throws {
        let schedule = SimSpeechSchedule(customer: [0..<1000, 2000..<2600], agent: [600..<1600, 2400..<3000])
        var stream = SimSeedCallStream(conversationId: Self.conversation, seed: 1, fragmentShare: 0, startedAt: Self.t0)
        stream.replaceSchedule(schedule)
        for rate in SimSpeechSynth.pcmRates {
            let encoder = SimSeedEncoder(rate: rate, waveformOffset: 0)
            let decoder = try OpusDecoder(sampleRate: rate, channels: 2)
            var decoded: [Int16] = [], pcm: [Int16] = []
            var start: Int64 = 0
            var worst = (talk: 0.0, quiet: -200.0)
            for duration: Int64 in Array(repeating: 20_000, count: 60) + Array(repeating: 60_000, count: 20) {
                let packet = SimSeedCallStream.Packet(sequence: 0, startUs: start, durationUs: duration, fragments: 1)
                start += duration
                _ = try decoder.decode(try #require(encoder.encode(packet, of: stream)), into: &pcm)
                decoded += pcm
            }
            let window = rate / 50
            for w in 0..<(decoded.count / 2 / window) {
                let ms = Int64(w * 20)
                for channel in 0..<2 {
                    let values = (0..<window).map { Double(decoded[2 * (w * window + $0) + channel]) }
                    let db = 20 * log10(max(1e-9, (values.reduce(0) { $0 + $1 * $1 } / Double(window)).squareRoot()) / 32768)
                    let spurts = channel == 0 ? schedule.customer : schedule.agent
                    // Away from the edges (the codec's lookahead and decay).
                    if spurts.contains(where: { $0.lowerBound + 60 <= ms && ms + 20 <= $0.upperBound - 20 }) {
                        worst.talk = min(worst.talk, db)
                    } else if !spurts.contains(where: { $0.lowerBound - 60 < ms + 20 && ms < $0.upperBound + 100 }) && ms >= 100 {
                        worst.quiet = max(worst.quiet, db)
                    }
                }
            }
            #expect(worst.talk > -30 && worst.quiet < -50, "\(rate) Hz: quietest talk \(worst.talk) dBFS, loudest quiet \(worst.quiet) dBFS")
        }
    }

    /// A connection that falls behind is closed abruptly: queuing never waits for it.
    @Test func aSlowConnectionIsClosedNotWaitedFor() async throws {
        let channel = EmbeddedChannel()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
        let (stream, continuation) = AsyncStream.makeStream(of: SimSeedSocket.Outgoing.self, bufferingPolicy: .bufferingOldest(3))
        let socket = SimSeedSocket(id: 1, org: "us", continuation: continuation, nio: channel)
        for i in 0..<3 { #expect(socket.send(.text("\(i)"))) }
        #expect(channel.isActive)
        #expect(!socket.send(.binary(ByteBuffer(bytes: [1, 2, 3]))), "the fourth message does not fit")
        #expect(socket.wasTooSlow && socket.isFinished)
        #expect(!channel.isActive, "closed abruptly")
        #expect(!socket.send(.text("late")))
        var queued = 0
        for await _ in stream { queued += 1 }
        #expect(queued == 3)
        // A close is queued behind what is there, then the outbox ends.
        let (stream2, continuation2) = AsyncStream.makeStream(of: SimSeedSocket.Outgoing.self, bufferingPolicy: .bufferingOldest(3))
        let polite = SimSeedSocket(id: 2, org: "us", continuation: continuation2, nio: EmbeddedChannel())
        polite.send(.text("a"))
        polite.close(code: 1001, reason: "moving")
        var last: SimSeedSocket.Outgoing?
        for await item in stream2 { last = item }
        guard case .close(let code, _) = last else { Issue.record("no close queued"); return }
        #expect(code == 1001 && polite.isFinished && !polite.wasTooSlow)
    }

    @Test func thePCMFollowsTheSchedule() {
        let schedule = SimSpeechSchedule(customer: [0..<1000], agent: [500..<1500])
        var pcm: [Int16] = []
        func rms(_ channel: Int, from ms: Int64, rate: Int) -> Double {
            SimSpeechSynth.pcm(schedule, fromUs: ms * 1000, samples: rate / 50, rate: rate, into: &pcm)
            let values = stride(from: channel, to: pcm.count, by: 2).map { Double(pcm[$0]) }
            return (values.reduce(0) { $0 + $1 * $1 } / Double(values.count)).squareRoot()
        }
        for rate in SimSpeechSynth.pcmRates {
            #expect(rms(0, from: 100, rate: rate) > 1000 && rms(1, from: 100, rate: rate) < 100)
            #expect(rms(0, from: 600, rate: rate) > 1000 && rms(1, from: 600, rate: rate) > 1000)
            #expect(rms(0, from: 1200, rate: rate) < 100 && rms(1, from: 1200, rate: rate) > 1000)
        }
        // The AudioHook path's μ-law tables are the 8 kHz linear tables, encoded.
        #expect(SimSpeechSynth.voiced[0] == SimSpeechSynth.linearTable(voiced: true, channel: 0, rate: 8000)
            .map(SimSpeechSynth.encode))
    }
}
