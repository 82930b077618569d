// Time: the TSC, calibrated against PIT channel 0 at boot, gives milliseconds and microseconds
// since boot. The PIT keeps interrupting at 1 kHz afterwards, so an idle CPU (hlt) wakes at least
// every millisecond. Idle time is what the CPU spends in hlt.
#include "drivers.h"
#include "../boot/boot.h"
#include "../boot/x86.h"

#define PIT_HZ 1193182
#define TICK_HZ 1000

static volatile uint64_t ticks;
static uint64_t tsc_boot, tsc_per_ms;
static uint64_t idle_tsc;

static void pit_irq(int irq) { (void)irq; ticks++; }

void clock_init(void) {
    uint16_t divisor = PIT_HZ / TICK_HZ;
    outb(0x43, 0x36);  // channel 0, lo/hi byte, mode 3 (square wave)
    outb(0x40, divisor & 0xff);
    outb(0x40, divisor >> 8);
    trap_set_irq_handler(0, pit_irq);
    pic_unmask(0);
    sti();
    // Calibrate the TSC over 20 timer ticks, starting on a tick boundary.
    uint64_t t = ticks;
    while (ticks == t) __asm__ volatile("pause");
    uint64_t t0 = ticks, c0 = rdtsc();
    while (ticks < t0 + 20) __asm__ volatile("pause");
    uint64_t c1 = rdtsc();
    tsc_per_ms = (c1 - c0) / 20;
    if (tsc_per_ms == 0) panic("TSC calibration failed");
    tsc_boot = c0 - t0 * tsc_per_ms;  // so that clock_us() agrees with clock_ms()
}

// From the TSC too: counting timer interrupts drifts when the emulator delivers them late.
uint64_t clock_ms(void) { return (rdtsc() - tsc_boot) / tsc_per_ms; }

uint64_t clock_us(void) {
    uint64_t d = rdtsc() - tsc_boot;
    return (d / tsc_per_ms) * 1000 + (d % tsc_per_ms) * 1000 / tsc_per_ms;
}

uint64_t clock_tsc_per_ms(void) { return tsc_per_ms; }

void clock_idle(void) {
    uint64_t c = rdtsc();
    sti_hlt();
    idle_tsc += rdtsc() - c;
}

void clock_stats(uint64_t *busy_us, uint64_t *idle_us, uint64_t *t) {
    uint64_t total = clock_us();
    uint64_t idle = idle_tsc / tsc_per_ms * 1000 + (idle_tsc % tsc_per_ms) * 1000 / tsc_per_ms;
    if (idle > total) idle = total;
    *idle_us = idle;
    *busy_us = total - idle;
    *t = ticks;
}
