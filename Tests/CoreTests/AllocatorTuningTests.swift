import SwitchboardCore
import Testing

/// The allocator limit `switchboard` sets first thing (AllocatorTuning): set when the environment says nothing, left
/// alone when an operator's own `MALLOC_ARENA_MAX` is there. (glibc's `mallopt` answers 1 for any parameter it does
/// not know, so whether the arenas are really held to two is shown by the relay scenario's A/B — docs/performance.md,
/// Footprint — not here.) The environment is passed in: changing the test process's own would race its other tests.
@Suite struct AllocatorTuningTests {
    @Test func setUnlessTheOperatorChoseALimit() {
        #expect(AllocatorTuning.apply(operatorSetting: nil), "the limit was not set although the environment says nothing")
        #expect(!AllocatorTuning.apply(operatorSetting: "4"), "the operator's MALLOC_ARENA_MAX must win")
    }
}
