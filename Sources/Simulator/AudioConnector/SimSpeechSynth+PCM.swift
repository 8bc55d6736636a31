import SwitchboardCore

/// Linear PCM of the synthetic call audio at any Opus sample rate, for the seed Audio Connector's encoder: the
/// same talk and quiet signals as the AudioHook frames (``SimSpeechSynth``), following the same schedule.
extension SimSpeechSynth {
    /// The rates the seed Audio Connector serves.
    static let pcmRates = [8000, 12000, 16000, 24000, 48000]

    /// One second of audio per rate: voiced customer, voiced agent, quiet customer, quiet agent.
    static let pcmTables: [Int: [[Int16]]] = Dictionary(uniqueKeysWithValues: pcmRates.map { rate in
        (rate, [linearTable(voiced: true, channel: 0, rate: rate), linearTable(voiced: true, channel: 1, rate: rate),
                linearTable(voiced: false, channel: 0, rate: rate), linearTable(voiced: false, channel: 1, rate: rate)])
    })

    /// `samples` stereo samples (customer then agent, interleaved) at `rate` from stream position `fromUs`
    /// (µs; a whole number of samples), talk or quiet per channel per 20 ms step of the schedule. `offset`
    /// shifts the waveform per call. Silence for a rate the tables do not have.
    static func pcm(_ schedule: SimSpeechSchedule, fromUs: Int64, samples: Int, rate: Int, offset: Int = 0,
                    into out: inout [Int16]) {
        guard let tables = pcmTables[rate] else {
            out = [Int16](repeating: 0, count: samples * 2)
            return
        }
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(samples * 2)
        let step = rate / 50  // samples per 20 ms
        var g = Int(fromUs * Int64(rate) / 1_000_000)  // the stream's sample index
        let end = g + samples
        while g < end {
            let blockEnd = min(end, (g / step + 1) * step)
            let ms = Int64(g) * 1000 / Int64(rate)
            let c = schedule.talks(.customer, at: ms) ? tables[0] : tables[2]
            let a = schedule.talks(.agent, at: ms) ? tables[1] : tables[3]
            let blockStart = out.count
            for i in g..<blockEnd {
                let k = (i + offset) % rate
                out.append(c[k])
                out.append(a[k])
            }
            // A spurt that says a sentence (`spokenPhrases`): its samples instead of the tone mix.
            if schedule.book != nil {
                for (lane, channel) in [(0, SpeechChannel.customer), (1, .agent)] {
                    guard let said = schedule.spoken(channel, at: ms), let samples = said.clip.pcm[rate] else { continue }
                    let start = said.startMs
                    let first = g - Int(start) * rate / 1000
                    for i in 0..<(blockEnd - g) where first + i < samples.count {
                        out[blockStart + 2 * i + lane] = samples[first + i]
                    }
                }
            }
            g = blockEnd
        }
    }
}
