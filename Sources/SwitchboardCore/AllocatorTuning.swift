#if canImport(Glibc)
import Glibc

/// glibc's `mallopt` (malloc.h is not part of the Glibc module).
@_silgen_name("mallopt")
private func mallopt(_ param: Int32, _ value: Int32) -> Int32
#endif

/// The process's allocator settings, made before anything else runs.
///
/// glibc gives a thread that finds the allocator busy an arena of its own, up to eight per core, and memory freed into
/// one arena is reused only by the threads allocating from it. The bridge's work moves between the NIO event loops, the
/// Swift concurrency pool and the store's threads, so every arena ends up holding its own high-water mark of freed
/// frames, fragments and deltas. With two arenas, the relay scenario's bridge (3 × 5,000 agents, 10,000 events/s,
/// 1,000 clients) held 314 MiB on average in its measured window against 383 MiB with glibc's default (8 runs each), at
/// the same CPU within the run-to-run noise (docs/performance.md, "Footprint"). An operator's own `MALLOC_ARENA_MAX` wins
/// (glibc reads it at start-up; it is then left alone).
public enum AllocatorTuning {
    public static let arenas: Int32 = 2

    /// Sets the limit unless the environment has `MALLOC_ARENA_MAX` (glibc took that at start-up).
    @discardableResult
    public static func apply() -> Bool {
        #if canImport(Glibc)
        return apply(operatorSetting: getenv("MALLOC_ARENA_MAX").map { String(cString: $0) })
        #else
        return false
        #endif
    }

    /// Returns whether the limit was set: false when the operator set `MALLOC_ARENA_MAX` or `mallopt` said no (glibc
    /// says yes to any parameter it does not know, so true is no proof the limit holds).
    @discardableResult
    public static func apply(operatorSetting: String?) -> Bool {
        guard operatorSetting == nil else { return false }
        #if canImport(Glibc)
        return mallopt(-8, arenas) == 1  // M_ARENA_MAX; mallopt returns 1 on success
        #else
        return false
        #endif
    }
}
