// COM1 serial port (16550A). Transmit polls the line status register; receive runs from IRQ 4
// into a single-producer/single-consumer ring, so typing never blocks the kernel and Ctrl-C can
// interrupt a running Python computation.
#include "drivers.h"
#include "../boot/boot.h"
#include "../boot/x86.h"

#define COM1 0x3f8
enum { DATA = 0, IER = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5 };

static uint8_t rx_ring[UART_RX_RING];
static volatile uint32_t rx_head, rx_tail;  // head: written by the IRQ; tail: by the reader
volatile uint64_t uart_rx_dropped;
void (*uart_interrupt_hook)(void);
volatile int uart_interrupt_char = -1;

static void uart_irq(int irq) {
    (void)irq;
    while (inb(COM1 + LSR) & 1) {
        uint8_t c = inb(COM1 + DATA);
        if (c == uart_interrupt_char && uart_interrupt_hook) {
            uart_interrupt_hook();
            continue;
        }
        uint32_t next = (rx_head + 1) % UART_RX_RING;
        if (next == rx_tail) { uart_rx_dropped++; continue; }
        rx_ring[rx_head] = c;
        rx_head = next;
    }
}

void uart_init(void) {
    outb(COM1 + IER, 0x00);
    outb(COM1 + LCR, 0x80);   // DLAB: set the divisor
    outb(COM1 + DATA, 0x01);  // 115200 baud
    outb(COM1 + IER, 0x00);
    outb(COM1 + LCR, 0x03);   // 8N1
    outb(COM1 + FCR, 0xc7);   // FIFO on, cleared, 14-byte threshold
    outb(COM1 + MCR, 0x0b);   // DTR, RTS, OUT2 (OUT2 gates the IRQ line)
    trap_set_irq_handler(4, uart_irq);
    outb(COM1 + IER, 0x01);   // interrupt on received data
    pic_unmask(4);
}

void uart_putc(char c) {
    for (int spin = 0; spin < 100000 && !(inb(COM1 + LSR) & 0x20); spin++) {}
    outb(COM1 + DATA, (uint8_t)c);
}

void uart_write(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) uart_putc(s[i]);
}

void uart_puts(const char *s) {
    while (*s) uart_putc(*s++);
}

int uart_getc_nonblock(void) {
    // Poll too: input may sit in the FIFO when interrupts are off (early boot, REPL in hlt).
    uint64_t f = irq_save();
    uart_irq(4);
    int c = -1;
    if (rx_tail != rx_head) {
        c = rx_ring[rx_tail];
        rx_tail = (rx_tail + 1) % UART_RX_RING;
    }
    irq_restore(f);
    return c;
}

size_t uart_read(uint8_t *buf, size_t max) {
    size_t n = 0;
    while (n < max) {
        int c = uart_getc_nonblock();
        if (c < 0) break;
        buf[n++] = (uint8_t)c;
    }
    return n;
}
