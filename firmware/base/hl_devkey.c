/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_devkey.c: Ed25519 device keys through OpenSSL's libcrypto (key pairs
 * from the platform's random bytes, PEM in and out, signatures over
 * domain-separated statements) and the trust list a verifier reads
 * (hl_devkey.h). Nothing here reads a clock, a random source or the data
 * folder: the caller passes hl_sys_t and the key file's text.
 */
#include "hl_devkey.h"

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

void hl_devkey_fingerprint(const unsigned char pub[HL_DEVKEY_PUB_LEN],
                           char out[HL_DEVKEY_FPR_HEX + 1])
{
    unsigned char dg[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!EVP_Digest(pub, HL_DEVKEY_PUB_LEN, dg, &n, EVP_sha256(), NULL) || n < 8) {
        memset(out, '0', HL_DEVKEY_FPR_HEX);
        out[HL_DEVKEY_FPR_HEX] = '\0';
        return;
    }
    hl_hex_encode(dg, HL_DEVKEY_FPR_HEX / 2, out);
}

/* Fills pub, pub_hex and fingerprint from k->pkey. */
static int fill_public(hl_devkey_t *k, hl_err_t *err)
{
    size_t n = HL_DEVKEY_PUB_LEN;
    if (!EVP_PKEY_get_raw_public_key(k->pkey, k->pub, &n) || n != HL_DEVKEY_PUB_LEN)
        return hl_err_set(err, HL_ERR_INTERNAL, "cannot read the device key's public half");
    hl_hex_encode(k->pub, HL_DEVKEY_PUB_LEN, k->pub_hex);
    hl_devkey_fingerprint(k->pub, k->fingerprint);
    return HL_OK;
}

void hl_devkey_free(hl_devkey_t *k)
{
    if (!k) return;
    EVP_PKEY_free(k->pkey);
    memset(k, 0, sizeof *k);
}

int hl_devkey_generate(const hl_sys_t *sys, hl_devkey_t *k, hl_err_t *err)
{
    memset(k, 0, sizeof *k);
    unsigned char seed[32];
    if (!sys || !sys->random || sys->random(sys->ctx, seed, sizeof seed) != 0)
        return hl_err_set(err, HL_ERR_IO, "no random bytes for a new device key");
    k->pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof seed);
    OPENSSL_cleanse(seed, sizeof seed);
    if (!k->pkey)
        return hl_err_set(err, HL_ERR_INTERNAL, "libcrypto could not make an Ed25519 key");
    k->has_private = true;
    int rc = fill_public(k, err);
    if (rc != HL_OK) hl_devkey_free(k);
    return rc;
}

int hl_devkey_to_pem(const hl_devkey_t *k, char *buf, size_t cap, size_t *len, hl_err_t *err)
{
    if (!k || !k->pkey || !k->has_private)
        return hl_err_set(err, HL_ERR_USAGE, "no private key to write");
    BIO *b = BIO_new(BIO_s_mem());
    if (!b) return hl_err_set(err, HL_ERR_NOMEM, "out of memory writing the device key");
    int rc = HL_OK;
    char *p = NULL;
    long n = 0;
    if (!PEM_write_bio_PrivateKey(b, k->pkey, NULL, NULL, 0, NULL, NULL) ||
        (n = BIO_get_mem_data(b, &p)) <= 0 || (size_t)n >= cap) {
        rc = hl_err_set(err, HL_ERR_INTERNAL, "cannot encode the device key as PEM");
    } else {
        memcpy(buf, p, (size_t)n);
        buf[n] = '\0';
        *len = (size_t)n;
    }
    BIO_free(b);
    return rc;
}

int hl_devkey_from_pem(const char *pem, size_t len, const char *shown, hl_devkey_t *k,
                       hl_err_t *err)
{
    memset(k, 0, sizeof *k);
    if (len == 0 || len > HL_DEVKEY_PEM_MAX)
        return hl_err_set(err, HL_ERR_CORRUPT,
                          "%s is %s, not a device key: it is damaged or not ours (restore it "
                          "from a backup)",
                          shown, len ? "too large" : "empty");
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    if (!b) return hl_err_set(err, HL_ERR_NOMEM, "out of memory reading the device key");
    EVP_PKEY *p = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    if (!p || EVP_PKEY_get_id(p) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(p);
        return hl_err_set(err, HL_ERR_CORRUPT,
                          "%s is not an Ed25519 private key in PEM: it is damaged or not ours "
                          "(restore it from a backup)",
                          shown);
    }
    k->pkey = p;
    k->has_private = true;
    int rc = fill_public(k, err);
    if (rc != HL_OK) hl_devkey_free(k);
    return rc;
}

int hl_devkey_from_public(const unsigned char pub[HL_DEVKEY_PUB_LEN], hl_devkey_t *k, hl_err_t *err)
{
    memset(k, 0, sizeof *k);
    k->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, HL_DEVKEY_PUB_LEN);
    if (!k->pkey) return hl_err_set(err, HL_ERR_INVALID, "not an Ed25519 public key");
    int rc = fill_public(k, err);
    if (rc != HL_OK) hl_devkey_free(k);
    return rc;
}

int hl_devkey_sign(const hl_devkey_t *k, const void *msg, size_t len,
                   char sig_hex[HL_DEVKEY_SIG_HEX + 1], hl_err_t *err)
{
    if (!k || !k->pkey || !k->has_private)
        return hl_err_set(err, HL_ERR_STATE, "no device key to sign with");
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned char sig[HL_DEVKEY_SIG_LEN];
    size_t n = sizeof sig;
    bool ok = c && EVP_DigestSignInit(c, NULL, NULL, NULL, k->pkey) == 1 &&
              EVP_DigestSign(c, sig, &n, msg, len) == 1 && n == HL_DEVKEY_SIG_LEN;
    EVP_MD_CTX_free(c);
    if (!ok)
        return hl_err_set(err, HL_ERR_INTERNAL, "libcrypto could not sign with the device key");
    hl_hex_encode(sig, HL_DEVKEY_SIG_LEN, sig_hex);
    return HL_OK;
}

bool hl_devkey_verify(const hl_devkey_t *k, const void *msg, size_t len, const char *sig_hex)
{
    unsigned char sig[HL_DEVKEY_SIG_LEN];
    if (!k || !k->pkey || !hl_hex_decode(sig_hex, sig, sizeof sig)) return false;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    bool ok = c && EVP_DigestVerifyInit(c, NULL, NULL, NULL, k->pkey) == 1 &&
              EVP_DigestVerify(c, sig, sizeof sig, msg, len) == 1;
    EVP_MD_CTX_free(c);
    return ok;
}

size_t hl_devkey_chain_statement(const char *kiosk_id, int64_t seq, const char *chain_hex,
                                 char out[HL_CHAIN_STATEMENT_MAX])
{
    if (!kiosk_id || !chain_hex) return 0;
    int n = snprintf(out, HL_CHAIN_STATEMENT_MAX, "hailong-chain-1 %s %" PRId64 " %s", kiosk_id,
                     seq, chain_hex);
    return n > 0 && n < HL_CHAIN_STATEMENT_MAX ? (size_t)n : 0;
}

int hl_devkey_sign_chain(const hl_devkey_t *k, const char *kiosk_id, int64_t seq,
                         const char *chain_hex, char sig_hex[HL_DEVKEY_SIG_HEX + 1], hl_err_t *err)
{
    char m[HL_CHAIN_STATEMENT_MAX];
    size_t n = hl_devkey_chain_statement(kiosk_id, seq, chain_hex, m);
    if (!n) return hl_err_set(err, HL_ERR_USAGE, "chain statement too long to sign");
    return hl_devkey_sign(k, m, n, sig_hex, err);
}

bool hl_devkey_verify_chain(const hl_devkey_t *k, const char *kiosk_id, int64_t seq,
                            const char *chain_hex, const char *sig_hex)
{
    char m[HL_CHAIN_STATEMENT_MAX];
    size_t n = hl_devkey_chain_statement(kiosk_id, seq, chain_hex, m);
    return n && hl_devkey_verify(k, m, n, sig_hex);
}

void hl_devkey_trust_line(const hl_devkey_t *k, const char *kiosk_id, char *out, size_t cap)
{
    snprintf(out, cap, "%s ed25519:%s %s", kiosk_id, k->pub_hex, k->fingerprint);
}

/* ---- The trust list ------------------------------------------------------ */

void hl_trust_free(hl_trust_t *t)
{
    if (!t) return;
    free(t->e);
    memset(t, 0, sizeof *t);
}

static bool kiosk_id_ok(const char *s, size_t n)
{
    if (n == 0 || n > HL_KIOSK_ID_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isdigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              c == '-'))
            return false;
    }
    return true;
}

/* Adds one entry, checking it; false (with a problem) when malformed. */
static bool trust_add(hl_trust_t *t, size_t *cap, const char *shown, int line, int col,
                      const char *id, size_t id_len, const char *key, const char *fpr,
                      hl_diags_t *d, bool *nomem)
{
    if (!kiosk_id_ok(id, id_len)) {
        hl_diags_add(d, shown, line, col, NULL,
                     "\"%.*s\" is not a kiosk id (1 to 40 of a-z, 0-9, '_' and '-'): each line "
                     "is KIOSK_ID ed25519:PUBLIC_KEY [FINGERPRINT], as `hailong identity` prints",
                     (int)(id_len > 60 ? 60 : id_len), id);
        return false;
    }
    unsigned char pub[HL_DEVKEY_PUB_LEN];
    if (strncmp(key, "ed25519:", 8) != 0 || !hl_hex_decode(key + 8, pub, sizeof pub)) {
        hl_diags_add(d, shown, line, col, NULL,
                     "kiosk %.*s: the key must be \"ed25519:\" and 64 hex digits, as `hailong "
                     "identity` prints it; copy the whole line again",
                     (int)id_len, id);
        return false;
    }
    char f[HL_DEVKEY_FPR_HEX + 1];
    hl_devkey_fingerprint(pub, f);
    if (fpr && *fpr && strcasecmp(fpr, f) != 0) {
        hl_diags_add(d, shown, line, col, NULL,
                     "kiosk %.*s: the fingerprint %.20s does not belong to this public key (its "
                     "fingerprint is %s): the line was mistyped; copy it again from `hailong "
                     "identity`",
                     (int)id_len, id, fpr, f);
        return false;
    }
    if (t->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        hl_trust_entry_t *e = realloc(t->e, nc * sizeof *e);
        if (!e) {
            *nomem = true;
            return false;
        }
        t->e = e;
        *cap = nc;
    }
    hl_trust_entry_t *e = &t->e[t->n++];
    memset(e, 0, sizeof *e);
    memcpy(e->kiosk_id, id, id_len);
    memcpy(e->pub, pub, sizeof pub);
    memcpy(e->fingerprint, f, sizeof f);
    return true;
}

int hl_trust_parse(const char *text, size_t len, const char *shown, hl_trust_t *t,
                   hl_diags_t *diags, hl_err_t *err)
{
    memset(t, 0, sizeof *t);
    snprintf(t->path, sizeof t->path, "%s", shown);
    size_t cap = 0, bad = 0;
    bool nomem = false;
    int line = 0;
    char buf[1024];
    for (size_t at = 0; at < len && !nomem;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
        const char *s = text + at;
        at += n + (nl ? 1 : 0);
        line++;
        if (memchr(s, '\0', n)) {
            hl_diags_add(diags, shown, line, 0, NULL,
                         "a NUL byte: this is not a text file; a trust list is text, one "
                         "`hailong identity` line per kiosk");
            bad++;
            continue;
        }
        if (n >= sizeof buf) {
            hl_diags_add(diags, shown, line, 0, NULL,
                         "line longer than %zu characters: not a trust list line", sizeof buf - 1);
            bad++;
            continue;
        }
        memcpy(buf, s, n);
        buf[n] = '\0';
        char *c = strchr(buf, '#');
        if (c && buf[0] != '{') *c = '\0';
        char *p = buf;
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        size_t e = strlen(p);
        while (e && (p[e - 1] == ' ' || p[e - 1] == '\t' || p[e - 1] == '\r'))
            p[--e] = '\0';
        if (!*p) continue;
        int col = (int)(p - buf) + 1;
        if (*p == '{') { /* a `hailong identity --json` line */
            json_error_t je;
            json_t *o = json_loads(p, JSON_REJECT_DUPLICATES, &je);
            const char *id = json_string_value(json_object_get(o, "kiosk_id"));
            const char *alg = json_string_value(json_object_get(o, "algorithm"));
            const char *pk = json_string_value(json_object_get(o, "public_key"));
            const char *fp = json_string_value(json_object_get(o, "fingerprint"));
            char key[80];
            if (!o || !id || !pk || (alg && strcmp(alg, "ed25519") != 0)) {
                hl_diags_add(diags, shown, line, col, NULL,
                             "not a `hailong identity --json` object (it needs \"kiosk_id\", "
                             "\"algorithm\": \"ed25519\" and \"public_key\")");
                bad++;
            } else {
                snprintf(key, sizeof key, "ed25519:%.70s", pk);
                if (!trust_add(t, &cap, shown, line, col, id, strlen(id), key, fp, diags, &nomem))
                    bad++;
            }
            json_decref(o);
            continue;
        }
        char *f[4] = {0};
        int nf = 0;
        for (char *tok = strtok(p, " \t"); tok; tok = strtok(NULL, " \t")) {
            if (nf < 4) f[nf] = tok;
            nf++;
        }
        if (nf < 2 || nf > 3) {
            hl_diags_add(diags, shown, line, col, NULL,
                         "expected KIOSK_ID ed25519:PUBLIC_KEY [FINGERPRINT] (what `hailong "
                         "identity` prints), found %d word%s",
                         nf, nf == 1 ? "" : "s");
            bad++;
            continue;
        }
        if (!trust_add(t, &cap, shown, line, col, f[0], strlen(f[0]), f[1], nf == 3 ? f[2] : NULL,
                       diags, &nomem))
            bad++;
    }
    if (nomem) {
        hl_trust_free(t);
        return hl_err_set(err, HL_ERR_NOMEM, "out of memory reading the trust list %s", shown);
    }
    if (bad) {
        hl_trust_free(t);
        return hl_err_set(err, HL_ERR_INVALID,
                          "the trust list %s has %zu bad line%s: nothing in it is trusted until "
                          "it is fixed",
                          shown, bad, bad == 1 ? "" : "s");
    }
    if (t->n == 0) {
        hl_trust_free(t);
        return hl_err_set(err, HL_ERR_INVALID,
                          "the trust list %s lists no kiosk: add the line `hailong identity` "
                          "prints on each kiosk",
                          shown);
    }
    hl_err_clear(err);
    return HL_OK;
}

int hl_trust_load(const char *path, hl_trust_t *t, hl_diags_t *diags, hl_err_t *err)
{
    memset(t, 0, sizeof *t);
    char *text = NULL;
    size_t len = 0;
    hl_err_t e = {0};
    int rc = hl_file_read(NULL, path, HL_TRUST_FILE_MAX, 0, &text, &len, &e);
    if (rc != HL_OK) return hl_err_set(err, rc, "the trust list %s: %s", path, e.msg);
    rc = hl_trust_parse(text, len, path, t, diags, err);
    free(text);
    return rc;
}

hl_trust_verdict_t hl_trust_check(const hl_trust_t *t, const char *kiosk_id,
                                  const unsigned char pub[HL_DEVKEY_PUB_LEN])
{
    bool kiosk_listed = false, key_listed = false;
    for (size_t i = 0; t && i < t->n; i++) {
        bool same_kiosk = kiosk_id && strcasecmp(t->e[i].kiosk_id, kiosk_id) == 0;
        bool same_key = CRYPTO_memcmp(t->e[i].pub, pub, HL_DEVKEY_PUB_LEN) == 0;
        if (same_kiosk && same_key) return HL_TRUST_OK;
        kiosk_listed |= same_kiosk;
        key_listed |= same_key;
    }
    if (kiosk_listed) return HL_TRUST_OTHER_KEY;
    return key_listed ? HL_TRUST_OTHER_KIOSK : HL_TRUST_UNKNOWN_KEY;
}
