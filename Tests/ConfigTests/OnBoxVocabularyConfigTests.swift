import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing

/// `speechText.onBox: true` checks the org's phrases against what the spotter can listen for
/// (``ConfigLoadOptions/onBoxVocabulary``; the Bridge supplies PocketSphinx's): a word it lacks refuses the file at the
/// phrase, with the spotter's code; a spotter that cannot run refuses it at `onBox`; a seed org's sample rate must be
/// one the spotter decodes.
@Suite struct OnBoxVocabularyConfigTests {
    /// Knows every word but `qwzxv` and `gronk`; `missing` plays an uninstalled model.
    struct FakeVocabulary: OnBoxVocabulary {
        var missing = false
        func unavailable() -> OnBoxVocabularyProblem? {
            missing ? OnBoxVocabularyProblem(code: "kws.model-missing", message: "the model is missing; install it") : nil
        }
        func problems(with phrases: [KeywordPhrase]) -> [Int: OnBoxVocabularyProblem] {
            var out: [Int: OnBoxVocabularyProblem] = [:]
            for (i, p) in phrases.enumerated() {
                if let word = ["qwzxv", "gronk"].first(where: { p.phrase.contains($0) }) {
                    out[i] = OnBoxVocabularyProblem(code: "kws.unknown-word", message: "the word '\(word)' is unknown")
                }
            }
            return out
        }
    }

    static func yaml(onBox: Bool = true, sampleRate: Int? = nil) -> String {
        """
        auth: none
        orgs:
        \(ConfigTestSupport.minimalOrg)
            protocol: seed
            audio:
        \(sampleRate.map { "      sampleRate: \($0)" } ?? "      sampleRate: 16000")
            speechText:
              onBox: \(onBox)
              keywords:
                - phrase: cancel my account
                  label: churn-risk
                - phrase: qwzxv now
                  label: nonsense
                - phrase: please gronk
                  label: nonsense
                  channel: agent

        """
    }

    static func lines(_ yaml: String, vocabulary: (any OnBoxVocabulary)?) -> [String] {
        do {
            _ = try ConfigLoader.load(yaml: yaml, file: "orgs.yaml", environment: ConfigTestSupport.minimalEnvironment,
                                      options: ConfigLoadOptions(onBoxVocabulary: vocabulary))
            return []
        } catch {
            return error.diagnostics.map { "\($0.code) \($0.description)" }
        }
    }

    @Test func aPhraseTheSpotterCannotListenForRefusesTheFileAtThePhrase() {
        #expect(Self.lines(Self.yaml(), vocabulary: FakeVocabulary()) == [
            "kws.unknown-word orgs.yaml:16:19: orgs[0].speechText.keywords[1].phrase: on-box spotting (onBox: true) "
                + "cannot listen for this phrase: the word 'qwzxv' is unknown",
            "kws.unknown-word orgs.yaml:18:19: orgs[0].speechText.keywords[2].phrase: on-box spotting (onBox: true) "
                + "cannot listen for this phrase: the word 'gronk' is unknown",
        ])
        // Without on-box spotting, or without a vocabulary to ask, the phrases are fine (transcription matches text).
        #expect(Self.lines(Self.yaml(onBox: false), vocabulary: FakeVocabulary()).isEmpty)
        #expect(Self.lines(Self.yaml(), vocabulary: nil).isEmpty)
    }

    @Test func aSpotterThatCannotRunRefusesOnBox() {
        #expect(Self.lines(Self.yaml(), vocabulary: FakeVocabulary(missing: true)) == [
            "kws.model-missing orgs.yaml:12:14: orgs[0].speechText.onBox: on-box spotting cannot run: the model is "
                + "missing; install it",
        ])
        #expect(Self.lines(Self.yaml(onBox: false), vocabulary: FakeVocabulary(missing: true)).isEmpty)
    }

    @Test func aSeedOrgMustStreamARateTheSpotterDecodes() {
        for rate in [12000, 24000, 48000] {
            #expect(Self.lines(Self.yaml(sampleRate: rate), vocabulary: nil) == [
                "config.value orgs.yaml:12:14: orgs[0].speechText.onBox: on-box spotting decodes 8000 or 16000 Hz audio, "
                    + "but the org's audio.sampleRate is \(rate); set sampleRate: 16000 (or 8000) in its audio: section, "
                    + "or onBox: false",
            ])
        }
        #expect(Self.lines(Self.yaml(sampleRate: 8000), vocabulary: nil).isEmpty)
        #expect(Self.lines(Self.yaml(onBox: false, sampleRate: 48000), vocabulary: nil).isEmpty)
    }
}
