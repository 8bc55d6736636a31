import Foundation

extension Driver {
    /// The seed Audio Connector's Opus path (frames → reassembly → OpusDecoder → analysis) against raw libopus
    /// on the same packets, interleaved rounds in one pinned child (docs/performance.md "audio", Opus rows).
    mutating func audioOpus(taskset: [String]) async {
        let rates = [16000, 8000, 48000]
        let rounds = quick ? 3 : 5
        let sizes = quick ? ["--calls", "2", "--seconds", "60", "--calls-16000", "2", "--seconds-16000", "90"]
            : ["--calls", "2", "--seconds", "120", "--calls-16000", "4", "--seconds-16000", "180"]
        let r = await child("audio-opus", ["--rates", rates.map(String.init).joined(separator: ","),
                                           "--rounds", "\(rounds)"] + sizes, wrapper: taskset, timeout: 1200)
        var allocations: [String: Double] = [:]
        if let lib = ProcessInfo.processInfo.environment["SWITCHBOARD_MALLOC_COUNTER"],
           FileManager.default.fileExists(atPath: lib) {
            allocations = await child("audio-opus", ["--rates", rates.map(String.init).joined(separator: ","), "--rounds", "1",
                                                     "--calls", "2", "--seconds", "30"],
                                      wrapper: ["LD_PRELOAD=\(lib)"] + taskset, timeout: 600)
        }
        for rate in rates {
            let p = "r\(rate)."
            func v(_ k: String) -> Double { r[p + k] ?? -1 }
            guard r[p + "raw.realTime"] != nil else { continue }
            let kHz = "\(rate / 1000)k"
            let name = "audio-opus-\(kHz)"
            let packets = max(1, v("packets"))
            let durations = [10, 20, 40, 60].map { "\($0) ms \(fmt(100 * v("packets\($0)ms") / packets, 0)) %" }
            let bitrate = v("encoderBitrate") > 0
                ? "bitrate \(fmt(v("encoderBitrate") / 1000, 0)) kb/s (libopus's default merges the channels at 8 kHz)"
                : "libopus's default bitrate"
            let seconds = fmt(v("audioSeconds") / max(1, v("calls")), 0)
            var cfg: [String: String] = [
                "corpus": "\(fmt(v("calls"), 0)) stereo calls × \(seconds) s at \(rate) Hz: speech-like audio (tone mix, "
                    + "4 Hz syllables, −62 dBFS quiet) following SimSpeechSchedule turns, OpusEncoder VoIP, libopus's "
                    + "default complexity, " + bitrate,
                "packets": fmt(v("packets"), 0), "messages": fmt(v("messages"), 0),
                "fragmentedPackets": fmt(100 * v("fragmentedPackets") / packets, 1) + " % (2–4 fragments each)",
                "durations": durations.joined(separator: ", "),
                "bitrate": fmt(v("bitsPerSecond") / 1000, 1) + " kb/s per call", "meanPacketBytes": fmt(v("packetBytes"), 0),
                "rounds": "\(rounds), order rotated each round (raw, wrapper, reassembled, path)",
                "pinned": taskset.isEmpty ? "no" : "taskset -c 0",
                "cpu": "thread CPU time (CLOCK_THREAD_CPUTIME_ID) per pass over the whole corpus; figure = median pass",
                "pairRatios": (0..<rounds).map { fmt(v("ratio\($0)"), 3) }.joined(separator: " "),
                "ratioOfMedians": fmt(v("raw.cpuMedian") / v("path.cpuMedian"), 3),
                "lostOrConcealed": fmt(v("path.lostPackets") + v("path.concealed"), 0),
                "analysedMs": fmt(v("path.analysedMs"), 0),
                "talkMs customer/agent (truth)": "\(fmt(v("path.customerTalkMs"), 0)) (\(fmt(v("truth.customerTalkMs"), 0))) / "
                    + "\(fmt(v("path.agentTalkMs"), 0)) (\(fmt(v("truth.agentTalkMs"), 0)))",
                "corpusSeconds": fmt(v("corpusSeconds"), 1),
            ]
            for variant in ["raw", "wrapper", "reassembled", "path"] {
                cfg["realTime." + variant] = fmt(v(variant + ".realTime"), 0)
                if let a = allocations[p + variant + ".allocationsPerPacket"] { cfg["allocationsPerPacket." + variant] = fmt(a, 2) }
            }
            cfg["framesAndReassemblyNsPerMessage"] = fmt(v("frames.nsPerMessage"), 0)
            cfg["unit"] = "× real time = audio seconds (one stereo call) decoded per CPU-second = real-time streams one core keeps up with"
            var c = cfg
            c["path"] = "opus_decode (COpus) on each packet, one decoder per call, one output buffer"
            add(name, "raw libopus: streams decoded per core", v("raw.realTime"), "× real time", c)
            if rate == 16000 {
                c["path"] = "OpusDecoder.withDecoded on each packet (samples read in place)"
                add(name, "OpusDecoder wrapper: streams decoded per core", v("wrapper.realTime"), "× real time", c)
                c["path"] = "SeedAudioFrame.decode → OpusReassembler → OpusDecoder (no analysis)"
                add(name, "frames + reassembly + decode: streams per core", v("reassembled.realTime"), "× real time", c)
                c["path"] = "SeedAudioFrame.decode → OpusReassembler, no Opus decode"
                add(name, "frames + reassembly alone, per message", v("frames.nsPerMessage"), "ns", c)
            }
            c["path"] = "SeedAudioFrame.decode → OpusReassembler (per connection) → OpusDecoder → VoiceActivityAnalyzer "
                + "(stereo) → metrics snapshot every 400 ms"
            add(name, "seed path: streams decoded + analysed per core", v("path.realTime"), "× real time", c)
            c["method"] = "median over rounds of raw CPU ÷ path CPU in the same round (audio seconds per CPU-second, "
                + "path ÷ raw)"
            add(name, "seed path / raw libopus", v("ratio"), "ratio", target: "≥ 0.90", c)
            if let a = allocations[p + "path.allocationsPerPacket"] {
                c["method"] = "LD_PRELOAD counter of malloc/calloc/realloc/memalign calls over one pass (bench/malloc-count.c)"
                add(name, "allocations per packet, seed path", a, "allocs", c)
            }
        }
    }
}
