#!/usr/bin/env python3
"""Writes the tiny seed inputs in fuzz/seeds/<target>/ (checked in; re-run to regenerate).

Keys are made fresh here and only their public halves are written; no secret is kept.
Signatures are random bytes: the fuzz targets stop before any signature check.
"""
import base64
import json
import os
import pathlib
import time

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives import serialization

HERE = pathlib.Path(__file__).parent


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def uint(n: int) -> bytes:
    return n.to_bytes((n.bit_length() + 7) // 8, "big")


def write(target: str, name: str, data: bytes) -> None:
    folder = HERE / target
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(data)


def dumps(value) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


rsa_pub = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_numbers()
p256 = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
p384 = ec.generate_private_key(ec.SECP384R1()).public_key().public_numbers()
ed = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
    serialization.Encoding.Raw, serialization.PublicFormat.Raw
)
rsa_jwk = {"kty": "RSA", "kid": "rsa-1", "use": "sig", "alg": "RS256", "n": b64(uint(rsa_pub.n)), "e": b64(uint(rsa_pub.e))}
es256_jwk = {"kty": "EC", "crv": "P-256", "kid": "ec-1", "x": b64(p256.x.to_bytes(32, "big")), "y": b64(p256.y.to_bytes(32, "big"))}
es384_jwk = {"kty": "EC", "crv": "P-384", "kid": "ec-2", "alg": "ES384", "x": b64(p384.x.to_bytes(48, "big")), "y": b64(p384.y.to_bytes(48, "big"))}
ed_jwk = {"kty": "OKP", "crv": "Ed25519", "kid": "ed-1", "key_ops": ["verify"], "x": b64(ed)}

# key_set
write("key_set", "rsa", dumps({"keys": [rsa_jwk]}))
write("key_set", "mixed", dumps({"keys": [rsa_jwk, es256_jwk, es384_jwk, ed_jwk, {"kty": "oct", "kid": "h", "k": "c2VjcmV0"}]}))
write("key_set", "skipped", dumps({"keys": [dict(rsa_jwk, use="enc"), dict(es256_jwk, kid=""), dict(ed_jwk, alg="none")]}))

# Keys that can never verify honestly: every encoding of every small-order Ed25519 point
# (order 1, 2, 4, 8; sign-bit variants; y = p and y = p + 1), and RSA exponents even or below 3.
FF = "ff" * 30
small_order = ["01" + "00" * 31, "00" * 32, "ec" + FF + "7f", "ed" + FF + "7f", "ee" + FF + "7f",
               "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
               "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"]
small_order_keys = []
for i, point in enumerate(small_order):
    for sign in (0, 0x80):
        x = bytearray.fromhex(point)
        x[31] |= sign
        small_order_keys.append(dict(ed_jwk, kid=f"weak-{i}-{sign}", x=b64(bytes(x))))
write("key_set", "small-order-ed25519", dumps({"keys": small_order_keys}))
write("key_set", "degenerate-rsa", dumps({"keys": [dict(rsa_jwk, kid=f"e-{e}", e=b64(uint(e))) for e in (0, 1, 2, 4, 65536, 65538)]}))

# metadata
write("metadata", "https", dumps({"issuer": "https://issuer.example.com/", "jwks_uri": "https://issuer.example.com/.well-known/jwks.json"}))
write("metadata", "loopback", dumps({"issuer": "http://127.0.0.1:6061/", "jwks_uri": "http://127.0.0.1:6061/.well-known/jwks.json", "token_endpoint": "http://127.0.0.1:6061/oauth/token"}))
write("metadata", "tenant", dumps({"issuer": "https://login.example.com/{tenantid}/v2.0", "jwks_uri": "https://login.example.com/common/discovery/v2.0/keys"}))
write("metadata", "mismatched-issuer", dumps({"issuer": "https://attacker.example/", "jwks_uri": "https://attacker.example/jwks.json"}))
write("metadata", "insecure", dumps({"issuer": "http://issuer.example.com/", "jwks_uri": "http://issuer.example.com/keys"}))

# claims (first byte: 0 = exact issuer, 1 = per-tenant issuer)
now = int(time.time())
claims = {"iss": "https://issuer.example.com/", "sub": "user", "aud": "https://api.example.com", "iat": now, "exp": now + 3600, "permissions": ["read:admin-messages"]}
write("claims", "valid", b"\x00" + dumps(claims))
write("claims", "array-aud", b"\x00" + dumps(dict(claims, aud=["other", "api://app"], scp="a b c", nbf=now)))
write("claims", "far-future", b"\x00" + dumps(dict(claims, exp=4102444800)))
write("claims", "tenant", b"\x01" + dumps(dict(claims, iss="https://login.example.com/tenant-a/v2.0", tid="tenant-a", roles=["x"])))

# authorization_header (first byte: 0 = one header, 1 = the header twice)
def token(header, payload) -> str:
    return f"{b64(dumps(header))}.{b64(dumps(payload))}.{b64(os.urandom(256))}"

write("authorization_header", "bearer", b"\x00Bearer " + token({"alg": "RS256", "typ": "JWT", "kid": "rsa-1"}, claims).encode())
write("authorization_header", "es256", b"\x00bearer\t" + token({"alg": "ES256", "typ": "at+jwt", "kid": "ec-1"}, claims).encode())
write("authorization_header", "none", b"\x00Bearer " + token({"alg": "none", "kid": "rsa-1"}, claims).encode())
write("authorization_header", "twice", b"\x01BEARER " + token({"alg": "PS256", "kid": "k", "crit": ["b64"]}, {}).encode())
write("authorization_header", "basic", b"\x00Basic ZGVtbzpkZW1v")
