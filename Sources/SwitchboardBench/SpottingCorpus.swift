import Foundation
import KeywordSpotting
import SwitchboardCore

/// The spotting scenario's spoken corpus (docs/performance.md "spotting"): short calls of filler sentences,
/// three in four with one keyword phrase inside a sentence, spoken by espeak-ng voices and made
/// telephone-like (8 kHz, 300–3400 Hz, μ-law and back), with pauses of low noise between sentences.
///
/// Two corpora that share no sentence and no voice: `calibration` (what the default thresholds were
/// chosen on, `--calibrate 1`) and `test` (what the figures are measured on).
struct SpottingCorpus {
    struct Utterance {
        var voice: String
        var wordsPerMinute: Int
        var sentences: [String]
        /// The phrase said, and the index of the sentence that says it.
        var phrase: String?
        var phraseSentence: Int?
    }

    /// Ground truth of one rendered utterance.
    struct Truth {
        var phrase: String?
        var sentenceStartMs: Int64 = 0
        var sentenceEndMs: Int64 = 0
        /// Where the phrase itself starts: the sentence's start plus the length of the words before the
        /// phrase spoken alone (an estimate; espeak-ng reports no word times).
        var phraseStartMs: Int64 = 0
        var durationMs: Int64 = 0
    }

    static let phrases: [KeywordPhrase] = [
        KeywordPhrase(phrase: "cancel my account", label: "churn-risk"),
        KeywordPhrase(phrase: "speak to a supervisor", label: "escalation"),
        KeywordPhrase(phrase: "this is unacceptable", label: "anger"),
        KeywordPhrase(phrase: "thank you so much", label: "thanks"),
        KeywordPhrase(phrase: "refund", label: "refund"),
    ]

    struct Material {
        var carriers: [String: [String]]
        var fillers: [String]
        var voices: [String]
    }

    static let calibrationMaterial = Material(
        carriers: [
            "cancel my account": ["I want to cancel my account today", "please cancel my account right now",
                                  "can you cancel my account for me"],
            "speak to a supervisor": ["I need to speak to a supervisor", "let me speak to a supervisor please",
                                      "can I speak to a supervisor"],
            "this is unacceptable": ["honestly this is unacceptable", "this is unacceptable to me",
                                     "I think this is unacceptable"],
            "thank you so much": ["thank you so much for your help", "well thank you so much", "okay thank you so much"],
            "refund": ["I would like a refund", "when will I get my refund", "can I have a refund please"],
        ],
        fillers: [
            "hello I am calling about my bill from last month", "the internet has been slow since Tuesday",
            "my name is Jordan and my number ends in four five", "could you check the address on the order",
            "I moved to a new apartment in the spring", "the package arrived yesterday afternoon", "yes that is correct",
            "I have been a customer for many years", "let me find the letter you sent me",
            "the technician said he would come on Friday", "is there a cheaper plan for my family",
            "I tried to log in but the page would not load", "the account number is on the first page",
            "can you tell me when the store opens", "we talked about the same problem last week",
            "I just want to understand the charges", "the supervisor said it was fixed", "thanks for waiting",
            "please hold while I check", "I will send you an email with the details",
        ],
        voices: ["en-us+f2", "en-us+f4", "en-us+klatt", "en-us+klatt4", "en-us+m3", "en-us"])

    static let testMaterial = Material(
        carriers: [
            "cancel my account": ["I am going to cancel my account", "just cancel my account then",
                                  "why can't I cancel my account online"],
            "speak to a supervisor": ["I would like to speak to a supervisor", "put me through so I can speak to a supervisor",
                                      "I want to speak to a supervisor now"],
            "this is unacceptable": ["this is unacceptable", "frankly this is unacceptable service",
                                     "you know this is unacceptable"],
            "thank you so much": ["thank you so much", "that is great thank you so much", "thank you so much for fixing it"],
            "refund": ["I am still waiting for the refund", "the refund never arrived", "please send the refund"],
        ],
        fillers: [
            "good morning I have a question about my plan", "the phone keeps dropping calls in the kitchen",
            "my daughter set up the account for me", "it says the payment failed again",
            "I called two days ago about the same thing", "the modem has a blinking orange light",
            "no I do not have the reference number", "the bill went up by twenty dollars",
            "we are moving at the end of the month", "can you read that back to me",
            "I did restart it like the website said", "the email address is my first name",
            "it worked fine until the weekend", "sure I can wait a minute",
            "the agent before you was very helpful", "I think the order was shipped to my old address",
            "my card expires next year", "what time does the technician arrive",
            "I never got the confirmation text", "the contract ends in March",
        ],
        voices: ["en-us+f1", "en-us+f3", "en-us+klatt2", "en-us+m1", "en-us+m2", "en-us+f5"])

    /// 40 utterances: 30 with a phrase (each phrase 6 times), 10 filler only; two or three filler sentences
    /// each; voices in turn; speaking rate 140–170 words per minute.
    static func utterances(_ material: Material, seed: UInt64, count: Int = 40) -> [Utterance] {
        var rng = SplitMix(seed: seed)
        var out: [Utterance] = []
        for i in 0..<count {
            let withPhrase = i % 4 != 3
            var sentences = pick(material.fillers, count: 2 + Int(rng.next() % 2), rng: &rng)
            var phrase: String?, index: Int?
            if withPhrase {
                let p = phrases[(i - i / 4) % phrases.count].phrase
                let carriers = material.carriers[p]!
                let at = Int(rng.next() % UInt64(sentences.count + 1))
                sentences.insert(carriers[Int(rng.next() % UInt64(carriers.count))], at: at)
                phrase = p
                index = at
            }
            out.append(Utterance(voice: material.voices[i % material.voices.count],
                                 wordsPerMinute: 140 + Int(rng.next() % 31), sentences: sentences,
                                 phrase: phrase, phraseSentence: index))
        }
        return out
    }

    /// Renders one utterance at 8 kHz with its ground truth.
    static func render(_ u: Utterance, seed: UInt64) throws -> ([Int16], Truth) {
        var rng = SplitMix(seed: seed)
        var samples = SyntheticSpeech.noise(ms: 500, generator: &rng)
        var truth = Truth(phrase: u.phrase)
        for (i, sentence) in u.sentences.enumerated() {
            let speech = try SyntheticSpeech.render(sentence, voice: u.voice, wordsPerMinute: u.wordsPerMinute)
            let start = Int64(samples.count / 8)
            if i == u.phraseSentence, let phrase = u.phrase {
                truth.sentenceStartMs = start
                truth.sentenceEndMs = start + Int64(speech.count / 8)
                let prefix = sentence.components(separatedBy: phrase)[0].trimmingCharacters(in: .whitespaces)
                let prefixMs = prefix.isEmpty ? 0
                    : Int64(try SyntheticSpeech.render(prefix, voice: u.voice, wordsPerMinute: u.wordsPerMinute).count / 8)
                truth.phraseStartMs = start + prefixMs
            }
            samples += speech
            samples += SyntheticSpeech.noise(ms: 400 + Int(rng.next() % 500), generator: &rng)
        }
        truth.durationMs = Int64(samples.count / 8)
        return (samples, truth)
    }

    private static func pick(_ list: [String], count: Int, rng: inout SplitMix) -> [String] {
        var pool = list, out: [String] = []
        for _ in 0..<count { out.append(pool.remove(at: Int(rng.next() % UInt64(pool.count)))) }
        return out
    }
}

/// SplitMix64: a small seeded generator for reproducible corpora.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
