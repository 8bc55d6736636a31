import OpusCodec
import Testing

@Suite struct OpusCodecTests {
    static let durationsMs: [Double] = [2.5, 5, 10, 20, 40, 60, 80, 100, 120]

    @Test func refusesUnsupportedRatesAndChannels() {
        for (rate, channels) in [(44100, 2), (16000, 0), (16000, 3), (0, 1)] {
            do {
                _ = try OpusDecoder(sampleRate: rate, channels: channels)
                Issue.record("decoder at \(rate)/\(channels) should fail")
            } catch let error as OpusError {
                #expect(error.code == "opus.bad-arg")
            } catch { Issue.record("untyped \(error)") }
            #expect(throws: OpusError.self) { try OpusEncoder(sampleRate: rate, channels: channels) }
        }
        for rate in [8000, 12000, 16000, 24000, 48000] {
            #expect(throws: Never.self) { try OpusDecoder(sampleRate: rate, channels: 2) }
        }
    }

    @Test(arguments: [8000, 16000, 48000])
    func everyFrameDurationRoundTripsWithDurationReadFromThePacket(sampleRate: Int) throws {
        let encoder = try OpusEncoder(sampleRate: sampleRate, channels: 2)
        try encoder.setBitrate(64000)  // enough to keep both channels at every rate
        let decoder = try OpusDecoder(sampleRate: sampleRate, channels: 2)
        let pcm = OpusTestSignals.speechLike(sampleRate: sampleRate, seconds: 0.12)
        var output: [Int16] = []
        for ms in Self.durationsMs {
            let samples = Int(ms * Double(sampleRate) / 1000)
            #expect(OpusCodec.isLegalFrame(samples: samples, sampleRate: sampleRate))
            let packet = try encoder.encode(pcm[0..<(samples * 2)], frameSamples: samples)
            #expect(try OpusPacket.samples(packet, sampleRate: sampleRate) == samples, "\(ms) ms")
            #expect(try OpusPacket.channels(packet) == 2)
            #expect(try OpusPacket.frames(packet) >= 1)
            #expect(try decoder.decode(packet, into: &output) == samples)
            #expect(output.count == samples * 2)
            #expect(decoder.lastPacketSamples == samples)
            // The same packet read at another rate scales with it.
            #expect(try OpusPacket.samples(packet, sampleRate: 48000) == Int(ms * 48))
        }
    }

    @Test func samplesHandedInPlaceAreTheOnesDecodeCopiesOut() throws {
        let encoder = try OpusEncoder(sampleRate: 16000, channels: 2)
        let copying = try OpusDecoder(sampleRate: 16000, channels: 2)
        let inPlace = try OpusDecoder(sampleRate: 16000, channels: 2)
        let pcm = OpusTestSignals.speechLike(sampleRate: 16000, seconds: 1)
        var output: [Int16] = []
        var offset = 0
        for ms in [20, 10, 60, 40, 20] {
            let samples = ms * 16
            let packet = try encoder.encode(pcm[offset..<(offset + samples * 2)], frameSamples: samples)
            offset += samples * 2
            let n = try copying.decode(packet, into: &output)
            let handed = try inPlace.withDecoded(packet) { Array($0) }
            #expect(handed.count == n * 2)
            #expect(handed == output, "\(ms) ms")
            #expect(inPlace.lastPacketSamples == samples)
        }
        // The raw-buffer form reads the same packet in place; a bad packet throws before `body` runs.
        let packet = try encoder.encode(pcm[0..<640], frameSamples: 320)
        let viaBuffer = try packet.withUnsafeBytes { bytes in try inPlace.withDecoded(bytes) { $0.count } }
        #expect(viaBuffer == 640)
        var ran = false
        #expect(throws: OpusError.self) { try inPlace.withDecoded([UInt8]()) { _ in ran = true } }
        #expect(!ran)
    }

    @Test func refusesIllegalFramesAndWrongSampleCounts() throws {
        let encoder = try OpusEncoder(sampleRate: 16000, channels: 2)
        for samples in [0, 1, 112, 16 * 7, 16 * 140, 16 * 25] {  // 7 ms, 140 ms, 25 ms are no Opus frames
            #expect(!OpusCodec.isLegalFrame(samples: samples, sampleRate: 16000))
            let error = #expect(throws: OpusError.self) {
                try encoder.encode([Int16](repeating: 0, count: samples * 2), frameSamples: samples)
            }
            #expect(error?.code == "opus.bad-arg")
        }
        let error = #expect(throws: OpusError.self) { try encoder.encode([Int16](repeating: 0, count: 320), frameSamples: 320) }
        #expect(error?.code == "opus.bad-arg")
        #expect(error?.message.contains("640") == true)
    }

    @Test func bitrateIsSetAndChecked() throws {
        let encoder = try OpusEncoder(sampleRate: 16000, channels: 2)
        try encoder.setBitrate(48000)
        #expect(encoder.bitrate == 48000)
        try encoder.setComplexity(5)
        #expect(throws: OpusError.self) { try encoder.setBitrate(100) }
        #expect(throws: OpusError.self) { try encoder.setBitrate(1_000_000) }
        #expect(throws: OpusError.self) { try encoder.setComplexity(11) }
        // A higher bitrate gives bigger packets of the same audio.
        let pcm = OpusTestSignals.speechLike(sampleRate: 16000, seconds: 0.2)
        func size(_ bitrate: Int) throws -> Int {
            let e = try OpusEncoder(sampleRate: 16000, channels: 2)
            try e.setBitrate(bitrate)
            return try (0..<10).map { try e.encode(pcm[($0 * 640)..<(($0 + 1) * 640)], frameSamples: 320).count }.reduce(0, +)
        }
        #expect(try size(64000) > 2 * size(12000))
    }

    @Test func invalidPacketsAreTypedErrors() throws {
        let decoder = try OpusDecoder(sampleRate: 16000, channels: 2)
        var output: [Int16] = []
        for packet: [UInt8] in [[], [0xFF], [0x03], [0xFF, 0xFF, 0xFF], [0x0B, 0xFF, 0x00]] {
            do {
                _ = try decoder.decode(packet, into: &output)
                if packet.isEmpty { Issue.record("an empty packet must not decode") }
            } catch let error as OpusError {
                #expect(error.code == "opus.invalid-packet", "\(packet): \(error)")
            }
        }
        let empty = #expect(throws: OpusError.self) { try OpusPacket.samples([UInt8](), sampleRate: 16000) }
        #expect(empty?.code == "opus.invalid-packet")
        // Code 3 with 63 frames of 20 ms: 1260 ms, over the 120 ms an Opus packet may last.
        let tooLong = #expect(throws: OpusError.self) { try OpusPacket.samples([0x0B, 63], sampleRate: 16000) }
        #expect(tooLong?.code == "opus.invalid-packet")
        #expect(throws: OpusError.self) { try OpusPacket.samples([0x08], sampleRate: 44100) }
    }

    @Test func lossConcealmentFillsTheLostDuration() throws {
        let encoder = try OpusEncoder(sampleRate: 16000, channels: 2)
        let decoder = try OpusDecoder(sampleRate: 16000, channels: 2)
        let pcm = OpusTestSignals.speechLike(sampleRate: 16000, seconds: 0.2)
        var output: [Int16] = []
        #expect(decoder.lastPacketSamples == 320)  // 20 ms before any packet
        for k in 0..<4 {
            try decoder.decode(try encoder.encode(pcm[(k * 1280)..<((k + 1) * 1280)], frameSamples: 640), into: &output)
        }
        #expect(decoder.lastPacketSamples == 640)
        #expect(try decoder.decodeLoss(samples: decoder.lastPacketSamples, into: &output) == 640)
        #expect(output.count == 1280)
        #expect(OpusTestSignals.level(output[...], channel: 0) > -60, "concealment continues the signal")
        // Longer than 120 ms is concealed in steps.
        #expect(try decoder.decodeLoss(samples: 16 * 300, into: &output) == 4800)
        #expect(output.count == 9600)
        for bad in [0, -40, 41] {
            let error = #expect(throws: OpusError.self) { try decoder.decodeLoss(samples: bad, into: &output) }
            #expect(error?.code == "opus.bad-arg")
        }
    }

    @Test func libopusStatusesMapToCodes() {
        let expected: [Int32: String] = [
            -1: "opus.bad-arg", -2: "opus.buffer-too-small", -3: "opus.internal-error", -4: "opus.invalid-packet",
            -5: "opus.unimplemented", -6: "opus.invalid-state", -7: "opus.alloc-fail", -99: "opus.unknown-error",
        ]
        for (status, code) in expected {
            let error = OpusError.libopus(status, "testing")
            #expect(error.code == code)
            #expect(error.status == status)
            #expect(error.message.contains("testing"))
            #expect(error.description.hasPrefix(code + ": "))
        }
    }

    @Test func monoDecoderTakesStereoPackets() throws {
        let encoder = try OpusEncoder(sampleRate: 16000, channels: 2)
        let mono = try OpusDecoder(sampleRate: 16000, channels: 1)
        let pcm = OpusTestSignals.speechLike(sampleRate: 16000, seconds: 0.02)
        var output: [Int16] = []
        #expect(try mono.decode(try encoder.encode(pcm, frameSamples: 320), into: &output) == 320)
        #expect(output.count == 320)
    }
}
