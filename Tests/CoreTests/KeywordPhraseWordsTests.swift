import SwitchboardCore
import Testing

/// The one word normaliser the loader and the matcher share (docs/speech-text.md, "Matching").
@Suite struct KeywordPhraseWordsTests {
    @Test func lowerCasesAndBreaksOnEverythingButLettersAndDigits() {
        #expect(KeywordPhrase.normalizedWords("I want to CANCEL my account!") == ["i", "want", "to", "cancel", "my", "account"])
        #expect(KeywordPhrase.normalizedWords("e-mail,cancel;;account#42") == ["e", "mail", "cancel", "account", "42"])
        #expect(KeywordPhrase.normalizedWords("  tab\tand\nnewline  ") == ["tab", "and", "newline"])
        #expect(KeywordPhrase.normalizedWords("a_b") == ["a", "b"])
    }

    @Test func apostrophesInsideWordsAreDropped() {
        #expect(KeywordPhrase.normalizedWords("Don't") == ["dont"])
        #expect(KeywordPhrase.normalizedWords("I don’t") == ["i", "dont"])  // U+2019
        #expect(KeywordPhrase.normalizedWords("youʼre") == ["youre"])  // U+02BC, a letter by category
        // At a word's edge an apostrophe is a break.
        #expect(KeywordPhrase.normalizedWords("'tis the customers' money") == ["tis", "the", "customers", "money"])
        #expect(KeywordPhrase.normalizedWords("rock 'n' roll") == ["rock", "n", "roll"])
        #expect(KeywordPhrase.normalizedWords("don''t") == ["don", "t"])
        #expect(KeywordPhrase.normalizedWords("'") == [])
    }

    @Test func unicodeLettersDigitsAndMarksAreKept() {
        #expect(KeywordPhrase.normalizedWords("¿Dónde está el SUPERVISOR?") == ["dónde", "está", "el", "supervisor"])
        #expect(KeywordPhrase.normalizedWords("Straße ÄRGER") == ["straße", "ärger"])
        #expect(KeywordPhrase.normalizedWords("解約したい、今すぐ") == ["解約したい", "今すぐ"])
        #expect(KeywordPhrase.normalizedWords("٣ مرات") == ["٣", "مرات"])
        // Decomposed and precomposed accents are the same word.
        #expect(KeywordPhrase.normalizedWords("esta\u{301}") == KeywordPhrase.normalizedWords("está"))
        // Emoji and symbols break.
        #expect(KeywordPhrase.normalizedWords("great👍thanks €5") == ["great", "thanks", "5"])
    }

    @Test func onlyPunctuationHasNoWords() {
        #expect(KeywordPhrase.normalizedWords("") == [])
        #expect(KeywordPhrase.normalizedWords("?!... --- ''") == [])
        #expect(KeywordPhrase(phrase: "!!!", label: "x").normalizedWords.isEmpty)
        #expect(KeywordPhrase(phrase: " Cancel   my\taccount. ", label: "x").normalizedKey == "cancel my account")
    }

    @Test func rangesPointIntoTheOriginalText() {
        let text = "Hi — I DON'T want it!"
        let words = KeywordPhrase.words(in: text)
        #expect(words.map(\.text) == ["hi", "i", "dont", "want", "it"])
        #expect(words.map { String(text[$0.range]) } == ["Hi", "I", "DON'T", "want", "it"])
    }
}
