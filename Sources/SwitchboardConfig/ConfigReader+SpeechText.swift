import SwitchboardCore
import Yams

/// `orgs[].speechText`: keyword phrases, word sources and hot-call rules (docs/speech-text.md).
extension ConfigReader {
    static let speechTextKeys = ["keywords", "transcription", "onBox", "pushTranscripts", "hotCalls"]
    static let keywordKeys = ["phrase", "label", "channel", "threshold"]
    static let hotCallsKeys = ["labels", "sentimentBelow"]

    /// The section, or nil after reporting what is wrong with it. Every key is optional: an empty
    /// `speechText:` reads transcription for sentiment, with no keywords.
    ///
    /// - Parameters:
    ///   - hasAudio: the org has an `audio:` section (on-box spotting needs its audio).
    ///   - seedSampleRate: a `protocol: seed` org's `audio.sampleRate` (the spotter decodes 8000 or 16000 Hz).
    func speechText(_ node: Node, path: String, hasAudio: Bool, seedSampleRate: Int? = nil) -> SpeechTextConfig? {
        guard let f = fields(node, path: path, allowed: Self.speechTextKeys) else { return nil }
        let before = diagnostics.count
        var config = SpeechTextConfig()
        var declaredLabels: [String] = []
        var phraseMarks: [(mark: Mark?, path: String)] = []
        if let n = f["keywords"] {
            config.keywords = keywords(n, path: f.path("keywords"), labels: &declaredLabels, marks: &phraseMarks)
        }
        if let v = flag(f, "transcription") { config.transcription = v }
        if let v = flag(f, "onBox") {
            config.onBox = v
            if v && !hasAudio {
                report("value", at: f["onBox"]?.mark, "\(f.path("onBox")): on-box spotting listens to the org's call "
                    + "audio, but the org has no audio: section; add one (docs/audio.md) or set onBox: false")
            }
            if v, let rate = seedSampleRate, ![8000, 16000].contains(rate) {
                report("value", at: f["onBox"]?.mark, "\(f.path("onBox")): on-box spotting decodes 8000 or 16000 Hz "
                    + "audio, but the org's audio.sampleRate is \(rate); set sampleRate: 16000 (or 8000) in its audio: "
                    + "section, or onBox: false")
            }
            if v {
                checkOnBoxVocabulary(config.keywords, marks: phraseMarks, onBox: f["onBox"]?.mark, path: f.path("onBox"))
            }
        }
        if let v = flag(f, "pushTranscripts") { config.pushTranscripts = v }
        if let n = f["hotCalls"], let g = fields(n, path: f.path("hotCalls"), allowed: Self.hotCallsKeys) {
            if let n = g["labels"] {
                config.hotCalls.labels = hotCallLabels(n, path: g.path("labels"), declared: declaredLabels)
            }
            if let v = double(g, "sentimentBelow", range: -1...1,
                              rangeText: "from -1 to 1 (a compound sentiment score)", example: "-0.5") {
                config.hotCalls.sentimentBelow = v
            }
        }
        return diagnostics.count == before ? config : nil
    }

    /// Each phrase of an on-box org against what the spotter can listen for (``ConfigLoadOptions/onBoxVocabulary``):
    /// a phrase it cannot use is reported at the phrase with the spotter's code (`kws.unknown-word`, …); a spotter
    /// that cannot run at all (`kws.model-missing`) at `onBox`.
    private func checkOnBoxVocabulary(_ phrases: [KeywordPhrase], marks: [(mark: Mark?, path: String)], onBox: Mark?,
                                      path: String) {
        guard let vocabulary = options.onBoxVocabulary else { return }
        if let problem = vocabulary.unavailable() {
            report(code: problem.code, at: onBox, "\(path): on-box spotting cannot run: \(problem.message)")
            return
        }
        for (index, problem) in vocabulary.problems(with: phrases).sorted(by: { $0.key < $1.key }) {
            let at: (mark: Mark?, path: String) = index < marks.count ? marks[index] : (nil, "speechText.keywords")
            report(code: problem.code, at: at.mark,
                   "\(at.path): on-box spotting (onBox: true) cannot listen for this phrase: \(problem.message)")
        }
    }

    /// The keyword list. Every label written (valid entry or not) goes to `labels`, so `hotCalls.labels` is
    /// checked against what the file means, not only what loaded; each phrase kept has its position in `marks`.
    private func keywords(_ node: Node, path: String, labels: inout [String],
                          marks: inout [(mark: Mark?, path: String)]) -> [KeywordPhrase] {
        guard let items = list(node, path: path, example: "a list of '- phrase: …' entries with a label") else {
            return []
        }
        var out: [KeywordPhrase] = []
        // Normalised phrase → the entries before with it (label, channel, line, as written).
        var seen: [String: [(label: String, channel: KeywordPhrase.Channel, line: Int, phrase: String)]] = [:]
        for (i, item) in items.enumerated() {
            guard let f = fields(item, path: "\(path)[\(i)]", allowed: Self.keywordKeys) else { continue }
            let phraseNode = require(f, "phrase", example: "cancel my account")
            let phrase = phraseNode.flatMap { keywordPhrase($0, path: f.path("phrase")) }
            let label = require(f, "label", example: "churn-risk").flatMap {
                nonEmptyString($0, path: f.path("label"), example: "churn-risk")
            }
            if let label, !labels.contains(label) { labels.append(label) }
            let channel: KeywordPhrase.Channel? = f.has("channel")
                ? choice(f, "channel", among: KeywordPhrase.Channel.allCases.map(\.rawValue))
                    .flatMap(KeywordPhrase.Channel.init(rawValue:))
                : KeywordPhrase.Channel.both
            let threshold = f["threshold"].map { spotterThreshold($0, path: f.path("threshold")) }
            guard let phrase, let phraseNode, let label, let channel else { continue }
            if case .some(nil) = threshold { continue }
            let keyword = KeywordPhrase(phrase: phrase, label: label, channel: channel, threshold: threshold ?? nil)
            let key = keyword.normalizedKey
            let line = phraseNode.mark?.line ?? 0
            let written = shown(phraseNode, phrase)
            if let clash = seen[key]?.first(where: { $0.label != label }) {
                report("duplicate", at: phraseNode.mark, "\(f.path("phrase")): '\(written)' is the same phrase as "
                    + "'\(clash.phrase)' (line \(clash.line)), which has label '\(clash.label)'; a phrase has one "
                    + "label: remove one entry or change its words")
                continue
            }
            if let twin = seen[key]?.first(where: { $0.channel == .both || channel == .both || $0.channel == channel }) {
                report("duplicate", at: phraseNode.mark, "\(f.path("phrase")): '\(written)' is already listed with "
                    + "label '\(label)' at line \(twin.line) ('\(twin.phrase)') for an overlapping channel, so each hit "
                    + "would count twice; keep one entry")
                continue
            }
            seen[key, default: []].append((label, channel, line, written))
            out.append(keyword)
            marks.append((phraseNode.mark, f.path("phrase")))
        }
        return out
    }

    /// A phrase with at least one letter or digit.
    private func keywordPhrase(_ node: Node, path: String) -> String? {
        guard let phrase = nonEmptyString(node, path: path, example: "cancel my account") else { return nil }
        guard !KeywordPhrase.normalizedWords(phrase).isEmpty else {
            report("value", at: node.mark, "\(path): '\(shown(node, phrase))' has no letter or digit, so it could "
                + "never match (punctuation is a word break); write the words to listen for, e.g. cancel my account")
            return nil
        }
        return phrase
    }

    /// The on-box spotter's detection threshold: a positive number such as `1e-20`. `.some(nil)` after a report.
    private func spotterThreshold(_ node: Node, path: String) -> Double? {
        guard let t = text(node, path: path, expected: "a positive number", example: "1e-20") else { return nil }
        guard let value = Double(t.trimmingWhitespace()), value.isFinite, value > 0 else {
            report("value", at: node.mark, "\(path): '\(shown(node, t))' is not a positive number; write a "
                + "PocketSphinx keyword threshold such as 1e-20 (smaller hears more, with more false alarms), or "
                + "leave it out for the default")
            return nil
        }
        return value
    }

    /// `all` (nil) or a list of labels the keywords declare, each once.
    private func hotCallLabels(_ node: Node, path: String, declared: [String]) -> [String]? {
        if case .scalar = node {
            guard let t = text(node, path: path, expected: "'all' or a list of labels", example: "all") else { return nil }
            if t.trimmingWhitespace() != "all" {
                report("value", at: node.mark, "\(path): unknown value '\(shown(node, t))'; write 'all' or a list of "
                    + "keyword labels such as [escalation]")
            }
            return nil
        }
        guard let items = list(node, path: path, example: "[escalation, churn-risk] or all") else { return nil }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            let p = "\(path)[\(i)]"
            guard let label = nonEmptyString(item, path: p, example: declared.first ?? "escalation") else { continue }
            guard declared.contains(label) else {
                let hint = DidYouMean.suggest(label, from: declared).map { "did you mean '\($0)'?" }
                    ?? (declared.isEmpty ? "no keyword has a label yet; add keywords with it or remove it"
                        : "use one of \(declared.joined(separator: ", "))")
                report("value", at: item.mark, "\(p): no keyword has label '\(shown(item, label))'; \(hint)")
                continue
            }
            if out.contains(label) {
                report("value", at: item.mark, "\(p): '\(label)' is listed twice; keep one")
                continue
            }
            out.append(label)
        }
        return out
    }

    /// `true` or `false` (YAML's `True`/`TRUE` too).
    func flag(_ f: Fields, _ key: String) -> Bool? {
        guard let node = f[key] else { return nil }
        let path = f.path(key)
        guard let t = text(node, path: path, expected: "true or false", example: "true") else { return nil }
        switch t.trimmingWhitespace() {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default:
            typeMismatch(node, path: path, expected: "true or false", hint: "write true or false")
            return nil
        }
    }
}
