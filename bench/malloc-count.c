// An LD_PRELOAD malloc counter for `switchboard-bench` (allocations per ingested event).
// scripts/bench.sh builds it with clang into the release scratch path; the ingest child reads the
// count through dlsym("bench_malloc_count") before and after its measured loop. Every entry point
// that allocates (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign) counts one.
#include <stddef.h>
#include <stdatomic.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static _Atomic unsigned long count;

static inline void bump(void) { atomic_fetch_add_explicit(&count, 1, memory_order_relaxed); }

void *malloc(size_t n) { bump(); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { bump(); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { bump(); return __libc_realloc(p, n); }
void *memalign(size_t a, size_t n) { bump(); return __libc_memalign(a, n); }
void *aligned_alloc(size_t a, size_t n) { bump(); return __libc_memalign(a, n); }
int posix_memalign(void **p, size_t a, size_t n) {
    bump();
    *p = __libc_memalign(a, n);
    return *p ? 0 : 12;
}
unsigned long bench_malloc_count(void) { return atomic_load_explicit(&count, memory_order_relaxed); }
