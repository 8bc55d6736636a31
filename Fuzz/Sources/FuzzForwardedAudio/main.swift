import Cluster
import FuzzDriver
import SwitchboardCore

// A row of `cluster_forwarded_audio` (docs/scale-out.md, "AudioHook on any replica"), as another replica wrote it:
// read whole or refused with a ForwardedAudioError (never trapped on, never read half-way), read the same whether
// or not its org is given when it is of that org, and what is read encodes to a body that reads back equal.
runFuzzer { bytes in
    let record: ForwardedAudioRecord
    do throws(ForwardedAudioError) {
        record = try ForwardedAudioRecord(decoding: bytes)
    } catch {
        guard error.code.hasPrefix("forward.") else { fuzzFailure("an error without a forward. code: \(error)") }
        return
    }
    guard record.count <= ForwardedAudioRecord.maxEvents else { fuzzFailure("\(record.count) events read") }
    let again = record.encode()
    guard let back = try? ForwardedAudioRecord(decoding: again), back == record else {
        fuzzFailure("a record read from \(bytes.count) bytes does not read back the same after encoding")
    }
    if let org = record.speech.first?.org ?? record.transcripts.first?.org {
        let orgs = Set(record.speech.map(\.org) + record.transcripts.map(\.org))
        let checked = try? ForwardedAudioRecord(decoding: bytes, org: org)
        guard (checked == record) == (orgs.count == 1) else {
            fuzzFailure("the org check disagrees with the events' orgs \(orgs.sorted())")
        }
    }
}
