"""HTTP signature throughput: signs and verifies per second on one core.

Cases: draft-cavage rsa-sha256 (RSA-2048) POST with Digest and GET; RFC 9421
with Ed25519 and with RSA-2048 (POST with Content-Digest). "verify" is what the
inbox does per request: parse_request_signature (header parsing, policy, clock
window, body digest, signature base) + verify_parsed. "parse" is that first
half alone, and "raw" rows are the bare ``cryptography`` calls over the same
bytes, so protocol overhead = verify - raw verify.

    .venv/bin/python -m bench.signatures [--seconds 2] [--body-bytes 1500]
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from bench._common import machine, run_for, spread, table
from federation.httpsig import parse_request_signature, sign_cavage, verify_parsed
from federation.keys import generate_ed25519, generate_rsa
from federation.rfc9421 import sign_rfc9421

INBOX = "https://warmline.example/users/alice/inbox"
ACTOR = "https://remote.example/users/bob"
OUTBOX_GET = "https://warmline.example/users/alice/outbox?page=true"


def activity(size: int) -> bytes:
    """A Create{Note} of roughly ``size`` bytes, as a peer would deliver it."""
    note = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{ACTOR}/statuses/1/activity",
        "type": "Create",
        "actor": ACTOR,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {
            "id": f"{ACTOR}/statuses/1",
            "type": "Note",
            "attributedTo": ACTOR,
            "content": "",
        },
    }
    filler = max(0, size - len(json.dumps(note)))
    note["object"]["content"] = "<p>" + ("warm intro " * (filler // 11 + 1))[:filler] + "</p>"
    return json.dumps(note).encode()


def cases(body: bytes) -> list[tuple[str, Callable[[], object]]]:
    rsa_key, ed_key = generate_rsa(), generate_ed25519()
    rsa_pub, ed_pub = rsa_key.public_key(), ed_key.public_key()
    key_id = f"{ACTOR}#main-key"
    post_headers = {"Content-Type": "application/activity+json"}

    def signed(signer, method, url, headers, payload, key):
        added = signer(method, url, headers, payload, key_id=key_id, private_key=key)
        return {**headers, **added}

    def sign(signer, method, url, payload, key):
        return lambda: signer(
            method, url, post_headers if payload else {}, payload, key_id=key_id, private_key=key
        )

    def parse(method, url, headers, payload):
        return lambda: parse_request_signature(method, url, headers, payload)

    def verify(method, url, headers, payload, pub):
        return lambda: verify_parsed(parse_request_signature(method, url, headers, payload), pub)

    cav_post = signed(sign_cavage, "POST", INBOX, post_headers, body, rsa_key)
    cav_get = signed(sign_cavage, "GET", OUTBOX_GET, {}, None, rsa_key)
    ed_post = signed(sign_rfc9421, "POST", INBOX, post_headers, body, ed_key)
    r9_rsa_post = signed(sign_rfc9421, "POST", INBOX, post_headers, body, rsa_key)

    # The exact bytes each scheme signs, for the raw-crypto comparison rows.
    rsa_base = parse_request_signature("POST", INBOX, cav_post, body).base
    ed_parsed = parse_request_signature("POST", INBOX, ed_post, body)
    rsa_sig = rsa_key.sign(rsa_base, padding.PKCS1v15(), hashes.SHA256())
    pkcs1, sha256 = padding.PKCS1v15(), hashes.SHA256()

    return [
        ("cavage rsa-sha256 POST: sign", sign(sign_cavage, "POST", INBOX, body, rsa_key)),
        ("cavage rsa-sha256 POST: parse only", parse("POST", INBOX, cav_post, body)),
        (
            "cavage rsa-sha256 POST: verify (parse+check)",
            verify("POST", INBOX, cav_post, body, rsa_pub),
        ),
        ("cavage rsa-sha256 GET: sign", sign(sign_cavage, "GET", OUTBOX_GET, None, rsa_key)),
        ("cavage rsa-sha256 GET: parse only", parse("GET", OUTBOX_GET, cav_get, None)),
        (
            "cavage rsa-sha256 GET: verify (parse+check)",
            verify("GET", OUTBOX_GET, cav_get, None, rsa_pub),
        ),
        ("RFC 9421 Ed25519 POST: sign", sign(sign_rfc9421, "POST", INBOX, body, ed_key)),
        ("RFC 9421 Ed25519 POST: parse only", parse("POST", INBOX, ed_post, body)),
        (
            "RFC 9421 Ed25519 POST: verify (parse+check)",
            verify("POST", INBOX, ed_post, body, ed_pub),
        ),
        ("RFC 9421 RSA POST: sign", sign(sign_rfc9421, "POST", INBOX, body, rsa_key)),
        ("RFC 9421 RSA POST: parse only", parse("POST", INBOX, r9_rsa_post, body)),
        (
            "RFC 9421 RSA POST: verify (parse+check)",
            verify("POST", INBOX, r9_rsa_post, body, rsa_pub),
        ),
        ("raw RSA-2048 PKCS#1 v1.5 sign", lambda: rsa_key.sign(rsa_base, pkcs1, sha256)),
        (
            "raw RSA-2048 PKCS#1 v1.5 verify",
            lambda: rsa_pub.verify(rsa_sig, rsa_base, pkcs1, sha256),
        ),
        ("raw Ed25519 sign", lambda: ed_key.sign(ed_parsed.base)),
        ("raw Ed25519 verify", lambda: ed_pub.verify(ed_parsed.signature, ed_parsed.base)),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.signatures",
        description="HTTP signature sign/verify throughput, single thread (see module docstring).",
    )
    parser.add_argument("--seconds", type=float, default=2.0, help="timed run per case (default 2)")
    parser.add_argument(
        "--body-bytes", type=int, default=1500, help="size of the POSTed activity (default 1500)"
    )
    parser.add_argument(
        "--cpu",
        type=int,
        default=None,
        help="pin this process to one CPU number (default: no pinning)",
    )
    parser.add_argument("--only", default="", help="run only cases whose name contains this text")
    args = parser.parse_args(argv)
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})

    body = activity(args.body_bytes)
    print(f"# bench.signatures: {machine()}")
    print(f"# one thread, {args.seconds:g}s per case, POST body {len(body)} bytes, RSA-2048")
    rows = []
    for name, fn in cases(body):
        if args.only.lower() not in name.lower():
            continue
        fn()  # fail fast, before timing, if a case is broken
        durations = run_for(fn, args.seconds)
        stats = spread(durations)
        rows.append(
            [
                name,
                len(durations) / sum(durations),
                stats["p50"] * 1e6,
                stats["p90"] * 1e6,
                stats["p99"] * 1e6,
            ]
        )
        print(f"  ... {name}: {rows[-1][1]:,.0f}/s", flush=True)
    print()
    print(table(["case", "ops/s", "p50 µs", "p90 µs", "p99 µs"], rows))


if __name__ == "__main__":
    main()
