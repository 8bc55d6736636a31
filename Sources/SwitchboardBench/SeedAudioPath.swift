import Audio
import AudioConnector
import Foundation
import OpusCodec
import SwitchboardCore

/// The seed Audio Connector's receive path for the bench, without the socket (docs/audio.md, "The seed Audio
/// Connector"): each binary message → ``SeedAudioFrame/decode(_:)`` → the connection's ``OpusReassembler``
/// (the time read per message, as a socket reader does; one actions buffer reused) → the interaction's ``OpusDecoder`` (a packet already
/// decoded is dropped; `.lost` concealed for the last packet's duration; `.skipped` resets the decoder and is
/// a gap; samples read in place with ``OpusDecoder/withDecoded(_:_:)``) → its stereo ``VoiceActivityAnalyzer``
/// (customer, agent) → a metrics snapshot about every 400 ms
/// of an interaction's audio, as the progress reports take one.
///
/// What the bridge adds around it and this leaves out: the WebSocket read, metadata buffering, pause
/// detection and the speech events themselves — per packet a few comparisons, or per 400 ms.
struct SeedAudioPath {
    /// One interaction's decoder and analysis.
    final class Call {
        let decoder: OpusDecoder
        var analyzer: VoiceActivityAnalyzer
        var lastDecoded: Int64 = -1
        var sinceSnapshot = 0

        init(sampleRate: Int) throws {
            decoder = try OpusDecoder(sampleRate: sampleRate, channels: 2)
            analyzer = VoiceActivityAnalyzer(channels: [.external, .internal], rate: sampleRate)
        }
    }

    /// How far the path goes (the bench splits the path's cost by stopping early).
    enum Stage { case reassembly, decode, analysis }

    let sampleRate: Int
    let stage: Stage
    private let analyse: Bool
    private let snapshotSamples: Int
    private var reassembler = OpusReassembler()
    private var calls: [UUID: Call] = [:]
    private var pcm: [Int16] = []
    private var actions: [OpusReassembler.Action] = []

    private(set) var decodedSamples = 0
    private(set) var packets = 0
    private(set) var concealed = 0
    private(set) var dropped = 0
    private(set) var snapshots = 0
    private(set) var snapshotAnalysedMs: Int64 = 0

    init(sampleRate: Int, stage: Stage = .analysis) {
        self.sampleRate = sampleRate
        self.stage = stage
        analyse = stage == .analysis
        snapshotSamples = sampleRate * 400 / 1000
    }

    var reassemblerCounters: OpusReassembler.Counters { reassembler.counters }

    /// Takes one binary message of the connection.
    mutating func receive(_ message: [UInt8]) {
        guard let frame = try? SeedAudioFrame.decode(message) else {
            dropped += 1
            return
        }
        // One actions buffer, reused from message to message.
        var batch = actions
        actions = []
        batch.removeAll(keepingCapacity: true)
        reassembler.receive(frame, now: .now, into: &batch)
        for action in batch { handle(action) }
        actions = batch
    }

    /// The interactions ended: what the reassembler still holds, then each analysis finished.
    mutating func finish() -> [VoiceActivityMetrics] {
        for id in calls.keys.sorted(by: { $0.uuidString < $1.uuidString }) {
            for action in reassembler.interactionEnded(id, now: .now) { handle(action) }
        }
        return calls.keys.sorted(by: { $0.uuidString < $1.uuidString }).map { calls[$0]!.analyzer.finish() }
    }

    private mutating func call(_ id: UUID) -> Call? {
        if let call = calls[id] { return call }
        guard let call = try? Call(sampleRate: sampleRate) else { return nil }
        calls[id] = call
        return call
    }

    private mutating func handle(_ action: OpusReassembler.Action) {
        switch action {
        case .packet(let id, let sequence, let bytes):
            guard let call = call(id) else { return }
            guard Int64(sequence) > call.lastDecoded else {
                dropped += 1
                return
            }
            call.lastDecoded = Int64(sequence)
            packets += 1
            if stage == .reassembly { return }
            // Decoded in place, straight into the analysis (no copy of the samples).
            let analyse = self.analyse
            let samples = try? call.decoder.withDecoded(bytes) { pcm in
                if analyse { call.analyzer.process(samples: pcm) }
                return pcm.count / 2
            }
            if let samples { analysed(call, samples) } else { conceal(call) }
        case .lost(let id, let sequence):
            guard let call = call(id), Int64(sequence) > call.lastDecoded else { return }
            call.lastDecoded = Int64(sequence)
            if stage != .reassembly { conceal(call) }
        case .skipped(let id, let from, let count):
            guard let call = call(id) else { return }
            let gap = Int64(call.decoder.lastPacketSamples) * Int64(count)
            call.decoder.reset()
            if analyse { call.analyzer.gap(AudioHookDuration(samples: gap, rate: sampleRate)) }
            call.lastDecoded = Int64(from) + Int64(count) - 1
        case .purged:
            break
        }
    }

    private mutating func conceal(_ call: Call) {
        concealed += 1
        if let samples = try? call.decoder.decodeLoss(samples: call.decoder.lastPacketSamples, into: &pcm) {
            if analyse { call.analyzer.process(samples: pcm) }
            analysed(call, samples)
        }
    }

    /// Counts what was decoded (and analysed) and takes the metrics snapshot when one is due.
    private mutating func analysed(_ call: Call, _ samples: Int) {
        decodedSamples += samples
        guard analyse else { return }
        call.sinceSnapshot += samples
        if call.sinceSnapshot >= snapshotSamples {
            call.sinceSnapshot = 0
            snapshots += 1
            snapshotAnalysedMs += call.analyzer.metrics.speechMetrics.analysedMs
        }
    }
}
