/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_devkey.h: the kiosk's device key (an Ed25519 key pair per kiosk), the
 * signatures it makes over what leaves the kiosk, and the trust list a
 * verifier checks them against (docs/tamper-evidence.md).
 *
 * The private key lives in the data folder (<data_dir>/device.key, PEM
 * PKCS#8, mode 0600; the platform reads and writes the file), is made once
 * from the platform's random bytes and is never exported, put on a stick or
 * logged. Its public half identifies the kiosk: the raw 32 bytes as 64 hex
 * digits, and a short fingerprint, the first 8 bytes of SHA-256 of those 32
 * bytes as 16 hex digits, for people to compare by eye or on the phone.
 *
 * Signed statements (domain-separated, so no signature of one kind can pass
 * for another):
 *   a chain value: "hailong-chain-1 KIOSK_ID SEQ CHAIN_HEX" (one line, no
 *   line break): the per-response signature in the store, and the head a
 *   sync request carries;
 *   a bundle manifest: "hailong-manifest-2\n" followed by the canonical
 *   manifest (hl_bundle.h).
 *
 * The trust list (`--trust FILE`) is text, one kiosk key a line, exactly what
 * `hailong identity` prints:
 *     KIOSK_ID ed25519:PUBLIC_KEY_HEX [FINGERPRINT]
 * or one `hailong identity --json` object a line; '#' starts a comment, blank
 * lines are skipped, a kiosk may have several keys (a replaced one). A
 * fingerprint given must match the key (a typo is caught, not trusted).
 */
#ifndef HL_DEVKEY_H
#define HL_DEVKEY_H

#include "hl_diag.h"
#include "hl_err.h"
#include "hl_sys.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HL_DEVKEY_FILE    "device.key" /* in the data folder */
#define HL_DEVKEY_PUB_LEN 32           /* bytes of an Ed25519 public key */
#define HL_DEVKEY_SIG_LEN 64           /* bytes of an Ed25519 signature */
#define HL_DEVKEY_PUB_HEX (2 * HL_DEVKEY_PUB_LEN)
#define HL_DEVKEY_SIG_HEX (2 * HL_DEVKEY_SIG_LEN)
#define HL_DEVKEY_FPR_HEX 16        /* hex digits of a fingerprint */
#define HL_DEVKEY_PEM_MAX 1024      /* largest key file read */
#define HL_TRUST_FILE_MAX (1 << 20) /* largest trust list read */
#define HL_KIOSK_ID_MAX   40        /* [a-z0-9_-]{1,40}, as the config */

/* A key: public always, private when loaded from the device's file. */
typedef struct hl_devkey {
    void *pkey;                              /* EVP_PKEY *, owned; NULL: empty */
    bool has_private;                        /* can sign */
    unsigned char pub[HL_DEVKEY_PUB_LEN];    /* raw public key */
    char pub_hex[HL_DEVKEY_PUB_HEX + 1];     /* the same as hex */
    char fingerprint[HL_DEVKEY_FPR_HEX + 1]; /* hl_devkey_fingerprint of pub */
} hl_devkey_t;

/* Makes a new key pair from 32 random bytes of sys. */
int hl_devkey_generate(const hl_sys_t *sys, hl_devkey_t *k, hl_err_t *err);

/* The private key as PEM (PKCS#8) into buf; *len its length. */
int hl_devkey_to_pem(const hl_devkey_t *k, char *buf, size_t cap, size_t *len, hl_err_t *err);

/* Reads a private key from PEM text (what hl_devkey_to_pem wrote); shown
 * names the file in messages. HL_ERR_CORRUPT when it is not an Ed25519 key. */
int hl_devkey_from_pem(const char *pem, size_t len, const char *shown, hl_devkey_t *k,
                       hl_err_t *err);

/* A public key alone (from a trust list or a manifest), for checking. */
int hl_devkey_from_public(const unsigned char pub[HL_DEVKEY_PUB_LEN], hl_devkey_t *k,
                          hl_err_t *err);

/* Releases k (safe on an empty or freed key). */
void hl_devkey_free(hl_devkey_t *k);

/* The fingerprint of a raw public key: 16 lower-case hex digits. */
void hl_devkey_fingerprint(const unsigned char pub[HL_DEVKEY_PUB_LEN],
                           char out[HL_DEVKEY_FPR_HEX + 1]);

/* Signs msg; sig_hex gets 128 hex digits. Needs the private key. */
int hl_devkey_sign(const hl_devkey_t *k, const void *msg, size_t len,
                   char sig_hex[HL_DEVKEY_SIG_HEX + 1], hl_err_t *err);

/* True when sig_hex (128 hex digits) is k's signature over msg. */
bool hl_devkey_verify(const hl_devkey_t *k, const void *msg, size_t len, const char *sig_hex);

/* The chain statement "hailong-chain-1 KIOSK_ID SEQ CHAIN_HEX" into out
 * (at least 160 bytes); its length, or 0 when it does not fit. */
#define HL_CHAIN_STATEMENT_MAX 160
size_t hl_devkey_chain_statement(const char *kiosk_id, int64_t seq, const char *chain_hex,
                                 char out[HL_CHAIN_STATEMENT_MAX]);

/* Signs / checks a chain statement. */
int hl_devkey_sign_chain(const hl_devkey_t *k, const char *kiosk_id, int64_t seq,
                         const char *chain_hex, char sig_hex[HL_DEVKEY_SIG_HEX + 1], hl_err_t *err);
bool hl_devkey_verify_chain(const hl_devkey_t *k, const char *kiosk_id, int64_t seq,
                            const char *chain_hex, const char *sig_hex);

/* The line `hailong identity` prints and a trust list holds (no line break):
 * "KIOSK_ID ed25519:PUBHEX FINGERPRINT". */
void hl_devkey_trust_line(const hl_devkey_t *k, const char *kiosk_id, char *out, size_t cap);

/* One trusted kiosk key. */
typedef struct hl_trust_entry {
    char kiosk_id[HL_KIOSK_ID_MAX + 1];   /* as the config spells it (compared case-blind) */
    unsigned char pub[HL_DEVKEY_PUB_LEN]; /* its public key */
    char fingerprint[HL_DEVKEY_FPR_HEX + 1];
} hl_trust_entry_t;

/* A trust list, as read from a file. */
typedef struct hl_trust {
    hl_trust_entry_t *e; /* entries, owned */
    size_t n;            /* entries used */
    char path[256];      /* the file it came from, for messages */
} hl_trust_t;

/* Reads a trust list. Every malformed line is a problem in diags
 * (FILE:LINE:COLUMN: what is wrong) and the list is refused
 * (HL_ERR_INVALID); a file with no entry is refused too. HL_ERR_NOT_FOUND /
 * HL_ERR_IO when it cannot be read. */
int hl_trust_load(const char *path, hl_trust_t *t, hl_diags_t *diags, hl_err_t *err);

/* Parses a trust list held in memory (shown names it in problems). */
int hl_trust_parse(const char *text, size_t len, const char *shown, hl_trust_t *t,
                   hl_diags_t *diags, hl_err_t *err);

void hl_trust_free(hl_trust_t *t);

/* What the trust list says of a kiosk's key. */
typedef enum hl_trust_verdict {
    HL_TRUST_OK,          /* the kiosk is listed with this key */
    HL_TRUST_UNKNOWN_KEY, /* the key is listed for no kiosk */
    HL_TRUST_OTHER_KEY,   /* the kiosk is listed, with other key(s) only */
    HL_TRUST_OTHER_KIOSK  /* the key is listed, for another kiosk id */
} hl_trust_verdict_t;

hl_trust_verdict_t hl_trust_check(const hl_trust_t *t, const char *kiosk_id,
                                  const unsigned char pub[HL_DEVKEY_PUB_LEN]);

#endif
