// Physical memory: the usable RAM of the memory map minus what is taken at boot (low 1 MiB,
// kernel image, boot information, modules). Bump allocation from a bounded list of free
// ranges; nothing is freed (the heap and DMA rings are allocated once and live forever).
#include "boot.h"

#define MAX_FREE 64
static struct { uint64_t start, end; } free_ranges[MAX_FREE];
static int nfree;

static void add_free(uint64_t start, uint64_t end) {
    if (end <= start) return;
    if (nfree >= MAX_FREE) return;  // the table is full: that RAM simply goes unused
    free_ranges[nfree].start = start;
    free_ranges[nfree].end = end;
    nfree++;
}

// Remove [start, end) from every free range, splitting ranges as needed.
static void take(uint64_t start, uint64_t end) {
    for (int i = 0; i < nfree; i++) {
        uint64_t s = free_ranges[i].start, e = free_ranges[i].end;
        if (end <= s || start >= e) continue;
        free_ranges[i] = free_ranges[--nfree];
        i--;
        if (s < start) add_free(s, start);
        if (end < e) add_free(end, e);
    }
}

void physmem_init(void) {
    for (int i = 0; i < boot_info.nregions; i++) {
        const struct mb_region *r = &boot_info.regions[i];
        if (r->type == 1) add_free(ALIGN_UP(r->base, PAGE_SIZE), ALIGN_DOWN(r->base + r->length, PAGE_SIZE));
    }
    take(0, 0x100000);
    take((uint64_t)__kernel_start, (uint64_t)__kernel_end);
    take(ALIGN_DOWN(boot_info.info_start, PAGE_SIZE), ALIGN_UP(boot_info.info_end, PAGE_SIZE));
    for (int i = 0; i < boot_info.nmodules; i++) {
        take(ALIGN_DOWN(boot_info.modules[i].start, PAGE_SIZE), ALIGN_UP(boot_info.modules[i].end, PAGE_SIZE));
    }
}

uint64_t physmem_alloc(uint64_t size, uint64_t align) {
    size = ALIGN_UP(size, PAGE_SIZE);
    if (align < PAGE_SIZE) align = PAGE_SIZE;
    for (int i = 0; i < nfree; i++) {
        uint64_t a = ALIGN_UP(free_ranges[i].start, align);
        if (a + size <= free_ranges[i].end) {
            take(a, a + size);
            return a;
        }
    }
    return 0;
}

uint64_t physmem_free_bytes(void) {
    uint64_t n = 0;
    for (int i = 0; i < nfree; i++) n += free_ranges[i].end - free_ranges[i].start;
    return n;
}

uint64_t physmem_largest_free(void) {
    uint64_t n = 0;
    for (int i = 0; i < nfree; i++) {
        if (free_ranges[i].end - free_ranges[i].start > n) n = free_ranges[i].end - free_ranges[i].start;
    }
    return n;
}
