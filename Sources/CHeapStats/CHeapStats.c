#include "CHeapStats.h"
#include <malloc.h>

size_t switchboard_heap_in_use(void) {
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

size_t switchboard_heap_held(void) {
    struct mallinfo2 m = mallinfo2();
    return m.arena + m.hblkhd;
}
