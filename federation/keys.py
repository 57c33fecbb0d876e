"""Key generation and the two encodings actors publish keys in.

Actors publish keys as PEM (the ``publicKey.publicKeyPem`` that Mastodon reads)
and, per FEP-521a, as ``Multikey`` objects whose ``publicKeyMultibase`` is a
base58btc multibase of a multicodec prefix plus the raw key. We support the two
key types the fediverse actually uses: RSA (HTTP signatures everywhere) and
Ed25519 (RFC 9421 and object integrity proofs), plus the raw sign/verify
operations HTTP signatures are built on (:func:`sign_bytes`, :func:`verify_bytes`).

Errors follow where the key came from: our own keys failing to load is a local
configuration problem (``ValueError``); a remote key that cannot be used is the
sender's problem (:class:`~federation.errors.SignatureError`).
"""

from __future__ import annotations

from typing import Literal, TypeAlias

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from federation.errors import SignatureError

PrivateKey: TypeAlias = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
PublicKey: TypeAlias = rsa.RSAPublicKey | ed25519.Ed25519PublicKey
#: Signature primitives HTTP signatures use (the padding/hash for RSA keys).
Primitive: TypeAlias = Literal["pkcs1-sha256", "pss-sha512", "ed25519"]

#: Smallest RSA modulus we accept from peers. 1024 bits is weak, but old
#: deployments and the draft-cavage test key still use it; we never generate it.
MIN_RSA_BITS = 1024
#: Largest RSA modulus we accept: bigger keys only make verification a DoS vector.
MAX_RSA_BITS = 8192

# Multicodec codes (https://github.com/multiformats/multicodec/blob/master/table.csv).
ED25519_PUB = 0xED
RSA_PUB = 0x1205

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}
# A 8192-bit RSA Multikey is about 1,500 characters; refuse anything far longer
# before doing quadratic big-integer work on hostile input.
_MAX_MULTIBASE_CHARS = 4096


# --- generation -----------------------------------------------------------------


def generate_rsa(bits: int = 2048) -> rsa.RSAPrivateKey:
    """A new RSA key; 2048 bits is what Mastodon and most peers use."""
    if bits < 2048:
        raise ValueError("refusing to generate an RSA key shorter than 2048 bits")
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def generate_ed25519() -> ed25519.Ed25519PrivateKey:
    """A new Ed25519 key (for RFC 9421 signatures and FEP-8b32 proofs)."""
    return ed25519.Ed25519PrivateKey.generate()


# --- PEM --------------------------------------------------------------------------


def private_key_to_pem(key: PrivateKey) -> str:
    """PKCS#8 PEM, unencrypted: the store protects it at rest, not the encoding."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def public_key_to_pem(key: PublicKey | PrivateKey) -> str:
    """SubjectPublicKeyInfo PEM, the form ``publicKeyPem`` carries."""
    public = _public(key)
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_private_pem(pem: str | bytes) -> PrivateKey:
    """Load one of our own private keys; ``ValueError`` if it is unusable."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"not a usable unencrypted PEM private key: {exc}") from exc
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise ValueError(f"unsupported private key type {type(key).__name__}")
    return key


def load_public_pem(pem: str | bytes) -> PublicKey:
    """Load a peer's public key (SPKI or PKCS#1 PEM); ``SignatureError`` if unusable."""
    try:
        data = pem.encode("ascii") if isinstance(pem, str) else pem
        key = serialization.load_pem_public_key(data.strip())
    except (ValueError, TypeError, UnicodeError, UnsupportedAlgorithm) as exc:
        raise SignatureError("the actor's public key is not a readable PEM key") from exc
    return check_public_key(key)


def check_public_key(key: object) -> PublicKey:
    """Return ``key`` if we can verify with it, else raise ``SignatureError``."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key
    if isinstance(key, rsa.RSAPublicKey):
        if not MIN_RSA_BITS <= key.key_size <= MAX_RSA_BITS:
            raise SignatureError(f"RSA keys of {key.key_size} bits are not accepted")
        return key
    raise SignatureError(f"unsupported public key type {type(key).__name__}")


def _public(key: PublicKey | PrivateKey) -> PublicKey:
    if isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        return key.public_key()
    return key


# --- raw signatures ------------------------------------------------------------------


def sign_bytes(private_key: PrivateKey, data: bytes) -> bytes:
    """RSA PKCS#1 v1.5 with SHA-256, or Ed25519: the two signatures peers verify."""
    if isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return private_key.sign(data)
    raise ValueError(f"unsupported private key type {type(private_key).__name__}")


def verify_bytes(key: PublicKey, signature: bytes, data: bytes, primitive: Primitive) -> bool:
    """Whether ``signature`` over ``data`` verifies (``primitive`` picks the RSA padding)."""
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        elif primitive == "pkcs1-sha256":
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:  # RFC 9421 rsa-pss-sha512: MGF1 with SHA-512, 64-byte salt
            pss = padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64)
            key.verify(signature, data, pss, hashes.SHA512())
    except (InvalidSignature, ValueError):
        return False
    return True


# --- base58btc and varints --------------------------------------------------------------


def base58btc_encode(data: bytes) -> str:
    """Bitcoin-alphabet base58; each leading zero byte becomes a leading ``1``."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, rem = divmod(number, 58)
        digits.append(_B58_ALPHABET[rem])
    return "1" * zeros + "".join(reversed(digits))


def base58btc_decode(text: str) -> bytes:
    """Inverse of :func:`base58btc_encode`; ``ValueError`` on a foreign character."""
    number = 0
    for char in text:
        try:
            number = number * 58 + _B58_INDEX[char]
        except KeyError:
            raise ValueError(f"invalid base58btc character {char!r}") from None
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def _varint_encode(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _varint_decode(data: bytes) -> tuple[int, int]:
    """(value, bytes used) of the unsigned LEB128 varint at the start of ``data``."""
    value = 0
    for i, byte in enumerate(data[:9]):
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            return value, i + 1
    raise ValueError("truncated or overlong multicodec varint")


# --- Multikey (FEP-521a) ---------------------------------------------------------------


def public_key_to_multibase(key: PublicKey | PrivateKey) -> str:
    """``publicKeyMultibase`` for a Multikey: ``z`` + base58btc(multicodec + key).

    Ed25519 keys give ``z6Mk...`` (0xed01 + 32 raw bytes); RSA keys give
    ``z4MX...`` (0x8524 + DER PKCS#1 RSAPublicKey), as FEP-521a specifies.
    """
    public = _public(key)
    if isinstance(public, ed25519.Ed25519PublicKey):
        code = ED25519_PUB
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    elif isinstance(public, rsa.RSAPublicKey):
        code = RSA_PUB
        raw = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    else:
        raise ValueError(f"unsupported public key type {type(public).__name__}")
    return "z" + base58btc_encode(_varint_encode(code) + raw)


def multibase_to_public_key(value: str) -> PublicKey:
    """Decode a Multikey ``publicKeyMultibase``; ``SignatureError`` if unusable."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise SignatureError("publicKeyMultibase must be base58btc (start with 'z')")
    if len(value) > _MAX_MULTIBASE_CHARS:
        raise SignatureError("publicKeyMultibase is implausibly long")
    try:
        data = base58btc_decode(value[1:])
        code, used = _varint_decode(data)
    except ValueError as exc:
        raise SignatureError(f"publicKeyMultibase is not valid: {exc}") from exc
    raw = data[used:]
    if code == ED25519_PUB:
        if len(raw) != 32:
            raise SignatureError("an Ed25519 Multikey must hold exactly 32 key bytes")
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)
    if code == RSA_PUB:
        try:
            key = serialization.load_der_public_key(raw)
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise SignatureError("RSA Multikey does not hold a DER RSAPublicKey") from exc
        return check_public_key(key)
    raise SignatureError(f"unsupported Multikey codec 0x{code:x}")
