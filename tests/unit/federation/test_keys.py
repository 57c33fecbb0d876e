"""Key generation, PEM round trips and FEP-521a Multikey encoding."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from federation import keys
from federation.errors import SignatureError

FIXTURES = Path(__file__).parents[2] / "fixtures"

# FEP-521a's example key: the W3C vc-di-eddsa test key (public + secret multibase).
FEP_521A_EXAMPLE = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
VC_DI_EDDSA_SECRET = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
# FEP-ef61 gives the same key as base64url multibase ('u'), an independent encoding.
FEP_EF61_SAME_KEY = "u7QGwDY2Tjn93PVFWWq02piP1NE9_XRlg-c8-jhJiDqKBDw"


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return keys.generate_rsa()


def _raw(key: ed25519.Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _actor(path: str) -> dict:
    return json.loads((FIXTURES / path).read_text())


# --- generation and PEM -------------------------------------------------------------


def test_generate_rsa_defaults_to_2048_bits(rsa_key: rsa.RSAPrivateKey) -> None:
    assert rsa_key.key_size == 2048
    assert rsa_key.public_key().public_numbers().e == 65537


def test_generate_rsa_refuses_short_keys() -> None:
    with pytest.raises(ValueError):
        keys.generate_rsa(1024)


def test_pem_round_trip_rsa(rsa_key: rsa.RSAPrivateKey) -> None:
    private_pem = keys.private_key_to_pem(rsa_key)
    public_pem = keys.public_key_to_pem(rsa_key.public_key())
    assert private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert public_pem.startswith("-----BEGIN PUBLIC KEY-----")
    loaded = keys.load_private_pem(private_pem)
    assert isinstance(loaded, rsa.RSAPrivateKey)
    assert loaded.private_numbers() == rsa_key.private_numbers()
    public = keys.load_public_pem(public_pem)
    assert isinstance(public, rsa.RSAPublicKey)
    assert public.public_numbers() == rsa_key.public_key().public_numbers()


def test_pem_round_trip_ed25519() -> None:
    key = keys.generate_ed25519()
    loaded = keys.load_private_pem(keys.private_key_to_pem(key).encode())
    assert isinstance(loaded, ed25519.Ed25519PrivateKey)
    public = keys.load_public_pem(keys.public_key_to_pem(key))  # a private key is accepted
    assert _raw(public) == _raw(key.public_key())


def test_load_public_pem_accepts_pkcs1_rsa_public_keys(rsa_key: rsa.RSAPrivateKey) -> None:
    pkcs1 = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.PKCS1
    )
    assert keys.load_public_pem(pkcs1.decode()).key_size == 2048


def test_load_public_pem_reads_a_real_mastodon_key() -> None:
    pem = json.loads((FIXTURES / "mastodon/signer-public-key.json").read_text())["publicKey"]
    assert keys.load_public_pem(pem).key_size == 2048


@pytest.mark.parametrize(
    "pem", ["", "garbage", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"]
)
def test_load_public_pem_rejects_garbage_with_signature_error(pem: str) -> None:
    with pytest.raises(SignatureError):
        keys.load_public_pem(pem)


def test_load_public_pem_rejects_unsupported_key_types() -> None:
    ec_pem = keys.public_key_to_pem(ec.generate_private_key(ec.SECP256R1()).public_key())  # type: ignore[arg-type]
    with pytest.raises(SignatureError, match="unsupported"):
        keys.load_public_pem(ec_pem)


def test_load_public_pem_rejects_tiny_rsa_keys() -> None:
    # cryptography refuses to generate one, so build the public numbers directly.
    tiny = rsa.RSAPublicNumbers(65537, (1 << 511) | 0xF1).public_key()
    with pytest.raises(SignatureError, match="512 bits"):
        keys.load_public_pem(keys.public_key_to_pem(tiny))


def test_load_private_pem_raises_value_error_for_local_problems() -> None:
    with pytest.raises(ValueError):
        keys.load_private_pem("not a key")
    with pytest.raises(ValueError):
        keys.load_private_pem(keys.private_key_to_pem(ec.generate_private_key(ec.SECP256R1())))  # type: ignore[arg-type]


# --- base58btc ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        (b"", ""),
        (b"\0", "1"),
        (b"\0\0\x01", "112"),
        (b"hello world", "StV1DL6CwTryKyV"),
        (bytes.fromhex("0000287fb4cd"), "11233QC4"),
    ],
)
def test_base58btc_known_values(raw: bytes, encoded: str) -> None:
    assert keys.base58btc_encode(raw) == encoded
    assert keys.base58btc_decode(encoded) == raw


@pytest.mark.parametrize("text", ["0", "O", "I", "l", "abc+"])
def test_base58btc_rejects_characters_outside_the_alphabet(text: str) -> None:
    with pytest.raises(ValueError):
        keys.base58btc_decode(text)


# --- Multikey (FEP-521a) --------------------------------------------------------------


def test_fep_521a_example_decodes_to_the_vc_di_eddsa_test_key() -> None:
    public = keys.multibase_to_public_key(FEP_521A_EXAMPLE)
    assert isinstance(public, ed25519.Ed25519PublicKey)
    secret = keys.base58btc_decode(VC_DI_EDDSA_SECRET[1:])
    assert secret[:2] == b"\x80\x26"  # multicodec ed25519-priv
    private = ed25519.Ed25519PrivateKey.from_private_bytes(secret[2:])
    assert _raw(private.public_key()) == _raw(public)
    assert keys.public_key_to_multibase(private) == FEP_521A_EXAMPLE


def test_fep_521a_example_agrees_with_its_base64url_spelling() -> None:
    data = base64.urlsafe_b64decode(FEP_EF61_SAME_KEY[1:] + "=" * (-len(FEP_EF61_SAME_KEY[1:]) % 4))
    assert data[:2] == b"\xed\x01"
    assert _raw(keys.multibase_to_public_key(FEP_521A_EXAMPLE)) == data[2:]


def test_mitra_multikeys_decode_and_match_its_pem() -> None:
    actor = _actor("mitra/actor-person-multikey.json")
    by_id = {m["id"]: m["publicKeyMultibase"] for m in actor["assertionMethod"]}
    rsa_multibase = by_id["https://wizard.casa/users/hongminhee#main-key"]
    public = keys.multibase_to_public_key(rsa_multibase)
    assert isinstance(public, rsa.RSAPublicKey)
    pem_key = keys.load_public_pem(actor["publicKey"]["publicKeyPem"])
    assert isinstance(pem_key, rsa.RSAPublicKey)
    assert public.public_numbers() == pem_key.public_numbers()
    assert keys.public_key_to_multibase(public) == rsa_multibase
    ed = keys.multibase_to_public_key(by_id["https://wizard.casa/users/hongminhee#ed25519-key"])
    assert isinstance(ed, ed25519.Ed25519PublicKey)


@pytest.mark.parametrize(
    "path", ["streams/actor-person-live.json", "hubzilla/actor-person-live.json"]
)
def test_live_actor_ed25519_multikeys_decode_and_reencode(path: str) -> None:
    for method in _actor(path)["assertionMethod"]:
        value = method["publicKeyMultibase"]
        public = keys.multibase_to_public_key(value)
        assert isinstance(public, ed25519.Ed25519PublicKey)
        assert keys.public_key_to_multibase(public) == value


def test_multibase_round_trips(rsa_key: rsa.RSAPrivateKey) -> None:
    ed = keys.generate_ed25519()
    ed_value = keys.public_key_to_multibase(ed.public_key())
    assert ed_value.startswith("z6Mk")
    assert _raw(keys.multibase_to_public_key(ed_value)) == _raw(ed.public_key())  # type: ignore[arg-type]
    rsa_value = keys.public_key_to_multibase(rsa_key)
    assert rsa_value.startswith("z4MX")
    decoded = keys.multibase_to_public_key(rsa_value)
    assert isinstance(decoded, rsa.RSAPublicKey)
    assert decoded.public_numbers() == rsa_key.public_key().public_numbers()


@pytest.mark.parametrize(
    "value",
    [
        "",
        "z",
        "6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",  # no multibase prefix
        FEP_EF61_SAME_KEY,  # base64url: FEP-521a requires base58btc
        "z0OIl",  # not base58
        FEP_521A_EXAMPLE[:-3],  # truncated key
        "z" + keys.base58btc_encode(b"\x80\x26" + bytes(32)),  # a private-key codec
        "z" + keys.base58btc_encode(b"\x85\x24" + b"not DER"),  # RSA codec, junk body
        "z" + keys.base58btc_encode(b"\xff\xff"),  # truncated varint
        "z" + "2" * 5000,  # absurdly long
    ],
)
def test_multibase_to_public_key_rejects_bad_values(value: str) -> None:
    with pytest.raises(SignatureError):
        keys.multibase_to_public_key(value)
