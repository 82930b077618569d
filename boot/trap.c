// Trap dispatch: CPU exceptions end in a panic report; IRQs go to their registered handler and
// are acknowledged at the PIC.
#include <stdarg.h>
#include "boot.h"
#include "x86.h"
#include "kprintf.h"
#include "../drivers/drivers.h"

static irq_handler_t irq_handlers[16];
volatile uint64_t trap_irq_count;

static const char *const exception_names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range", "#UD invalid opcode", "#NM device not available", "#DF double fault",
    "coprocessor overrun", "#TS invalid TSS", "#NP segment not present", "#SS stack fault",
    "#GP general protection", "#PF page fault", "reserved", "#MF x87 floating point",
    "#AC alignment check", "#MC machine check", "#XM SIMD floating point", "#VE virtualization",
    "#CP control protection", "reserved", "reserved", "reserved", "reserved", "reserved",
    "reserved", "#HV hypervisor injection", "#VC VMM communication", "#SX security", "reserved",
};

void trap_set_irq_handler(int irq, irq_handler_t h) {
    if (irq >= 0 && irq < 16) irq_handlers[irq] = h;
}

static int in_range(uint64_t a, const char *lo, const char *hi) {
    return a >= (uint64_t)lo && a < (uint64_t)hi;
}

static void print_symbol(uint64_t addr) {
    uint64_t off;
    const char *name = ksyms_lookup(addr, &off);
    if (name) kprintf(" <%s+0x%lx>", name, off);
    else kprintf(" <?>");
}

// Frame-pointer walk (the kernel is built with -fno-omit-frame-pointer), bounded and checked:
// each frame must lie in the kernel image (stacks are in .bss) and go up the stack.
static void backtrace(uint64_t rip, uint64_t rbp) {
    kprintf("Backtrace:\n  #0  0x%016lx", rip);
    print_symbol(rip);
    kprintf("\n");
    for (int depth = 1; depth < 32; depth++) {
        if (rbp == 0 || (rbp & 7) || rbp < (uint64_t)__kernel_start || rbp + 16 > (uint64_t)__kernel_end) break;
        uint64_t next = ((uint64_t *)rbp)[0], ret = ((uint64_t *)rbp)[1];
        if (!in_range(ret, __kernel_start, __kernel_end)) break;
        kprintf("  #%d  0x%016lx", depth, ret);
        print_symbol(ret - 1);  // the call instruction, not the one after it
        kprintf("\n");
        if (next <= rbp) break;
        rbp = next;
    }
}

static const char *guard_page_name(uint64_t a) {
    if (in_range(a, kstack_guard, kstack_guard + PAGE_SIZE)) return "kernel stack";
    if (in_range(a, ist_guard_df, ist_guard_df + PAGE_SIZE)) return "double-fault stack";
    if (in_range(a, ist_guard_pf, ist_guard_pf + PAGE_SIZE)) return "page-fault stack";
    if (in_range(a, ist_guard_nmi, ist_guard_nmi + PAGE_SIZE)) return "NMI stack";
    return NULL;
}

static __attribute__((noreturn)) void halt_forever(void) {
    kprintf("System halted.\n");
    for (;;) __asm__ volatile("cli; hlt");
}

static __attribute__((noreturn)) void panic_trap(struct trapframe *tf) {
    cli();
    uint64_t cr2 = read_cr2();
    kprintf("\n*** KERNEL PANIC: CPU exception %s (vector %lu)\n",
            exception_names[tf->vector & 31], tf->vector);
    kprintf("error code=0x%lx  RIP=0x%016lx", tf->error, tf->rip);
    print_symbol(tf->rip);
    kprintf("\nCR2=0x%016lx  CR3=0x%016lx  RFLAGS=0x%016lx  CS=0x%lx  SS=0x%lx\n",
            cr2, read_cr3(), tf->rflags, tf->cs, tf->ss);
    if (tf->vector == 14) {
        const char *g = guard_page_name(cr2);
        kprintf("page fault: %s %s in %s mode%s\n",
                (tf->error & 1) ? "protection violation" : "page not present",
                (tf->error & 2) ? "on write" : (tf->error & 16) ? "on instruction fetch" : "on read",
                (tf->error & 4) ? "user" : "kernel",
                cr2 < PAGE_SIZE ? " (NULL pointer dereference)" : "");
        if (g) kprintf("stack overflow: hit the guard page of the %s\n", g);
    }
    kprintf("RAX=%016lx RBX=%016lx RCX=%016lx RDX=%016lx\n", tf->rax, tf->rbx, tf->rcx, tf->rdx);
    kprintf("RSI=%016lx RDI=%016lx RBP=%016lx RSP=%016lx\n", tf->rsi, tf->rdi, tf->rbp, tf->rsp);
    kprintf("R8 =%016lx R9 =%016lx R10=%016lx R11=%016lx\n", tf->r8, tf->r9, tf->r10, tf->r11);
    kprintf("R12=%016lx R13=%016lx R14=%016lx R15=%016lx\n", tf->r12, tf->r13, tf->r14, tf->r15);
    backtrace(tf->rip, tf->rbp);
    halt_forever();
}

void panic(const char *fmt, ...) {
    cli();
    kprintf("\n*** KERNEL PANIC: ");
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");
    backtrace((uint64_t)__builtin_return_address(0), (uint64_t)__builtin_frame_address(0));
    halt_forever();
}

void trap(struct trapframe *tf) {
    if (tf->vector < 32) panic_trap(tf);
    int irq = (int)tf->vector - 32;
    if (pic_spurious(irq)) return;
    trap_irq_count++;
    if (irq_handlers[irq]) irq_handlers[irq](irq);
    pic_eoi(irq);
}
