// lwIP's compiler/platform glue for the QENEX kernel (freestanding, musl headers).
#ifndef QENEX_LWIP_CC_H
#define QENEX_LWIP_CC_H
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#define BYTE_ORDER LITTLE_ENDIAN
#define LWIP_NO_STDIO_H 0

void qenex_lwip_assert(const char *msg, const char *file, int line);
void qenex_lwip_diag(const char *fmt, ...);
#define LWIP_PLATFORM_DIAG(x) do { qenex_lwip_diag x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) qenex_lwip_assert((x), __FILE__, __LINE__)

#endif
