/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_pin.h: the technician's PIN: its salted hash (PBKDF2-HMAC-SHA256,
 * OpenSSL libcrypto) as the config keeps it, and the lockout clock.
 *
 * Stored form: "pbkdf2-sha256$<iterations>$<salt>$<hash>", salt (16 bytes)
 * and hash (32 bytes) in standard base64 without line breaks. The PIN is
 * 6 to 12 digits and never stored nor logged. Verification compares in
 * constant time.
 *
 * Lockout: five wrong PINs in a row lock the entry for 5 minutes; each
 * further lockout (before a right PIN) doubles the time, up to a day. The
 * state is kept in the store (hl_store_pin_get/put) so a restart does not
 * reset it. Within a run the time left counts on the monotonic clock; after
 * a restart it resumes from the wall clock: the part of the lockout already
 * past (0 .. lock_ms) is deducted when the clock was trusted at the lockout;
 * a lockout begun on an untrusted clock (a Pi without RTC before NTP, whose
 * clock may leap forward after a reboot) or a clock that went back restarts
 * the whole lockout rather than ending it: a power cycle never shortens it.
 */
#ifndef HL_PIN_H
#define HL_PIN_H

#include "hl_err.h"
#include "hl_sys.h"

#include <stdbool.h>
#include <stdint.h>

#define HL_PIN_MIN_DIGITS  6
#define HL_PIN_MAX_DIGITS  12
#define HL_PIN_ITERATIONS  200000 /* default: about 0.2 s on a Raspberry Pi 4 */
#define HL_PIN_ITER_MIN    10000  /* fewest accepted in a stored hash */
#define HL_PIN_ITER_MAX    10000000
#define HL_PIN_HASH_MAX    128 /* bytes of the stored form, NUL included */
#define HL_PIN_TRIES       5   /* wrong PINs before a lockout */
#define HL_PIN_LOCK_MS     (5 * 60 * 1000)
#define HL_PIN_LOCK_MAX_MS (24 * 60 * 60 * 1000)

/* HL_OK when pin is 6..12 ASCII digits; HL_ERR_INVALID with a message
 * (which never repeats the PIN) otherwise. */
int hl_pin_check(const char *pin, hl_err_t *err);

/* Hashes pin with a fresh 16-byte salt from sys->random into out (the
 * stored form). HL_ERR_INVALID for a bad PIN or iteration count,
 * HL_ERR_INTERNAL when the random source or libcrypto fails. */
int hl_pin_hash(const char *pin, int iterations, const hl_sys_t *sys, char out[HL_PIN_HASH_MAX],
                hl_err_t *err);

/* True when stored is a well-formed stored form (for the config check). */
bool hl_pin_stored_valid(const char *stored);

/* Checks pin against stored: *ok true when it matches. HL_ERR_INVALID when
 * stored is malformed (then *ok is false). A malformed PIN is just wrong. */
int hl_pin_verify(const char *pin, const char *stored, bool *ok, hl_err_t *err);

/* ---- Lockout ---------------------------------------------------------------- */

typedef struct hl_pin_lock {
    int failures;             /* wrong PINs since the last right one or lockout */
    int lockouts;             /* lockouts since the last right PIN */
    int64_t locked_at_utc_ms; /* wall clock when the current lockout began; -1: none */
    int64_t lock_ms;          /* length of the current lockout, 0: none */
    int64_t since_mono_ms;    /* monotonic time the lockout counts from in this run */
    int64_t left_at_since_ms; /* lockout left at since_mono_ms */
    bool clock_trusted;       /* the wall clock was trusted when the lockout began: only then
                                 does a restart deduct the part already past */
} hl_pin_lock_t;

void hl_pin_lock_init(hl_pin_lock_t *l);

/* Milliseconds the entry stays locked (0: open). */
int64_t hl_pin_lock_left(const hl_pin_lock_t *l, int64_t now_mono_ms);

/* Records a wrong PIN; true when it starts a lockout (5 << lockouts
 * minutes, capped at HL_PIN_LOCK_MAX_MS). A lockout that has run out
 * resets the failure count first. */
bool hl_pin_lock_fail(hl_pin_lock_t *l, int64_t now_mono_ms, int64_t now_utc_ms);

/* A right PIN: everything cleared. */
void hl_pin_lock_success(hl_pin_lock_t *l);

/* After loading the persisted fields (failures, lockouts, locked_at_utc_ms,
 * lock_ms) at start: sets the in-run clock (see the top of this file). */
void hl_pin_lock_restore(hl_pin_lock_t *l, int64_t now_mono_ms, int64_t now_utc_ms);

#endif
