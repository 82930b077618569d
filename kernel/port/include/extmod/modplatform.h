// py/modsys.c and shared/runtime/pyexec.c include this extmod header unconditionally; extmod/ is
// not part of the fetched sources, so the port provides the few names they use.
#ifndef QENEX_MODPLATFORM_H
#define QENEX_MODPLATFORM_H
#define MICROPY_PLATFORM_ARCH "x86_64"
#define MICROPY_PLATFORM_COMPILER "GCC " __VERSION__
#define MICROPY_PLATFORM_SYSTEM "QENEX"
#define MICROPY_PLATFORM_LIBC_LIB "musl-libm"
#define MICROPY_PLATFORM_LIBC_VER "1.2.3"
#define MICROPY_PLATFORM_VERSION ""
#endif
