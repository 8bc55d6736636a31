import Foundation
import SwitchboardCore
import Testing

/// The allocator limit `switchboard` sets first thing (AllocatorTuning): set when the environment says nothing, left
/// alone when an operator's own `MALLOC_ARENA_MAX` is there. (glibc's `mallopt` answers 1 for any parameter it does
/// not know, so whether the arenas are really held to two is shown by the relay scenario's A/B — docs/performance.md,
/// Footprint — not here.) Serialized: it changes the process's environment.
@Suite(.serialized) struct AllocatorTuningTests {
    @Test func glibcTakesTheLimitUnlessTheEnvironmentSetsOne() {
        let before = ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"]
        defer {
            if let before { setenv("MALLOC_ARENA_MAX", before, 1) } else { unsetenv("MALLOC_ARENA_MAX") }
        }
        unsetenv("MALLOC_ARENA_MAX")
        #expect(AllocatorTuning.apply(), "the limit was not set although the environment says nothing")
        setenv("MALLOC_ARENA_MAX", "4", 1)
        #expect(!AllocatorTuning.apply(), "the operator's MALLOC_ARENA_MAX must win")
    }
}
