import FuzzDriver
import SwitchboardCore
import Normalizer

// Amazon EventBridge deliveries (docs/journeys.md): any body is invalid, or answers each element once,
// in order, with events for this org stamped with the receive time.
let receivedAt: EpochMillis = 1_778_150_000_000

runFuzzer { bytes in
    guard case .items(let items) = EventBridgeDecoder.decode(bytes, org: "us", receivedAt: receivedAt) else { return }
    for (i, item) in items.enumerated() {
        switch item {
        case .event(let index, _, let events):
            if index != i { fuzzFailure("item \(i) answers element \(index)") }
            for e in events where e.receivedAt != receivedAt { fuzzFailure("an event with receivedAt \(e.receivedAt)") }
        case .refused(let index, _, _):
            if index != i { fuzzFailure("item \(i) answers element \(index)") }
        default: break
        }
    }
}
