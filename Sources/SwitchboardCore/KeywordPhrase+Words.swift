/// How keyword phrases and transcript text are cut into words (docs/speech-text.md, "Matching"). One function
/// serves both sides, so the loader's duplicate check (`SwitchboardConfig`) and the keyword matcher
/// (`SpeechText`) can never disagree about what a phrase is:
///
/// - a *word character* is a character whose first Unicode scalar is a letter (`L*`), a combining mark (`M*`)
///   or a number (`N*`); words are lower-cased (`String.lowercased()`, not full case folding);
/// - an apostrophe (`'`, `’`, `‘`, `ʼ`, `＇`) between two word characters is dropped (`don't` → `dont`);
///   anywhere else it is a break (`'tis`, `customers'`);
/// - every other character is a word break (spaces, punctuation, symbols, emoji, control characters).
///
/// Words compare as Swift strings, i.e. by canonical equivalence: `está` written precomposed or with a
/// combining accent is the same word.
extension KeywordPhrase {
    /// One word of a text.
    public struct Word: Sendable, Equatable {
        /// The normalised word (lower-case, apostrophes dropped).
        public var text: String
        /// Where it stands in the original text, from its first to its last word character (dropped
        /// apostrophes inside it included).
        public var range: Range<String.Index>

        public init(text: String, range: Range<String.Index>) {
            self.text = text
            self.range = range
        }
    }

    /// The words of `text`, in order, with their positions in it.
    public static func words(in text: String) -> [Word] {
        var words: [Word] = []
        var current = ""
        var start: String.Index?
        var end = text.startIndex
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            let next = text.index(after: i)
            if isApostrophe(c) {
                // Inside a word: dropped, the word goes on. Elsewhere: a break.
                if start != nil, next < text.endIndex, isWordCharacter(text[next]) {
                    i = next
                    continue
                }
            } else if isWordCharacter(c) {
                if start == nil { start = i }
                if c.isASCII {
                    current.append(c.isUppercase ? Character(c.lowercased()) : c)
                } else {
                    current += c.lowercased()
                }
                end = next
                i = next
                continue
            }
            if let s = start {
                words.append(Word(text: current, range: s..<end))
                current = ""
                start = nil
            }
            i = next
        }
        if let s = start { words.append(Word(text: current, range: s..<end)) }
        return words
    }

    /// The normalised words of `text` (``words(in:)`` without positions): `"Don't CANCEL!"` → `["dont", "cancel"]`.
    public static func normalizedWords(_ text: String) -> [String] {
        words(in: text).map(\.text)
    }

    /// This phrase's normalised words; empty when the phrase has no letter or digit.
    public var normalizedWords: [String] { Self.normalizedWords(phrase) }

    /// The phrase's normalised words joined by single spaces (`cancel my account`): two phrases with the same
    /// key match exactly the same text.
    public var normalizedKey: String { normalizedWords.joined(separator: " ") }

    /// Whether `c` belongs to a word: its first scalar is a letter, a combining mark or a number.
    public static func isWordCharacter(_ c: Character) -> Bool {
        guard let s = c.unicodeScalars.first else { return false }
        if s.isASCII {
            let v = s.value
            return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A)
        }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark,
             .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }

    /// The apostrophes dropped inside words: U+0027, U+2018, U+2019, U+02BC (a letter by category, an
    /// apostrophe by use) and the full-width U+FF07.
    public static func isApostrophe(_ c: Character) -> Bool {
        guard c.unicodeScalars.count == 1, let s = c.unicodeScalars.first else { return false }
        switch s.value {
        case 0x27, 0x2018, 0x2019, 0x02BC, 0xFF07: return true
        default: return false
        }
    }
}
