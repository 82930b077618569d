// The `hw` module: hardware primitives for the Python kernel (contract: HW.md next to this
// file). Nothing banking-specific lives here.
#include <string.h>
#include "py/runtime.h"
#include "py/objstr.h"
#include "py/objarray.h"
#include "py/gc.h"
#include "py/mpstate.h"
#include "py/mphal.h"
#include "shared/runtime/pyexec.h"
#include "shared/runtime/interrupt_char.h"
#include "../../boot/boot.h"
#include "../../boot/x86.h"
#include "../../drivers/drivers.h"
#include "port.h"
#include "archive.h"

MP_REGISTER_ROOT_POINTER(mp_obj_t qenex_irq_handlers[16]);

// ---- port I/O and MMIO ----------------------------------------------------------------------
static uint16_t port_arg(mp_obj_t o) {
    mp_int_t p = mp_obj_get_int(o);
    if (p < 0 || p > 0xffff) mp_raise_ValueError(MP_ERROR_TEXT("port out of range"));
    return (uint16_t)p;
}
static mp_obj_t hw_inb(mp_obj_t p) { return MP_OBJ_NEW_SMALL_INT(inb(port_arg(p))); }
static mp_obj_t hw_inw(mp_obj_t p) { return MP_OBJ_NEW_SMALL_INT(inw(port_arg(p))); }
static mp_obj_t hw_inl(mp_obj_t p) { return mp_obj_new_int_from_uint(inl(port_arg(p))); }
static mp_obj_t hw_outb(mp_obj_t p, mp_obj_t v) { outb(port_arg(p), mp_obj_get_int(v)); return mp_const_none; }
static mp_obj_t hw_outw(mp_obj_t p, mp_obj_t v) { outw(port_arg(p), mp_obj_get_int(v)); return mp_const_none; }
static mp_obj_t hw_outl(mp_obj_t p, mp_obj_t v) { outl(port_arg(p), (uint32_t)mp_obj_int_get_truncated(v)); return mp_const_none; }
static MP_DEFINE_CONST_FUN_OBJ_1(hw_inb_obj, hw_inb);
static MP_DEFINE_CONST_FUN_OBJ_1(hw_inw_obj, hw_inw);
static MP_DEFINE_CONST_FUN_OBJ_1(hw_inl_obj, hw_inl);
static MP_DEFINE_CONST_FUN_OBJ_2(hw_outb_obj, hw_outb);
static MP_DEFINE_CONST_FUN_OBJ_2(hw_outw_obj, hw_outw);
static MP_DEFINE_CONST_FUN_OBJ_2(hw_outl_obj, hw_outl);

static uintptr_t addr_arg(mp_obj_t o, int width) {
    uintptr_t a = (uintptr_t)mp_obj_int_get_uint_checked(o);
    if (a < PAGE_SIZE || (a & (width / 8 - 1))) mp_raise_ValueError(MP_ERROR_TEXT("bad MMIO address"));
    return a;
}
static mp_obj_t hw_mmio_read(mp_obj_t addr, mp_obj_t width_in) {
    int width = mp_obj_get_int(width_in);
    switch (width) {
    case 8: return MP_OBJ_NEW_SMALL_INT(*(volatile uint8_t *)addr_arg(addr, 8));
    case 16: return MP_OBJ_NEW_SMALL_INT(*(volatile uint16_t *)addr_arg(addr, 16));
    case 32: return mp_obj_new_int_from_uint(*(volatile uint32_t *)addr_arg(addr, 32));
    case 64: return mp_obj_new_int_from_ull(*(volatile uint64_t *)addr_arg(addr, 64));
    }
    mp_raise_ValueError(MP_ERROR_TEXT("width must be 8, 16, 32 or 64"));
}
static mp_obj_t hw_mmio_write(mp_obj_t addr, mp_obj_t width_in, mp_obj_t v) {
    int width = mp_obj_get_int(width_in);
    uint64_t val = mp_obj_int_get_uint_checked(v);
    switch (width) {
    case 8: *(volatile uint8_t *)addr_arg(addr, 8) = val; break;
    case 16: *(volatile uint16_t *)addr_arg(addr, 16) = val; break;
    case 32: *(volatile uint32_t *)addr_arg(addr, 32) = val; break;
    case 64: *(volatile uint64_t *)addr_arg(addr, 64) = val; break;
    default: mp_raise_ValueError(MP_ERROR_TEXT("width must be 8, 16, 32 or 64"));
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(hw_mmio_read_obj, hw_mmio_read);
static MP_DEFINE_CONST_FUN_OBJ_3(hw_mmio_write_obj, hw_mmio_write);

static mp_obj_t hw_map_mmio(mp_obj_t phys, mp_obj_t size) {
    if (!paging_map_mmio(mp_obj_int_get_uint_checked(phys), mp_obj_int_get_uint_checked(size))) {
        mp_raise_ValueError(MP_ERROR_TEXT("cannot map that MMIO range"));
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(hw_map_mmio_obj, hw_map_mmio);

// ---- DMA memory -----------------------------------------------------------------------------
static mp_obj_t hw_dma_alloc(mp_obj_t size_in) {
    mp_int_t size = mp_obj_get_int(size_in);
    uint64_t sz = ALIGN_UP((uint64_t)size, PAGE_SIZE);
    if (size <= 0 || sz > port_memory.dma_limit - port_memory.dma_used) {
        mp_raise_msg(&mp_type_MemoryError, MP_ERROR_TEXT("DMA pool exhausted"));
    }
    uint64_t a = port_memory.dma_start + port_memory.dma_used;
    port_memory.dma_used += sz;
    memset((void *)a, 0, sz);
    mp_obj_t t[2] = { mp_obj_new_int_from_ull(a), mp_obj_new_memoryview('B' | MP_OBJ_ARRAY_TYPECODE_FLAG_RW, size, (void *)a) };
    return mp_obj_new_tuple(2, t);
}
static MP_DEFINE_CONST_FUN_OBJ_1(hw_dma_alloc_obj, hw_dma_alloc);

// ---- IRQs: the C handler masks the line and schedules the Python callback; the line is
// unmasked after the callback ran (level-triggered devices are acknowledged by then).
static mp_obj_t irq_dispatch(mp_obj_t irq_in) {
    int irq = MP_OBJ_SMALL_INT_VALUE(irq_in);
    mp_obj_t h = MP_STATE_PORT(qenex_irq_handlers)[irq];
    if (h == MP_OBJ_NULL || h == mp_const_none) return mp_const_none;
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        mp_call_function_1(h, irq_in);
        nlr_pop();
    } else {
        mp_printf(&mp_plat_print, "IRQ %d handler raised:\n", irq);
        mp_obj_print_exception(&mp_plat_print, MP_OBJ_FROM_PTR(nlr.ret_val));
    }
    pic_unmask(irq);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(irq_dispatch_obj, irq_dispatch);

static void irq_to_python(int irq) {
    pic_mask(irq);
    if (!mp_sched_schedule(MP_OBJ_FROM_PTR(&irq_dispatch_obj), MP_OBJ_NEW_SMALL_INT(irq))) {
        pic_unmask(irq);  // scheduler queue full: the line stays asserted and fires again
    }
}

static mp_obj_t hw_irq_register(mp_obj_t irq_in, mp_obj_t cb) {
    mp_int_t irq = mp_obj_get_int(irq_in);
    if (irq < 1 || irq > 15 || irq == 2 || irq == 4) mp_raise_ValueError(MP_ERROR_TEXT("IRQ not available"));
    uint64_t f = irq_save();
    if (cb == mp_const_none) {
        pic_mask(irq);
        trap_set_irq_handler(irq, NULL);
        MP_STATE_PORT(qenex_irq_handlers)[irq] = mp_const_none;
    } else {
        MP_STATE_PORT(qenex_irq_handlers)[irq] = cb;
        trap_set_irq_handler(irq, irq_to_python);
        pic_unmask(irq);
    }
    irq_restore(f);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(hw_irq_register_obj, hw_irq_register);

// ---- time and idling ------------------------------------------------------------------------
static mp_obj_t hw_ticks_ms(void) { return mp_obj_new_int_from_ull(clock_ms()); }
static mp_obj_t hw_ticks_us(void) { return mp_obj_new_int_from_ull(clock_us()); }
static mp_obj_t hw_idle(void) { clock_idle(); return mp_const_none; }
static mp_obj_t hw_cpu_stats(void) {
    uint64_t busy, idle, ticks;
    clock_stats(&busy, &idle, &ticks);
    mp_obj_t t[4] = { mp_obj_new_int_from_ull(busy), mp_obj_new_int_from_ull(idle),
                      mp_obj_new_int_from_ull(trap_irq_count), mp_obj_new_int_from_ull(ticks) };
    return mp_obj_new_tuple(4, t);
}
static MP_DEFINE_CONST_FUN_OBJ_0(hw_ticks_ms_obj, hw_ticks_ms);
static MP_DEFINE_CONST_FUN_OBJ_0(hw_ticks_us_obj, hw_ticks_us);
static MP_DEFINE_CONST_FUN_OBJ_0(hw_idle_obj, hw_idle);
static MP_DEFINE_CONST_FUN_OBJ_0(hw_cpu_stats_obj, hw_cpu_stats);

// ---- serial console -------------------------------------------------------------------------
static mp_obj_t hw_uart_read(void) {
    uint8_t buf[256];
    size_t n = uart_read(buf, sizeof(buf));
    return mp_obj_new_bytes(buf, n);
}
static mp_obj_t hw_uart_write(mp_obj_t data) {
    mp_buffer_info_t b;
    mp_get_buffer_raise(data, &b, MP_BUFFER_READ);
    uart_write(b.buf, b.len);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(hw_uart_read_obj, hw_uart_read);
static MP_DEFINE_CONST_FUN_OBJ_1(hw_uart_write_obj, hw_uart_write);

// ---- memory and boot information ------------------------------------------------------------
static void dict_set(mp_obj_t d, const char *k, uint64_t v) {
    mp_obj_dict_store(d, mp_obj_new_str(k, strlen(k)), mp_obj_new_int_from_ull(v));
}
static mp_obj_t hw_mem_info(void) {
    uint64_t total = 0, usable = 0;
    for (int i = 0; i < boot_info.nregions; i++) {
        if (boot_info.regions[i].type != 2) total += boot_info.regions[i].length;
        if (boot_info.regions[i].type == 1) usable += boot_info.regions[i].length;
    }
    struct paging_stats ps;
    paging_stats(&ps);
    mp_obj_t d = mp_obj_new_dict(16);
    dict_set(d, "phys_total", total);
    dict_set(d, "phys_usable", usable);
    dict_set(d, "phys_free", physmem_free_bytes());
    dict_set(d, "kernel_start", (uint64_t)__kernel_start);
    dict_set(d, "kernel_end", (uint64_t)__kernel_end);
    dict_set(d, "heap_start", port_memory.heap_start);
    dict_set(d, "heap_size", port_memory.heap_total);
    dict_set(d, "pages_mapped_4k", ps.pages_4k);
    dict_set(d, "pages_mapped_2m", ps.pages_2m);
    dict_set(d, "page_table_pages", ps.table_pages);
    dict_set(d, "page_table_pages_max", ps.table_pages_max);
    dict_set(d, "mapped_bytes", ps.mapped_bytes);
    dict_set(d, "dma_used", port_memory.dma_used);
    dict_set(d, "dma_limit", port_memory.dma_limit);
    dict_set(d, "stack_size", (uint64_t)(kstack_top - kstack_bottom));
    return d;
}
static MP_DEFINE_CONST_FUN_OBJ_0(hw_mem_info_obj, hw_mem_info);

static mp_obj_t hw_memmap(void) {
    mp_obj_t l = mp_obj_new_list(0, NULL);
    for (int i = 0; i < boot_info.nregions; i++) {
        const struct mb_region *r = &boot_info.regions[i];
        mp_obj_t t[3] = { mp_obj_new_int_from_ull(r->base), mp_obj_new_int_from_ull(r->length),
                          MP_OBJ_NEW_SMALL_INT(r->type) };
        mp_obj_list_append(l, mp_obj_new_tuple(3, t));
    }
    return l;
}
static MP_DEFINE_CONST_FUN_OBJ_0(hw_memmap_obj, hw_memmap);

static mp_obj_t hw_module(mp_obj_t name) {
    const struct mb_module *m = multiboot2_module(mp_obj_str_get_str(name));
    if (!m) return mp_const_none;
    return mp_obj_new_bytes((const uint8_t *)m->start, m->end - m->start);
}
static mp_obj_t hw_modules(void) {
    mp_obj_t l = mp_obj_new_list(0, NULL);
    for (int i = 0; i < boot_info.nmodules; i++) {
        mp_obj_list_append(l, mp_obj_new_str(boot_info.modules[i].name, strlen(boot_info.modules[i].name)));
    }
    return l;
}
static mp_obj_t hw_cmdline(void) { return mp_obj_new_str(boot_info.cmdline, strlen(boot_info.cmdline)); }
static mp_obj_t hw_heap_grow(mp_obj_t limit) {
    return mp_obj_new_int_from_ull(port_heap_grow(mp_obj_int_get_uint_checked(limit)));
}
static mp_obj_t hw_archive_files(void) {
    mp_obj_t l = mp_obj_new_list(0, NULL);
    for (size_t i = 0; i < archive_count(); i++) {
        const struct archive_file *f = archive_at(i);
        mp_obj_list_append(l, mp_obj_new_str(f->name, strlen(f->name)));
    }
    return l;
}
static MP_DEFINE_CONST_FUN_OBJ_0(hw_archive_files_obj, hw_archive_files);
static MP_DEFINE_CONST_FUN_OBJ_1(hw_module_obj, hw_module);
static MP_DEFINE_CONST_FUN_OBJ_0(hw_modules_obj, hw_modules);
static MP_DEFINE_CONST_FUN_OBJ_0(hw_cmdline_obj, hw_cmdline);
static MP_DEFINE_CONST_FUN_OBJ_1(hw_heap_grow_obj, hw_heap_grow);

// (used, free, total) bytes of the heap by counting free blocks in the allocation tables, 64
// entries at a time. gc.mem_free() walks them block by block: ~250 ms for a 256 MiB heap under
// TCG, this ~10 ms.
static mp_obj_t hw_heap_usage(void) {
    uint64_t free_blocks = 0, total_blocks = 0;
    for (mp_state_mem_area_t *a = &MP_STATE_MEM(area); a; a = a->next) {
        size_t n = (a->gc_pool_end - a->gc_pool_start) / MICROPY_BYTES_PER_GC_BLOCK;
        const uint8_t *atb = a->gc_alloc_table_start;
        size_t words = n / 32;  // 32 two-bit entries per 64-bit word
        for (size_t i = 0; i < words; i++) {
            uint64_t w;
            memcpy(&w, atb + 8 * i, 8);
            uint64_t empty = ~(w | (w >> 1)) & 0x5555555555555555ULL;  // entries that are 00
            free_blocks += __builtin_popcountll(empty);
        }
        for (size_t b = words * 32; b < n; b++) {
            if (((atb[b / 4] >> (2 * (b % 4))) & 3) == 0) free_blocks++;
        }
        total_blocks += n;
    }
    uint64_t total = total_blocks * MICROPY_BYTES_PER_GC_BLOCK, free = free_blocks * MICROPY_BYTES_PER_GC_BLOCK;
    mp_obj_t t[3] = { mp_obj_new_int_from_ull(total - free), mp_obj_new_int_from_ull(free), mp_obj_new_int_from_ull(total) };
    return mp_obj_new_tuple(3, t);
}
static MP_DEFINE_CONST_FUN_OBJ_0(hw_heap_usage_obj, hw_heap_usage);

// The largest run of free blocks in any heap area, in bytes: the biggest allocation that can
// succeed without a collection (fragmentation shows as free >> largest free). A whole word of
// 32 free entries is taken at once; runs do not span areas (each has its own table).
static mp_obj_t hw_heap_largest_free(void) {
    uint64_t best = 0;
    for (mp_state_mem_area_t *a = &MP_STATE_MEM(area); a; a = a->next) {
        size_t n = (a->gc_pool_end - a->gc_pool_start) / MICROPY_BYTES_PER_GC_BLOCK;
        const uint8_t *atb = a->gc_alloc_table_start;
        uint64_t run = 0;
        size_t b = 0;
        while (b < n) {
            if (b % 32 == 0 && b + 32 <= n) {
                uint64_t w;
                memcpy(&w, atb + b / 4, 8);
                if (w == 0) { run += 32; b += 32; continue; }
            }
            if (((atb[b / 4] >> (2 * (b % 4))) & 3) == 0) {
                run++;
            } else {
                if (run > best) best = run;
                run = 0;
            }
            b++;
        }
        if (run > best) best = run;
    }
    return mp_obj_new_int_from_ull(best * MICROPY_BYTES_PER_GC_BLOCK);
}
static MP_DEFINE_CONST_FUN_OBJ_0(hw_heap_largest_free_obj, hw_heap_largest_free);

// ---- REPL, power and faults -----------------------------------------------------------------
// RDRAND, a second entropy source beside virtio-rng: n random bytes, or None when the CPU has
// no RDRAND (CPUID.1:ECX bit 30) or it keeps failing (the instruction may run dry briefly).
static mp_obj_t hw_rdrand(mp_obj_t n_in) {
    mp_int_t n = mp_obj_get_int(n_in);
    if (n < 0 || n > 4096) mp_raise_ValueError(MP_ERROR_TEXT("rdrand: 0..4096 bytes"));
    uint32_t a, b, c, d;
    cpuid(1, &a, &b, &c, &d);
    if (!(c & (1u << 30))) return mp_const_none;
    vstr_t v;
    vstr_init_len(&v, n);
    for (mp_int_t i = 0; i < n; i += 8) {
        uint64_t r = 0;
        int ok = 0;
        for (int tries = 0; tries < 10 && !ok; tries++) {
            __asm__ volatile("rdrand %0; setc %b1" : "=r"(r), "=q"(ok) :: "cc");
        }
        if (!ok) { vstr_clear(&v); return mp_const_none; }
        memcpy(v.buf + i, &r, n - i < 8 ? n - i : 8);
    }
    return mp_obj_new_bytes_from_vstr(&v);
}
static MP_DEFINE_CONST_FUN_OBJ_1(hw_rdrand_obj, hw_rdrand);

static mp_obj_t hw_repl(void) {
    // Run in __main__'s namespace, not in that of the Python code that called us: REPL code
    // stores names in mp_locals and its functions look them up in mp_globals; both must be
    // the same dict.
    int saved_intr = mp_interrupt_char;
    mp_obj_dict_t *saved_globals = mp_globals_get(), *saved_locals = mp_locals_get();
    mp_globals_set(&MP_STATE_VM(dict_main));
    mp_locals_set(&MP_STATE_VM(dict_main));
    for (;;) {
        int ret = pyexec_mode_kind == PYEXEC_MODE_RAW_REPL ? pyexec_raw_repl() : pyexec_friendly_repl();
        if (ret & PYEXEC_FORCED_EXIT) break;
    }
    pyexec_mode_kind = PYEXEC_MODE_FRIENDLY_REPL;
    mp_hal_set_interrupt_char(saved_intr);  // the scheduler decides when Ctrl-C interrupts
    mp_globals_set(saved_globals);
    mp_locals_set(saved_locals);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(hw_repl_obj, hw_repl);

static mp_obj_t hw_reboot(void) {
    cli();
    for (int i = 0; i < 100000 && (inb(0x64) & 2); i++) {}
    outb(0x64, 0xfe);  // 8042 reset line
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } none = { 0, 0 };
    __asm__ volatile("lidt %0; int3" :: "m"(none));  // triple fault if that did not work
    for (;;) __asm__ volatile("hlt");
    return mp_const_none;
}
static mp_obj_t hw_poweroff(void) {
    outw(0x604, 0x2000);   // QEMU q35/i440fx ACPI PM1a (PIIX4 at 0x604 in QEMU's pc machine)
    outw(0xb004, 0x2000);  // older QEMU/Bochs
    cli();
    for (;;) __asm__ volatile("hlt");
    return mp_const_none;
}
static mp_obj_t hw_exit(mp_obj_t code) {
    outl(0xf4, mp_obj_get_int(code));  // isa-debug-exit: QEMU exits with (code << 1) | 1
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(hw_reboot_obj, hw_reboot);
static MP_DEFINE_CONST_FUN_OBJ_0(hw_poweroff_obj, hw_poweroff);
static MP_DEFINE_CONST_FUN_OBJ_1(hw_exit_obj, hw_exit);

#pragma GCC diagnostic ignored "-Winfinite-recursion"  // on purpose: hits the guard page
__attribute__((noinline)) static int recurse_forever(volatile int depth) {
    volatile char pad[512];
    pad[0] = (char)depth;
    return recurse_forever(depth + 1) + pad[0];
}
static mp_obj_t hw_fault(mp_obj_t kind_in) {
    const char *kind = mp_obj_str_get_str(kind_in);
    if (strcmp(kind, "null") == 0) {
        volatile uint64_t *p = (volatile uint64_t *)0;
        return mp_obj_new_int_from_ull(*p);
    } else if (strcmp(kind, "ud") == 0) {
        __asm__ volatile("ud2");
    } else if (strcmp(kind, "div0") == 0) {
        uint32_t zero = 0;  // a real div instruction: gcc turns 1/x into compares
        __asm__ volatile("xor %%edx, %%edx; mov $1, %%eax; divl %0" :: "r"(zero) : "eax", "edx");
    } else if (strcmp(kind, "stack") == 0) {
        return MP_OBJ_NEW_SMALL_INT(recurse_forever(0));
    } else if (strcmp(kind, "gp") == 0) {
        volatile uint64_t *p = (volatile uint64_t *)0x8000000000000000ULL;  // non-canonical
        return mp_obj_new_int_from_ull(*p);
    }
    mp_raise_ValueError(MP_ERROR_TEXT("fault kind must be null, ud, div0, stack or gp"));
}
static MP_DEFINE_CONST_FUN_OBJ_1(hw_fault_obj, hw_fault);

static const mp_rom_map_elem_t hw_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_hw) },
    { MP_ROM_QSTR(MP_QSTR_inb), MP_ROM_PTR(&hw_inb_obj) },
    { MP_ROM_QSTR(MP_QSTR_inw), MP_ROM_PTR(&hw_inw_obj) },
    { MP_ROM_QSTR(MP_QSTR_inl), MP_ROM_PTR(&hw_inl_obj) },
    { MP_ROM_QSTR(MP_QSTR_outb), MP_ROM_PTR(&hw_outb_obj) },
    { MP_ROM_QSTR(MP_QSTR_outw), MP_ROM_PTR(&hw_outw_obj) },
    { MP_ROM_QSTR(MP_QSTR_outl), MP_ROM_PTR(&hw_outl_obj) },
    { MP_ROM_QSTR(MP_QSTR_mmio_read), MP_ROM_PTR(&hw_mmio_read_obj) },
    { MP_ROM_QSTR(MP_QSTR_mmio_write), MP_ROM_PTR(&hw_mmio_write_obj) },
    { MP_ROM_QSTR(MP_QSTR_map_mmio), MP_ROM_PTR(&hw_map_mmio_obj) },
    { MP_ROM_QSTR(MP_QSTR_dma_alloc), MP_ROM_PTR(&hw_dma_alloc_obj) },
    { MP_ROM_QSTR(MP_QSTR_irq_register), MP_ROM_PTR(&hw_irq_register_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_ms), MP_ROM_PTR(&hw_ticks_ms_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_us), MP_ROM_PTR(&hw_ticks_us_obj) },
    { MP_ROM_QSTR(MP_QSTR_idle), MP_ROM_PTR(&hw_idle_obj) },
    { MP_ROM_QSTR(MP_QSTR_cpu_stats), MP_ROM_PTR(&hw_cpu_stats_obj) },
    { MP_ROM_QSTR(MP_QSTR_uart_read), MP_ROM_PTR(&hw_uart_read_obj) },
    { MP_ROM_QSTR(MP_QSTR_uart_write), MP_ROM_PTR(&hw_uart_write_obj) },
    { MP_ROM_QSTR(MP_QSTR_mem_info), MP_ROM_PTR(&hw_mem_info_obj) },
    { MP_ROM_QSTR(MP_QSTR_memmap), MP_ROM_PTR(&hw_memmap_obj) },
    { MP_ROM_QSTR(MP_QSTR_module), MP_ROM_PTR(&hw_module_obj) },
    { MP_ROM_QSTR(MP_QSTR_modules), MP_ROM_PTR(&hw_modules_obj) },
    { MP_ROM_QSTR(MP_QSTR_cmdline), MP_ROM_PTR(&hw_cmdline_obj) },
    { MP_ROM_QSTR(MP_QSTR_archive_files), MP_ROM_PTR(&hw_archive_files_obj) },
    { MP_ROM_QSTR(MP_QSTR_heap_grow), MP_ROM_PTR(&hw_heap_grow_obj) },
    { MP_ROM_QSTR(MP_QSTR_heap_usage), MP_ROM_PTR(&hw_heap_usage_obj) },
    { MP_ROM_QSTR(MP_QSTR_heap_largest_free), MP_ROM_PTR(&hw_heap_largest_free_obj) },
    { MP_ROM_QSTR(MP_QSTR_repl), MP_ROM_PTR(&hw_repl_obj) },
    { MP_ROM_QSTR(MP_QSTR_rdrand), MP_ROM_PTR(&hw_rdrand_obj) },
    { MP_ROM_QSTR(MP_QSTR_reboot), MP_ROM_PTR(&hw_reboot_obj) },
    { MP_ROM_QSTR(MP_QSTR_poweroff), MP_ROM_PTR(&hw_poweroff_obj) },
    { MP_ROM_QSTR(MP_QSTR_exit), MP_ROM_PTR(&hw_exit_obj) },
    { MP_ROM_QSTR(MP_QSTR_fault), MP_ROM_PTR(&hw_fault_obj) },
};
static MP_DEFINE_CONST_DICT(hw_globals, hw_globals_table);

const mp_obj_module_t mp_module_hw = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&hw_globals,
};
MP_REGISTER_MODULE(MP_QSTR_hw, mp_module_hw);
