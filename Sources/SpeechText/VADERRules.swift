/// The constants of VADER's rules, as in the reference implementation (cjhutto/vaderSentiment,
/// `vaderSentiment.py`, MIT licence; `VADER/LICENSE.txt`). Hutto, C.J. & Gilbert, E.E. (2014). VADER: A
/// Parsimonious Rule-based Model for Sentiment Analysis of Social Media Text. ICWSM-14.
enum VADERRules {
    /// Empirically derived mean intensity increase of a booster word ("very") and decrease of a dampener.
    static let boosterIncrease = 0.293
    static let boosterDecrease = -0.293
    /// Intensity increase of a word in ALL CAPS among words that are not.
    static let capsIncrease = 0.733
    /// A negated word's valence is multiplied by this.
    static let negationScalar = -0.74
    /// The compound score's normalisation constant (approximates the maximum expected sum).
    static let alpha = 15.0

    /// Words that negate the sentiment of a word up to three words after them (besides any word holding `n't`).
    static let negations: Set<String> = [
        "aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt",
        "ain't", "aren't", "can't", "couldn't", "daren't", "didn't", "doesn't",
        "dont", "hadnt", "hasnt", "havent", "isnt", "mightnt", "mustnt", "neither",
        "don't", "hadn't", "hasn't", "haven't", "isn't", "mightn't", "mustn't",
        "neednt", "needn't", "never", "none", "nope", "nor", "not", "nothing", "nowhere",
        "oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent",
        "oughtn't", "shan't", "shouldn't", "uh-uh", "wasn't", "weren't",
        "without", "wont", "wouldnt", "won't", "wouldn't", "rarely", "seldom", "despite",
    ]

    /// Degree adverbs: boosters (+) and dampeners (−), some of two words.
    static let boosters: [String: Double] = {
        let up = [
            "absolutely", "amazingly", "awfully", "completely", "considerable", "considerably", "decidedly", "deeply",
            "effing", "enormous", "enormously", "entirely", "especially", "exceptional", "exceptionally", "extreme",
            "extremely", "fabulously", "flipping", "flippin", "frackin", "fracking", "fricking", "frickin",
            "frigging", "friggin", "fully", "fuckin", "fucking", "fuggin", "fugging", "greatly", "hella", "highly",
            "hugely", "incredible", "incredibly", "intensely", "major", "majorly", "more", "most", "particularly",
            "purely", "quite", "really", "remarkably", "so", "substantially", "thoroughly", "total", "totally",
            "tremendous", "tremendously", "uber", "unbelievably", "unusually", "utter", "utterly", "very",
        ]
        let down = [
            "almost", "barely", "hardly", "just enough", "kind of", "kinda", "kindof", "kind-of", "less", "little",
            "marginal", "marginally", "occasional", "occasionally", "partly", "scarce", "scarcely", "slight",
            "slightly", "somewhat", "sort of", "sorta", "sortof", "sort-of",
        ]
        var d: [String: Double] = [:]
        for w in up { d[w] = boosterIncrease }
        for w in down { d[w] = boosterDecrease }
        return d
    }()

    /// Idioms and phrases holding lexicon words whose meaning differs from their words' ("the shit", "bad ass").
    static let specialCases: [String: Double] = [
        "the shit": 3, "the bomb": 3, "bad ass": 1.5, "badass": 1.5, "bus stop": 0.0,
        "yeah right": -2, "kiss of death": -1.5, "to die for": 3,
        "beating heart": 3.1, "broken heart": -2.9,
    ]

    /// Whether a (lower-case) word negates: a negation word, or any word containing `n't`.
    static func negates(_ word: String) -> Bool {
        negations.contains(word) || word.contains("n't")
    }
}
