import Audio
import AudioConnector
import COpus
import Foundation
import OpusCodec

/// `--child audio-opus`: the seed Audio Connector's Opus path against raw libopus, on one thread (the driver
/// pins it to one core). Per sample rate, a corpus (``OpusCorpus``) made once, then `rounds` rounds of one
/// pass per variant over all of it, the order rotated each round so that machine noise falls on every variant alike:
///
/// - `raw`: `opus_decode` straight from COpus on each packet (one decoder per call, one output buffer) — the
///   baseline;
/// - `wrapper`: the same packets through ``OpusDecoder/withDecoded(_:_:)`` (samples read in place, as the path does);
/// - `reassembled`: the binary messages through ``SeedAudioPath`` without the analysis (frame decode,
///   reassembly, the per-interaction decoder);
/// - `path`: the whole ``SeedAudioPath`` (… → ``VoiceActivityAnalyzer`` → a metrics snapshot every 400 ms);
/// - `frames`: the messages through frame decode and reassembly only (no Opus decode), for its cost per message.
///
/// CPU is the thread's (`CLOCK_THREAD_CPUTIME_ID`); throughput is audio seconds (per call) per CPU second,
/// i.e. how many calls one core keeps up with. Prints one JSON object; with the LD_PRELOAD malloc counter
/// loaded, allocations per pass too.
enum AudioOpusChild {
    enum Variant: String, CaseIterable {
        case raw, wrapper, reassembled, path
        /// Frame decode and reassembly alone (no Opus decode): the cost per message, outside the ratio.
        case frames
    }

    static func run(_ opts: [String: String]) {
        let rates = (opts["rates"] ?? "16000").split(separator: ",").compactMap { Int($0) }
        let rounds = max(1, Int(opts["rounds"] ?? "5") ?? 5)
        // `--variants raw,path`: only these (for profiling one variant under perf).
        let variants = opts["variants"].map { $0.split(separator: ",").compactMap { Variant(rawValue: String($0)) } }
            ?? Variant.allCases
        var out: [String: Double] = ["rounds": Double(rounds)]
        for rate in rates {
            let calls = Int(opts["calls-\(rate)"] ?? opts["calls"] ?? "4") ?? 4
            let seconds = Int(opts["seconds-\(rate)"] ?? opts["seconds"] ?? "180") ?? 180
            let p = "r\(rate)."
            let t0 = Proc.now
            let corpus: OpusCorpus
            let share = Double(opts["fragmented"] ?? "0.3") ?? 0.3
            let bitrate = (opts["bitrate-\(rate)"] ?? opts["bitrate"]).flatMap { Int($0) }
                ?? OpusCorpus.defaultBitrate(sampleRate: rate)
            out[p + "encoderBitrate"] = Double(bitrate ?? 0)
            do {
                corpus = try OpusCorpus.make(sampleRate: rate, calls: calls, seconds: seconds, fragmentedShare: share,
                                             bitrate: bitrate)
            } catch {
                log("audio-opus: cannot make the \(rate) Hz corpus: \(error)")
                continue
            }
            out[p + "corpusSeconds"] = Proc.now - t0
            out[p + "calls"] = Double(calls)
            out[p + "audioSeconds"] = corpus.audioSeconds
            out[p + "packets"] = Double(corpus.packets.count)
            out[p + "messages"] = Double(corpus.messages.count)
            out[p + "fragmentedPackets"] = Double(corpus.fragmentedPackets)
            out[p + "bitsPerSecond"] = corpus.bitsPerSecond
            out[p + "packetBytes"] = Double(corpus.packetBytes.count) / Double(max(1, corpus.packets.count))
            for (ms, n) in corpus.durations { out[p + "packets\(ms)ms"] = Double(n) }
            log("audio-opus: \(rate) Hz corpus: \(calls) calls × \(seconds) s, \(corpus.packets.count) packets, "
                + "\(corpus.messages.count) messages, \(fmt(corpus.bitsPerSecond / 1000, 1)) kb/s, made in "
                + "\(fmt(Proc.now - t0, 1)) s")

            // Warm-up, and the check that every variant decodes every sample the raw decoder does.
            var expected = -1
            for variant in variants {
                let r = measure(variant, corpus)
                out[p + variant.rawValue + ".samples"] = Double(r.samples)
                if variant == .frames { continue }
                if expected < 0 { expected = r.samples }
                if r.samples != expected {
                    log("audio-opus: \(variant.rawValue) decoded \(r.samples) samples per channel, raw \(expected)")
                }
                if variant == .path, let check = r.check {
                    for (k, v) in check { out[p + k] = v }
                }
            }

            var cpu: [Variant: [Double]] = [:]
            var allocations: [Variant: [Int]] = [:]
            var pairRatios: [Double] = []
            for round in 0..<rounds {
                let order = variants.indices.map { variants[($0 + round) % variants.count] }
                var thisRound: [Variant: Double] = [:]
                for variant in order {
                    let r = measure(variant, corpus)
                    cpu[variant, default: []].append(r.cpu)
                    thisRound[variant] = r.cpu
                    if let a = r.allocations { allocations[variant, default: []].append(a) }
                }
                if let raw = thisRound[.raw], let path = thisRound[.path], path > 0 { pairRatios.append(raw / path) }
                log("audio-opus: \(rate) Hz round \(round + 1): "
                    + order.map { "\($0.rawValue) \(fmt(corpus.audioSeconds / (thisRound[$0] ?? .nan), 0))×" }
                        .joined(separator: ", "))
            }
            for variant in variants {
                let runs = (cpu[variant] ?? []).sorted()
                let median = percentile(runs, 50)
                out[p + variant.rawValue + ".cpuMedian"] = median
                out[p + variant.rawValue + ".realTime"] = corpus.audioSeconds / median
                out[p + variant.rawValue + ".realTimeBest"] = corpus.audioSeconds / (runs.first ?? .nan)
                out[p + variant.rawValue + ".realTimeWorst"] = corpus.audioSeconds / (runs.last ?? .nan)
                for (i, c) in (cpu[variant] ?? []).enumerated() { out[p + variant.rawValue + ".cpu\(i)"] = c }
                out[p + variant.rawValue + ".nsPerMessage"] = median * 1e9 / Double(max(1, corpus.messages.count))
                if let a = allocations[variant]?.min() {
                    out[p + variant.rawValue + ".allocationsPerPacket"] = Double(a) / Double(max(1, corpus.packets.count))
                }
            }
            let sortedPairs = pairRatios.sorted()
            out[p + "ratio"] = percentile(sortedPairs, 50)
            out[p + "ratioMin"] = sortedPairs.first ?? .nan
            out[p + "ratioMax"] = sortedPairs.last ?? .nan
            for (i, r) in pairRatios.enumerated() { out[p + "ratio\(i)"] = r }
        }
        let json = try! JSONSerialization.data(withJSONObject: out.mapValues { $0.isFinite ? $0 : -1 }, options: [.sortedKeys])
        FileHandle.standardOutput.write(json + Data("\n".utf8))
    }

    struct Pass {
        var cpu: Double
        var samples: Int
        var allocations: Int?
        var check: [String: Double]?
    }

    static func measure(_ variant: Variant, _ corpus: OpusCorpus) -> Pass {
        let a0 = MallocCounter.count
        let c0 = Proc.threadCPUSeconds
        var check: [String: Double]?
        let samples: Int
        switch variant {
        case .raw: samples = raw(corpus)
        case .wrapper: samples = wrapper(corpus)
        case .frames, .reassembled, .path:
            let stage: SeedAudioPath.Stage = variant == .frames ? .reassembly : variant == .reassembled ? .decode : .analysis
            var path = SeedAudioPath(sampleRate: corpus.sampleRate, stage: stage)
            for message in corpus.messages { path.receive(message) }
            let metrics = path.finish()
            samples = variant == .frames ? path.packets : path.decodedSamples
            if variant == .path { check = Self.check(path, metrics, corpus) }
        }
        let cpu = Proc.threadCPUSeconds - c0
        let allocations = MallocCounter.count.map { $0 - (a0 ?? 0) }
        return Pass(cpu: cpu, samples: samples, allocations: allocations, check: check)
    }

    /// The baseline: libopus called directly, no wrapper, no reassembly, no analysis.
    static func raw(_ corpus: OpusCorpus) -> Int {
        var status: Int32 = OPUS_OK
        let decoders = (0..<corpus.calls).map { _ in opus_decoder_create(Int32(corpus.sampleRate), 2, &status)! }
        defer { for d in decoders { opus_decoder_destroy(d) } }
        let maxSamples = corpus.sampleRate * 120 / 1000
        let pcm = UnsafeMutablePointer<Int16>.allocate(capacity: maxSamples * 2)
        defer { pcm.deallocate() }
        var total = 0
        corpus.packetBytes.withUnsafeBufferPointer { bytes in
            for packet in corpus.packets {
                let n = opus_decode(decoders[packet.call], bytes.baseAddress! + packet.offset, Int32(packet.count), pcm,
                                    Int32(maxSamples), 0)
                total += Int(max(0, n))
            }
        }
        return total
    }

    /// The same packets through the OpusCodec wrapper.
    static func wrapper(_ corpus: OpusCorpus) -> Int {
        guard let decoders = try? (0..<corpus.calls).map({ _ in try OpusDecoder(sampleRate: corpus.sampleRate, channels: 2) })
        else { return -1 }
        var total = 0
        corpus.packetBytes.withUnsafeBytes { bytes in
            for packet in corpus.packets {
                let slice = UnsafeRawBufferPointer(rebasing: bytes[packet.offset..<(packet.offset + packet.count)])
                total += (try? decoders[packet.call].withDecoded(slice) { $0.count / 2 }) ?? 0
            }
        }
        return total
    }

    /// What the path saw: nothing lost or dropped, and the analysis against the schedule the audio follows.
    static func check(_ path: SeedAudioPath, _ metrics: [VoiceActivityMetrics], _ corpus: OpusCorpus) -> [String: Double] {
        let c = path.reassemblerCounters
        var out: [String: Double] = [
            "path.concealed": Double(path.concealed), "path.dropped": Double(path.dropped),
            "path.lostPackets": Double(c.lostPackets), "path.fragments": Double(c.fragments),
            "path.snapshots": Double(path.snapshots),
        ]
        let analysed = metrics.reduce(0) { $0 + $1.analysedMs }
        let customer = metrics.reduce(0) { $0 + ($1.channel(.external)?.talkMs ?? 0) }
        let agent = metrics.reduce(0) { $0 + ($1.channel(.internal)?.talkMs ?? 0) }
        out["path.analysedMs"] = Double(analysed)
        out["path.customerTalkMs"] = Double(customer)
        out["path.agentTalkMs"] = Double(agent)
        out["truth.customerTalkMs"] = Double(corpus.truthTalkMs.customer)
        out["truth.agentTalkMs"] = Double(corpus.truthTalkMs.agent)
        return out
    }
}
