/// VADER's tokens: the text split on whitespace, each token stripped of leading and trailing ASCII punctuation
/// unless that leaves two characters or fewer (so `:)` and `it,` stay as they are, `good.` becomes `good`).
/// Contractions keep their apostrophe (`isn't`), which the negation rule reads.
extension SentimentAnalyzer {
    struct Token {
        /// Lower-cased (`String.lowercased()`, like Python's `str.lower()`).
        var lower: String
        /// Python's `str.isupper()`: at least one cased character, none lower-case or title-case.
        var isUpper: Bool
    }

    static func tokens(_ text: String) -> [Token] {
        var tokens: [Token] = []
        var current = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if isSpace(s) {
                if !current.isEmpty {
                    tokens.append(token(current))
                    current = String.UnicodeScalarView()
                }
            } else {
                // Curly apostrophes read as ASCII ones, so `isn’t` negates like `isn't` (the reference would
                // not negate it).
                switch s.value {
                case 0x2018, 0x2019, 0x02BC: current.append("'")
                default: current.append(s)
                }
            }
        }
        if !current.isEmpty { tokens.append(token(current)) }
        return tokens
    }

    private static func token(_ raw: String.UnicodeScalarView) -> Token {
        var lo = raw.startIndex
        var hi = raw.endIndex
        while lo < hi, isPunctuation(raw[lo]) { lo = raw.index(after: lo) }
        while hi > lo, isPunctuation(raw[raw.index(before: hi)]) { hi = raw.index(before: hi) }
        let word = raw.distance(from: lo, to: hi) <= 2 ? raw[...] : raw[lo..<hi]
        return Token(lower: String(word).lowercased(), isUpper: isUpper(word))
    }

    /// Python's `string.punctuation`: ASCII `!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~`.
    private static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: true
        default: false
        }
    }

    /// Python's `str.split()` separators: Unicode white space and the ASCII separators U+001C…U+001F.
    private static func isSpace(_ s: Unicode.Scalar) -> Bool {
        s.properties.isWhitespace || (0x1C...0x1F).contains(s.value)
    }

    private static func isUpper(_ word: Substring.UnicodeScalarView) -> Bool {
        var cased = false
        for s in word {
            let p = s.properties
            if p.isLowercase || p.generalCategory == .titlecaseLetter { return false }
            if p.isUppercase { cased = true }
        }
        return cased
    }

    /// VADER's `allcap_differential`: some, but not all, tokens are ALL CAPS (then capitals add emphasis).
    static func capsDiffer(_ tokens: [Token]) -> Bool {
        let caps = tokens.reduce(0) { $0 + ($1.isUpper ? 1 : 0) }
        return caps > 0 && caps < tokens.count
    }
}
