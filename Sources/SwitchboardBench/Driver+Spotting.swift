import Foundation

extension Driver {
    /// On-box keyword spotting (docs/performance.md "spotting"): recall and precision on a synthetic
    /// telephone corpus the thresholds were not chosen on, and the CPU it costs per audio second.
    mutating func spotting() async {
        let taskset = FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset") ? ["taskset", "-c", "0"] : []
        let count = quick ? 20 : 40
        let r = await child("spotting", ["--count", "\(count)"], wrapper: taskset, timeout: 1800)
        let phrases = ["cancel my account", "speak to a supervisor", "this is unacceptable", "thank you so much", "refund"]
        let cfg = ["corpus": "\(fmt(r["utterances"] ?? 0, 0)) utterances (3 in 4 with one phrase), "
                       + "\(fmt(r["audioSeconds"] ?? 0, 0)) s, 6 espeak-ng voices not used for calibration, 140–170 wpm",
                   "audio": "8 kHz, sox band 300–3400 Hz, through μ-law and back, noise between sentences; "
                       + "upsampled to 16 kHz for the en-us model",
                   "engine": "PocketSphinx 5prealpha keyword search, en-us model, default thresholds by phrase length",
                   "hit": "the utterance's phrase, starting inside the sentence that says it (300 ms slack)",
                   "pinned": taskset.isEmpty ? "no" : "taskset -c 0",
                   "offsetErrorP50ms": fmt(r["offsetErrorP50"] ?? -1, 0), "offsetErrorP90ms": fmt(r["offsetErrorP90"] ?? -1, 0),
                   "decoderStartMs": fmt(r["createMs"] ?? -1, 1)]
        for (i, phrase) in phrases.enumerated() {
            func v(_ k: String) -> Double { r["p\(i).\(k)"] ?? -1 }
            var c = cfg
            c["phrase"] = phrase
            c["phones"] = fmt(v("phones"), 0)
            c["threshold"] = "1e\(fmt(v("threshold"), 0))"
            c["hits"] = fmt(v("tp"), 0)
            c["misses"] = fmt(v("fn"), 0)
            c["falseAlarms"] = fmt(v("fp"), 0)
            let name = "spotting-" + phrase.replacingOccurrences(of: " ", with: "-")
            add(name, "recall", v("recall") * 100, "%", target: "≥ 80 %", c)
            // No detection at all: precision is undefined (the row says so rather than showing 0 or 100).
            if v("tp") + v("fp") > 0 { add(name, "precision", v("precision") * 100, "%", target: "≥ 90 %", c) }
        }
        for (key, label) in [("multi", "four multi-word phrases"), ("all", "all five phrases")] {
            var c = cfg
            c["phrases"] = label
            c["hits"] = fmt(r["\(key).tp"] ?? -1, 0)
            c["misses"] = fmt(r["\(key).fn"] ?? -1, 0)
            c["falseAlarms"] = fmt(r["\(key).fp"] ?? -1, 0)
            add("spotting", "recall, \(label)", (r["\(key).recall"] ?? -1) * 100, "%", target: "≥ 80 %", c)
            add("spotting", "precision, \(label)", (r["\(key).precision"] ?? -1) * 100, "%", target: "≥ 90 %", c)
        }
        // The same corpus decoded once more at a permissive threshold; the detections scoring at least each
        // phrase's default threshold × 10^shift (log10 + shift) are counted: recall against precision.
        for shift in stride(from: -40, through: 30, by: 10) {
            var c = cfg
            c["method"] = "permissive decode (1e-30), detections kept when score ≥ log10(default threshold) + shift; "
                + "PocketSphinx merges overlapping hits of a phrase, so this approximates a decode at those thresholds"
            c["shift"] = "\(shift)"
            for (key, label) in [("multi", "four multi-word phrases")] {
                let sign = shift >= 0 ? "+" : ""
                add("spotting-sweep", "recall, \(label), thresholds ×1e\(sign)\(shift)",
                    (r["sweep\(shift).\(key).recall"] ?? -1) * 100, "%", c)
                add("spotting-sweep", "precision, \(label), thresholds ×1e\(sign)\(shift)",
                    (r["sweep\(shift).\(key).precision"] ?? -1) * 100, "%", c)
            }
        }
        var c = cfg
        c["method"] = "process CPU of KeywordSpotter.process/finish over the corpus (20 ms chunks) ÷ audio seconds"
        let rtf = r["realTimeFactor"] ?? -1
        add("spotting", "real-time factor (CPU s per audio s)", rtf, "ratio", c)
        add("spotting", "channels spotted per core", rtf > 0 ? 1 / rtf : -1, "channels", c)
        add("spotting", "offset error p90", r["offsetErrorP90"] ?? -1, "ms", c)
        c["method"] = "RssAnon (VmRSS also counts each decoder's mapping of the shared model file) after malloc_trim "
            + "with 16 live decoders minus before, ÷ 16"
        c["vmRSSPerDecoderMiB"] = fmt((r["rssPerDecoder"] ?? -1) / 1_048_576, 2)
        add("spotting", "memory per decoder (anonymous RSS)", (r["anonPerDecoder"] ?? -1) / 1_048_576, "MiB", c)
    }
}
