import FuzzDriver
import SwitchboardCore
import EventStream
import Normalizer

// The seed journey event stream (docs/journeys.md): callback-socket frames and the subscription body.
// Any bytes give a frame or an `EventStreamError`; an event maps to a journey event or a reason.
runFuzzer { bytes in
    do throws(EventStreamError) {
        if case .event(let e) = try EventStreamFrame.decode(bytes) {
            _ = SeedEventMapper.map(e, org: "us", receivedAt: 1_778_150_000_000)
        }
    } catch {
        if error.code.isEmpty { fuzzFailure("an error without a code") }
    }
    do throws(EventStreamError) {
        _ = try EventStreamSubscription.decode(bytes)
    } catch {
        if error.code.isEmpty { fuzzFailure("an error without a code") }
    }
}
