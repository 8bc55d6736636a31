import Foundation
import FuzzDriver
import Hub
import JourneyViews
import SpeechTextViews
import SpeechViews
import SwitchboardCore
import Views

// A row of the shared view stream (docs/scale-out.md, "Shared view stream"), as another replica wrote it: the
// binary record must be refused with a RemoteStreamError or read whole, and what is read encodes back to the
// same record; an org's totals document (JSON: the occupancy part, and the speech, speech-text and journey parts
// beside it) is read or refused, never trusted half-way, and a part that was read encodes to one that reads again.
runFuzzer { bytes in
    if let record = try? RemoteStreamRecord(decoding: bytes) {
        let again = record.encode()
        guard let back = try? RemoteStreamRecord(decoding: again), back == record else {
            fuzzFailure("a record read from \(bytes.count) bytes does not read back the same after encoding")
        }
        if case .totals(let inner) = record {
            if let share = OrgTotalsShare(decoding: inner) { _ = share.encoded() }
            parts(inner)
        }
    }
    if let share = OrgTotalsShare(decoding: bytes) { _ = share.encoded() }
    parts(bytes)
}

/// Each family part read from `bytes` (as a whole document, or under its key of the envelope) must encode to JSON
/// that reads again.
func parts(_ bytes: [UInt8]) {
    let data = Data(bytes)
    roundTrip(SpeechTotalsPart.self, data, "speech")
    roundTrip(SpeechTextTotalsPart.self, data, "speechText")
    roundTrip(JourneyTotalsPart.self, data, "journeys")
}

func roundTrip<T: Codable>(_ type: T.Type, _ data: Data, _ key: String) {
    var found: [T] = []
    if let v = try? JSONDecoder().decode(T.self, from: data) { found.append(v) }
    if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let inner = object[key],
       JSONSerialization.isValidJSONObject(inner), let innerData = try? JSONSerialization.data(withJSONObject: inner),
       let v = try? JSONDecoder().decode(T.self, from: innerData) {
        found.append(v)
    }
    for value in found {
        guard let out = try? JSONEncoder().encode(value), (try? JSONDecoder().decode(T.self, from: out)) != nil else {
            fuzzFailure("a \(T.self) read from \(data.count) bytes does not read again after encoding")
        }
    }
}
