/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_pin.c: the technician's PIN hash (PBKDF2-HMAC-SHA256 from libcrypto)
 * in its stored form, and the lockout clock (see hl_pin.h).
 *
 * A stored form is parsed strictly: the "pbkdf2-sha256" tag, a decimal
 * iteration count without leading zeros in HL_PIN_ITER_MIN..MAX, a 16-byte
 * salt (24 base64 characters, "==" padded) and a 32-byte hash (44 base64
 * characters, '=' padded), each of which must re-encode to exactly the text
 * given, so one hash has one spelling. Derived keys are wiped after use and
 * compared with CRYPTO_memcmp.
 *
 * Lockout: a wrong PIN while the entry is locked is not counted (the pad is
 * closed then; this keeps a stray call from stretching the lockout). The
 * failure count stays at HL_PIN_TRIES during a lockout and restarts at 0
 * with the first wrong PIN after it ran out; the lockout count is kept
 * until a right PIN, so the next lockout doubles.
 */
#include "hl_pin.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <stdio.h>
#include <string.h>

#define PIN_TAG       "pbkdf2-sha256$"
#define PIN_SALT_LEN  16
#define PIN_KEY_LEN   32
#define PIN_SALT_B64  24 /* base64 characters of the salt, "==" included */
#define PIN_KEY_B64   44 /* base64 characters of the hash, '=' included */
#define PIN_ITER_DIGS 8  /* decimal digits of HL_PIN_ITER_MAX */

_Static_assert(sizeof PIN_TAG - 1 + PIN_ITER_DIGS + 1 + PIN_SALT_B64 + 1 + PIN_KEY_B64 <
                   HL_PIN_HASH_MAX,
               "the longest stored form fits HL_PIN_HASH_MAX");

int hl_pin_check(const char *pin, hl_err_t *err)
{
    if (!pin || !pin[0])
        return hl_err_set(err, HL_ERR_INVALID, "the PIN is empty: give %d to %d digits",
                          HL_PIN_MIN_DIGITS, HL_PIN_MAX_DIGITS);
    size_t len = strlen(pin);
    for (size_t i = 0; i < len; i++)
        if (pin[i] < '0' || pin[i] > '9')
            return hl_err_set(err, HL_ERR_INVALID,
                              "the PIN must be digits only (0-9); character %zu is not one", i + 1);
    if (len < HL_PIN_MIN_DIGITS || len > HL_PIN_MAX_DIGITS)
        return hl_err_set(err, HL_ERR_INVALID, "the PIN must be %d to %d digits, not %zu",
                          HL_PIN_MIN_DIGITS, HL_PIN_MAX_DIGITS, len);
    return HL_OK;
}

/* Derives the 32-byte key of pin with salt; false when libcrypto fails. */
static bool pin_derive(const char *pin, const unsigned char *salt, int iterations,
                       unsigned char key[PIN_KEY_LEN])
{
    return PKCS5_PBKDF2_HMAC(pin, (int)strlen(pin), salt, PIN_SALT_LEN, iterations, EVP_sha256(),
                             PIN_KEY_LEN, key) == 1;
}

int hl_pin_hash(const char *pin, int iterations, const hl_sys_t *sys, char out[HL_PIN_HASH_MAX],
                hl_err_t *err)
{
    out[0] = '\0';
    int rc = hl_pin_check(pin, err);
    if (rc != HL_OK) return rc;
    if (iterations < HL_PIN_ITER_MIN || iterations > HL_PIN_ITER_MAX)
        return hl_err_set(err, HL_ERR_INVALID, "the iteration count must be %d to %d, not %d",
                          HL_PIN_ITER_MIN, HL_PIN_ITER_MAX, iterations);
    unsigned char salt[PIN_SALT_LEN], key[PIN_KEY_LEN];
    if (!sys || !sys->random || sys->random(sys->ctx, salt, sizeof salt) != 0)
        return hl_err_set(err, HL_ERR_INTERNAL, "no random bytes for the PIN's salt");
    if (!pin_derive(pin, salt, iterations, key)) {
        explicit_bzero(key, sizeof key);
        return hl_err_set(err, HL_ERR_INTERNAL, "libcrypto could not derive the PIN hash");
    }
    char salt64[PIN_SALT_B64 + 1], key64[PIN_KEY_B64 + 1];
    EVP_EncodeBlock((unsigned char *)salt64, salt, PIN_SALT_LEN);
    EVP_EncodeBlock((unsigned char *)key64, key, PIN_KEY_LEN);
    explicit_bzero(key, sizeof key);
    snprintf(out, HL_PIN_HASH_MAX, PIN_TAG "%d$%s$%s", iterations, salt64, key64);
    explicit_bzero(key64, sizeof key64);
    return HL_OK;
}

/* Decodes exactly b64_len characters at s into n bytes at out: every
 * character base64, the padding where n requires it, and the canonical
 * spelling (re-encoding gives s back). */
static bool b64_decode_exact(const char *s, size_t b64_len, unsigned char *out, size_t n)
{
    size_t pad = (3 - n % 3) % 3;
    for (size_t i = 0; i < b64_len; i++) {
        char c = s[i];
        bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        bool ok = i < b64_len - pad ? alnum || c == '+' || c == '/' : c == '=';
        if (!ok) return false;
    }
    unsigned char buf[PIN_KEY_B64]; /* the larger of the two decoded sizes, rounded to 3 */
    char again[PIN_KEY_B64 + 1];
    if (b64_len > sizeof buf || (b64_len / 4) * 3 != n + pad) return false;
    if (EVP_DecodeBlock(buf, (const unsigned char *)s, (int)b64_len) != (int)(n + pad))
        return false;
    EVP_EncodeBlock((unsigned char *)again, buf, (int)n);
    bool same = memcmp(again, s, b64_len) == 0;
    if (same) memcpy(out, buf, n);
    explicit_bzero(buf, sizeof buf);
    return same;
}

/* Parses a stored form into its parts; false when malformed. */
static bool pin_parse(const char *stored, int *iterations, unsigned char salt[PIN_SALT_LEN],
                      unsigned char key[PIN_KEY_LEN])
{
    if (!stored) return false;
    size_t len = strnlen(stored, HL_PIN_HASH_MAX);
    if (len >= HL_PIN_HASH_MAX || strncmp(stored, PIN_TAG, sizeof PIN_TAG - 1) != 0) return false;
    const char *p = stored + sizeof PIN_TAG - 1;
    size_t digits = 0;
    long iter = 0;
    while (p[digits] >= '0' && p[digits] <= '9' && digits <= PIN_ITER_DIGS)
        iter = iter * 10 + (p[digits++] - '0');
    if (digits == 0 || digits > PIN_ITER_DIGS || p[0] == '0' || p[digits] != '$') return false;
    if (iter < HL_PIN_ITER_MIN || iter > HL_PIN_ITER_MAX) return false;
    p += digits + 1;
    if (strnlen(p, PIN_SALT_B64 + 1) < PIN_SALT_B64 + 1 || p[PIN_SALT_B64] != '$') return false;
    if (!b64_decode_exact(p, PIN_SALT_B64, salt, PIN_SALT_LEN)) return false;
    p += PIN_SALT_B64 + 1;
    if (strlen(p) != PIN_KEY_B64) return false;
    if (!b64_decode_exact(p, PIN_KEY_B64, key, PIN_KEY_LEN)) return false;
    *iterations = (int)iter;
    return true;
}

bool hl_pin_stored_valid(const char *stored)
{
    int iterations;
    unsigned char salt[PIN_SALT_LEN], key[PIN_KEY_LEN];
    bool ok = pin_parse(stored, &iterations, salt, key);
    explicit_bzero(key, sizeof key);
    return ok;
}

int hl_pin_verify(const char *pin, const char *stored, bool *ok, hl_err_t *err)
{
    *ok = false;
    int iterations;
    unsigned char salt[PIN_SALT_LEN], want[PIN_KEY_LEN], got[PIN_KEY_LEN];
    if (!pin_parse(stored, &iterations, salt, want)) {
        explicit_bzero(want, sizeof want);
        return hl_err_set(err, HL_ERR_INVALID,
                          "the technician PIN hash is malformed: set the PIN again with "
                          "hailong set-pin");
    }
    int rc = HL_OK;
    if (hl_pin_check(pin, NULL) != HL_OK) {
        /* Just wrong. */
    } else if (!pin_derive(pin, salt, iterations, got)) {
        rc = hl_err_set(err, HL_ERR_INTERNAL, "libcrypto could not derive the PIN hash");
    } else {
        *ok = CRYPTO_memcmp(got, want, sizeof got) == 0;
    }
    explicit_bzero(got, sizeof got);
    explicit_bzero(want, sizeof want);
    return rc;
}

/* ---- Lockout ---------------------------------------------------------------- */

void hl_pin_lock_init(hl_pin_lock_t *l)
{
    *l = (hl_pin_lock_t){.locked_at_utc_ms = -1};
}

int64_t hl_pin_lock_left(const hl_pin_lock_t *l, int64_t now_mono_ms)
{
    if (l->lock_ms <= 0) return 0;
    int64_t passed = now_mono_ms - l->since_mono_ms;
    if (passed < 0) passed = 0; /* the monotonic clock never goes back; be safe anyway */
    int64_t left = l->left_at_since_ms - passed;
    return left > 0 ? left : 0;
}

/* Length of the lockout that follows `lockouts` earlier ones. */
static int64_t lock_length(int lockouts)
{
    int64_t ms = HL_PIN_LOCK_MS;
    for (int i = 0; i < lockouts && ms < HL_PIN_LOCK_MAX_MS; i++)
        ms *= 2;
    return ms < HL_PIN_LOCK_MAX_MS ? ms : HL_PIN_LOCK_MAX_MS;
}

bool hl_pin_lock_fail(hl_pin_lock_t *l, int64_t now_mono_ms, int64_t now_utc_ms)
{
    if (l->lock_ms > 0) {
        if (hl_pin_lock_left(l, now_mono_ms) > 0) return false; /* locked: not counted */
        l->failures = 0;                                        /* the lockout ran out */
        l->lock_ms = 0;
        l->locked_at_utc_ms = -1;
        l->since_mono_ms = l->left_at_since_ms = 0;
    }
    if (++l->failures < HL_PIN_TRIES) return false;
    l->lock_ms = lock_length(l->lockouts);
    if (l->lockouts < 1000) l->lockouts++;
    l->locked_at_utc_ms = now_utc_ms;
    l->since_mono_ms = now_mono_ms;
    l->left_at_since_ms = l->lock_ms;
    return true;
}

void hl_pin_lock_success(hl_pin_lock_t *l)
{
    hl_pin_lock_init(l);
}

void hl_pin_lock_restore(hl_pin_lock_t *l, int64_t now_mono_ms, int64_t now_utc_ms)
{
    if (l->failures < 0) l->failures = 0;
    if (l->lockouts < 0) l->lockouts = 0;
    l->since_mono_ms = now_mono_ms;
    if (l->lock_ms <= 0) {
        l->lock_ms = 0;
        l->locked_at_utc_ms = -1;
        l->left_at_since_ms = 0;
        return;
    }
    if (l->lock_ms > HL_PIN_LOCK_MAX_MS) l->lock_ms = HL_PIN_LOCK_MAX_MS;
    int64_t passed = now_utc_ms - l->locked_at_utc_ms;
    if (l->locked_at_utc_ms < 0 || passed < 0 || !l->clock_trusted) {
        /* The wall clock went back (or the start is unknown): the whole
         * lockout again, counted from now (the caller may persist that). */
        l->locked_at_utc_ms = now_utc_ms;
        l->left_at_since_ms = l->lock_ms;
    } else {
        l->left_at_since_ms = passed < l->lock_ms ? l->lock_ms - passed : 0;
    }
}
