# The security package's primitives against published vectors: hashlib (SHA-1, SHA-384,
# SHA-512, PBKDF2), hmac, and security.sign (ECDSA P-256, Ed25519). Plain asserts; pytest runs
# them on CPython (CPython's hashlib/hmac, `cryptography`) and `selftest` in the kernel (BearSSL
# through `_crypto`, kernel/lib/hashlib.py and hmac.py), so both are held to the same answers.
import hashlib
import hmac
import sys

from security import ed25519, sign

MP = sys.implementation.name == "micropython"
if MP:
    import _crypto


def h(s):
    return bytes.fromhex(s.replace(" ", ""))


def raises(exc, fn, *args):
    try:
        fn(*args)
    except exc:
        return True
    return False


# ---- hashes (FIPS 180-2 examples) -------------------------------------------------------------
ABC2 = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
ABC4 = (b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqr"
        b"lmnopqrsmnopqrstnopqrstu")
HASH_VECTORS = [
    ("sha1", b"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
    ("sha1", ABC2, "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
    ("sha384", b"abc", "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded163"
                       "1a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"),
    ("sha512", b"", "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
                    "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"),
    ("sha512", b"abc", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                       "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
    ("sha512", ABC4, "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
                     "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"),
]


def test_hash_vectors():
    for name, data, hexd in HASH_VECTORS:
        assert getattr(hashlib, name)(data).hexdigest() == hexd, name
        assert hashlib.new(name, data).digest() == h(hexd), name


def test_hash_attributes():
    for name, size, block in (("sha1", 20, 64), ("sha256", 32, 64), ("sha384", 48, 128),
                              ("sha512", 64, 128)):
        x = hashlib.new(name.upper())
        assert (x.name, x.digest_size, x.block_size) == (name, size, block)
        assert len(x.digest()) == size
        assert name in hashlib.algorithms_guaranteed
    assert raises(ValueError, hashlib.new, "md4")
    assert raises(TypeError, hashlib.sha512, "text")  # str must be encoded first


def test_hash_incremental_and_copy():
    a = hashlib.sha512()
    for chunk in (b"a", b"", b"bc"):
        a.update(chunk)
    b = a.copy()
    b.update(b"d")
    assert a.hexdigest() == HASH_VECTORS[4][2]
    assert b.digest() == hashlib.sha512(b"abcd").digest()


def test_sha1_million_a():
    x = hashlib.sha1()
    block = b"a" * 1000
    for _ in range(1000):
        x.update(block)
    assert x.hexdigest() == "34aa973cd4c4daa4f61eeb2bdbad27316534016f"


# ---- HMAC (RFC 4231 for SHA-256/512, RFC 2202 for SHA-1) --------------------------------------
K4 = bytes(range(1, 26))
BIG = b"This is a test using a larger than block-size key and a larger than block-size data. " \
      b"The key needs to be hashed before being used by the HMAC algorithm."
RFC4231 = [  # key, data, sha256, sha512
    (b"\x0b" * 20, b"Hi There",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
     "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
     "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"),
    (b"Jefe", b"what do ya want for nothing?",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
     "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
     "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"),
    (b"\xaa" * 20, b"\xdd" * 50,
     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
     "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
     "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"),
    (K4, b"\xcd" * 50,
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
     "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
     "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"),
    (b"\xaa" * 131, b"Test Using Larger Than Block-Size Key - Hash Key First",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
     "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
     "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"),
    (b"\xaa" * 131, BIG,
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
     "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
     "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"),
]
RFC2202 = [
    (b"\x0b" * 20, b"Hi There", "b617318655057264e28bc0b6fb378c8ef146be00"),
    (b"Jefe", b"what do ya want for nothing?", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
    (b"\xaa" * 20, b"\xdd" * 50, "125d7342b9ac11cd91a39af48aa17b4f63f175d3"),
    (K4, b"\xcd" * 50, "4c9007f4026250c6bc8414f9bf50c86c2d7235da"),
    (b"\x0c" * 20, b"Test With Truncation", "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"),
    (b"\xaa" * 80, b"Test Using Larger Than Block-Size Key - Hash Key First",
     "aa4ae5e15272d00e95705637ce8a3b55ed402112"),
    (b"\xaa" * 80, b"Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data",
     "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"),
]


def test_hmac_rfc4231():
    for key, data, d256, d512 in RFC4231:
        assert hmac.new(key, data, hashlib.sha256).hexdigest() == d256
        assert hmac.new(key, data, "sha512").hexdigest() == d512
        assert hmac.digest(key, data, "sha256") == h(d256)


def test_hmac_rfc2202_sha1():
    for key, data, d1 in RFC2202:
        assert hmac.new(key, data, "sha1").hexdigest() == d1


def test_hmac_object_api():
    m = hmac.new(b"Jefe", digestmod="sha256")
    m.update(b"what do ya want ")
    c = m.copy()
    m.update(b"for nothing?")
    assert m.digest() == h(RFC4231[1][2])
    assert m.digest() == m.digest()  # digest() leaves the state alone
    c.update(b"for nothing?")
    assert c.hexdigest() == RFC4231[1][2]
    assert (m.name, m.digest_size, m.block_size) == ("hmac-sha256", 32, 64)
    assert hmac.new(b"k", b"", "sha512").block_size == 128
    assert raises(TypeError, hmac.new, b"key", b"msg")  # digestmod is required
    assert raises(TypeError, hmac.new, "key", b"msg", "sha256")


def test_compare_digest():
    d = hmac.digest(b"k", b"m", "sha256")
    assert hmac.compare_digest(d, bytes(d))
    assert hmac.compare_digest(bytearray(d), d)
    assert not hmac.compare_digest(d, d[:-1] + bytes([d[-1] ^ 1]))
    assert not hmac.compare_digest(d, d[:-1])
    assert not hmac.compare_digest(b"", b"x")
    assert hmac.compare_digest(b"", b"")
    assert hmac.compare_digest("abc", "abc") and not hmac.compare_digest("abc", "abd")
    assert raises(TypeError, hmac.compare_digest, "abc", b"abc")
    assert raises(TypeError, hmac.compare_digest, "\u00e9", "\u00e9")  # non-ASCII str


# ---- PBKDF2 (RFC 6070 for SHA-1, RFC 7914 section 11 for SHA-256) ----------------------------

def test_pbkdf2_sha1_rfc6070():
    for pw, salt, c, n, out in (
            (b"password", b"salt", 1, 20, "0c60c80f961f0e71f3a9b524af6012062fe037a6"),
            (b"password", b"salt", 2, 20, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"),
            (b"password", b"salt", 4096, 20, "4b007901b765489abead49d926f721d065a429c1"),
            (b"passwordPASSWORDpassword", b"saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096, 25,
             "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038"),
            (b"pass\x00word", b"sa\x00lt", 4096, 16, "56fa6aa75548099dcc37d7f03425e0c3")):
        assert hashlib.pbkdf2_hmac("sha1", pw, salt, c, n) == h(out), (pw, c)


def test_pbkdf2_sha256_rfc7914():
    assert hashlib.pbkdf2_hmac("sha256", b"passwd", b"salt", 1, 64) == h(
        "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")
    assert hashlib.pbkdf2_hmac("sha256", b"Password", b"NaCl", 80000, 64) == h(
        "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
        "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d")


def test_pbkdf2_defaults_and_bounds():
    assert len(hashlib.pbkdf2_hmac("sha512", b"p", b"s", 2)) == 64  # dklen: the digest size
    assert hashlib.pbkdf2_hmac("sha256", b"p", b"s", 3, 10) == \
        hashlib.pbkdf2_hmac("sha256", b"p", b"s", 3, 40)[:10]
    assert raises(ValueError, hashlib.pbkdf2_hmac, "sha256", b"p", b"s", 0, 32)
    assert raises(ValueError, hashlib.pbkdf2_hmac, "sha256", b"p", b"s", 1, 0)
    assert raises(ValueError, hashlib.pbkdf2_hmac, "md4", b"p", b"s", 1, 32)
    assert raises(TypeError, hashlib.pbkdf2_hmac, "sha256", "p", b"s", 1, 32)
    if MP:  # the kernel bounds the work (CPython does not)
        assert raises(ValueError, hashlib.pbkdf2_hmac, "sha256", b"p", b"s", 10000001, 32)
        assert raises(ValueError, hashlib.pbkdf2_hmac, "sha256", b"p", b"s", 1, 1025)
        assert len(_crypto.pbkdf2_hmac("sha1", b"p", b"s", 1, 1024)) == 1024


# ---- ECDSA P-256 (RFC 6979 A.2.5, SHA-256) ----------------------------------------------------
PRIV = h("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721")
PUB = h("04" "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"
        "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299")
SAMPLE_K = h("A6E3C57DD01ABE90086538398355DD4C3B17AA873382B0F24D6129493D8AAD60")
SAMPLE_RS = h("EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
              "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8")
TEST_RS = h("F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367"
            "019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083")
N = sign.N


def test_p256_public_key_of_the_rfc6979_key():
    assert sign.p256_public(PRIV) == PUB
    # r is the x coordinate of k*G: the published k gives the published r
    assert sign.p256_public(SAMPLE_K)[1:33] == SAMPLE_RS[:32]


def test_p256_deterministic_signature_is_rfc6979():
    assert sign.p256_sign_raw(PRIV, b"sample") == SAMPLE_RS
    assert sign.p256_sign_raw(PRIV, b"test") == TEST_RS
    der = sign.p256_sign(PRIV, b"sample")
    assert sign.der_to_raw(der) == SAMPLE_RS
    assert sign.p256_verify(PUB, b"sample", der)
    assert sign.p256_verify_raw(PUB, b"test", TEST_RS)


def test_p256_bad_signatures_rejected():
    der = sign.raw_to_der(SAMPLE_RS)
    assert sign.p256_verify(PUB, b"sample", der)
    assert not sign.p256_verify(PUB, b"sample!", der)  # another message
    flipped = bytearray(der)
    flipped[10] ^= 0x01  # a bit of r
    assert not sign.p256_verify(PUB, b"sample", bytes(flipped))
    other = sign.p256_public(b"\x00" * 31 + b"\x07")
    assert not sign.p256_verify(other, b"sample", der)  # wrong key
    for cut in (1, 2, 10, len(der) - 1):
        assert not sign.p256_verify(PUB, b"sample", der[:cut])  # truncated DER
    assert not sign.p256_verify(PUB, b"sample", b"")
    assert not sign.p256_verify(PUB, b"sample", der + b"\x00")  # trailing byte
    s = SAMPLE_RS[32:]
    for r in (0, N, N + 1, 2 ** 256 - 1):  # r out of 1..n-1
        raw = r.to_bytes(32, "big") + s
        assert not sign.p256_verify_raw(PUB, b"sample", raw)
        assert not sign.p256_verify(PUB, b"sample", _der(r, int.from_bytes(s, "big")))
    r = int.from_bytes(SAMPLE_RS[:32], "big")
    for bad_s in (0, N):
        assert not sign.p256_verify(PUB, b"sample", _der(r, bad_s))
    # (r, n - s) is the other valid ECDSA signature; (r, s + n) is not even in range
    assert sign.p256_verify(PUB, b"sample", _der(r, N - int.from_bytes(s, "big")))
    assert not sign.p256_verify(PUB, b"sample", _der(r, int.from_bytes(s, "big") + N))


def _der(r, s):
    # Minimal DER of any non-negative r, s (raw_to_der refuses out-of-range values).
    def one(v):
        b = v.to_bytes(33, "big")
        while len(b) > 1 and b[0] == 0 and not b[1] & 0x80:
            b = b[1:]
        return b"\x02" + bytes([len(b)]) + b
    body = one(r) + one(s)
    return b"\x30" + bytes([len(body)]) + body


def test_der_is_strict():
    der = sign.raw_to_der(SAMPLE_RS)
    assert der[:5] == b"\x30\x46\x02\x21\x00"  # r and s have their top bits set: 00 first
    assert der[37:40] == b"\x02\x21\x00" and len(der) == 72
    assert sign.der_to_raw(der) == SAMPLE_RS
    small = sign.raw_to_der(b"\x00" * 31 + b"\x01" + b"\x00" * 31 + b"\x7f")
    assert small == b"\x30\x06\x02\x01\x01\x02\x01\x7f"
    for bad in (
            b"\x30\x07\x02\x02\x00\x01\x02\x01\x7f",      # r not minimal (00 01)
            b"\x30\x06\x02\x01\x81\x02\x01\x7f",          # r negative
            b"\x31\x06\x02\x01\x01\x02\x01\x7f",          # not a SEQUENCE
            b"\x30\x07\x02\x01\x01\x02\x01\x7f",          # SEQUENCE length wrong
            b"\x30\x06\x02\x01\x01\x02\x02\x7f",          # INTEGER runs past the end
            b"\x30\x06\x02\x01\x01\x03\x01\x7f",          # not an INTEGER
            b"\x30\x08\x02\x01\x01\x02\x01\x7f\x00\x00",  # bytes after s
            b"\x30\x81\x06\x02\x01\x01\x02\x01\x7f",      # long-form length
            b"\x30\x04\x02\x00\x02\x00",                  # empty INTEGERs
            _der(0, 1), _der(1, N)):                      # out of 1..n-1
        assert raises(ValueError, sign.der_to_raw, bad), bad
    assert raises(ValueError, sign.raw_to_der, b"\x00" * 64)
    assert raises(ValueError, sign.raw_to_der, SAMPLE_RS[:63])


def test_p256_bad_keys_raise():
    for priv in (b"\x00" * 32, N.to_bytes(32, "big"), (N + 5).to_bytes(32, "big"), PRIV[:31]):
        assert raises(ValueError, sign.p256_public, priv)
        assert raises(ValueError, sign.p256_sign, priv, b"m")
    assert raises(ValueError, sign.p256_verify, PUB[:64], b"m", sign.raw_to_der(SAMPLE_RS))
    assert raises(ValueError, sign.p256_verify, b"\x02" + PUB[1:], b"m", b"")
    assert raises(TypeError, sign.p256_verify, PUB, b"sample", 5)
    off_curve = PUB[:64] + bytes([PUB[64] ^ 1])
    assert not sign.p256_verify_raw(off_curve, b"sample", SAMPLE_RS)


def test_p256_public_of_extreme_scalars():
    gx = h("6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296")  # the generator
    one = sign.p256_public((1).to_bytes(32, "big"))
    minus_one = sign.p256_public((N - 1).to_bytes(32, "big"))  # -G: same x, y negated
    assert one[:33] == b"\x04" + gx and minus_one[:33] == one[:33]
    assert minus_one[33:] != one[33:]


def test_p256_sign_verify_round_trip():
    for i in (1, 2, 3, 0x1234567):
        priv = (N - i).to_bytes(32, "big")
        pub = sign.p256_public(priv)
        msg = ("message %d" % i).encode()
        sig = sign.p256_sign(priv, msg)
        assert sign.p256_verify(pub, msg, sig)
        assert sign.p256_sign(priv, msg) == sig  # deterministic (RFC 6979)
        assert not sign.p256_verify(pub, msg + b".", sig)


def test_crypto_module_checks_its_inputs():
    # The C functions directly (the kernel), or the same expectations of security.sign.
    if not MP:
        assert raises(ValueError, sign.p256_sign_raw, PRIV + b"\x00", b"m")
        return
    digest = hashlib.sha256(b"sample").digest()
    assert _crypto.p256_sign(PRIV, digest) == SAMPLE_RS
    assert _crypto.p256_verify(PUB, digest, SAMPLE_RS)
    for args in ((PUB[:64], digest, SAMPLE_RS), (PUB, digest[:31], SAMPLE_RS),
                 (PUB, digest, SAMPLE_RS + b"\x00")):
        assert raises(ValueError, _crypto.p256_verify, *args)
    assert raises(ValueError, _crypto.p256_sign, PRIV, digest + b"\x00")
    assert raises(ValueError, _crypto.p256_sign, b"\x00" * 32, digest)
    assert raises(ValueError, _crypto.p256_public, N.to_bytes(32, "big"))
    # r or s out of range, straight into BearSSL: refused there too
    s = SAMPLE_RS[32:]
    for raw in (b"\x00" * 32 + s, N.to_bytes(32, "big") + s, SAMPLE_RS[:32] + b"\x00" * 32,
                SAMPLE_RS[:32] + N.to_bytes(32, "big")):
        assert not _crypto.p256_verify(PUB, digest, raw)


# ---- Ed25519 (RFC 8032 section 7.1) -----------------------------------------------------------
ED_VECTORS = [  # TEST 1, 2, 3: public key, message, signature
    ("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
    ("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
    ("fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
     "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
]


def test_ed25519_rfc8032_vectors():
    for pub, msg, sig in ED_VECTORS:
        assert sign.ed25519_verify(h(pub), h(msg), h(sig)), pub


def test_ed25519_rejections():
    pub, msg, sig = h(ED_VECTORS[2][0]), h(ED_VECTORS[2][1]), h(ED_VECTORS[2][2])
    assert not sign.ed25519_verify(pub, msg + b"\x00", sig)
    assert not sign.ed25519_verify(pub, b"\xaf\x83", sig)
    assert not sign.ed25519_verify(h(ED_VECTORS[1][0]), msg, sig)  # another key
    for i in (0, 31, 32, 63):  # a bit of R, of S
        bad = bytearray(sig)
        bad[i] ^= 0x01
        assert not sign.ed25519_verify(pub, msg, bytes(bad)), i
    assert not sign.ed25519_verify(pub, msg, sig[:63])
    assert not sign.ed25519_verify(pub, msg, sig + b"\x00")
    # S + L: the same point equation holds, but S is not canonical (malleability)
    s = int.from_bytes(sig[32:], "little")
    assert not sign.ed25519_verify(pub, msg, sig[:32] + (s + ed25519.L).to_bytes(32, "little"))
    assert raises(ValueError, sign.ed25519_verify, pub[:31], msg, sig)


def test_ed25519_point_encodings_are_strict():
    p = ed25519.P
    one = (1).to_bytes(32, "little")  # y = 1, x = 0: the neutral element
    assert ed25519.decode_point(one) == (0, 1, 1, 0)
    assert ed25519.decode_point((p + 1).to_bytes(32, "little")) is None  # y >= p
    assert ed25519.decode_point((1 + (1 << 255)).to_bytes(32, "little")) is None  # x = 0, sign 1
    assert ed25519.decode_point((2).to_bytes(32, "little")) is None  # y = 2: not on the curve
    # y = 0 is a point (x = sqrt(-1), of order 4); y = p is the same y, not canonical
    assert ed25519.decode_point(bytes(32)) is not None
    assert ed25519.decode_point(p.to_bytes(32, "little")) is None
    # an R or a key in non-canonical form makes the signature fail
    pub, sig = h(ED_VECTORS[0][0]), h(ED_VECTORS[0][2])
    assert not sign.ed25519_verify(pub, b"", (p + 1).to_bytes(32, "little") + sig[32:])
    assert not sign.ed25519_verify(p.to_bytes(32, "little"), b"", sig)


def test_ed25519_small_order_points_refused():
    # A small-order key or R with S = 0 passes a cofactored check for every message, and the
    # cofactorless one for some: strict verification refuses both.
    p = ed25519.P
    zero, one = bytes(32), (1).to_bytes(32, "little")  # y = 0: order 4; y = 1: the identity
    minus_one = (p - 1).to_bytes(32, "little")  # y = -1: order 2
    for key in (zero, one, minus_one):
        assert ed25519.is_small_order(ed25519.decode_point(key))
        for r in (zero, one, minus_one):
            for m in (b"", b"a", b"transfer", b"\x00" * 40):
                assert not sign.ed25519_verify(key, m, r + bytes(32)), (key, r, m)
    assert not ed25519.is_small_order(ed25519.B)
    pub, msg, sig = h(ED_VECTORS[0][0]), h(ED_VECTORS[0][1]), h(ED_VECTORS[0][2])
    assert not ed25519.is_small_order(ed25519.decode_point(pub))
    assert not sign.ed25519_verify(pub, msg, one + sig[32:])


def test_ed25519_constants():
    p = ed25519.P
    assert ed25519.D * 121666 % p == p - 121665
    assert ed25519.SQRT_M1 * ed25519.SQRT_M1 % p == p - 1
    x, y, _, t = ed25519.B
    assert (y * y - x * x - 1 - ed25519.D * x * x * y * y) % p == 0  # B is on the curve
    assert ed25519.decode_point(y.to_bytes(32, "little"))[:2] == (x, y)
