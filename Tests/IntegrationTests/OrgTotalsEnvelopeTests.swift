@testable import Bridge
import Foundation
import JourneyViews
import SpeechTextViews
import SpeechViews
import Testing
import Views

/// An org's parts of every family's global totals in one row of the shared view stream (docs/scale-out.md, "The
/// global topics"): read back whole, readable as the occupancy part alone by the previous version and the other way
/// round, and the family parts sent when they changed or are due again.
@Suite struct OrgTotalsEnvelopeTests {
    static let occupancy = #"{"org":"us","at":1790000000000,"frozen":false,"figures":[1,2,3,4,5,6],"accrual":[2,1]}"#
    static let speech = #"{"rollup":{"calls":3,"live":1,"figures":{"analysedMs":9000,"silenceMs":1000,"overtalkMs":200,"#
        + #""agentTalkMs":4000,"customerTalkMs":3500,"agentOvertalkMs":100}},"dayEnd":1790035200000}"#
    static let speechText = #"{"rollup":{"labels":{"escalation":{"today":2,"minutes":[29833333],"counts":[2]}},"#
        + #""hits":{"today":2,"minutes":[29833333],"counts":[2]},"calls":1,"live":1,"sentimentCalls":1,"#
        + #""negativeCalls":0,"hotCalls":1},"dayEnd":1790035200000}"#
    static let journeys = #"{"rollup":{"active":2,"activeByPath":[{"path":["voice"],"count":2}],"activeByState":"#
        + #"{"ACTIVE":2},"closedByReason":{"completed":1},"closedByPath":[{"path":["chat","voice"],"count":1}],"#
        + #""switches":1,"switchesOf":1,"timeCount":1,"timeSumMs":60000,"timeMinMs":60000,"timeMaxMs":60000}}"#

    static func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(json.utf8))
    }

    static func full() throws -> OrgTotalsEnvelope {
        OrgTotalsEnvelope(occupancy: try decode(OrgTotalsShare.self, occupancy),
                          speech: try decode(SpeechTotalsPart.self, speech),
                          speechText: try decode(SpeechTextTotalsPart.self, speechText),
                          journeys: try decode(JourneyTotalsPart.self, journeys))
    }

    @Test func anEnvelopeReadsBackWhole() throws {
        let envelope = try Self.full()
        #expect(envelope.speech?.calls == 3 && envelope.speechText?.hitsToday == 2 && envelope.journeys?.active == 2)
        let back = try #require(OrgTotalsEnvelope(decoding: envelope.encoded()))
        #expect(back == envelope)
        // Only the occupancy part: the other keys are left out.
        let alone = OrgTotalsEnvelope(occupancy: envelope.occupancy)
        let text = String(decoding: alone.encoded(), as: UTF8.self)
        #expect(!text.contains("speech") && !text.contains("journeys"))
        #expect(OrgTotalsEnvelope(decoding: alone.encoded()) == alone)
    }

    @Test func theOccupancyPartStaysReadableAcrossVersions() throws {
        let envelope = try Self.full()
        // A replica of the previous version reads its occupancy part from a newer row…
        #expect(OrgTotalsShare(decoding: envelope.encoded()) == envelope.occupancy)
        // …and a row of the previous version reads as the occupancy part alone.
        let old = try #require(OrgTotalsEnvelope(decoding: envelope.occupancy.encoded()))
        #expect(old == OrgTotalsEnvelope(occupancy: envelope.occupancy))
        #expect(OrgTotalsEnvelope(decoding: Array("not json".utf8)) == nil)
    }

    @Test func aFamilyPartThisBuildCannotReadIsLeftOutAlone() throws {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(Self.full().encoded())) as? [String: Any])
        object["speechText"] = ["rollup": "?"]
        let bytes = Array(try JSONSerialization.data(withJSONObject: object))
        let read = try #require(OrgTotalsEnvelope(decoding: bytes))
        #expect(read.speechText == nil && read.speech != nil && read.journeys != nil)
        #expect(read.occupancy == (try Self.full()).occupancy)
    }

    @Test func familyPartsGoOutWhenTheyChangedOrAreDueAgain() throws {
        let envelope = try Self.full()
        let all = FamilyTotals.Parts(speech: envelope.speech, speechText: envelope.speechText, journeys: envelope.journeys)
        var last: (parts: FamilyTotals.Parts, at: ContinuousClock.Instant)?
        let t0 = ContinuousClock.now
        // The first time: everything.
        #expect(FamilyTotals.due(all, last: &last, now: t0) == all)
        // Unchanged: nothing; one part changed: that part alone.
        #expect(FamilyTotals.due(all, last: &last, now: t0 + .seconds(1)) == FamilyTotals.Parts())
        var changed = all
        changed.journeys = try Self.decode(JourneyTotalsPart.self, Self.journeys.replacingOccurrences(of: #""active":2"#,
                                                                                                     with: #""active":3"#))
        #expect(changed.journeys != all.journeys)
        #expect(FamilyTotals.due(changed, last: &last, now: t0 + .seconds(2)) == FamilyTotals.Parts(journeys: changed.journeys))
        #expect(FamilyTotals.due(changed, last: &last, now: t0 + .seconds(3)) == FamilyTotals.Parts())
        // Due again after resendAfter, changed or not (a replica that just started following the org gets them).
        #expect(FamilyTotals.due(changed, last: &last, now: t0 + FamilyTotals.resendAfter) == changed)
        #expect(FamilyTotals.due(changed, last: &last, now: t0 + FamilyTotals.resendAfter + .seconds(1)) == FamilyTotals.Parts())
    }
}
