// Kernel symbol table for panic backtraces. The build links the kernel once with this section
// zeroed, then tools/mksyms.py reads the ELF's symbols (pyelftools) and fills the section in
// place (objcopy --update-section). The section's size is fixed, so no address moves.
// Format (little endian): "KSYM", u32 count, u32 strings_offset, then count entries of
// {u64 addr, u32 size, u32 name_offset} sorted by addr, then NUL-terminated names.
#include <string.h>
#include "boot.h"

#define KSYMS_SIZE (256 * 1024)
// Not const: the compiler must not fold the zeroed contents it sees at compile time.
__attribute__((section(".ksyms"), used, aligned(8))) uint8_t ksyms_blob[KSYMS_SIZE] = {1};

struct ksym { uint64_t addr; uint32_t size, name; };

const char *ksyms_lookup(uint64_t addr, uint64_t *offset) {
    const uint8_t *b = ksyms_blob;
    if (b[0] != 'K' || b[1] != 'S' || b[2] != 'Y' || b[3] != 'M') return NULL;
    uint32_t count = *(const uint32_t *)(ksyms_blob + 4);
    uint32_t strings = *(const uint32_t *)(ksyms_blob + 8);
    if (count == 0 || 12 + (uint64_t)count * sizeof(struct ksym) > KSYMS_SIZE || strings >= KSYMS_SIZE) return NULL;
    const struct ksym *syms = (const struct ksym *)(ksyms_blob + 12);
    int lo = 0, hi = (int)count - 1, best = -1;
    while (lo <= hi) {  // last symbol with addr <= target
        int mid = (lo + hi) / 2;
        if (syms[mid].addr <= addr) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (best < 0) return NULL;
    uint64_t off = addr - syms[best].addr;
    if (syms[best].size && off >= syms[best].size) return NULL;
    if (strings + syms[best].name >= KSYMS_SIZE) return NULL;
    *offset = off;
    return (const char *)ksyms_blob + strings + syms[best].name;
}
