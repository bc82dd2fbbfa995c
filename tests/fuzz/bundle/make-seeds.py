#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# make-seeds.py: writes the format 2 seeds of fuzz_bundle (issue 13) into
# corpus/, from corpus/real-manifest.json (a format 1 manifest over the fixed
# file set in files/). Run from anywhere: python3 tests/fuzz/bundle/make-seeds.py
# (needs python3-cryptography; CI never runs it, the seeds are committed).
#
# The fuzz kiosk's device key is the Ed25519 key whose 32-byte private seed is
# SHA-256("fuzz-device-key-hailong"); fuzz_bundle.c trusts its public half
# (FUZZ_PUBLIC_KEY) for kiosk fuzz-01. A forger's key, SHA-256 of
# "fuzz-forger-key-hailong", is in no trust list. The signature covers
# "hailong-manifest-2\n" + the manifest without "signature" serialised as
# jansson's JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII does (for ASCII
# content, what json.dumps(sort_keys, separators=(",", ":")) writes).
import hashlib
import json
import os

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
PREFIX = b"hailong-manifest-2\n"


def key(name):
    k = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(name.encode()).digest())
    pub = k.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return k, pub.hex(), hashlib.sha256(pub).hexdigest()[:16]


def canonical(m):
    return json.dumps(m, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def sign(m, k, pub, fpr, kiosk="fuzz-01"):
    m = dict(m)
    m.pop("hmac_sha256", None)
    m.pop("signature", None)
    m["format"] = 2
    m["signer"] = {"kiosk_id": kiosk, "algorithm": "ed25519", "public_key": pub, "fingerprint": fpr}
    m["signature"] = k.sign(PREFIX + canonical(m)).hex()
    return m


def write(name, m, indent=2):
    text = json.dumps(m, indent=indent) + "\n" if indent else json.dumps(m)
    with open(os.path.join(CORPUS, name), "w") as f:
        f.write(text)


def main():
    with open(os.path.join(CORPUS, "real-manifest.json")) as f:
        base = json.load(f)
    dev, dev_pub, dev_fpr = key("fuzz-device-key-hailong")
    forger, f_pub, f_fpr = key("fuzz-forger-key-hailong")
    print("FUZZ_PUBLIC_KEY", dev_pub, dev_fpr)
    # Verifies: as a kiosk that moved to device keys writes its first bundle.
    write("v2-manifest.json", sign(base, dev, dev_pub, dev_fpr))
    write("v2-manifest-compact.json", sign(base, dev, dev_pub, dev_fpr), indent=None)
    # Verifies, with the chain fields of a kiosk that chained nothing.
    chained = dict(base, chain_head={"seq": 2, "chain": None}, chain_prev=None)
    write("v2-manifest-chain-null.json", sign(chained, dev, dev_pub, dev_fpr))
    # Intact but signed by a key no trust list holds (naming kiosk fuzz-01).
    write("v2-forged-other-key.json", sign(base, forger, f_pub, f_fpr))
    # Edited after signing: the signature does not match.
    edited = sign(base, dev, dev_pub, dev_fpr)
    edited["responses"] = 1
    write("v2-edited-after-signing.json", edited)
    # The forger's signature under the trusted key's name.
    claimed = sign(base, forger, f_pub, f_fpr)
    claimed["signer"] = dict(claimed["signer"], public_key=dev_pub, fingerprint=dev_fpr)
    write("v2-claims-trusted-key.json", claimed)
    # The signer names another kiosk than the manifest.
    write("v2-signer-other-kiosk.json", sign(base, dev, dev_pub, dev_fpr, kiosk="fuzz-02"))


main()
