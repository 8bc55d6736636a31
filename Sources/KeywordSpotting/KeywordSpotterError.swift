import SwitchboardCore

/// Why the on-box keyword spotter cannot start or go on, as a coded error (`kws.unknown-word`, …).
/// The message says what, where and what to do; it never carries audio.
public struct KeywordSpotterError: CodedError, Equatable {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    /// A file of the PocketSphinx model is missing (the Debian package is not installed, or the model
    /// directory is wrong).
    static func modelMissing(_ path: String, what: String) -> KeywordSpotterError {
        KeywordSpotterError(code: "kws.model-missing", message: "the PocketSphinx \(what) is missing: \(path) "
            + "does not exist; install the Debian package pocketsphinx-en-us (`make deps` does) or point the "
            + "spotter at a model directory that has en-us/ and cmudict-en-us.dict")
    }

    /// A word of a phrase has no pronunciation in the dictionary, so PocketSphinx cannot listen for it.
    static func unknownWord(_ word: String, phrase: String, dictionary: String) -> KeywordSpotterError {
        KeywordSpotterError(code: "kws.unknown-word", message: "the keyword phrase '\(phrase)' has the word "
            + "'\(word)', which is not in the pronunciation dictionary (\(dictionary)); reword the phrase in "
            + "speechText.keywords (spell numbers and abbreviations out as words, e.g. 'twenty four') or turn "
            + "on-box spotting off for it")
    }

    /// A phrase with no word the spotter can use.
    static func emptyPhrase(_ phrase: String) -> KeywordSpotterError {
        KeywordSpotterError(code: "kws.bad-phrase", message: "the keyword phrase '\(phrase)' has no words to "
            + "listen for (only punctuation or digits?); write it as words in speechText.keywords")
    }

    /// A threshold PocketSphinx cannot use.
    static func badThreshold(_ threshold: Double, phrase: String) -> KeywordSpotterError {
        KeywordSpotterError(code: "kws.bad-threshold", message: "the keyword phrase '\(phrase)' has threshold "
            + "\(threshold); a threshold is a positive number such as 1e-20 (smaller finds more, with more false "
            + "alarms); fix speechText.keywords")
    }

    /// Audio at a sample rate the spotter does not take.
    static func badSampleRate(_ rate: Int) -> KeywordSpotterError {
        KeywordSpotterError(code: "kws.bad-sample-rate", message: "the keyword spotter takes 16-bit mono PCM at "
            + "8000 or 16000 Hz, not \(rate) Hz; resample the audio before offering it")
    }

    /// PocketSphinx refused to create a decoder or a search (its log, routed to swift-log, says why).
    static func decoder(_ context: String) -> KeywordSpotterError {
        KeywordSpotterError(code: "kws.decoder-failed", message: "PocketSphinx failed while \(context); its "
            + "log lines (logger switchboard.pocketsphinx) say why; check the model files and the Debian packages "
            + "libpocketsphinx3 and pocketsphinx-en-us")
    }

    /// A file the spotter writes for PocketSphinx (the keyword list, the phrases' dictionary) could not be
    /// written.
    static func io(_ path: String, _ reason: String) -> KeywordSpotterError {
        KeywordSpotterError(code: "kws.io", message: "could not write the keyword spotter's file \(path): "
            + "\(reason); check that the temporary directory is writable")
    }
}
