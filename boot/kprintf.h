// Minimal formatted output for the boot layer and the panic path: straight to COM1, no heap,
// no MicroPython (the runtime may be the thing that broke). %s %c %d %u %x %p, l/ll, width, 0.
#ifndef QENEX_KPRINTF_H
#define QENEX_KPRINTF_H
#include <stdarg.h>
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);
#endif
