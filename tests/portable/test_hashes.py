# hashlib.sha256 and binascii (the kernel's C-backed kernel/lib versions in the kernel, CPython's
# on the host): known answers, so both are held to the same values.
import binascii
import hashlib

VECTORS = [  # FIPS 180-2 and common test values
    (b"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    (b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    (b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
]


def test_sha256_vectors():
    for data, hexd in VECTORS:
        assert hashlib.sha256(data).hexdigest() == hexd
        assert hashlib.sha256(data).digest() == binascii.unhexlify(hexd)


def test_sha256_incremental_and_copy():
    h = hashlib.sha256()
    for chunk in (b"ab", b"", b"c"):
        h.update(chunk)
    c = h.copy()
    assert h.hexdigest() == VECTORS[1][1]
    c.update(b"d")
    assert c.hexdigest() == hashlib.sha256(b"abcd").hexdigest()
    assert h.hexdigest() == VECTORS[1][1]  # digest() leaves the state alone


def test_sha256_million_a():
    h = hashlib.sha256()
    block = b"a" * 1000
    for _ in range(1000):
        h.update(block)
    assert h.hexdigest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"


def test_crc32_known_values():
    assert binascii.crc32(b"") == 0
    assert binascii.crc32(b"123456789") == 0xCBF43926
    assert binascii.crc32(b"The quick brown fox jumps over the lazy dog") == 0x414FA339
    assert binascii.crc32(b"6789", binascii.crc32(b"12345")) == 0xCBF43926  # running value


def test_hexlify_round_trip():
    assert binascii.hexlify(b"\x00\x01\xab\xff") == b"0001abff"
    assert binascii.unhexlify(b"0001ABff") == b"\x00\x01\xab\xff"
    assert binascii.unhexlify("00ff") == b"\x00\xff"
    for bad in (b"abc", b"zz"):
        try:
            binascii.unhexlify(bad)
        except ValueError:
            pass
        else:
            assert False, bad
