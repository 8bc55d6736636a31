import SwitchboardCore

/// What the simulated calls say with `spokenPhrases` (docs/simulator.md, "Spoken phrases"): a few sentences per
/// side, some holding a keyword phrase, spoken by one espeak-ng voice per side.
///
/// The phrases are multi-word (PocketSphinx's keyword search does poorly on single words; docs/speech-text.md,
/// "Measured"); the fillers hold none of them (nor `cancel`, `supervisor`, `unacceptable`, `account`).
public enum SimSpokenCorpus {
    /// One sentence: its words, the keyword phrase it says (nil for a filler) and who says it.
    public struct Sentence: Sendable, Equatable {
        public var text: String
        public var keyword: String?
        public var channel: SpeechChannel
    }

    /// The keyword phrases said, with the label a configuration would give them (the tests' and the demo's).
    public static let keywordPhrases: [(phrase: String, label: String)] = [
        ("cancel my account", "churn-risk"),
        ("speak to a supervisor", "escalation"),
        ("this is unacceptable", "anger"),
        ("thank you so much", "thanks"),
    ]

    /// The espeak-ng voice of each side.
    public static let voices: [SpeechChannel: String] = [.customer: "en-us+klatt", .agent: "en-us+f2"]
    /// Words per minute.
    public static let wordsPerMinute = 150

    public static let sentences: [Sentence] = [
        // The customer's phrases.
        Sentence(text: "I want to cancel my account", keyword: "cancel my account", channel: .customer),
        Sentence(text: "please cancel my account today", keyword: "cancel my account", channel: .customer),
        Sentence(text: "I need to speak to a supervisor", keyword: "speak to a supervisor", channel: .customer),
        Sentence(text: "honestly this is unacceptable", keyword: "this is unacceptable", channel: .customer),
        Sentence(text: "well thank you so much", keyword: "thank you so much", channel: .customer),
        // The agent's.
        Sentence(text: "thank you so much for waiting", keyword: "thank you so much", channel: .agent),
        Sentence(text: "okay thank you so much for calling", keyword: "thank you so much", channel: .agent),
        // Fillers.
        Sentence(text: "hello I am calling about my bill from last month", keyword: nil, channel: .customer),
        Sentence(text: "the internet has been slow since Tuesday", keyword: nil, channel: .customer),
        Sentence(text: "yes that is correct", keyword: nil, channel: .customer),
        Sentence(text: "the package arrived yesterday afternoon", keyword: nil, channel: .customer),
        Sentence(text: "I tried to log in but the page would not load", keyword: nil, channel: .customer),
        Sentence(text: "my card expires next year", keyword: nil, channel: .customer),
        Sentence(text: "please hold while I check", keyword: nil, channel: .agent),
        Sentence(text: "let me look that up for you", keyword: nil, channel: .agent),
        Sentence(text: "I will send you an email with the details", keyword: nil, channel: .agent),
        Sentence(text: "is there anything else I can help with", keyword: nil, channel: .agent),
        Sentence(text: "can you read me the number on the letter", keyword: nil, channel: .agent),
        Sentence(text: "the technician can come on Friday morning", keyword: nil, channel: .agent),
    ]

    /// The share of each side's talk spurts that say a sentence with a phrase; the others say a filler. (Every spurt
    /// speaks: the tone mix between sentences would pull the spotter's running cepstral mean away from speech.)
    static let keywordShare: [SpeechChannel: Double] = [.customer: 0.5, .agent: 0.3]
}
