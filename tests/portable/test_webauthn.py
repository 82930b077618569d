# security/webauthn.py against fixed vectors: a good registration ("packed" self-attestation
# with a P-256 key, "none" with an Ed25519 key), good assertions, then each check failing on
# its own, with its error code.
#
# How the vectors were made (once, on the host): `python3 -m tests.host.support.fakeauthn`,
# a fake authenticator built on the `cryptography` package (tests/host/support/fakeauthn.py):
# P-256 private scalar SHA-256("qenex webauthn test p256"), Ed25519 seed SHA-256("qenex
# webauthn test ed25519"), rp id "bank.example", origin "https://bank.example", registration
# challenge bytes 0..31, assertion challenge bytes 100..131. The P-256 credential registered
# with counter 0 then signed assertions with counters 1 (UP|UV), 2 (UP only), 3 (UV only);
# the Ed25519 one keeps its counter at 0, as authenticators without a counter do.
import binascii
import hashlib

from security import cbor, webauthn

RP_ID = "bank.example"
ORIGIN = "https://bank.example"
REG_CHALLENGE = bytes(range(32))
GET_CHALLENGE = bytes(range(100, 132))


def h(text):
    return binascii.unhexlify(text)


# {"type":"webauthn.create","challenge":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
#  "origin":"https://bank.example","crossOrigin":false}
REG_CDJ = h(
    "7b2274797065223a22776562617574686e2e637265617465222c226368616c6c656e6765223a224141454341"
    "7751464267634943516f4c4441304f4478415245684d554652595847426b6147787764486838222c226f7269"
    "67696e223a2268747470733a2f2f62616e6b2e6578616d706c65222c2263726f73734f726967696e223a6661"
    "6c73657d"
)
# {"type":"webauthn.get","challenge":"ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1-f4CBgoM",
#  "origin":"https://bank.example","crossOrigin":false}
GET_CDJ = h(
    "7b2274797065223a22776562617574686e2e676574222c226368616c6c656e6765223a225a47566d5a326870"
    "616d7473625735766348467963335231646e6434655870376648312d66344342676f4d222c226f726967696e"
    "223a2268747470733a2f2f62616e6b2e6578616d706c65222c2263726f73734f726967696e223a66616c7365"
    "7d"
)
REG_PACKED_ATT = h(
    "a363666d74667061636b65646761747453746d74a263616c67266373696758463044021f4d63c4effa6f1127"
    "36636053341c6d77eba4d2036060d5e60719a2d4dda601022100debf1a24a843a30c673a816c914c7442a711"
    "0c7637df53b3668e807f9a69e337686175746844617461589805be55af508c5555d806d5bd5490f5e21dab9a"
    "101b88367f8d1d063f8c3bfc3f45000000002fc0579f811347eab116bb5a8db9202a0014703235362d637265"
    "64656e7469616c2d30303031a50102032620012158209757642c079e7c4995c7f3dd2ec995434f521f9a2905"
    "8930eb35eb5f4cc3355b2258202f0b2a0823c352a558ae9758da64774518d18e07f45231b187e6088f3eec22"
    "72"
)
REG_NONE_ATT = h(
    "a363666d74646e6f6e656761747453746d74a0686175746844617461587605be55af508c5555d806d5bd5490"
    "f5e21dab9a101b88367f8d1d063f8c3bfc3f4500000000000000000000000000000000000000000015656432"
    "353531392d63726564656e7469616c2d3031a40101032720062158209694ab422c28da86cb218da78699f6e3"
    "4ce6b20fa3507797c3f1697e875c247f"
)
GET_P256_AD = h(
    "05be55af508c5555d806d5bd5490f5e21dab9a101b88367f8d1d063f8c3bfc3f0500000001"
)
GET_P256_SIG = h(
    "304402206eeb5726e7ae780ad10602b89a634b66c0ae350dce744f83ed53b8e7c30a30dd02203297e758bae3"
    "0d31b5a47746dabd4593655a15f54e758a6530503d4a49bfe869"
)
GET_P256_NO_UV_AD = h(
    "05be55af508c5555d806d5bd5490f5e21dab9a101b88367f8d1d063f8c3bfc3f0100000002"
)
GET_P256_NO_UV_SIG = h(
    "304402205fc14ca4ee7389a7d04c6d2d9b5f146603967214e8fad2be5462f4bb19da1c450220531ab2c7e8bc"
    "991d1bbf35784e0192bb29df12b7177f0eb43d0b1c8217d64062"
)
GET_P256_NO_UP_AD = h(
    "05be55af508c5555d806d5bd5490f5e21dab9a101b88367f8d1d063f8c3bfc3f0400000003"
)
GET_P256_NO_UP_SIG = h(
    "3046022100d45676e536080b2c4be19e28116e5349385a7c6960a04085a969cdbe9d706a73022100c26db6e2"
    "7a12560bccc33715b65c6d3f8ab56d918f0e64ccc2da31a3ee6e7e8a"
)
GET_ED_AD = h(
    "05be55af508c5555d806d5bd5490f5e21dab9a101b88367f8d1d063f8c3bfc3f0500000000"
)
GET_ED_SIG = h(
    "bd2ecbecfaf9a97e54df0e038e7b5365a0558a491b59d7cdc867f29732d0d9e4f464549dcf09ac8dd7d63bbc"
    "49f3d2d41f8ba916d67daa437cece5603d5f9501"
)
P256_PUBLIC = h(
    "049757642c079e7c4995c7f3dd2ec995434f521f9a29058930eb35eb5f4cc3355b2f0b2a0823c352a558ae97"
    "58da64774518d18e07f45231b187e6088f3eec2272"
)
ED25519_PUBLIC = h(
    "9694ab422c28da86cb218da78699f6e34ce6b20fa3507797c3f1697e875c247f"
)


def code(fn, *args, **kw):
    """The WebAuthnError code that fn(*args, **kw) raises."""
    try:
        fn(*args, **kw)
    except webauthn.WebAuthnError as e:
        assert e.code in webauthn.CODES
        return e.code
    raise AssertionError("accepted")


def flip(data, i):
    b = bytearray(data)
    b[i] ^= 0x01
    return bytes(b)


def register_p256():
    return webauthn.verify_registration(RP_ID, ORIGIN, REG_CHALLENGE, REG_CDJ, REG_PACKED_ATT)


def register_ed25519():
    return webauthn.verify_registration(RP_ID, ORIGIN, REG_CHALLENGE, REG_CDJ, REG_NONE_ATT)


def get_p256(cred, ad=GET_P256_AD, sig=GET_P256_SIG, **kw):
    args = dict(rp_id=RP_ID, origin=ORIGIN, challenge=GET_CHALLENGE, client_data_json=GET_CDJ,
                authenticator_data=ad, signature=sig)
    args.update(kw)
    return webauthn.verify_assertion(cred, **args)


def reg(att=REG_PACKED_ATT, **kw):
    args = dict(rp_id=RP_ID, origin=ORIGIN, challenge=REG_CHALLENGE, client_data_json=REG_CDJ,
                attestation_object=att)
    args.update(kw)
    return webauthn.verify_registration(**args)


def rebuilt(att, fmt=None, stmt=None, auth_data=None):
    """The attestation object `att` with some of its parts replaced, encoded again."""
    m = cbor.loads(att)
    if fmt is not None:
        m["fmt"] = fmt
    if stmt is not None:
        m["attStmt"] = stmt
    if auth_data is not None:
        m["authData"] = auth_data
    return cbor.dumps(m)


def auth_data_with_key(cose_key, flags=0x45):
    """Registration authData (UP|UV|AT, counter 0) holding `cose_key`."""
    cred_id = b"some-credential-id"
    return (hashlib.sha256(RP_ID.encode()).digest() + bytes([flags]) + bytes(4) + bytes(16)
            + len(cred_id).to_bytes(2, "big") + cred_id + cbor.dumps(cose_key))


# ---- good ---------------------------------------------------------------------------------


def test_registration_packed_self_attestation():
    cred = register_p256()
    assert cred.credential_id == b"p256-credential-0001"
    assert cred.public_key == P256_PUBLIC
    assert cred.alg == -7
    assert cred.sign_count == 0
    assert cred.uv is True
    assert cred.aaguid == h("2fc0579f811347eab116bb5a8db9202a")


def test_registration_none_attestation_ed25519():
    cred = register_ed25519()
    assert cred.credential_id == b"ed25519-credential-01"
    assert cred.public_key == ED25519_PUBLIC
    assert cred.alg == -8
    assert cred.sign_count == 0 and cred.uv is True
    assert cred.aaguid == bytes(16)


def test_assertion_p256():
    cred = register_p256()
    assert get_p256(cred) == 1
    cred.sign_count = 1
    assert get_p256(cred, GET_P256_NO_UV_AD, GET_P256_NO_UV_SIG, require_uv=False) == 2


def test_assertion_ed25519_without_counter():
    cred = register_ed25519()
    for _ in range(2):  # both counts zero: the authenticator keeps no counter, accepted
        assert get_p256(cred, GET_ED_AD, GET_ED_SIG) == 0


# ---- each check failing -------------------------------------------------------------------


def test_wrong_signature():
    cred = register_p256()
    for i in (0, 5, 40, len(GET_P256_SIG) - 1):
        assert code(get_p256, cred, sig=flip(GET_P256_SIG, i)) == "bad_signature", i
    assert code(get_p256, cred, sig=GET_P256_SIG[:-1]) == "bad_signature"
    assert code(get_p256, cred, sig=b"") == "bad_signature"
    assert code(get_p256, cred, sig=GET_P256_SIG + b"\x00") == "bad_signature"
    assert code(get_p256, cred, sig=GET_ED_SIG) == "bad_signature"
    # A good signature, over other authenticator data.
    assert code(get_p256, cred, sig=GET_P256_NO_UV_SIG) == "bad_signature"
    # The data signed is authData || SHA-256(clientDataJSON): any change of either is caught.
    assert code(get_p256, cred, ad=flip(GET_P256_AD, 36)) == "bad_signature"
    changed = GET_CDJ[:-1] + b',"other":1}'
    assert code(get_p256, cred, client_data_json=changed) == "bad_signature"
    ed = register_ed25519()
    for i in (0, 31, 32, 63):
        assert code(get_p256, ed, GET_ED_AD, flip(GET_ED_SIG, i)) == "bad_signature", i
    assert code(get_p256, ed, GET_ED_AD, GET_P256_SIG) == "bad_signature"


def test_wrong_challenge():
    cred = register_p256()
    other = bytes(range(1, 33))
    assert code(get_p256, cred, challenge=other) == "bad_challenge"
    assert code(get_p256, cred, challenge=GET_CHALLENGE[:16]) == "bad_challenge"
    assert code(reg, challenge=other) == "bad_challenge"
    assert code(reg, challenge=GET_CHALLENGE) == "bad_challenge"


def test_wrong_origin():
    cred = register_p256()
    for origin in ("https://evil.example", "http://bank.example", "https://bank.example:443",
                   "https://bank.example/", "https://sub.bank.example"):
        assert code(get_p256, cred, origin=origin) == "bad_origin", origin
        assert code(reg, origin=origin) == "bad_origin", origin


def test_wrong_rp_id():
    cred = register_p256()
    for rp_id in ("evil.example", "example", "bank.example.", "BANK.EXAMPLE"):
        assert code(get_p256, cred, rp_id=rp_id) == "bad_rp_id", rp_id
        assert code(reg, rp_id=rp_id) == "bad_rp_id", rp_id


def test_user_not_verified():
    cred = register_p256()
    cred.sign_count = 1
    assert code(get_p256, cred, GET_P256_NO_UV_AD, GET_P256_NO_UV_SIG) == "user_not_verified"
    # The vector is otherwise good: without the UV requirement it passes.
    assert get_p256(cred, GET_P256_NO_UV_AD, GET_P256_NO_UV_SIG, require_uv=False) == 2


def test_user_not_present():
    cred = register_p256()
    for uv in (True, False):
        assert code(get_p256, cred, GET_P256_NO_UP_AD, GET_P256_NO_UP_SIG,
                    require_uv=uv) == "user_not_present"


def test_replayed_counter():
    cred = register_p256()
    assert get_p256(cred) == 1
    cred.sign_count = 1  # the relying party stored it: the same response again is a replay
    assert code(get_p256, cred) == "replayed_counter"
    cred.sign_count = 5  # a counter going back: a cloned authenticator
    assert code(get_p256, cred) == "replayed_counter"
    ed = register_ed25519()
    ed.sign_count = 3  # it had a counter, now it sends 0
    assert code(get_p256, ed, GET_ED_AD, GET_ED_SIG) == "replayed_counter"


def test_wrong_ceremony_type():
    cred = register_p256()
    assert code(get_p256, cred, client_data_json=REG_CDJ, challenge=REG_CHALLENGE) == "bad_type"
    assert code(reg, client_data_json=GET_CDJ, challenge=GET_CHALLENGE) == "bad_type"


def test_registration_refusals():
    assert code(reg, att=flip(REG_PACKED_ATT, 40)) == "bad_signature"  # inside attStmt.sig
    m = cbor.loads(REG_PACKED_ATT)
    sig = m["attStmt"]["sig"]
    ad = m["authData"]
    assert ad[32] == 0x45  # UP|UV|AT
    assert code(reg, att=rebuilt(REG_PACKED_ATT, fmt="fido-u2f")) == "unsupported_attestation"
    assert code(reg, att=rebuilt(REG_PACKED_ATT, fmt="tpm")) == "unsupported_attestation"
    x5c = {"alg": -7, "sig": sig, "x5c": [b"certificate"]}
    assert code(reg, att=rebuilt(REG_PACKED_ATT, stmt=x5c)) == "unsupported_attestation"
    assert code(reg, att=rebuilt(REG_PACKED_ATT, stmt={"alg": -8, "sig": sig})) == "bad_format"
    assert code(reg, att=rebuilt(REG_PACKED_ATT, stmt={"sig": sig})) == "bad_format"
    assert code(reg, att=rebuilt(REG_PACKED_ATT, fmt="none")) == "bad_format"  # stmt not empty
    # "none" signs nothing, but the rest is still checked.
    none_att = rebuilt(REG_PACKED_ATT, fmt="none", stmt={})
    assert reg(att=none_att).public_key == P256_PUBLIC
    no_uv = ad[:32] + b"\x41" + ad[33:]
    assert code(reg, att=rebuilt(none_att, auth_data=no_uv)) == "user_not_verified"
    assert reg(att=rebuilt(none_att, auth_data=no_uv), require_uv=False).uv is False
    no_at = ad[:32] + b"\x05" + bytes(4)
    assert code(reg, att=rebuilt(none_att, auth_data=no_at)) == "bad_format"
    assert code(reg, att=REG_PACKED_ATT + b"\x00") == "bad_format"
    assert code(reg, att=REG_PACKED_ATT[:-1]) == "bad_format"
    assert code(reg, att=cbor.dumps([1, 2])) == "bad_format"
    # Keys of mixed types (text and bytes) are refused, not compared with each other.
    mixed = cbor.dumps({"fmt": "none", b"attStmt": {}, "authData": ad})
    assert code(reg, att=mixed) == "bad_format"
    mixed = rebuilt(REG_PACKED_ATT, stmt={"alg": -7, b"sig": sig})
    assert code(reg, att=mixed) == "bad_format"
    assert code(reg, att=b"") == "bad_format"


def test_registration_key_algorithms():
    x = P256_PUBLIC[1:33]
    y = P256_PUBLIC[33:]
    good = {1: 2, 3: -7, -1: 1, -2: x, -3: y}
    att = rebuilt(REG_NONE_ATT, auth_data=auth_data_with_key(good))
    assert reg(att=att).public_key == P256_PUBLIC
    rsa = {1: 3, 3: -257, -1: b"\x01" * 256, -2: b"\x01\x00\x01"}
    cases = [
        (rsa, "unsupported_algorithm"),
        ({1: 2, 3: -35, -1: 2, -2: x, -3: y}, "unsupported_algorithm"),  # ES384
        ({1: 2, 3: -7, -1: 2, -2: x, -3: y}, "unsupported_algorithm"),   # wrong curve
        ({1: 1, 3: -7, -1: 1, -2: x, -3: y}, "bad_format"),              # OKP kty with ES256
        ({1: 2, 3: -7, -1: 1, -2: x, -3: flip(y, 31)}, "bad_format"),    # not on the curve
        ({1: 2, 3: -7, -1: 1, -2: x, -3: y[:31]}, "bad_format"),
        ({1: 2, 3: -7, -1: 1, -2: x, -3: y, -4: bytes(32)}, "bad_format"),  # private key
        ({1: 2, -1: 1, -2: x, -3: y}, "bad_format"),                     # no alg
        ({1: 1, 3: -8, -1: 6, -2: x[:31]}, "bad_format"),
        ({1: 1, 3: -8, -1: 4, -2: x}, "unsupported_algorithm"),          # X25519 is not EdDSA
    ]
    for key, expected in cases:
        att = rebuilt(REG_NONE_ATT, auth_data=auth_data_with_key(key))
        assert code(reg, att=att) == expected, key


def test_authenticator_data_format():
    cred = register_p256()
    assert code(get_p256, cred, ad=GET_P256_AD[:36]) == "bad_format"
    assert code(get_p256, cred, ad=GET_P256_AD + b"\x00") == "bad_format"
    # An assertion with the AT flag, or ED without extensions: malformed.
    assert code(get_p256, cred, ad=GET_P256_AD[:32] + b"\x45" + GET_P256_AD[33:]) == "bad_format"
    assert code(get_p256, cred, ad=GET_P256_AD[:32] + b"\x85" + GET_P256_AD[33:]) == "bad_format"
    # Extensions present and a map: parsed, then the signature decides.
    ext = GET_P256_AD[:32] + b"\x85" + GET_P256_AD[33:] + cbor.dumps({"credProps": True})
    assert code(get_p256, cred, ad=ext) == "bad_signature"


def test_client_data_format():
    cred = register_p256()
    bad = [b"", b"not json", b"[1]", b"\xff\xfe", b'{"type":"webauthn.get"', b" " * 4097,
           GET_CDJ[:-1] + b',"challenge":"x"}']  # a duplicate member
    for cdj in bad:
        assert code(get_p256, cred, client_data_json=cdj) == "bad_format", cdj
    cross = GET_CDJ.replace(b'"crossOrigin":false', b'"crossOrigin":true')
    assert code(get_p256, cred, client_data_json=cross) == "bad_origin"
    tb = GET_CDJ[:-1] + b',"tokenBinding":{"status":"present","id":"AAA"}}'
    assert code(get_p256, cred, client_data_json=tb) == "bad_format"
    padded = GET_CDJ.replace(b'CBgoM"', b'CBgoM="')
    assert padded != GET_CDJ
    assert code(get_p256, cred, client_data_json=padded) == "bad_challenge"


def test_relying_party_argument_errors_are_value_errors():
    cred = register_p256()
    for kw in ({"challenge": bytes(15)}, {"challenge": bytes(65)}, {"challenge": "abc"},
               {"rp_id": ""}, {"rp_id": b"bank.example"}, {"origin": None},
               {"require_uv": 1}):
        try:
            get_p256(cred, **kw)
            raise AssertionError("accepted %r" % (kw,))
        except webauthn.WebAuthnError:
            raise AssertionError("WebAuthnError for %r" % (kw,))
        except ValueError as e:
            assert list(kw)[0] in str(e)
    try:
        webauthn.verify_assertion("cred", RP_ID, ORIGIN, GET_CHALLENGE, GET_CDJ, GET_P256_AD,
                                  GET_P256_SIG)
        raise AssertionError("accepted a string credential")
    except ValueError as e:
        assert "credential" in str(e)
    for count in (-1, 1 << 32, None, True):
        cred.sign_count = count
        try:
            get_p256(cred)
            raise AssertionError("accepted sign_count %r" % (count,))
        except ValueError as e:
            assert "sign_count" in str(e)


def test_b64url():
    # RFC 4648 section 10 vectors (same in the URL alphabet), then its two URL-only characters.
    for raw, text in [(b"", ""), (b"f", "Zg"), (b"fo", "Zm8"), (b"foo", "Zm9v"),
                      (b"foob", "Zm9vYg"), (b"fooba", "Zm9vYmE"), (b"foobar", "Zm9vYmFy")]:
        assert webauthn.b64url(raw) == text
    assert webauthn.b64url(b"\xfb\xff\xbf") == "-_-_"
    assert webauthn.b64url(bytearray(b"\xff")) == "_w"
