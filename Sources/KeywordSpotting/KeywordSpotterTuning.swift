import Foundation

/// The spotter's PocketSphinx settings, and where each default comes from (docs/speech-text.md,
/// "On-box keyword spotting"; the figures are `switchboard-bench --only spotting`'s).
public struct KeywordSpotterTuning: Sendable, Equatable {
    /// Default `kws_threshold` by the phrase's length in phones (first pronunciation): a detection's score
    /// sums over the phrase's frames, so a longer phrase needs a lower (more permissive) threshold. Rows
    /// are (up to this many phones, threshold); the last row covers everything longer.
    public var thresholdsByPhones: [(maxPhones: Int, threshold: Double)]
    /// PocketSphinx `-beam`: paths further than this below the best are pruned. Must be well below the
    /// lowest threshold, or long phrases are pruned before they can be reported.
    public var beam: Double
    /// PocketSphinx `-kws_plp`: the phone loop's (the "anything else" path's) probability.
    public var phoneLoopProbability: Double
    /// PocketSphinx `-kws_delay` in 10 ms frames: a detection is reported once this much audio followed it,
    /// so a better-scoring overlapping hit of the same phrase can replace it first.
    public var delayFrames: Int
    /// The cepstral mean the decoder starts from (`-cmninit`, 13 values). The US English model's own is for
    /// wideband speech; 8 kHz telephone audio upsampled to 16 kHz has nothing above 4 kHz or below 300 Hz,
    /// a very different mean, and live mean normalisation takes 10–20 s of speech to move there — so every
    /// call would start deaf. nil keeps the model's.
    public var telephoneCepstralMean: [Double]?

    public static func == (a: KeywordSpotterTuning, b: KeywordSpotterTuning) -> Bool {
        a.thresholdsByPhones.elementsEqual(b.thresholdsByPhones) { $0 == $1 } && a.beam == b.beam
            && a.phoneLoopProbability == b.phoneLoopProbability && a.delayFrames == b.delayFrames
            && a.telephoneCepstralMean == b.telephoneCepstralMean
    }

    /// The defaults (calibrated on the bench's synthetic telephone corpus; see the docs).
    public static let standard = KeywordSpotterTuning(
        thresholdsByPhones: [(7, 1e45), (13, 1e30), (15, 1e36), (17, 1e10), (Int.max, 1e0)],
        beam: 1e-100,
        phoneLoopProbability: 1e-15,
        delayFrames: 50,
        telephoneCepstralMean: [49.2, 28.3, -45.2, 34.6, -27.2, -21.0, 6.7, -40.0, 2.6, -10.5, -12.4, 1.4, -14.3])

    public init(thresholdsByPhones: [(maxPhones: Int, threshold: Double)], beam: Double, phoneLoopProbability: Double,
                delayFrames: Int, telephoneCepstralMean: [Double]?) {
        self.thresholdsByPhones = thresholdsByPhones
        self.beam = beam
        self.phoneLoopProbability = phoneLoopProbability
        self.delayFrames = delayFrames
        self.telephoneCepstralMean = telephoneCepstralMean
    }

    /// The default threshold for a phrase of `phones` phones.
    public func defaultThreshold(phones: Int) -> Double {
        for row in thresholdsByPhones where phones <= row.maxPhones { return row.threshold }
        return thresholdsByPhones.last?.threshold ?? 1e-30
    }

    /// The model's feat.params text with the spotter's front-end settings (a telephone `-cmninit`).
    static func featureParameters(from text: String, mean: [Double]? = standard.telephoneCepstralMean) -> String {
        guard let mean else { return text }
        let value = mean.map { String(format: "%.2f", $0) }.joined(separator: ",")
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            .filter { !$0.hasPrefix("-cmninit") }
        while lines.last == "" { lines.removeLast() }
        lines.append("-cmninit \(value)")
        return lines.joined(separator: "\n") + "\n"
    }
}
