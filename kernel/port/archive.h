#ifndef QENEX_ARCHIVE_H
#define QENEX_ARCHIVE_H
#include <stddef.h>
#include <stdint.h>
struct archive_file { const char *name; const uint8_t *data; size_t size; };
const char *archive_init(const uint8_t *data, size_t size);
const struct archive_file *archive_find(const char *path);
size_t archive_count(void);
const struct archive_file *archive_at(size_t i);
#endif
