// C drivers for what Python cannot do itself: the serial line (needed before the runtime and
// by the panic path), the interrupt controller and the timer interrupt.
#ifndef QENEX_DRIVERS_H
#define QENEX_DRIVERS_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

// uart.c: COM1, 115200 8N1; output polled, input through IRQ 4 into a bounded ring.
#define UART_RX_RING 4096
void uart_init(void);
void uart_putc(char c);
void uart_puts(const char *s);
void uart_write(const char *s, size_t n);
int uart_getc_nonblock(void);                 // -1 when nothing is waiting
size_t uart_read(uint8_t *buf, size_t max);   // bytes waiting, at most max
extern volatile uint64_t uart_rx_dropped;     // bytes lost to a full ring
extern void (*uart_interrupt_hook)(void);     // called from the IRQ when the interrupt char arrives
extern volatile int uart_interrupt_char;      // -1 = none

// pic.c: the two 8259 PICs, remapped to vectors 32-47.
void pic_init(void);
void pic_mask(int irq);
void pic_unmask(int irq);
void pic_eoi(int irq);
bool pic_spurious(int irq);

// clock.c: PIT channel 0 at 1 kHz for milliseconds, the TSC calibrated against it for
// microseconds; counts time spent idle (in hlt).
void clock_init(void);
uint64_t clock_ms(void);
uint64_t clock_us(void);
uint64_t clock_tsc_per_ms(void);
void clock_idle(void);                         // sti; hlt, accounted as idle time
void clock_stats(uint64_t *busy_us, uint64_t *idle_us, uint64_t *ticks);

#endif
