// CPU tables: a GDT with a 64-bit TSS whose interrupt stacks (IST) carry the handlers for faults
// that may happen on a broken stack (double fault, page fault on a stack guard, NMI, machine
// check), and an IDT whose first 48 vectors go to the stubs in isr.S.
#include "boot.h"

struct __attribute__((packed)) tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
};

struct __attribute__((packed)) idt_entry {
    uint16_t offset_lo, selector;
    uint8_t ist, type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi, reserved;
};

struct __attribute__((packed)) table_ptr { uint16_t limit; uint64_t base; };

#define IST_STACK_SIZE (16 * 1024)
// Each IST stack has an unmapped guard page under it (boot/paging.c unmaps the ist_guard_*).
#define IST_STACK(name) \
    __attribute__((section(".bss.pagealigned"), aligned(4096))) char ist_guard_##name[4096]; \
    __attribute__((section(".bss.pagealigned"), aligned(4096))) char ist_stack_##name[IST_STACK_SIZE];
IST_STACK(df)
IST_STACK(pf)
IST_STACK(nmi)

static struct tss64 tss __attribute__((aligned(16)));
static uint64_t gdt[5] __attribute__((aligned(16)));
static struct idt_entry idt[256] __attribute__((aligned(16)));
extern uint64_t isr_table[48];

enum { IST_DF = 1, IST_PF = 2, IST_NMI = 3 };

static void idt_set(int vec, uint64_t handler, int ist) {
    idt[vec].offset_lo = handler & 0xffff;
    idt[vec].selector = 0x08;
    idt[vec].ist = ist;
    idt[vec].type_attr = 0x8e;  // present, ring 0, 64-bit interrupt gate
    idt[vec].offset_mid = (handler >> 16) & 0xffff;
    idt[vec].offset_hi = handler >> 32;
    idt[vec].reserved = 0;
}

void cpu_init(void) {
    tss.ist[IST_DF - 1] = (uint64_t)(ist_stack_df + IST_STACK_SIZE);
    tss.ist[IST_PF - 1] = (uint64_t)(ist_stack_pf + IST_STACK_SIZE);
    tss.ist[IST_NMI - 1] = (uint64_t)(ist_stack_nmi + IST_STACK_SIZE);
    tss.iomap_base = sizeof(tss);

    gdt[0] = 0;
    gdt[1] = 0x00af9a000000ffffULL;  // 0x08 kernel code, 64-bit
    gdt[2] = 0x00cf92000000ffffULL;  // 0x10 kernel data
    uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;
    gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
             (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);  // 0x18 TSS
    gdt[4] = base >> 32;

    struct table_ptr gp = { sizeof(gdt) - 1, (uint64_t)gdt };
    __asm__ volatile(
        "lgdt %0\n"
        "pushq $0x08\n"
        "lea 1f(%%rip), %%rax\n"
        "pushq %%rax\n"
        "lretq\n"
        "1: mov $0x10, %%ax\n"
        "mov %%ax, %%ds\n mov %%ax, %%es\n mov %%ax, %%ss\n"
        "mov $0x18, %%ax\n ltr %%ax\n"
        :: "m"(gp) : "rax", "memory");

    for (int v = 0; v < 48; v++) {
        int ist = v == 8 ? IST_DF : v == 14 ? IST_PF : (v == 2 || v == 18) ? IST_NMI : 0;
        idt_set(v, isr_table[v], ist);
    }
    struct table_ptr ip = { sizeof(idt) - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" :: "m"(ip));
}
