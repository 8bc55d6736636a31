import Foundation
import Synchronization
import SwitchboardCore
import Testing

/// A callback kept in a `Mutex` must not grow with every read (CallbackBox says why a bare function type does).
@Suite("Callbacks kept in a mutex")
struct CallbackBoxTests {
    final class Holder: Sendable {
        let box = Mutex<CallbackBox<@Sendable () -> Int>?>(nil)
        func call() -> Int? { box.withLock { $0 }?.call() }
    }

    @Test func readingACallbackAThousandTimesLeavesItsCallStackAsItWas() {
        let holder = Holder()
        holder.box.withLock { $0 = CallbackBox({ Thread.callStackSymbols.count }) }
        let first = holder.call()
        for _ in 0..<1_000 { _ = holder.call() }
        let later = holder.call()
        #expect(first != nil && later == first, "call stack depth \(first ?? -1), after 1,000 reads \(later ?? -1)")
    }
}
