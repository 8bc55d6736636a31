import SpeechText
import SwitchboardCore
import Testing

@Suite struct KeywordMatcherTests {
    static let phrases = [
        KeywordPhrase(phrase: "cancel my account", label: "churn-risk", channel: .customer),
        KeywordPhrase(phrase: "supervisor", label: "escalation"),
        KeywordPhrase(phrase: "cancel", label: "cancel-any"),
        KeywordPhrase(phrase: "my account", label: "account"),
        KeywordPhrase(phrase: "refund", label: "agent-refund", channel: .agent),
    ]
    static let matcher = KeywordMatcher(phrases)

    /// `(label, matched text)` of each hit, in order.
    static func found(_ text: String, _ channel: SpeechChannel? = .customer, matcher: KeywordMatcher = matcher)
        -> [String] {
        matcher.hits(in: text, channel: channel).map { "\($0.label):\(text[$0.range])" }
    }

    @Test func caseAndPunctuationDoNotMatter() {
        #expect(Self.found("I want to CANCEL my account!") == [
            "cancel-any:CANCEL", "churn-risk:CANCEL my account", "account:my account",
        ])
        #expect(Self.found("cancel, my... account?") == [
            "cancel-any:cancel", "churn-risk:cancel, my... account", "account:my... account",
        ])
        #expect(Self.found("Get me your SUPERVISOR.") == ["escalation:SUPERVISOR"])
    }

    @Test func onlyWholeWordsMatch() {
        #expect(Self.found("the cancellation fee") == [])
        #expect(Self.found("supervisors and the supervisory board") == [])
        #expect(Self.found("cancel myaccount") == ["cancel-any:cancel"])
    }

    @Test func apostrophesInsideWordsAreDroppedOnBothSides() {
        let matcher = KeywordMatcher([KeywordPhrase(phrase: "don't cancel", label: "keep"),
                                      KeywordPhrase(phrase: "customers", label: "plural")])
        #expect(Self.found("Please DONT cancel", matcher: matcher) == ["keep:DONT cancel"])
        #expect(Self.found("I don’t cancel", matcher: matcher) == ["keep:don’t cancel"])
        #expect(Self.found("the customers' money", matcher: matcher) == ["plural:customers"])
        #expect(Self.found("don t cancel", matcher: matcher) == [])
    }

    @Test func overlappingAndRepeatedHitsAreAllReported() {
        let hits = Self.matcher.hits(in: "cancel cancel my account, cancel my account", channel: .customer)
        #expect(hits.map(\.label) == ["cancel-any", "cancel-any", "churn-risk", "account", "cancel-any", "churn-risk",
                                      "account"])
        #expect(hits.map(\.wordOffset) == [0, 1, 1, 2, 4, 4, 5])
        #expect(hits.map(\.wordCount) == [1, 1, 3, 2, 1, 3, 2])
        #expect(hits.map(\.phraseIndex) == [2, 2, 0, 3, 2, 0, 3])
        // A phrase overlapping itself.
        let echo = KeywordMatcher([KeywordPhrase(phrase: "no no", label: "no")])
        #expect(echo.hits(in: "No, no, NO!", channel: nil).map(\.wordOffset) == [0, 1])
    }

    @Test func nonASCIIText() {
        let matcher = KeywordMatcher([
            KeywordPhrase(phrase: "supervisor", label: "escalation"),
            KeywordPhrase(phrase: "dónde está", label: "where"),
            KeywordPhrase(phrase: "解約", label: "ja-cancel"),
            KeywordPhrase(phrase: "ärger", label: "anger"),
        ])
        #expect(Self.found("¿Dónde está el supervisor?", matcher: matcher) == ["where:Dónde está", "escalation:supervisor"])
        // A decomposed accent matches the precomposed phrase.
        #expect(Self.found("do\u{301}nde esta\u{301}", matcher: matcher) == ["where:do\u{301}nde esta\u{301}"])
        #expect(Self.found("ÄRGER!", matcher: matcher) == ["anger:ÄRGER"])
        // Scripts without spaces match only as whole "words" between breaks.
        #expect(Self.found("解約、お願いします", matcher: matcher) == ["ja-cancel:解約"])
        #expect(Self.found("解約したい", matcher: matcher) == [])
    }

    @Test func channelRules() {
        // customer only: not the agent, not an unknown side.
        #expect(Self.found("cancel my account", .agent).contains { $0.hasPrefix("churn-risk") } == false)
        #expect(Self.found("cancel my account", nil).contains { $0.hasPrefix("churn-risk") } == false)
        #expect(Self.found("cancel my account", .customer).contains { $0.hasPrefix("churn-risk") })
        // agent only.
        #expect(Self.found("a refund", .agent) == ["agent-refund:refund"])
        #expect(Self.found("a refund", .customer) == [])
        // both: any side, the unknown one included.
        for side in [SpeechChannel.customer, .agent, nil] {
            #expect(Self.found("supervisor", side) == ["escalation:supervisor"])
        }
        #expect(Self.matcher.hits(in: "supervisor", channel: .agent).first?.channel == .agent)
    }

    @Test func emptyTextAndEmptyPhrasesMatchNothing() {
        #expect(Self.matcher.hits(in: "", channel: .customer).isEmpty)
        #expect(Self.matcher.hits(in: "?!  ...", channel: .customer).isEmpty)
        let empty = KeywordMatcher([KeywordPhrase(phrase: "", label: "e"), KeywordPhrase(phrase: "!!", label: "p")])
        #expect(empty.isEmpty)
        #expect(empty.hits(in: "anything at all", channel: nil).isEmpty)
        #expect(KeywordMatcher([]).hits(in: "cancel", channel: nil).isEmpty)
    }

    @Test func onlyFinalUtterancesAreMatched() {
        func utterance(final: Bool) -> TranscriptUtterance {
            TranscriptUtterance(org: "us", conversationID: "c1", utteranceID: "u1", channel: .customer,
                                text: "get me a supervisor", isFinal: final, offsetMs: 0, durationMs: 900, at: 1_000)
        }
        #expect(Self.matcher.hits(in: utterance(final: false)).isEmpty)
        #expect(Self.matcher.hits(in: utterance(final: true)).map(\.label) == ["escalation"])
    }

    @Test func hundredsOfPhrasesShareOneTrie() {
        var phrases: [KeywordPhrase] = []
        for i in 0..<500 { phrases.append(KeywordPhrase(phrase: "product \(i) is broken", label: "p\(i)")) }
        phrases.append(KeywordPhrase(phrase: "product", label: "product"))
        let matcher = KeywordMatcher(phrases)
        #expect(matcher.longestPhrase == 4)
        let hits = matcher.hits(in: "My product 417 is broken, product 4 is fine, product 4 is broken.", channel: nil)
        #expect(hits.map(\.label) == ["product", "p417", "product", "product", "p4"])
    }
}
