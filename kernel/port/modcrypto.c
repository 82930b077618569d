// The `_crypto` module: hashes and checksums the portable Python needs on its hot paths
// (the ledger's WAL). SHA-256 is BearSSL's (fetched at build time); CRC-32 is the zlib/PNG
// polynomial, table-driven. kernel/lib/hashlib.py and binascii.py give them CPython's API.
#include <string.h>
#include "py/runtime.h"
#include "py/objstr.h"
#include "bearssl_hash.h"

// ---- sha256 objects ---------------------------------------------------------------------------
typedef struct {
    mp_obj_base_t base;
    br_sha256_context ctx;
} sha256_obj_t;

static const mp_obj_type_t sha256_type;

static mp_obj_t sha256_update(mp_obj_t self_in, mp_obj_t data) {
    sha256_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_buffer_info_t b;
    mp_get_buffer_raise(data, &b, MP_BUFFER_READ);
    br_sha256_update(&self->ctx, b.buf, b.len);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(sha256_update_obj, sha256_update);

static mp_obj_t sha256_digest(mp_obj_t self_in) {
    sha256_obj_t *self = MP_OBJ_TO_PTR(self_in);
    uint8_t out[32];
    br_sha256_out(&self->ctx, out);  // does not change the running state
    return mp_obj_new_bytes(out, 32);
}
static MP_DEFINE_CONST_FUN_OBJ_1(sha256_digest_obj, sha256_digest);

static mp_obj_t sha256_copy(mp_obj_t self_in) {
    sha256_obj_t *self = MP_OBJ_TO_PTR(self_in);
    sha256_obj_t *c = mp_obj_malloc(sha256_obj_t, &sha256_type);
    c->ctx = self->ctx;
    return MP_OBJ_FROM_PTR(c);
}
static MP_DEFINE_CONST_FUN_OBJ_1(sha256_copy_obj, sha256_copy);

static mp_obj_t sha256_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 0, 1, false);
    sha256_obj_t *self = mp_obj_malloc(sha256_obj_t, type);
    br_sha256_init(&self->ctx);
    if (n_args) sha256_update(MP_OBJ_FROM_PTR(self), args[0]);
    return MP_OBJ_FROM_PTR(self);
}

static const mp_rom_map_elem_t sha256_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_update), MP_ROM_PTR(&sha256_update_obj) },
    { MP_ROM_QSTR(MP_QSTR_digest), MP_ROM_PTR(&sha256_digest_obj) },
    { MP_ROM_QSTR(MP_QSTR_copy), MP_ROM_PTR(&sha256_copy_obj) },
};
static MP_DEFINE_CONST_DICT(sha256_locals, sha256_locals_table);

static MP_DEFINE_CONST_OBJ_TYPE(sha256_type, MP_QSTR_sha256, MP_TYPE_FLAG_NONE,
    make_new, sha256_make_new, locals_dict, &sha256_locals);

// ---- crc32 (zlib) -----------------------------------------------------------------------------
static uint32_t crc_table[256];

static mp_obj_t crypto_crc32(size_t n_args, const mp_obj_t *args) {
    if (!crc_table[1]) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            crc_table[i] = c;
        }
    }
    mp_buffer_info_t b;
    mp_get_buffer_raise(args[0], &b, MP_BUFFER_READ);
    uint32_t crc = n_args > 1 ? (uint32_t)mp_obj_int_get_truncated(args[1]) : 0;
    crc = ~crc;
    const uint8_t *p = b.buf;
    for (size_t i = 0; i < b.len; i++) crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return mp_obj_new_int_from_uint(~crc);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(crypto_crc32_obj, 1, 2, crypto_crc32);

static const mp_rom_map_elem_t crypto_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR__crypto) },
    { MP_ROM_QSTR(MP_QSTR_sha256), MP_ROM_PTR(&sha256_type) },
    { MP_ROM_QSTR(MP_QSTR_crc32), MP_ROM_PTR(&crypto_crc32_obj) },
};
static MP_DEFINE_CONST_DICT(crypto_globals, crypto_globals_table);

const mp_obj_module_t mp_module_crypto = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&crypto_globals,
};
MP_REGISTER_MODULE(MP_QSTR__crypto, mp_module_crypto);
