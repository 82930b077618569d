"""A fake WebAuthn authenticator and browser for host tests, built on `cryptography`: it makes
the clientDataJSON, authenticatorData, attestation objects and signatures that a security key
or a platform authenticator would, so security/webauthn.py is checked against an independent
signer (and base64url from CPython's base64, not ours).

`python3 -m tests.host.support.fakeauthn` prints the fixed vectors of
tests/portable/test_webauthn.py (they were made this way once; ECDSA signatures are random,
so a new run prints other P-256 signatures, equally good). CPython only.
"""
import base64
import hashlib
import json

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from security import cbor

ES256, EDDSA = -7, -8
UP, UV, AT, ED = 0x01, 0x04, 0x40, 0x80


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def client_data(kind, challenge, origin, cross_origin=False, extra=None):
    """clientDataJSON as browsers write it: type, challenge, origin, crossOrigin, in that
    order, compact."""
    d = {"type": kind, "challenge": b64url(challenge), "origin": origin,
         "crossOrigin": cross_origin}
    if extra:
        d.update(extra)
    return json.dumps(d, separators=(",", ":")).encode()


class FakeAuthenticator:
    """One credential: `alg` ES256 (private key from the 32-byte scalar `secret`) or EdDSA
    (`secret` is the 32-byte Ed25519 seed)."""

    def __init__(self, alg, secret, credential_id, aaguid=bytes(16), sign_count=0):
        self.alg = alg
        self.credential_id = credential_id
        self.aaguid = aaguid
        self.sign_count = sign_count
        if alg == ES256:
            self.key = ec.derive_private_key(int.from_bytes(secret, "big"), ec.SECP256R1())
        else:
            self.key = ed25519.Ed25519PrivateKey.from_private_bytes(secret)

    def public_key(self):
        """As security/webauthn.py stores it: 65-byte point, or 32-byte Ed25519 key."""
        if self.alg == ES256:
            return self.key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return self.key.public_key().public_bytes(serialization.Encoding.Raw,
                                                  serialization.PublicFormat.Raw)

    def cose_key(self):
        pub = self.public_key()
        if self.alg == ES256:
            return {1: 2, 3: ES256, -1: 1, -2: pub[1:33], -3: pub[33:]}
        return {1: 1, 3: EDDSA, -1: 6, -2: pub}

    def sign(self, message):
        if self.alg == ES256:
            return self.key.sign(message, ec.ECDSA(hashes.SHA256()))
        return self.key.sign(message)

    def auth_data(self, rp_id, flags, count, cose_key=None, extensions=None):
        out = hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + count.to_bytes(4, "big")
        if flags & AT:
            key = self.cose_key() if cose_key is None else cose_key
            out += self.aaguid + len(self.credential_id).to_bytes(2, "big")
            out += self.credential_id + cbor.dumps(key)
        if flags & ED:
            out += cbor.dumps(extensions or {})
        return out

    def register(self, rp_id, origin, challenge, fmt="packed", flags=UP | UV | AT):
        """(clientDataJSON, attestationObject) of navigator.credentials.create()."""
        cdj = client_data("webauthn.create", challenge, origin)
        ad = self.auth_data(rp_id, flags, self.sign_count)
        if fmt == "packed":
            stmt = {"alg": self.alg, "sig": self.sign(ad + hashlib.sha256(cdj).digest())}
        else:
            stmt = {}
        return cdj, cbor.dumps({"fmt": fmt, "attStmt": stmt, "authData": ad})

    def assertion(self, rp_id, origin, challenge, flags=UP | UV, count=None):
        """(clientDataJSON, authenticatorData, signature) of navigator.credentials.get(); the
        counter goes up by one unless `count` is given."""
        if count is None:
            self.sign_count += 1
            count = self.sign_count
        cdj = client_data("webauthn.get", challenge, origin)
        ad = self.auth_data(rp_id, flags, count)
        return cdj, ad, self.sign(ad + hashlib.sha256(cdj).digest())


# The fixed vectors of tests/portable/test_webauthn.py.
RP_ID = "bank.example"
ORIGIN = "https://bank.example"
REG_CHALLENGE = bytes(range(32))
GET_CHALLENGE = bytes(range(100, 132))
P256_SCALAR = hashlib.sha256(b"qenex webauthn test p256").digest()
ED25519_SEED = hashlib.sha256(b"qenex webauthn test ed25519").digest()


def _hex(name, data):
    text = data.hex()
    lines = [text[i:i + 88] for i in range(0, len(text), 88)]
    print("%s = h(" % name)
    for ln in lines:
        print('    "%s"' % ln)
    print(")")


def print_vectors():
    p = FakeAuthenticator(ES256, P256_SCALAR, b"p256-credential-0001",
                          aaguid=bytes.fromhex("2fc0579f811347eab116bb5a8db9202a"))
    e = FakeAuthenticator(EDDSA, ED25519_SEED, b"ed25519-credential-01")
    reg_cdj = client_data("webauthn.create", REG_CHALLENGE, ORIGIN)
    get_cdj = client_data("webauthn.get", GET_CHALLENGE, ORIGIN)
    print("# %s" % reg_cdj.decode())
    _hex("REG_CDJ", reg_cdj)
    print("# %s" % get_cdj.decode())
    _hex("GET_CDJ", get_cdj)
    cdj, att = p.register(RP_ID, ORIGIN, REG_CHALLENGE, "packed")
    assert cdj == reg_cdj
    _hex("REG_PACKED_ATT", att)
    cdj, att = e.register(RP_ID, ORIGIN, REG_CHALLENGE, "none")
    assert cdj == reg_cdj
    _hex("REG_NONE_ATT", att)
    for name, flags in (("GET_P256", UP | UV), ("GET_P256_NO_UV", UP), ("GET_P256_NO_UP", UV)):
        cdj, ad, sig = p.assertion(RP_ID, ORIGIN, GET_CHALLENGE, flags)
        assert cdj == get_cdj
        _hex(name + "_AD", ad)
        _hex(name + "_SIG", sig)
    cdj, ad, sig = e.assertion(RP_ID, ORIGIN, GET_CHALLENGE, count=0)
    assert cdj == get_cdj
    _hex("GET_ED_AD", ad)
    _hex("GET_ED_SIG", sig)
    _hex("P256_PUBLIC", p.public_key())
    _hex("ED25519_PUBLIC", e.public_key())


if __name__ == "__main__":
    print_vectors()
