import Foundation
@testable import KeywordSpotting
import SwitchboardCore
import Testing

@Suite("Keyword spotter: spoken phrases", .serialized,
       .enabled(if: speechAvailable, "needs espeak-ng, sox (make test-deps) and pocketsphinx-en-us (make deps)"))
struct KeywordSpotterSpeechTests {
    let model: SpotterModel
    let keywords: KeywordSet

    init() throws {
        model = try SpotterModel()
        keywords = try model.prepare(testPhrasesAt40)
    }

    /// Each phrase, spoken inside filler speech over telephone-band 8 kHz audio, is heard once, inside the
    /// sentence that says it.
    @Test(arguments: [
        ("cancel my account", ["the internet has been slow since Tuesday", "I want to cancel my account today",
                               "let me find the letter you sent me"]),
        ("speak to a supervisor", ["hello I am calling about my bill from last month", "I need to speak to a supervisor",
                                   "the package arrived yesterday afternoon"]),
        ("this is unacceptable", ["I have been a customer for many years", "honestly this is unacceptable",
                                  "please hold while I check"]),
        ("thank you so much", ["could you check the address on the order", "okay thank you so much",
                               "I will send you an email with the details"]),
    ])
    func hearsPhraseInFillerSpeech(phrase: String, sentences: [String]) throws {
        let call = try SpokenCall.render(sentences, voice: testVoice)
        let spotter = try KeywordSpotter(keywords: keywords, model: model, inputSampleRate: 8000)
        let found = try spotAll(call.samples, with: spotter)
        let hits = found.filter { $0.entry.words == phrase }
        #expect(hits.count == 1, "heard: \(found.map { "\($0.entry.words)@\($0.startMs) \($0.score)" })")
        let span = try #require(call.span(containing: phrase))
        for hit in hits {
            #expect(hit.startMs >= span.startMs - 300 && hit.startMs <= span.endMs, "\(hit.startMs) not in \(span)")
            #expect(hit.endMs > hit.startMs && hit.endMs <= span.endMs + 300)
            #expect(hit.score >= log10(hit.entry.threshold) - 0.01)
        }
        #expect(found.allSatisfy { $0.entry.words == phrase }, "false alarms: \(found.map(\.entry.words))")
    }

    /// Filler speech alone (with near misses: "account number", "supervisor said", "thanks") gives no
    /// detection at a reasonable threshold.
    @Test func fillerOnlyGivesNoDetection() throws {
        let call = try SpokenCall.render([
            "hello I am calling about my bill from last month", "the technician said he would come on Friday",
            "is there a cheaper plan for my family", "the account number is on the first page",
            "the supervisor said it was fixed", "thanks for waiting",
        ], voice: testVoice)
        let spotter = try KeywordSpotter(keywords: keywords, model: model, inputSampleRate: 8000)
        let found = try spotAll(call.samples, with: spotter)
        #expect(found.isEmpty, "false alarms: \(found.map { "\($0.entry.words) \($0.score)" })")
    }

    /// 16 kHz input is decoded as is: the same telephone audio upsampled beforehand is heard exactly as
    /// the 8 kHz original (the spotter's own upsampling is the only difference between the two paths).
    @Test func input16kHzMatches8kHz() throws {
        let call = try SpokenCall.render(["the internet has been slow since Tuesday", "I want to cancel my account today"],
                                         voice: testVoice)
        var upsampler = Upsampler()
        var wide: [Int16] = []
        call.samples.withUnsafeBufferPointer { upsampler.process($0, into: &wide) }
        upsampler.flush(into: &wide)
        let narrow = try spotAll(call.samples, with: try KeywordSpotter(keywords: keywords, model: model, inputSampleRate: 8000))
        let wideband = try spotAll(wide, with: try KeywordSpotter(keywords: keywords, model: model, inputSampleRate: 16000,
                                                                  telephoneBand: true), chunk: 320)
        #expect(!narrow.isEmpty)
        #expect(wideband.map(\.entry.words) == narrow.map(\.entry.words))
        #expect(wideband.map(\.startMs) == narrow.map(\.startMs))
    }

    /// Chunk sizes do not change what is heard (one sample at a time to a second at a time).
    @Test func chunkingDoesNotMatter() throws {
        let call = try SpokenCall.render(["I want to cancel my account today"], voice: testVoice)
        var results: [[Int64]] = []
        for chunk in [1, 37, 160, 8000] {
            let spotter = try KeywordSpotter(keywords: keywords, model: model, inputSampleRate: 8000)
            results.append(try spotAll(call.samples, with: spotter, chunk: chunk).map(\.startMs))
        }
        #expect(results.allSatisfy { $0 == results[0] }, "\(results)")
    }
}

@Suite("Keyword spotter: phrases, model and robustness", .serialized)
struct KeywordSpotterTests {
    @Test func phraseWords() {
        #expect(KeywordSet.words(of: "  Cancel, my ACCOUNT!") == ["cancel", "my", "account"])
        #expect(KeywordSet.words(of: "I don't want it") == ["i", "don't", "want", "it"])
        #expect(KeywordSet.words(of: "'quoted' words") == ["quoted", "words"])
        #expect(KeywordSet.words(of: "?!").isEmpty)
    }

    @Test func defaultThresholdsByPhraseLength() {
        let t = KeywordSpotterTuning(thresholdsByPhones: [(7, 1e45), (13, 1e30), (Int.max, 1e10)], beam: 1e-100,
                                     phoneLoopProbability: 1e-15, delayFrames: 50, telephoneCepstralMean: nil)
        #expect(t.defaultThreshold(phones: 1) == 1e45)
        #expect(t.defaultThreshold(phones: 7) == 1e45)
        #expect(t.defaultThreshold(phones: 8) == 1e30)
        #expect(t.defaultThreshold(phones: 13) == 1e30)
        #expect(t.defaultThreshold(phones: 40) == 1e10)
        #expect(KeywordSpotterTuning.standard.thresholdsByPhones.last?.maxPhones == Int.max)
    }

    @Test(.enabled(if: (try? SpotterModel()) != nil, "needs pocketsphinx-en-us (make deps)"))
    func unknownWordIsRefusedNamingWordAndPhrase() throws {
        let model = try SpotterModel()
        let error = #expect(throws: KeywordSpotterError.self) {
            try model.prepare(testPhrases + [KeywordPhrase(phrase: "cancel my zorblaxaccount now", label: "x")])
        }
        #expect(error?.code == "kws.unknown-word")
        #expect(error?.message.contains("'zorblaxaccount'") == true)
        #expect(error?.message.contains("'cancel my zorblaxaccount now'") == true)
        #expect(error?.message.contains("speechText.keywords") == true)
    }

    @Test(.enabled(if: (try? SpotterModel()) != nil, "needs pocketsphinx-en-us (make deps)"))
    func preparesPronunciationsThresholdsAndSharedPhrases() throws {
        let model = try SpotterModel()
        let set = try model.prepare([
            KeywordPhrase(phrase: "Cancel my account!", label: "churn-risk", channel: .customer),
            KeywordPhrase(phrase: "cancel my account", label: "churn-risk", channel: .agent, threshold: 1e-20),
            KeywordPhrase(phrase: "refund", label: "refund"),
        ])
        #expect(set.entries.map(\.words) == ["cancel my account", "refund"])
        #expect(set.entries[0].phrases.count == 2)
        #expect(set.entries[0].threshold == 1e-20)  // the lowest of the phrases' own
        #expect(set.entries[0].phones == 13)         // K AE N S AH L  M AY  AH K AW N T
        #expect(set.entries[1].threshold == KeywordSpotterTuning.standard.defaultThreshold(phones: 6))
        #expect(throws: KeywordSpotterError.self) { try model.prepare([KeywordPhrase(phrase: "?!", label: "x")]) }
        #expect(throws: KeywordSpotterError.self) {
            try model.prepare([KeywordPhrase(phrase: "refund", label: "x", threshold: -1)])
        }
    }

    @Test func missingModelNamesTheDebianPackage() {
        let error = #expect(throws: KeywordSpotterError.self) { try SpotterModel(directory: "/nonexistent/model") }
        #expect(error?.code == "kws.model-missing")
        #expect(error?.message.contains("pocketsphinx-en-us") == true)
    }

    @Test(.enabled(if: (try? SpotterModel()) != nil, "needs pocketsphinx-en-us (make deps)"))
    func refusesOtherSampleRates() throws {
        let model = try SpotterModel()
        let error = #expect(throws: KeywordSpotterError.self) {
            try KeywordSpotter(keywords: try model.prepare(testPhrases), model: model, inputSampleRate: 44100)
        }
        #expect(error?.code == "kws.bad-sample-rate")
    }

    /// Random PCM of every shape (noise, full-scale square waves, silence, clipping, odd chunk sizes) never
    /// crashes a spotter, and whatever it reports lies inside the audio fed.
    @Test(.enabled(if: (try? SpotterModel()) != nil, "needs pocketsphinx-en-us (make deps)"),
          arguments: [8000, 16000])
    func randomPCMDoesNotCrash(rate: Int) throws {
        let model = try SpotterModel()
        let keywords = try model.prepare(testPhrases + [KeywordPhrase(phrase: "refund", label: "refund", threshold: 1e-30)])
        var rng = SeededGenerator(seed: UInt64(rate))
        let spotter = try KeywordSpotter(keywords: keywords, model: model, inputSampleRate: rate)
        var fedSamples = 0
        var found: [KeywordSpotter.Detection] = []
        for round in 0..<200 {
            let count = Int.random(in: 0...2000, using: &rng)
            let chunk: [Int16]
            switch round % 5 {
            case 0: chunk = (0..<count).map { _ in Int16.random(in: .min ... .max, using: &rng) }
            case 1: chunk = (0..<count).map { $0 % 16 < 8 ? .max : .min }
            case 2: chunk = Array(repeating: 0, count: count)
            case 3: chunk = (0..<count).map { _ in Int16.random(in: -300...300, using: &rng) }
            default: chunk = (0..<count).map { i in Int16(clamping: Int(30000 * sin(Double(i) * 0.3))) }
            }
            found += try spotter.process(chunk)
            fedSamples += chunk.count
        }
        found += try spotter.finish()
        #expect(try spotter.process([1, 2, 3]).isEmpty)  // after finish: nothing
        let fedMs = Int64(fedSamples * 1000 / rate)
        #expect(found.allSatisfy { $0.startMs >= 0 && $0.startMs <= $0.endMs && $0.endMs <= fedMs + 20 })
    }

    /// PocketSphinx writes nothing to stderr (its log goes to swift-log).
    @Test(.enabled(if: (try? SpotterModel()) != nil, "needs pocketsphinx-en-us (make deps)"))
    func decoderIsSilentOnStderr() throws {
        let model = try SpotterModel()
        let keywords = try model.prepare(testPhrases)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kws-stderr-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: path) }
        fflush(nil)  // every stream
        let saved = dup(2)
        let file = open(path, O_WRONLY)
        dup2(file, 2)
        do {
            let spotter = try KeywordSpotter(keywords: keywords, model: model, inputSampleRate: 8000)
            _ = try spotter.process([Int16](repeating: 100, count: 16000))
            _ = try spotter.finish()
        }
        fflush(nil)  // every stream
        dup2(saved, 2)
        close(saved)
        close(file)
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written.isEmpty, "PocketSphinx wrote to stderr: \(written.prefix(300))")
    }
}
