// Shared state of the port's C files.
#ifndef QENEX_PORT_H
#define QENEX_PORT_H
#include <stdint.h>
struct port_memory {
    uint64_t heap_start, heap_total;
    uint64_t dma_start, dma_used, dma_limit;
};
extern struct port_memory port_memory;
uint64_t port_heap_grow(uint64_t limit);
#endif
