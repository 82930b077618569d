// The MicroPython HAL over the kernel's C drivers: serial console and clock.
#include <errno.h>
#include "py/mphal.h"
#include "py/runtime.h"
#include "py/stream.h"
#include "shared/runtime/interrupt_char.h"
#include "../../drivers/drivers.h"

// Sleep until the next interrupt (the timer wakes us every millisecond at the latest), after
// running anything the interrupt handlers scheduled.
void qenex_idle(void) {
    clock_idle();
}

int mp_hal_stdin_rx_chr(void) {
    for (;;) {
        int c = uart_getc_nonblock();
        if (c >= 0) return c;
        mp_event_wait_indefinite();
    }
}

mp_uint_t mp_hal_stdout_tx_strn(const char *str, size_t len) {
    uart_write(str, len);
    return len;
}

uintptr_t mp_hal_stdio_poll(uintptr_t poll_flags) {
    (void)poll_flags;
    return poll_flags & MP_STREAM_POLL_WR;  // input readiness is asked of hw.uart_read()
}

// Replaces shared/runtime/interrupt_char.c: the UART's IRQ handler needs the character too.
int mp_interrupt_char = -1;

void mp_hal_set_interrupt_char(int c) {
    mp_interrupt_char = c;
    uart_interrupt_char = c;
}

mp_uint_t mp_hal_ticks_ms(void) { return clock_ms(); }
mp_uint_t mp_hal_ticks_us(void) { return clock_us(); }
mp_uint_t mp_hal_ticks_cpu(void) { uint32_t lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((uint64_t)hi << 32) | lo; }
uint64_t mp_hal_time_ns(void) { return (uint64_t)clock_us() * 1000; }

void mp_hal_delay_ms(mp_uint_t ms) {
    mp_uint_t start = clock_ms();
    while (clock_ms() - start < ms) mp_event_wait_ms(1);
}

void mp_hal_delay_us(mp_uint_t us) {
    mp_uint_t start = clock_us();
    while (clock_us() - start < us) __asm__ volatile("pause");
}

// musl's headers define errno through this function.
static int errno_value;
int *__errno_location(void) { return &errno_value; }
