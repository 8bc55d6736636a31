import Foundation
import Synchronization

/// The PocketSphinx model the spotter listens with: the US English acoustic model (16 kHz) and the CMU
/// pronunciation dictionary, as Debian's `pocketsphinx-en-us` installs them under
/// `/usr/share/pocketsphinx/model/en-us/`. Checked once when created; pronunciations are looked up on
/// demand (the dictionary has 126,000 words; only the phrases' words are kept) and cached.
///
/// Sendable and shared: every decoder of a process reads the same model (PocketSphinx memory-maps its
/// largest file, so the operating system shares those pages too).
public final class SpotterModel: Sendable {
    /// Debian's model directory (`pocketsphinx-en-us`).
    public static let debianDirectory = "/usr/share/pocketsphinx/model/en-us"

    /// The acoustic model directory (`en-us/`: mdef, means, variances, …).
    public let acousticModel: String
    /// The pronunciation dictionary (`cmudict-en-us.dict`).
    public let dictionary: String
    /// The acoustic model's `feat.params` text. PocketSphinx reads feat.params after the command line and
    /// lets it win, so the spotter's front-end settings go into a copy of this file, not into arguments.
    let featureParameters: String

    private let cache = Mutex<[String: [String]]>([:])

    /// Checks the model's files. Throws `kws.model-missing` naming the Debian package when one is absent.
    public init(directory: String = SpotterModel.debianDirectory) throws {
        let acoustic = directory + "/en-us"
        let dictionary = directory + "/cmudict-en-us.dict"
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: acoustic, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw KeywordSpotterError.modelMissing(acoustic, what: "US English acoustic model")
        }
        for file in ["mdef", "means", "variances", "transition_matrices", "sendump", "noisedict", "feat.params"] {
            guard fm.fileExists(atPath: acoustic + "/" + file) else {
                throw KeywordSpotterError.modelMissing(acoustic + "/" + file, what: "acoustic model file \(file)")
            }
        }
        guard fm.isReadableFile(atPath: dictionary) else {
            throw KeywordSpotterError.modelMissing(dictionary, what: "pronunciation dictionary")
        }
        guard let params = try? String(contentsOfFile: acoustic + "/feat.params", encoding: .utf8) else {
            throw KeywordSpotterError.modelMissing(acoustic + "/feat.params", what: "feature parameters")
        }
        self.acousticModel = acoustic
        self.dictionary = dictionary
        self.featureParameters = params
    }

    /// The pronunciations of `words` (lower case), each as its dictionary lines' phones (`K AE N S AH L`;
    /// several when the dictionary lists alternatives `word(2)`). A word missing from the result is not in
    /// the dictionary. Reads the dictionary file once per call for the words not yet cached.
    public func pronunciations(of words: Set<String>) throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        var missing = Set<String>()
        cache.withLock { cache in
            for word in words {
                if let known = cache[word] { result[word] = known } else { missing.insert(word) }
            }
        }
        guard !missing.isEmpty else { return result.filter { !$0.value.isEmpty } }
        guard let data = FileManager.default.contents(atPath: dictionary) else {
            throw KeywordSpotterError.modelMissing(dictionary, what: "pronunciation dictionary")
        }
        var found: [String: [String]] = [:]
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var lineStart = 0
            while lineStart < bytes.count {
                var lineEnd = lineStart
                while lineEnd < bytes.count, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
                // The head word runs to the first space; `word(2)` is an alternative of `word`.
                var wordEnd = lineStart
                while wordEnd < lineEnd, bytes[wordEnd] != UInt8(ascii: " "), bytes[wordEnd] != UInt8(ascii: "\t") {
                    wordEnd += 1
                }
                var headEnd = wordEnd
                if headEnd > lineStart, bytes[headEnd - 1] == UInt8(ascii: ")") {
                    var open = headEnd - 1
                    while open > lineStart, bytes[open] != UInt8(ascii: "(") { open -= 1 }
                    if open > lineStart { headEnd = open }
                }
                if headEnd > lineStart {
                    let head = String(decoding: UnsafeBufferPointer(rebasing: bytes[lineStart..<headEnd]), as: UTF8.self)
                    if missing.contains(head) {
                        let phones = String(decoding: UnsafeBufferPointer(rebasing: bytes[wordEnd..<lineEnd]), as: UTF8.self)
                            .split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).joined(separator: " ")
                        if !phones.isEmpty { found[head, default: []].append(phones) }
                    }
                }
                lineStart = lineEnd + 1
            }
        }
        cache.withLock { cache in
            // Remember misses too (as empty), so a phrase set with a typo does not re-read the file each time.
            for word in missing { cache[word] = found[word] ?? [] }
        }
        result.merge(found) { a, _ in a }
        return result.filter { !$0.value.isEmpty }
    }
}
