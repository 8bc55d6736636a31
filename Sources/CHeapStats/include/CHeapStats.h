// Heap statistics for the benchmarks: glibc's mallinfo2() is not in Swift's Glibc module map.
#ifndef CHEAPSTATS_H
#define CHEAPSTATS_H
#include <stddef.h>

/// Bytes currently allocated by malloc (small chunks in use plus mmapped blocks).
size_t switchboard_heap_in_use(void);
/// Bytes the allocator holds from the system (arenas plus mmapped blocks); RSS minus this is
/// code, stacks and other mappings, this minus `switchboard_heap_in_use` is free-but-held memory.
size_t switchboard_heap_held(void);

#endif
