// The boot archive: a ustar file that GRUB loads as the multiboot2 module "python.tar". It holds
// the kernel's Python modules, precompiled to .mpy, at their repository paths. MicroPython's
// import system reaches it through mp_import_stat and the file reader below.
#include <string.h>
#include "py/builtin.h"
#include "py/lexer.h"
#include "py/reader.h"
#include "py/runtime.h"
#include "py/mperrno.h"
#include "../../boot/boot.h"
#include "archive.h"

#define ARCHIVE_MAX_FILES 1024
#define ARCHIVE_NAME_MAX 256

static struct archive_file files[ARCHIVE_MAX_FILES];
static size_t nfiles;

static uint64_t octal(const char *s, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n && s[i] >= '0' && s[i] <= '7'; i++) v = v * 8 + (s[i] - '0');
    return v;
}

// Index the archive. Returns a message for a malformed archive, NULL when it is good.
const char *archive_init(const uint8_t *data, size_t size) {
    static char names[ARCHIVE_MAX_FILES][ARCHIVE_NAME_MAX];
    size_t off = 0;
    nfiles = 0;
    while (off + 512 <= size) {
        const char *h = (const char *)data + off;
        if (h[0] == 0) break;  // end-of-archive marker
        if (memcmp(h + 257, "ustar", 5) != 0) return "not a ustar archive";
        uint64_t len = octal(h + 124, 12);
        if (off + 512 + len > size) return "truncated archive";
        char type = h[156];
        if (type == '0' || type == 0) {
            if (nfiles >= ARCHIVE_MAX_FILES) return "too many files in the archive";
            char *name = names[nfiles];
            size_t plen = strnlen(h + 345, 155), nlen = strnlen(h, 100);
            if (plen + nlen + 2 > ARCHIVE_NAME_MAX) return "file name too long";
            size_t k = 0;
            if (plen) { memcpy(name, h + 345, plen); k = plen; name[k++] = '/'; }
            memcpy(name + k, h, nlen);
            name[k + nlen] = 0;
            while (name[0] == '.' && name[1] == '/') memmove(name, name + 2, strlen(name + 2) + 1);
            files[nfiles].name = name;
            files[nfiles].data = data + off + 512;
            files[nfiles].size = len;
            nfiles++;
        }
        off += 512 + ALIGN_UP(len, 512);
    }
    return NULL;
}

const struct archive_file *archive_find(const char *path) {
    while (path[0] == '.' && path[1] == '/') path += 2;
    while (path[0] == '/') path++;
    for (size_t i = 0; i < nfiles; i++) {
        if (strcmp(files[i].name, path) == 0) return &files[i];
    }
    return NULL;
}

size_t archive_count(void) { return nfiles; }
const struct archive_file *archive_at(size_t i) { return i < nfiles ? &files[i] : NULL; }

static bool is_dir(const char *path) {
    while (path[0] == '.' && path[1] == '/') path += 2;
    size_t n = strlen(path);
    if (n == 0) return true;
    for (size_t i = 0; i < nfiles; i++) {
        if (strncmp(files[i].name, path, n) == 0 && files[i].name[n] == '/') return true;
    }
    return false;
}

mp_import_stat_t mp_import_stat(const char *path) {
    if (archive_find(path)) return MP_IMPORT_STAT_FILE;
    if (is_dir(path)) return MP_IMPORT_STAT_DIR;
    return MP_IMPORT_STAT_NO_EXIST;
}

void mp_reader_new_file(mp_reader_t *reader, qstr filename) {
    const struct archive_file *f = archive_find(qstr_str(filename));
    if (!f) mp_raise_OSError(MP_ENOENT);
    mp_reader_new_mem(reader, f->data, f->size, 0);
}

mp_lexer_t *mp_lexer_new_from_file(qstr filename) {
    const struct archive_file *f = archive_find(qstr_str(filename));
    if (!f) mp_raise_OSError(MP_ENOENT);
    return mp_lexer_new_from_str_len(filename, (const char *)f->data, f->size, 0);
}

// open() reads files of the archive (read-only); the kernel has no other file system.
static mp_obj_t archive_open(size_t n_args, const mp_obj_t *args, mp_map_t *kwargs) {
    (void)kwargs;
    const char *mode = n_args > 1 ? mp_obj_str_get_str(args[1]) : "r";
    if (strchr(mode, 'w') || strchr(mode, 'a') || strchr(mode, '+')) mp_raise_OSError(MP_EROFS);
    const struct archive_file *f = archive_find(mp_obj_str_get_str(args[0]));
    if (!f) mp_raise_OSError(MP_ENOENT);
    mp_obj_t content = strchr(mode, 'b') ? mp_obj_new_bytes(f->data, f->size)
                                         : mp_obj_new_str((const char *)f->data, f->size);
    mp_obj_t cls = strchr(mode, 'b') ? MP_OBJ_FROM_PTR(&mp_type_bytesio) : MP_OBJ_FROM_PTR(&mp_type_stringio);
    return mp_call_function_1(cls, content);
}
MP_DEFINE_CONST_FUN_OBJ_KW(mp_builtin_open_obj, 1, archive_open);
