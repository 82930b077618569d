// Page tables built from the multiboot2 memory map, replacing entry.S's bootstrap map.
// Identity mapping (virtual == physical). The low region up to the end of the kernel image uses
// 4 KiB pages so that page 0 (NULL) and the guard pages under every stack stay unmapped; every
// memory-map region above it uses 2 MiB pages. Device memory (PCI BARs, APICs) is mapped on
// request, uncached. Table pages come from a fixed pool in .bss: its size bounds the map.
#include <string.h>
#include "boot.h"
#include "x86.h"

#define PTE_P 0x1ULL
#define PTE_W 0x2ULL
#define PTE_PWT 0x8ULL
#define PTE_PCD 0x10ULL
#define PTE_PS 0x80ULL
#define PTE_ADDR 0x000ffffffffff000ULL
#define SZ_2M (2ULL << 20)
#define TABLE_POOL_PAGES 64

static uint64_t table_pool[TABLE_POOL_PAGES][512] __attribute__((section(".bss.pagealigned"), aligned(4096)));
static int table_pool_used;
static uint64_t *pml4;
static uint64_t low_4k_end;  // [0, low_4k_end) is mapped with 4 KiB pages
static struct paging_stats stats;

static uint64_t *new_table(void) {
    if (table_pool_used >= TABLE_POOL_PAGES) panic("page-table pool exhausted (%d pages)", TABLE_POOL_PAGES);
    uint64_t *t = table_pool[table_pool_used++];
    memset(t, 0, PAGE_SIZE);
    stats.table_pages++;
    return t;
}

// The table one level down from entry e of table t, created when absent.
static uint64_t *next_level(uint64_t *t, int e) {
    if (!(t[e] & PTE_P)) t[e] = (uint64_t)new_table() | PTE_P | PTE_W;
    if (t[e] & PTE_PS) panic("paging: a large page is in the way at entry %d", e);
    return (uint64_t *)(t[e] & PTE_ADDR);
}

static uint64_t *pd_for(uint64_t addr) {
    uint64_t *pdpt = next_level(pml4, (addr >> 39) & 511);
    return next_level(pdpt, (addr >> 30) & 511);
}

static void map_2m(uint64_t addr, uint64_t flags) {
    uint64_t *pd = pd_for(addr);
    int e = (addr >> 21) & 511;
    if (pd[e] & PTE_P) {  // already mapped (regions overlap after rounding): device wins
        pd[e] |= flags;
        return;
    }
    pd[e] = addr | PTE_P | PTE_W | PTE_PS | flags;
    stats.pages_2m++;
    stats.mapped_bytes += SZ_2M;
}

static void map_4k(uint64_t addr) {
    uint64_t *pt = next_level(pd_for(addr), (addr >> 21) & 511);
    pt[(addr >> 12) & 511] = addr | PTE_P | PTE_W;
    stats.pages_4k++;
    stats.mapped_bytes += PAGE_SIZE;
}

static bool is_guard_page(uint64_t a) {
    return a == (uint64_t)kstack_guard || a == (uint64_t)ist_guard_df ||
           a == (uint64_t)ist_guard_pf || a == (uint64_t)ist_guard_nmi;
}

static void map_range_2m(uint64_t start, uint64_t end, uint64_t flags) {
    for (uint64_t a = ALIGN_DOWN(start, SZ_2M); a < ALIGN_UP(end, SZ_2M); a += SZ_2M) {
        if (a + SZ_2M <= low_4k_end) continue;
        map_2m(a, flags);
    }
}

void paging_init(void) {
    pml4 = new_table();
    low_4k_end = ALIGN_UP((uint64_t)__kernel_end, SZ_2M);
    for (uint64_t a = PAGE_SIZE; a < low_4k_end; a += PAGE_SIZE) {  // page 0 stays unmapped
        if (!is_guard_page(a)) map_4k(a);
    }
    for (int i = 0; i < boot_info.nregions; i++) {
        const struct mb_region *r = &boot_info.regions[i];
        // RAM and ACPI tables; reserved ranges only below 4 GiB (firmware, not holes of
        // many GiB that some machines report above it).
        if (r->type == 2 && r->base + r->length > (4ULL << 30)) continue;
        map_range_2m(r->base, r->base + r->length, 0);
    }
    // Modules and the boot information may lie outside the regions the map reports as RAM.
    map_range_2m(boot_info.info_start, boot_info.info_end, 0);
    for (int i = 0; i < boot_info.nmodules; i++) map_range_2m(boot_info.modules[i].start, boot_info.modules[i].end, 0);
    write_cr3((uint64_t)pml4);
}

bool paging_map_mmio(uint64_t phys, uint64_t size) {
    if (size == 0 || phys + size < phys || phys + size > (1ULL << 46)) return false;
    if (TABLE_POOL_PAGES - table_pool_used < 4) return false;
    map_range_2m(phys, phys + size, PTE_PCD | PTE_PWT);
    write_cr3((uint64_t)pml4);  // flush the TLB (mappings are only ever added)
    return true;
}

void paging_stats(struct paging_stats *out) {
    *out = stats;
    out->table_pages_max = TABLE_POOL_PAGES;
}
