import Foundation
import KeywordSpotting
import SwitchboardCore

/// `--child spotting [--calibrate 1] [--count 40] [--seed N]`: renders a spoken corpus (`SpottingCorpus`),
/// runs each utterance through a fresh `KeywordSpotter` (as the pool does per channel) in 20 ms chunks,
/// and scores the detections against the ground truth. Prints one JSON object: per phrase recall,
/// precision, hits, misses and false alarms; overall (the four multi-word phrases, and all five); CPU per
/// audio second; offset errors; decoder start cost and memory.
///
/// A detection is a hit when it is the utterance's phrase and starts inside the sentence that says it
/// (300 ms slack before); everything else is a false alarm, so a phrase heard twice counts one hit and one
/// false alarm. With `--calibrate 1` the calibration corpus is decoded at a permissive threshold and every
/// score is logged (stderr): what the length table in `KeywordSpotterTuning` was chosen from.
enum SpottingChild {
    static func run(_ opts: [String: String]) async {
        bootstrapBenchLogging()
        let calibrate = opts["calibrate"] == "1"
        let count = Int(opts["count"] ?? "40") ?? 40
        let seed = UInt64(opts["seed"] ?? (calibrate ? "7" : "11")) ?? 11
        guard SyntheticSpeech.isAvailable else {
            log("spotting: espeak-ng or sox is missing (make bench installs them)")
            print("{}")
            return
        }
        let model: SpotterModel
        var phrases = SpottingCorpus.phrases
        let tuning = KeywordSpotterTuning.standard
        let keywords: KeywordSet
        do {
            model = try SpotterModel()
            if calibrate { phrases = phrases.map { var p = $0; p.threshold = 1e-30; return p } }
            keywords = try model.prepare(phrases, tuning: tuning)
        } catch {
            log("spotting: \(error)")
            print("{}")
            return
        }
        // Render the corpus first (espeak-ng and sox child processes; not measured).
        let material = calibrate ? SpottingCorpus.calibrationMaterial : SpottingCorpus.testMaterial
        let utterances = SpottingCorpus.utterances(material, seed: seed, count: count)
        let r0 = Proc.now
        var rendered: [([Int16], SpottingCorpus.Truth)] = []
        for (i, u) in utterances.enumerated() {
            do { rendered.append(try SpottingCorpus.render(u, seed: seed &+ UInt64(i))) } catch {
                log("spotting: rendering failed: \(error)")
                print("{}")
                return
            }
        }
        let renderSeconds = Proc.now - r0
        let audioMs = rendered.reduce(Int64(0)) { $0 + $1.1.durationMs }
        log("spotting: rendered \(rendered.count) utterances, \(audioMs / 1000) s of audio in \(fmt(renderSeconds, 0)) s")

        // Decode: a fresh spotter per utterance, 20 ms chunks; CPU of the decoding only.
        func decodeAll(_ keywords: KeywordSet) throws -> (results: [Decoded], decodeCPU: Double, createCPU: Double) {
            var decodeCPU = 0.0, createCPU = 0.0
            var results: [Decoded] = []
            for (i, (samples, truth)) in rendered.enumerated() {
                let c0 = Proc.cpuSeconds
                let spotter = try KeywordSpotter(keywords: keywords, model: model, inputSampleRate: 8000, tuning: tuning)
                let c1 = Proc.cpuSeconds
                var found: [KeywordSpotter.Detection] = []
                var k = 0
                while k < samples.count {
                    let end = min(samples.count, k + 160)
                    found += try spotter.process(samples[k..<end])
                    k = end
                }
                found += try spotter.finish()
                decodeCPU += Proc.cpuSeconds - c1
                createCPU += c1 - c0
                results.append(Decoded(truth: truth, voice: utterances[i].voice, found: found))
            }
            return (results, decodeCPU, createCPU)
        }
        let results: [Decoded], decodeCPU: Double, createCPU: Double
        var sweep: [Decoded] = []
        do {
            (results, decodeCPU, createCPU) = try decodeAll(keywords)
            // The threshold sweep: decode once more at a permissive threshold, then count what each
            // multiple of the thresholds would have kept.
            if !calibrate {
                let permissive = try model.prepare(phrases.map { var p = $0; p.threshold = 1e-30; return p }, tuning: tuning)
                sweep = try decodeAll(permissive).results
            }
        } catch {
            log("spotting: decoding failed: \(error)")
            print("{}")
            return
        }

        // Score.
        let all = SpottingCorpus.phrases.map(\.phrase)
        let multiWord = all.filter { $0.contains(" ") }
        let thresholds = Dictionary(uniqueKeysWithValues: keywords.entries.map { ($0.words, log10($0.threshold)) })
        var out: [String: Double] = [:]
        let scored = Score(results, thresholdShift: nil, thresholds: thresholds, logScores: calibrate)
        for (i, name) in all.enumerated() {
            let r = scored.rates([name])
            out["p\(i).recall"] = r.recall
            out["p\(i).precision"] = r.precision
            out["p\(i).tp"] = Double(r.tp)
            out["p\(i).fn"] = Double(r.fn)
            out["p\(i).fp"] = Double(r.fp)
            out["p\(i).threshold"] = thresholds[name] ?? .nan
            out["p\(i).phones"] = Double(keywords.entries.first { $0.words == name }?.phones ?? 0)
        }
        for (key, names) in [("multi", multiWord), ("all", all)] {
            let r = scored.rates(names)
            out["\(key).recall"] = r.recall
            out["\(key).precision"] = r.precision
            out["\(key).tp"] = Double(r.tp)
            out["\(key).fn"] = Double(r.fn)
            out["\(key).fp"] = Double(r.fp)
        }
        for shift in stride(from: -40, through: 30, by: 10) where !sweep.isEmpty {
            let swept = Score(sweep, thresholdShift: Double(shift), thresholds: thresholds, logScores: false)
            for (key, names) in [("multi", multiWord), ("all", all)] {
                let r = swept.rates(names)
                out["sweep\(shift).\(key).recall"] = r.recall
                out["sweep\(shift).\(key).precision"] = r.precision
            }
        }
        let voiceHits = scored.voiceHits
        var offsetErrors = scored.offsetErrors
        for (voice, v) in voiceHits { log("spotting: voice \(voice): \(v.hit) of \(v.of) phrases heard") }
        offsetErrors.sort()
        out["offsetErrorP50"] = percentile(offsetErrors, 50)
        out["offsetErrorP90"] = percentile(offsetErrors, 90)
        out["audioSeconds"] = Double(audioMs) / 1000
        out["decodeCPUSeconds"] = decodeCPU
        out["realTimeFactor"] = decodeCPU / (Double(audioMs) / 1000)
        out["createMs"] = createCPU / Double(max(1, results.count)) * 1000
        out["utterances"] = Double(results.count)
        out["renderSeconds"] = renderSeconds

        // Memory per decoder: 16 live spotters, RSS after minus before (trimmed both times).
        Proc.trim()
        let rss0 = Proc.rss, anon0 = Proc.statusBytes("RssAnon")
        var live: [KeywordSpotter] = []
        for _ in 0..<16 {
            if let s = try? KeywordSpotter(keywords: keywords, model: model, inputSampleRate: 8000, tuning: tuning) {
                _ = try? s.process(rendered[0].0.prefix(8000))
                live.append(s)
            }
        }
        Proc.trim()
        out["rssPerDecoder"] = Double(Proc.rss - rss0) / Double(max(1, live.count))
        // RSS counts the memory-mapped model file once per decoder's mapping; the anonymous part is what
        // each decoder really adds.
        out["anonPerDecoder"] = Double(Proc.statusBytes("RssAnon") - anon0) / Double(max(1, live.count))
        live.removeAll()

        let json = try! JSONSerialization.data(withJSONObject: out.mapValues { $0.isFinite ? $0 : -1 }, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }
}

struct Decoded {
    var truth: SpottingCorpus.Truth
    var voice: String
    var found: [KeywordSpotter.Detection]
}

/// Hits, misses and false alarms of decoded utterances; with `thresholdShift`, only the detections scoring
/// at least their phrase's threshold (log10) plus the shift count (the sweep over a permissive decode).
struct Score {
    var hits: [String: Int] = [:], misses: [String: Int] = [:], falseAlarms: [String: Int] = [:]
    var offsetErrors: [Double] = []
    var voiceHits: [String: (hit: Int, of: Int)] = [:]

    init(_ results: [Decoded], thresholdShift: Double?, thresholds: [String: Double], logScores: Bool) {
        for r in results {
            var heard = false
            for d in r.found {
                let words = d.entry.words
                if let shift = thresholdShift, d.score < (thresholds[words] ?? 0) + shift { continue }
                if let phrase = r.truth.phrase, words == phrase, !heard,
                   d.startMs >= r.truth.sentenceStartMs - 300, d.startMs <= r.truth.sentenceEndMs {
                    heard = true
                    hits[words, default: 0] += 1
                    offsetErrors.append(Double(abs(d.startMs - r.truth.phraseStartMs)))
                    if logScores { log("score TP \(words) \(fmt(d.score, 1)) \(r.voice)") }
                } else {
                    falseAlarms[words, default: 0] += 1
                    if logScores { log("score FP \(words) \(fmt(d.score, 1)) \(r.voice) truth=\(r.truth.phrase ?? "-")") }
                }
            }
            if let phrase = r.truth.phrase {
                if !heard { misses[phrase, default: 0] += 1 }
                var v = voiceHits[r.voice] ?? (0, 0)
                v.of += 1
                if heard { v.hit += 1 }
                voiceHits[r.voice] = v
            }
        }
    }

    func rates(_ names: [String]) -> (recall: Double, precision: Double, tp: Int, fn: Int, fp: Int) {
        let tp = names.reduce(0) { $0 + hits[$1, default: 0] }
        let fn = names.reduce(0) { $0 + misses[$1, default: 0] }
        let fp = names.reduce(0) { $0 + falseAlarms[$1, default: 0] }
        return (tp + fn > 0 ? Double(tp) / Double(tp + fn) : .nan, tp + fp > 0 ? Double(tp) / Double(tp + fp) : .nan,
                tp, fn, fp)
    }
}
