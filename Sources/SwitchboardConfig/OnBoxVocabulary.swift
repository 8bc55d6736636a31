import SwitchboardCore

/// What the on-box keyword spotter can listen for (docs/speech-text.md, "On-box keyword spotting"): the loader
/// asks it about every keyword phrase of an org with `speechText.onBox: true`, so a phrase the spotter cannot use
/// (a word its pronunciation dictionary lacks: `kws.unknown-word`) refuses the file — at `check-config`, at the
/// start and at every reload — with the phrase's `file:line:column`, like any other mistake. The Bridge supplies
/// the implementation (PocketSphinx's dictionary); without one (``ConfigLoadOptions/onBoxVocabulary`` nil) the
/// phrases are not checked against it.
public protocol OnBoxVocabulary: Sendable {
    /// Why on-box spotting cannot run on this machine at all (its model is not installed: `kws.model-missing`), or
    /// nil.
    func unavailable() -> OnBoxVocabularyProblem?
    /// The problem with each phrase the spotter cannot listen for, by index in `phrases`.
    func problems(with phrases: [KeywordPhrase]) -> [Int: OnBoxVocabularyProblem]
}

/// Why the spotter cannot listen for a phrase (or at all): its error code (`kws.unknown-word`, …) and message.
public struct OnBoxVocabularyProblem: Sendable, Equatable {
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}
