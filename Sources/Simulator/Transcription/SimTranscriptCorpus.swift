import SwitchboardCore

/// What the simulated callers and agents say (docs/simulator.md, "Real-time transcription"): a fixed corpus of
/// English sentences in three kinds — neutral filler that holds **no** keyword of ``keywordPhrases`` (nor the
/// words `cancel`, `supervisor`, `refund`, `unacceptable`, `complaint`, so the demo's keyword lists stay quiet on
/// it), sentences holding keyword phrases (each annotated with the phrases it holds, in order), and sentences that
/// carry clear sentiment. `SimTranscriptCorpusTests` checks every annotation against the words.
public enum SimTranscriptCorpus {
    /// A sentence and the keyword phrases it holds, in order of appearance.
    public struct Sentence: Sendable, Equatable {
        public var text: String
        public var keywords: [String]
        init(_ text: String, _ keywords: [String] = []) {
            self.text = text
            self.keywords = keywords
        }
    }

    /// The keyword phrases the corpus speaks (none is a word run of another, so hits never overlap).
    public static let keywordPhrases = ["cancel my account", "speak to a supervisor", "refund", "this is unacceptable",
                                        "file a complaint"]

    static let customerNeutral: [Sentence] = [
        .init("Hi, I am calling about my last bill."),
        .init("Yes, my date of birth is the fourth of June."),
        .init("I moved to a new address last month."),
        .init("Can you check the status of my order?"),
        .init("It was delivered on Tuesday, I think."),
        .init("Okay, I can wait a moment."),
        .init("The number ends in four two seven."),
        .init("I tried that already this morning."),
        .init("Sure, the postcode is the one on file."),
        .init("I think that is everything for now."),
        .init("The app keeps asking me to log in again."),
        .init("My name is spelled with two Ls."),
    ]

    static let customerKeyword: [Sentence] = [
        .init("I want to cancel my account today.", ["cancel my account"]),
        .init("Please just cancel my account, I am done with it.", ["cancel my account"]),
        .init("Can I speak to a supervisor please?", ["speak to a supervisor"]),
        .init("I would like a refund for the last two months.", ["refund"]),
        .init("Honestly, this is unacceptable.", ["this is unacceptable"]),
        .init("If nothing changes I will file a complaint.", ["file a complaint"]),
        .init("This is unacceptable, I want a refund.", ["this is unacceptable", "refund"]),
    ]

    static let customerSentiment: [Sentence] = [
        .init("Thank you so much, that is really helpful!"),
        .init("Great, that is wonderful news."),
        .init("I am really frustrated and angry about this."),
        .init("This is terrible, nothing works."),
        .init("I am very disappointed with the service."),
        .init("Perfect, I love how quick that was."),
    ]

    static let agentNeutral: [Sentence] = [
        .init("Thank you for calling, how can I help you today?"),
        .init("Let me look into that for you."),
        .init("Could you confirm your date of birth for me?"),
        .init("One moment while I check the system."),
        .init("I can see the order here."),
        .init("I have updated the address on file."),
        .init("Is there anything else I can help with?"),
        .init("I will send you an email with the details."),
        .init("That should go through within two working days."),
        .init("Could you read me the number on the letter?"),
    ]

    static let agentKeyword: [Sentence] = [
        .init("I can process a refund for you right away.", ["refund"]),
        .init("I understand, you can speak to a supervisor after this call.", ["speak to a supervisor"]),
    ]

    static let agentSentiment: [Sentence] = [
        .init("I am so sorry about the trouble this caused."),
        .init("Great, I am glad we could fix it!"),
        .init("Excellent, that worked perfectly."),
    ]

    /// Every sentence, for checks.
    public static var all: [(kind: String, sentence: Sentence)] {
        customerNeutral.map { ("neutral", $0) } + agentNeutral.map { ("neutral", $0) }
            + customerKeyword.map { ("keyword", $0) } + agentKeyword.map { ("keyword", $0) }
            + customerSentiment.map { ("sentiment", $0) } + agentSentiment.map { ("sentiment", $0) }
    }

    /// A sentence for one spurt of `channel`: customers say a keyword phrase one spurt in five and carry
    /// sentiment one in four; agents mostly stay neutral.
    static func pick(_ channel: SpeechChannel, _ r: inout SimRandom) -> Sentence {
        let roll = r.unit()
        let list: [Sentence]
        if channel == .customer {
            list = roll < 0.2 ? customerKeyword : roll < 0.45 ? customerSentiment : customerNeutral
        } else {
            list = roll < 0.08 ? agentKeyword : roll < 0.22 ? agentSentiment : agentNeutral
        }
        return list[r.int(0...(list.count - 1))]
    }

    /// What is said in a spurt of `durationMs`: one sentence, two for a spurt of 4 s or more.
    static func utterance(_ channel: SpeechChannel, durationMs: Int64, _ r: inout SimRandom) -> Sentence {
        let first = pick(channel, &r)
        guard durationMs >= 4000 else { return first }
        let second = pick(channel, &r)
        return Sentence(first.text + " " + second.text, first.keywords + second.keywords)
    }

    /// The first `k` of `n + 1` parts of `text`'s words (a growing partial; at least one word).
    static func prefix(_ text: String, part k: Int, of n: Int) -> String {
        let words = text.split(separator: " ")
        let take = max(1, words.count * k / (n + 1))
        return words.prefix(take).joined(separator: " ")
    }
}
