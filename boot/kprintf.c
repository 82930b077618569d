#include <stdint.h>
#include "kprintf.h"
#include "../drivers/drivers.h"

static void put_num(uint64_t v, int base, int width, char pad, int neg) {
    char buf[24];
    int n = 0;
    do { buf[n++] = "0123456789abcdef"[v % base]; v /= base; } while (v && n < 23);
    if (neg) buf[n++] = '-';
    while (width-- > n) uart_putc(pad);
    while (n) uart_putc(buf[--n]);
}

void kvprintf(const char *fmt, va_list ap) {
    for (; *fmt; fmt++) {
        if (*fmt != '%') { if (*fmt == '\n') uart_putc('\r'); uart_putc(*fmt); continue; }
        fmt++;
        char pad = ' ';
        int width = 0, lng = 0;
        if (*fmt == '0') { pad = '0'; fmt++; }
        while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l') { lng++; fmt++; }
        switch (*fmt) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s) s = "(null)";
            int len = 0;
            while (s[len]) len++;
            while (width-- > len) uart_putc(' ');
            while (*s) uart_putc(*s++);
            break;
        }
        case 'c': uart_putc((char)va_arg(ap, int)); break;
        case 'd': { int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
                    put_num(v < 0 ? -(uint64_t)v : (uint64_t)v, 10, width, pad, v < 0); break; }
        case 'u': put_num(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, width, pad, 0); break;
        case 'x': put_num(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, width, pad, 0); break;
        case 'p': uart_puts("0x"); put_num((uint64_t)va_arg(ap, void *), 16, 16, '0', 0); break;
        case '%': uart_putc('%'); break;
        default: uart_putc('%'); uart_putc(*fmt ? *fmt : '?'); if (!*fmt) return;
        }
    }
}

void kprintf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}
