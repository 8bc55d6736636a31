import KeywordSpotting
import Synchronization
import SwitchboardConfig
import SwitchboardCore

/// What PocketSphinx can listen for (``OnBoxVocabulary``): the model is loaded once, when some org first has
/// `onBox: true`, and shared with the pool; each phrase is prepared as the pool would, so a word its dictionary
/// lacks (`kws.unknown-word`) refuses the configuration at `check-config`, the start and every reload.
public final class SpotterVocabulary: OnBoxVocabulary {
    /// Debian's model (`pocketsphinx-en-us`).
    public static let shared = SpotterVocabulary()

    let directory: String
    let tuning: KeywordSpotterTuning
    private let loaded = Mutex<Result<SpotterModel, KeywordSpotterError>?>(nil)

    public init(directory: String = SpotterModel.debianDirectory, tuning: KeywordSpotterTuning = .standard) {
        self.directory = directory
        self.tuning = tuning
    }

    /// The model, loaded at the first call (a failure is remembered: the files do not appear while running).
    public func model() throws(KeywordSpotterError) -> SpotterModel {
        let result = loaded.withLock { cached -> Result<SpotterModel, KeywordSpotterError> in
            if let cached { return cached }
            let r: Result<SpotterModel, KeywordSpotterError>
            do {
                r = .success(try SpotterModel(directory: directory))
            } catch let e as KeywordSpotterError {
                r = .failure(e)
            } catch {
                r = .failure(KeywordSpotterError(code: "kws.model-missing", message: "\(error)"))
            }
            cached = r
            return r
        }
        return try result.get()
    }

    public func unavailable() -> OnBoxVocabularyProblem? {
        do {
            _ = try model()
            return nil
        } catch {
            return OnBoxVocabularyProblem(code: error.code, message: error.message)
        }
    }

    public func problems(with phrases: [KeywordPhrase]) -> [Int: OnBoxVocabularyProblem] {
        guard let model = try? model() else { return [:] }
        // One read of the dictionary for all the words, then each phrase on its own (so each is named).
        _ = try? model.pronunciations(of: Set(phrases.flatMap { KeywordSet.words(of: $0.phrase) }))
        var out: [Int: OnBoxVocabularyProblem] = [:]
        for (i, phrase) in phrases.enumerated() {
            do {
                _ = try model.prepare([phrase], tuning: tuning)
            } catch let e as KeywordSpotterError {
                out[i] = OnBoxVocabularyProblem(code: e.code, message: e.message)
            } catch {
                out[i] = OnBoxVocabularyProblem(code: "kws.error", message: "\(error)")
            }
        }
        return out
    }
}
