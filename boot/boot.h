// Interfaces of the boot/ layer: CPU tables, traps, paging, physical memory, multiboot2 info.
#ifndef QENEX_BOOT_H
#define QENEX_BOOT_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#undef PAGE_SIZE  // musl's limits.h has one too
#define PAGE_SIZE 4096ULL
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))

// Linker-script and entry.S symbols.
extern char __kernel_start[], __kernel_end[], __bss_start[], __bss_end[];
extern char kstack_guard[], kstack_bottom[], kstack_top[];

// boot/cpu.c: GDT with TSS (IST stacks for #DF, #PF, NMI, #MC), IDT for every vector.
void cpu_init(void);
extern char ist_guard_df[], ist_guard_pf[], ist_guard_nmi[];

// boot/trap.c: exception and IRQ dispatch.
struct trapframe {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};
typedef void (*irq_handler_t)(int irq);
void trap_set_irq_handler(int irq, irq_handler_t h);
extern volatile uint64_t trap_irq_count;
__attribute__((noreturn)) void panic(const char *fmt, ...);

// boot/multiboot2.c: the boot information GRUB hands over.
#define MB_MAX_REGIONS 64
#define MB_MAX_MODULES 16
struct mb_region { uint64_t base, length; uint32_t type; };
struct mb_module { uint64_t start, end; const char *name; };
struct boot_info {
    struct mb_region regions[MB_MAX_REGIONS];
    int nregions;
    struct mb_module modules[MB_MAX_MODULES];
    int nmodules;
    const char *cmdline;
    uint64_t info_start, info_end;
};
extern struct boot_info boot_info;
void multiboot2_parse(uint32_t magic, uint64_t info);
const struct mb_module *multiboot2_module(const char *name);

// boot/paging.c: page tables built from the memory map.
void paging_init(void);
bool paging_map_mmio(uint64_t phys, uint64_t size);
struct paging_stats { uint64_t pages_4k, pages_2m, table_pages, table_pages_max, mapped_bytes; };
void paging_stats(struct paging_stats *out);

// boot/physmem.c: physical page allocator over usable RAM (bump allocation, never freed).
void physmem_init(void);
uint64_t physmem_alloc(uint64_t size, uint64_t align);   // 0 when out of memory
uint64_t physmem_free_bytes(void);
uint64_t physmem_largest_free(void);

// boot/ksyms.c: symbol lookup for backtraces.
const char *ksyms_lookup(uint64_t addr, uint64_t *offset);

#endif
