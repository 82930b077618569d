// Kernel entry after long mode: bring up the CPU tables, memory, interrupts and the clock,
// start the MicroPython runtime and hand over to the Python kernel (kernel/boot.py).
#include <string.h>
#include "py/compile.h"
#include "py/gc.h"
#include "py/mperrno.h"
#include "py/mphal.h"
#include "py/runtime.h"
#include "py/stackctrl.h"
#include "py/cstack.h"
#include "shared/runtime/gchelper.h"
#include "shared/runtime/pyexec.h"
#include "../../boot/boot.h"
#include "../../boot/kprintf.h"
#include "../../boot/x86.h"
#include "../../drivers/drivers.h"
#include "archive.h"
#include "port.h"

// The heap starts at BOOT_HEAP bytes: enough to read the configuration, which then says how far
// it may grow (hw.heap_grow, bounded by [kernel] memory_limit).
#define BOOT_HEAP (16ULL << 20)
#define DMA_POOL (32ULL << 20)

struct port_memory port_memory;

static void heap_init(void) {
    uint64_t dma = physmem_alloc(DMA_POOL, 1 << 21);
    if (!dma) panic("no memory for the %lu MiB DMA pool", DMA_POOL >> 20);
    port_memory.dma_start = dma;
    port_memory.dma_limit = DMA_POOL;
    uint64_t heap = physmem_alloc(BOOT_HEAP, PAGE_SIZE);
    if (!heap) panic("no memory for the %lu MiB boot heap", BOOT_HEAP >> 20);
    gc_init((void *)heap, (void *)(heap + BOOT_HEAP));
    port_memory.heap_total = BOOT_HEAP;
    port_memory.heap_start = heap;
}

// Grow the split heap up to `limit` bytes in total, in chunks taken from free RAM.
uint64_t port_heap_grow(uint64_t limit) {
    while (port_memory.heap_total < limit) {
        uint64_t want = limit - port_memory.heap_total;
        uint64_t largest = physmem_largest_free();
        if (want > largest) want = ALIGN_DOWN(largest, PAGE_SIZE);
        if (want < (1 << 20)) break;  // not worth a heap area
        uint64_t a = physmem_alloc(want, PAGE_SIZE);
        if (!a) break;
        gc_add((void *)a, (void *)(a + want));
        port_memory.heap_total += want;
    }
    return port_memory.heap_total;
}

void gc_collect(void) {
    gc_collect_start();
    gc_helper_collect_regs_and_stack();
    gc_collect_end();
}

void nlr_jump_fail(void *val) {
    panic("uncaught NLR jump (%p)", val);
}

void __assert_fail(const char *expr, const char *file, int line, const char *func) {
    panic("assertion failed: %s at %s:%d (%s)", expr, file, line, func);
}

// sys.getsizeof (py/modsys.c is compiled with -Dmp_unary_op=qenex_sys_unary_op; it calls
// mp_unary_op only there): a small int lives in the object word itself, and so do False and
// True as far as their users go, so their size is that word's. Without this,
// mp_unary_op(MP_UNARY_OP_SIZEOF, small int) fails an assert, and bool hands its value on as a
// small int (the core's SIZEOF is incomplete: micropython/micropython#3982). Other types go to
// the core unchanged (list, dict, deque and instances answer; the rest raise TypeError).
#undef mp_unary_op
mp_obj_t qenex_sys_unary_op(mp_unary_op_t op, mp_obj_t arg) {
    if (op == MP_UNARY_OP_SIZEOF && (mp_obj_is_small_int(arg) || mp_obj_is_bool(arg))) {
        return MP_OBJ_NEW_SMALL_INT(sizeof(mp_obj_t));
    }
    return mp_unary_op(op, arg);
}

void abort(void) {
    panic("abort()");
}

static void start_python(void) {
    const struct mb_module *m = multiboot2_module("python.tar");
    if (!m) panic("boot module python.tar is missing (check grub.cfg)");
    const char *err = archive_init((const uint8_t *)m->start, m->end - m->start);
    if (err) panic("python.tar: %s", err);

    mp_cstack_init_with_top(kstack_top, kstack_top - kstack_bottom);
    heap_init();
    mp_init();
    mp_hal_set_interrupt_char(3);
    uart_interrupt_hook = mp_sched_keyboard_interrupt;

    // The Python kernel takes over; it returns only if it fails.
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        mp_obj_t pkg = mp_import_name(qstr_from_str("kernel.boot"), mp_const_none, MP_OBJ_NEW_SMALL_INT(0));
        mp_obj_t boot = mp_load_attr(pkg, qstr_from_str("boot"));
        mp_call_function_0(mp_load_attr(boot, qstr_from_str("main")));
        nlr_pop();
    } else {
        kprintf("\nkernel.boot.main raised:\n");
        mp_obj_print_exception(&mp_plat_print, MP_OBJ_FROM_PTR(nlr.ret_val));
    }
    kprintf("The Python kernel stopped; emergency MicroPython REPL follows (Ctrl-D halts).\n");
    pyexec_friendly_repl();
    mp_deinit();
}

void kmain(uint32_t magic, uint32_t info) {
    pic_init();
    uart_init();
    kprintf("\nQENEX OS: booting\n");
    multiboot2_parse(magic, info);
    cpu_init();
    physmem_init();
    paging_init();
    clock_init();
    start_python();
    panic("kernel main returned");
}
