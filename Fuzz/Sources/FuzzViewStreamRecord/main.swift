import FuzzDriver
import Hub
import SwitchboardCore
import Views

// A row of the shared view stream (docs/scale-out.md, "Shared view stream"), as another replica wrote it: the
// binary record must be refused with a RemoteStreamError or read whole, and what is read encodes back to the
// same record; an org's totals document (JSON) is read or refused, never trusted half-way.
runFuzzer { bytes in
    if let record = try? RemoteStreamRecord(decoding: bytes) {
        let again = record.encode()
        guard let back = try? RemoteStreamRecord(decoding: again), back == record else {
            fuzzFailure("a record read from \(bytes.count) bytes does not read back the same after encoding")
        }
        if case .totals(let inner) = record, let share = OrgTotalsShare(decoding: inner) { _ = share.encoded() }
    }
    if let share = OrgTotalsShare(decoding: bytes) { _ = share.encoded() }
}
