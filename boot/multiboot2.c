// Reads the multiboot2 boot information: memory map, modules (config files, the Python
// archive) and the command line. Copies what it needs into bounded tables.
#include <string.h>
#include "boot.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289
enum { TAG_END = 0, TAG_CMDLINE = 1, TAG_MODULE = 3, TAG_MMAP = 6 };

struct boot_info boot_info;

void multiboot2_parse(uint32_t magic, uint64_t info) {
    if (magic != MB2_BOOTLOADER_MAGIC) panic("not booted by a multiboot2 loader (magic 0x%x)", magic);
    uint32_t total = *(uint32_t *)info;
    boot_info.info_start = info;
    boot_info.info_end = info + total;
    boot_info.cmdline = "";
    for (uint64_t p = info + 8; p < info + total;) {
        uint32_t type = ((uint32_t *)p)[0], size = ((uint32_t *)p)[1];
        if (type == TAG_END) break;
        if (type == TAG_CMDLINE) {
            boot_info.cmdline = (const char *)(p + 8);
        } else if (type == TAG_MODULE) {
            if (boot_info.nmodules >= MB_MAX_MODULES) panic("more than %d boot modules", MB_MAX_MODULES);
            struct mb_module *m = &boot_info.modules[boot_info.nmodules++];
            m->start = ((uint32_t *)p)[2];
            m->end = ((uint32_t *)p)[3];
            m->name = (const char *)(p + 16);
        } else if (type == TAG_MMAP) {
            uint32_t esize = ((uint32_t *)p)[2];
            for (uint64_t e = p + 16; e + esize <= p + size; e += esize) {
                if (boot_info.nregions >= MB_MAX_REGIONS) panic("more than %d memory regions", MB_MAX_REGIONS);
                struct mb_region *r = &boot_info.regions[boot_info.nregions++];
                r->base = *(uint64_t *)e;
                r->length = *(uint64_t *)(e + 8);
                r->type = *(uint32_t *)(e + 16);
            }
        }
        p += ALIGN_UP(size, 8);
    }
    if (boot_info.nregions == 0) panic("the boot loader gave no memory map");
}

const struct mb_module *multiboot2_module(const char *name) {
    for (int i = 0; i < boot_info.nmodules; i++) {
        if (strcmp(boot_info.modules[i].name, name) == 0) return &boot_info.modules[i];
    }
    return NULL;
}
