import Foundation
import JourneyViews
import SpeechTextViews
import SpeechViews
import Views

/// One org's parts of the global totals of every family, as its leader sends them in a row of kind 3 of the shared
/// view stream (docs/scale-out.md, "The global topics"): the occupancy part (``Views/OrgTotalsShare``) always, the
/// speech, speech-text and journey parts when the org has them and they changed (or are due again).
///
/// The JSON is the occupancy part's object with the other parts under three more keys (`speech`, `speechText`,
/// `journeys`), so a replica of the previous version still reads the occupancy part of a newer one's rows, and a
/// row of the previous version reads as an occupancy part alone. A family part this build cannot read is left out
/// rather than losing the row.
struct OrgTotalsEnvelope: Sendable, Equatable, Codable {
    var occupancy: OrgTotalsShare
    var speech: SpeechTotalsPart?
    var speechText: SpeechTextTotalsPart?
    var journeys: JourneyTotalsPart?

    init(occupancy: OrgTotalsShare, speech: SpeechTotalsPart? = nil, speechText: SpeechTextTotalsPart? = nil,
         journeys: JourneyTotalsPart? = nil) {
        self.occupancy = occupancy
        self.speech = speech
        self.speechText = speechText
        self.journeys = journeys
    }

    enum CodingKeys: String, CodingKey {
        case speech, speechText, journeys
    }

    init(from decoder: any Decoder) throws {
        occupancy = try OrgTotalsShare(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        speech = try? c.decodeIfPresent(SpeechTotalsPart.self, forKey: .speech)
        speechText = try? c.decodeIfPresent(SpeechTextTotalsPart.self, forKey: .speechText)
        journeys = try? c.decodeIfPresent(JourneyTotalsPart.self, forKey: .journeys)
    }

    func encode(to encoder: any Encoder) throws {
        try occupancy.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(speech, forKey: .speech)
        try c.encodeIfPresent(speechText, forKey: .speechText)
        try c.encodeIfPresent(journeys, forKey: .journeys)
    }

    /// The row's body.
    func encoded() -> [UInt8] { Array((try? JSONEncoder().encode(self)) ?? Data()) }

    /// A row's body; nil when it is not an org's totals.
    init?(decoding bytes: [UInt8]) {
        guard let e = try? JSONDecoder().decode(OrgTotalsEnvelope.self, from: Data(bytes)) else { return nil }
        self = e
    }
}
