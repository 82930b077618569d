// The `_crypto` module: the hashes, MAC, key derivation and signatures the portable Python needs
// where Python is too slow (the ledger's WAL, PBKDF2, P-256). The primitives are BearSSL's
// (fetched at build time); CRC-32 is the zlib/PNG polynomial, table-driven. kernel/lib/hashlib.py,
// hmac.py and binascii.py give them CPython's API; security/sign.py wraps the signatures.
#include <string.h>
#include "py/runtime.h"
#include "py/objstr.h"
#include "bearssl_hash.h"
#include "bearssl_hmac.h"
#include "bearssl_ec.h"

// Secrets are wiped from the stack on the way out (a plain memset may be optimised away).
static void wipe(void *p, size_t n) {
    volatile uint8_t *v = p;
    while (n--) *v++ = 0;
}

// ---- hash objects (sha1, sha256, sha384, sha512) ----------------------------------------------
// One type for all: the BearSSL context starts with the vtable that says which hash it is.
typedef struct {
    mp_obj_base_t base;
    br_hash_compat_context ctx;
} hash_obj_t;

static const mp_obj_type_t hash_type;

static size_t digest_size(const br_hash_class *vt) {
    return (size_t)(vt->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK;
}

static mp_obj_t hash_update(mp_obj_t self_in, mp_obj_t data) {
    hash_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_buffer_info_t b;
    mp_get_buffer_raise(data, &b, MP_BUFFER_READ);
    self->ctx.vtable->update(&self->ctx.vtable, b.buf, b.len);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(hash_update_obj, hash_update);

static mp_obj_t hash_digest(mp_obj_t self_in) {
    hash_obj_t *self = MP_OBJ_TO_PTR(self_in);
    uint8_t out[64];
    self->ctx.vtable->out(&self->ctx.vtable, out);  // does not change the running state
    return mp_obj_new_bytes(out, digest_size(self->ctx.vtable));
}
static MP_DEFINE_CONST_FUN_OBJ_1(hash_digest_obj, hash_digest);

static mp_obj_t hash_copy(mp_obj_t self_in) {
    hash_obj_t *self = MP_OBJ_TO_PTR(self_in);
    hash_obj_t *c = mp_obj_malloc(hash_obj_t, &hash_type);
    c->ctx = self->ctx;
    return MP_OBJ_FROM_PTR(c);
}
static MP_DEFINE_CONST_FUN_OBJ_1(hash_copy_obj, hash_copy);

static const mp_rom_map_elem_t hash_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_update), MP_ROM_PTR(&hash_update_obj) },
    { MP_ROM_QSTR(MP_QSTR_digest), MP_ROM_PTR(&hash_digest_obj) },
    { MP_ROM_QSTR(MP_QSTR_copy), MP_ROM_PTR(&hash_copy_obj) },
};
static MP_DEFINE_CONST_DICT(hash_locals, hash_locals_table);

static MP_DEFINE_CONST_OBJ_TYPE(hash_type, MP_QSTR_hash, MP_TYPE_FLAG_NONE,
    locals_dict, &hash_locals);

static mp_obj_t hash_new(const br_hash_class *vt, size_t n_args, const mp_obj_t *args) {
    hash_obj_t *self = mp_obj_malloc(hash_obj_t, &hash_type);
    vt->init(&self->ctx.vtable);
    if (n_args) hash_update(MP_OBJ_FROM_PTR(self), args[0]);
    return MP_OBJ_FROM_PTR(self);
}

#define HASH_CONSTRUCTOR(name) \
    static mp_obj_t crypto_##name(size_t n_args, const mp_obj_t *args) { \
        return hash_new(&br_##name##_vtable, n_args, args); \
    } \
    static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(crypto_##name##_obj, 0, 1, crypto_##name);
HASH_CONSTRUCTOR(sha1)
HASH_CONSTRUCTOR(sha256)
HASH_CONSTRUCTOR(sha384)
HASH_CONSTRUCTOR(sha512)

// ---- PBKDF2-HMAC (RFC 8018 section 5.2) -------------------------------------------------------
#define PBKDF2_MAX_ITERATIONS 10000000
#define PBKDF2_MAX_DKLEN 1024

static const br_hash_class *hash_by_name(mp_obj_t name) {
    const char *s = mp_obj_str_get_str(name);
    if (!strcmp(s, "sha1")) return &br_sha1_vtable;
    if (!strcmp(s, "sha256")) return &br_sha256_vtable;
    if (!strcmp(s, "sha384")) return &br_sha384_vtable;
    if (!strcmp(s, "sha512")) return &br_sha512_vtable;
    mp_raise_ValueError(MP_ERROR_TEXT("unsupported hash type"));
}

// pbkdf2_hmac(name, password, salt, iterations, dklen) -> bytes
static mp_obj_t crypto_pbkdf2_hmac(size_t n_args, const mp_obj_t *args) {
    const br_hash_class *vt = hash_by_name(args[0]);
    mp_buffer_info_t pw, salt;
    mp_get_buffer_raise(args[1], &pw, MP_BUFFER_READ);
    mp_get_buffer_raise(args[2], &salt, MP_BUFFER_READ);
    mp_int_t iterations = mp_obj_get_int(args[3]);
    mp_int_t dklen = mp_obj_get_int(args[4]);
    if (iterations < 1 || iterations > PBKDF2_MAX_ITERATIONS) {
        mp_raise_ValueError(MP_ERROR_TEXT("iterations must be 1..10000000"));
    }
    if (dklen < 1 || dklen > PBKDF2_MAX_DKLEN) {
        mp_raise_ValueError(MP_ERROR_TEXT("dklen must be 1..1024"));
    }
    size_t hlen = digest_size(vt);
    br_hmac_key_context kc;  // the key's inner and outer pads, hashed once for all iterations
    br_hmac_context hc;
    uint8_t dk[PBKDF2_MAX_DKLEN], u[64], t[64];
    br_hmac_key_init(&kc, vt, pw.buf, pw.len);
    for (uint32_t block = 1, done = 0; done < (size_t)dklen; block++) {
        uint8_t be[4] = { block >> 24, block >> 16, block >> 8, block };
        br_hmac_init(&hc, &kc, 0);
        br_hmac_update(&hc, salt.buf, salt.len);
        br_hmac_update(&hc, be, 4);
        br_hmac_out(&hc, u);
        memcpy(t, u, hlen);
        for (mp_int_t i = 1; i < iterations; i++) {
            br_hmac_init(&hc, &kc, 0);
            br_hmac_update(&hc, u, hlen);
            br_hmac_out(&hc, u);
            for (size_t j = 0; j < hlen; j++) t[j] ^= u[j];
            // Seconds of work at the top of the range: let Ctrl-C and scheduled callbacks in,
            // as the VM does between bytecodes.
            if ((i & 0xfff) == 0) mp_handle_pending(MP_HANDLE_PENDING_CALLBACKS_AND_EXCEPTIONS);
        }
        size_t n = (size_t)dklen - done < hlen ? (size_t)dklen - done : hlen;
        memcpy(dk + done, t, n);
        done += n;
    }
    mp_obj_t res = mp_obj_new_bytes(dk, dklen);
    wipe(&kc, sizeof kc);
    wipe(&hc, sizeof hc);
    wipe(u, sizeof u);
    wipe(t, sizeof t);
    wipe(dk, sizeof dk);
    return res;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(crypto_pbkdf2_hmac_obj, 5, 5, crypto_pbkdf2_hmac);

// ---- compare_digest (as hmac.compare_digest) ---------------------------------------------------
// Time depends on the lengths only, never on where the contents differ. Two str (ASCII only) or
// two bytes-like objects, as CPython.
static mp_obj_t crypto_compare_digest(mp_obj_t a, mp_obj_t b) {
    const uint8_t *pa, *pb;
    size_t la, lb;
    bool sa = mp_obj_is_str(a), sb = mp_obj_is_str(b);
    if (sa != sb) {
        mp_raise_TypeError(MP_ERROR_TEXT("unsupported operand types(s) or combination of types"));
    }
    if (sa) {
        pa = (const uint8_t *)mp_obj_str_get_data(a, &la);
        pb = (const uint8_t *)mp_obj_str_get_data(b, &lb);
        uint8_t hi = 0;
        for (size_t i = 0; i < la; i++) hi |= pa[i];
        for (size_t i = 0; i < lb; i++) hi |= pb[i];
        if (hi & 0x80) {
            mp_raise_TypeError(
                MP_ERROR_TEXT("comparing strings with non-ASCII characters is not supported"));
        }
    } else {
        mp_buffer_info_t ba, bb;
        mp_get_buffer_raise(a, &ba, MP_BUFFER_READ);
        mp_get_buffer_raise(b, &bb, MP_BUFFER_READ);
        pa = ba.buf, la = ba.len, pb = bb.buf, lb = bb.len;
    }
    // As CPython's _tscmp: on different lengths compare b with itself, and fail.
    const uint8_t *left = la == lb ? pa : pb;
    uint8_t acc = la != lb;
    for (size_t i = 0; i < lb; i++) acc |= left[i] ^ pb[i];
    return mp_obj_new_bool(acc == 0);
}
static MP_DEFINE_CONST_FUN_OBJ_2(crypto_compare_digest_obj, crypto_compare_digest);

// ---- ECDSA P-256 ------------------------------------------------------------------------------
// br_ec_p256_m31: the P-256-only code (constant-time, 31-bit limbs), smaller and faster than the
// generic br_ec_prime_i31.
#define P256 (&br_ec_p256_m31)

static void check_len(mp_buffer_info_t *b, size_t n, const char *what) {
    if (b->len != n) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("%s must be %d bytes"), what, (int)n);
    }
}

// A private scalar must be in 1..n-1 (BearSSL's mulgen is undefined outside). Constant time:
// the borrow of x - n says x < n.
static void check_private(const uint8_t *x) {
    size_t olen;
    const uint8_t *order = P256->order(BR_EC_secp256r1, &olen);
    uint32_t borrow = 0, any = 0;
    for (int i = 31; i >= 0; i--) {
        uint32_t d = (uint32_t)x[i] - order[i] - borrow;
        borrow = (d >> 31) & 1;
        any |= x[i];
    }
    if (!borrow || !any) mp_raise_ValueError(MP_ERROR_TEXT("invalid P-256 private key"));
}

// p256_public(priv32) -> 65-byte uncompressed point (04 || x || y)
static mp_obj_t crypto_p256_public(mp_obj_t priv_in) {
    mp_buffer_info_t priv;
    mp_get_buffer_raise(priv_in, &priv, MP_BUFFER_READ);
    check_len(&priv, 32, "private key");
    check_private(priv.buf);
    uint8_t pub[65];
    size_t n = P256->mulgen(pub, priv.buf, 32, BR_EC_secp256r1);
    return mp_obj_new_bytes(pub, n);
}
static MP_DEFINE_CONST_FUN_OBJ_1(crypto_p256_public_obj, crypto_p256_public);

// p256_sign(priv32, hash32) -> 64-byte r || s. The nonce is RFC 6979's (HMAC_DRBG over the key
// and the SHA-256 hash): deterministic, no entropy needed.
static mp_obj_t crypto_p256_sign(mp_obj_t priv_in, mp_obj_t hash_in) {
    mp_buffer_info_t priv, hash;
    mp_get_buffer_raise(priv_in, &priv, MP_BUFFER_READ);
    mp_get_buffer_raise(hash_in, &hash, MP_BUFFER_READ);
    check_len(&priv, 32, "private key");
    check_len(&hash, 32, "hash");
    check_private(priv.buf);
    br_ec_private_key sk = { BR_EC_secp256r1, priv.buf, 32 };
    uint8_t sig[64];
    if (br_ecdsa_i31_sign_raw(P256, &br_sha256_vtable, hash.buf, &sk, sig) != 64) {
        mp_raise_ValueError(MP_ERROR_TEXT("P-256 signing failed"));
    }
    return mp_obj_new_bytes(sig, 64);
}
static MP_DEFINE_CONST_FUN_OBJ_2(crypto_p256_sign_obj, crypto_p256_sign);

// p256_verify(pub65, hash32, sig64) -> bool. A point off the curve, r or s outside 1..n-1: False.
static mp_obj_t crypto_p256_verify(mp_obj_t pub_in, mp_obj_t hash_in, mp_obj_t sig_in) {
    mp_buffer_info_t pub, hash, sig;
    mp_get_buffer_raise(pub_in, &pub, MP_BUFFER_READ);
    mp_get_buffer_raise(hash_in, &hash, MP_BUFFER_READ);
    mp_get_buffer_raise(sig_in, &sig, MP_BUFFER_READ);
    check_len(&pub, 65, "public key");
    check_len(&hash, 32, "hash");
    check_len(&sig, 64, "signature");
    br_ec_public_key pk = { BR_EC_secp256r1, pub.buf, 65 };
    return mp_obj_new_bool(br_ecdsa_i31_vrfy_raw(P256, hash.buf, 32, &pk, sig.buf, 64) == 1);
}
static MP_DEFINE_CONST_FUN_OBJ_3(crypto_p256_verify_obj, crypto_p256_verify);

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
    { MP_ROM_QSTR(MP_QSTR_sha1), MP_ROM_PTR(&crypto_sha1_obj) },
    { MP_ROM_QSTR(MP_QSTR_sha256), MP_ROM_PTR(&crypto_sha256_obj) },
    { MP_ROM_QSTR(MP_QSTR_sha384), MP_ROM_PTR(&crypto_sha384_obj) },
    { MP_ROM_QSTR(MP_QSTR_sha512), MP_ROM_PTR(&crypto_sha512_obj) },
    { MP_ROM_QSTR(MP_QSTR_pbkdf2_hmac), MP_ROM_PTR(&crypto_pbkdf2_hmac_obj) },
    { MP_ROM_QSTR(MP_QSTR_compare_digest), MP_ROM_PTR(&crypto_compare_digest_obj) },
    { MP_ROM_QSTR(MP_QSTR_p256_public), MP_ROM_PTR(&crypto_p256_public_obj) },
    { MP_ROM_QSTR(MP_QSTR_p256_sign), MP_ROM_PTR(&crypto_p256_sign_obj) },
    { MP_ROM_QSTR(MP_QSTR_p256_verify), MP_ROM_PTR(&crypto_p256_verify_obj) },
    { MP_ROM_QSTR(MP_QSTR_crc32), MP_ROM_PTR(&crypto_crc32_obj) },
};
static MP_DEFINE_CONST_DICT(crypto_globals, crypto_globals_table);

const mp_obj_module_t mp_module_crypto = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&crypto_globals,
};
MP_REGISTER_MODULE(MP_QSTR__crypto, mp_module_crypto);
