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

    public static func apply() {
        #if canImport(Glibc)
        guard getenv("MALLOC_ARENA_MAX") == nil else { return }
        _ = mallopt(-8, arenas)  // M_ARENA_MAX
        #endif
    }
}
