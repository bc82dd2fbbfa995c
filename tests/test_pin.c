/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_pin.c: the technician PIN: its format, the salted PBKDF2 hash in its
 * stored form (round trip, wrong PINs, every malformed field), and the
 * lockout clock (five tries, doubling, the cap, running out, a restart with
 * the wall clock right, gone back or far ahead). Prints how long one hash
 * with HL_PIN_ITERATIONS takes on this machine, for the notes.
 */
#include "hl_pin.h"
#include "hl_test.h"

#include <stdlib.h>
#include <time.h>

#define T0_UTC  1767225600000LL /* 2026-01-01T00:00:00Z */
#define MINUTES (60 * 1000LL)

/* A stored form of pin made with the fewest accepted iterations (fast). */
static void make_hash(const char *pin, uint64_t seed, char out[HL_PIN_HASH_MAX])
{
    hl_fakesys_t fs;
    hl_fakesys_init(&fs, T0_UTC, true, seed);
    hl_sys_t sys = hl_fakesys_sys(&fs);
    hl_err_t err = {0};
    CHECK_INT(hl_pin_hash(pin, HL_PIN_ITER_MIN, &sys, out, &err), HL_OK);
}

static bool verifies(const char *pin, const char *stored)
{
    bool ok = true;
    hl_err_t err = {0};
    CHECK_INT(hl_pin_verify(pin, stored, &ok, &err), HL_OK);
    return ok;
}

/* ---- PIN format ------------------------------------------------------------ */

static void test_pin_must_be_6_to_12_digits(void)
{
    hl_err_t err = {0};
    CHECK_INT(hl_pin_check("123456", &err), HL_OK);
    CHECK_INT(hl_pin_check("123456789012", &err), HL_OK);
    CHECK_INT(hl_pin_check("12345", &err), HL_ERR_INVALID);
    CHECK_CONTAINS(err.msg, "6 to 12 digits");
    CHECK(!strstr(err.msg, "12345"));
    CHECK_INT(hl_pin_check("1234567890123", &err), HL_ERR_INVALID);
    CHECK(!strstr(err.msg, "1234567890123"));
    CHECK_INT(hl_pin_check("12ab56", &err), HL_ERR_INVALID);
    CHECK_CONTAINS(err.msg, "digits only");
    CHECK(!strstr(err.msg, "12ab56"));
    CHECK_INT(hl_pin_check("123 456", &err), HL_ERR_INVALID);
    CHECK_INT(hl_pin_check("", &err), HL_ERR_INVALID);
    CHECK_INT(hl_pin_check(NULL, &err), HL_ERR_INVALID);
}

/* ---- Hash and verify ------------------------------------------------------- */

static void test_hash_then_verify_accepts_the_same_pin(void)
{
    char stored[HL_PIN_HASH_MAX];
    make_hash("246810", 7, stored);
    CHECK(!strstr(stored, "246810"));
    CHECK(hl_pin_stored_valid(stored));
    CHECK(verifies("246810", stored));
    char twelve[HL_PIN_HASH_MAX];
    make_hash("123456789012", 8, twelve);
    CHECK(verifies("123456789012", twelve));
}

static void test_verify_refuses_a_wrong_or_malformed_pin(void)
{
    char stored[HL_PIN_HASH_MAX];
    make_hash("246810", 7, stored);
    CHECK(!verifies("246811", stored));
    CHECK(!verifies("2468100", stored));
    CHECK(!verifies("24681", stored)); /* malformed: just wrong, not an error */
    CHECK(!verifies("abcdef", stored));
    CHECK(!verifies("", stored));
}

static void test_hash_records_its_iterations_in_the_stored_form(void)
{
    hl_fakesys_t fs;
    hl_fakesys_init(&fs, T0_UTC, true, 3);
    hl_sys_t sys = hl_fakesys_sys(&fs);
    hl_err_t err = {0};
    char stored[HL_PIN_HASH_MAX];
    CHECK_INT(hl_pin_hash("975310", 12345, &sys, stored, &err), HL_OK);
    CHECK(strncmp(stored, "pbkdf2-sha256$12345$", 20) == 0);
    /* salt 24 and hash 44 base64 characters after the count */
    const char *salt = strchr(stored + 14, '$') + 1;
    const char *hash = strchr(salt, '$');
    CHECK(hash && hash - salt == 24 && strlen(hash + 1) == 44);
    CHECK(verifies("975310", stored));
    /* The count is used: the same salt and hash under another count fails. */
    char other[HL_PIN_HASH_MAX];
    snprintf(other, sizeof other, "pbkdf2-sha256$12346$%s", salt);
    CHECK(hl_pin_stored_valid(other));
    CHECK(!verifies("975310", other));
    CHECK_INT(hl_pin_hash("975310", HL_PIN_ITER_MIN - 1, &sys, stored, &err), HL_ERR_INVALID);
    CHECK_INT(hl_pin_hash("975310", HL_PIN_ITER_MAX + 1, &sys, stored, &err), HL_ERR_INVALID);
    CHECK_INT(hl_pin_hash("97531", HL_PIN_ITER_MIN, &sys, stored, &err), HL_ERR_INVALID);
}

static void test_each_hash_has_its_own_salt(void)
{
    hl_fakesys_t fs;
    hl_fakesys_init(&fs, T0_UTC, true, 11);
    hl_sys_t sys = hl_fakesys_sys(&fs);
    hl_err_t err = {0};
    char a[HL_PIN_HASH_MAX], b[HL_PIN_HASH_MAX];
    CHECK_INT(hl_pin_hash("555555", HL_PIN_ITER_MIN, &sys, a, &err), HL_OK);
    CHECK_INT(hl_pin_hash("555555", HL_PIN_ITER_MIN, &sys, b, &err), HL_OK);
    CHECK(strcmp(a, b) != 0);
    const char *sa = strchr(a + 14, '$'), *sb = strchr(b + 14, '$');
    CHECK(sa && sb && strncmp(sa, sb, 25) != 0); /* the salts differ, not only the hashes */
    CHECK(verifies("555555", a));
    CHECK(verifies("555555", b));
}

static int failing_random(void *ctx, void *buf, size_t n)
{
    (void)ctx;
    (void)buf;
    (void)n;
    return -1;
}

static void test_hash_fails_without_random_bytes(void)
{
    hl_sys_t sys = {0};
    sys.random = failing_random;
    hl_err_t err = {0};
    char stored[HL_PIN_HASH_MAX];
    CHECK_INT(hl_pin_hash("123456", HL_PIN_ITER_MIN, &sys, stored, &err), HL_ERR_INTERNAL);
    CHECK_STR(stored, "");
}

static void test_malformed_stored_forms_are_refused_field_by_field(void)
{
    char good[HL_PIN_HASH_MAX];
    make_hash("246810", 7, good);
    const char *salt = strchr(good + 14, '$') + 1; /* 24 chars, '$', 44 chars */
    const char *hash = salt + 25;
    char bad[16][HL_PIN_HASH_MAX + 64];
    int n = 0;
    /* tag */
    snprintf(bad[n++], sizeof bad[0], "pbkdf2-sha1$10000$%s", salt);
    snprintf(bad[n++], sizeof bad[0], "PBKDF2-SHA256$10000$%s", salt);
    /* iterations: empty, leading zero, too few, too many, not a number */
    snprintf(bad[n++], sizeof bad[0], "pbkdf2-sha256$$%s", salt);
    snprintf(bad[n++], sizeof bad[0], "pbkdf2-sha256$010000$%s", salt);
    snprintf(bad[n++], sizeof bad[0], "pbkdf2-sha256$9999$%s", salt);
    snprintf(bad[n++], sizeof bad[0], "pbkdf2-sha256$10000001$%s", salt);
    snprintf(bad[n++], sizeof bad[0], "pbkdf2-sha256$1e5$%s", salt);
    /* salt: too short, bad character, missing padding */
    snprintf(bad[n++], sizeof bad[0], "pbkdf2-sha256$10000$%.20s$%s", salt, hash);
    snprintf(bad[n++], sizeof bad[0], "pbkdf2-sha256$10000$*%.23s$%s", salt + 1, hash);
    snprintf(bad[n++], sizeof bad[0], "pbkdf2-sha256$10000$%.22sAA$%s", salt, hash);
    /* hash: too short, too long, bad padding, missing */
    snprintf(bad[n++], sizeof bad[0], "pbkdf2-sha256$10000$%.24s$%.40s", salt, hash);
    snprintf(bad[n++], sizeof bad[0], "pbkdf2-sha256$10000$%.24s$%sAAAA", salt, hash);
    snprintf(bad[n++], sizeof bad[0], "pbkdf2-sha256$10000$%.24s$%.43sA", salt, hash);
    snprintf(bad[n++], sizeof bad[0], "pbkdf2-sha256$10000$%.24s", salt);
    /* extra field, empty */
    snprintf(bad[n++], sizeof bad[0], "%s$x", good);
    snprintf(bad[n++], sizeof bad[0], "%s", "");
    for (int i = 0; i < n; i++) {
        if (hl_pin_stored_valid(bad[i])) hl_test_fail(__FILE__, __LINE__, "accepted: %s", bad[i]);
        bool ok = true;
        hl_err_t err = {0};
        CHECK_INT(hl_pin_verify("246810", bad[i], &ok, &err), HL_ERR_INVALID);
        CHECK(!ok);
        CHECK_CONTAINS(err.msg, "set-pin");
    }
    CHECK(!hl_pin_stored_valid(NULL));
    /* A non-canonical spelling of the salt's last character (its unused
     * bits set) is refused too: one hash, one spelling. */
    char noncanon[HL_PIN_HASH_MAX];
    snprintf(noncanon, sizeof noncanon, "%s", good);
    char *last = strchr(noncanon + 14, '$') + 1 + 21; /* the salt's 22nd character */
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int v = (int)(strchr(b64, *last) - b64);
    *last = b64[v ^ 1]; /* one of the 4 unused low bits */
    CHECK(!hl_pin_stored_valid(noncanon));
}

static void test_one_hash_with_the_default_iterations_takes_a_measured_time(void)
{
    hl_fakesys_t fs;
    hl_fakesys_init(&fs, T0_UTC, true, 5);
    hl_sys_t sys = hl_fakesys_sys(&fs);
    hl_err_t err = {0};
    char stored[HL_PIN_HASH_MAX];
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    CHECK_INT(hl_pin_hash("314159", HL_PIN_ITERATIONS, &sys, stored, &err), HL_OK);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
    fprintf(stderr, "pin: one hash with %d iterations took %.1f ms here\n", HL_PIN_ITERATIONS, ms);
    CHECK(verifies("314159", stored));
}

/* ---- Lockout --------------------------------------------------------------- */

/* Fails n times at mono/utc; returns how many of them started a lockout. */
static int fail_n(hl_pin_lock_t *l, int n, int64_t mono, int64_t utc)
{
    int started = 0;
    for (int i = 0; i < n; i++)
        started += hl_pin_lock_fail(l, mono, utc);
    return started;
}

static void test_five_wrong_pins_lock_for_five_minutes(void)
{
    hl_pin_lock_t l;
    hl_pin_lock_init(&l);
    CHECK_INT(hl_pin_lock_left(&l, 0), 0);
    CHECK_INT(fail_n(&l, 4, 1000, T0_UTC), 0);
    CHECK_INT(l.failures, 4);
    CHECK_INT(hl_pin_lock_left(&l, 1000), 0);
    CHECK(hl_pin_lock_fail(&l, 2000, T0_UTC + 1000));
    CHECK_INT(l.lockouts, 1);
    CHECK_INT(l.lock_ms, 5 * MINUTES);
    CHECK_INT(l.locked_at_utc_ms, T0_UTC + 1000);
    CHECK_INT(hl_pin_lock_left(&l, 2000), 5 * MINUTES);
    CHECK_INT(hl_pin_lock_left(&l, 2000 + 4 * MINUTES), 1 * MINUTES);
    CHECK_INT(hl_pin_lock_left(&l, 2000 + 5 * MINUTES), 0);
    /* Wrong PINs while locked are not counted and do not stretch it. */
    CHECK(!hl_pin_lock_fail(&l, 3000, T0_UTC + 2000));
    CHECK_INT(hl_pin_lock_left(&l, 3000), 5 * MINUTES - 1000);
    CHECK_INT(l.lockouts, 1);
}

static void test_each_further_lockout_doubles(void)
{
    hl_pin_lock_t l;
    hl_pin_lock_init(&l);
    int64_t mono = 1000;
    int64_t want[] = {5, 10, 20, 40, 80};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        CHECK_INT(fail_n(&l, 5, mono, T0_UTC + mono), 1);
        CHECK_INT(l.lock_ms, want[i] * MINUTES);
        CHECK_INT(hl_pin_lock_left(&l, mono), want[i] * MINUTES);
        mono += l.lock_ms;
        CHECK_INT(hl_pin_lock_left(&l, mono), 0);
    }
    CHECK_INT(l.lockouts, 5);
}

static void test_lockout_is_capped_at_a_day(void)
{
    hl_pin_lock_t l;
    hl_pin_lock_init(&l);
    int64_t mono = 1000;
    for (int i = 0; i < 40; i++) {
        CHECK_INT(fail_n(&l, 5, mono, T0_UTC + mono), 1);
        CHECK(l.lock_ms <= HL_PIN_LOCK_MAX_MS);
        mono += l.lock_ms;
    }
    CHECK_INT(l.lock_ms, HL_PIN_LOCK_MAX_MS);
    hl_pin_lock_init(&l);
    l.lockouts = 8; /* 5 << 8 = 1280 min, under a day */
    CHECK_INT(fail_n(&l, 5, 0, T0_UTC), 1);
    CHECK_INT(l.lock_ms, 1280 * MINUTES);
    CHECK_INT(fail_n(&l, 5, l.lock_ms, T0_UTC), 1); /* 2560 min: capped */
    CHECK_INT(l.lock_ms, HL_PIN_LOCK_MAX_MS);
}

static void test_failures_restart_at_zero_after_a_lockout_runs_out(void)
{
    hl_pin_lock_t l;
    hl_pin_lock_init(&l);
    CHECK_INT(fail_n(&l, 5, 1000, T0_UTC), 1);
    int64_t later = 1000 + 5 * MINUTES;
    CHECK(!hl_pin_lock_fail(&l, later, T0_UTC + 5 * MINUTES));
    CHECK_INT(l.failures, 1);
    CHECK_INT(hl_pin_lock_left(&l, later), 0);
    CHECK_INT(fail_n(&l, 3, later, T0_UTC), 0);
    CHECK(hl_pin_lock_fail(&l, later, T0_UTC + 5 * MINUTES));
    CHECK_INT(l.lock_ms, 10 * MINUTES); /* the lockout count was kept */
}

static void test_right_pin_clears_everything(void)
{
    hl_pin_lock_t l;
    hl_pin_lock_init(&l);
    CHECK_INT(fail_n(&l, 5, 1000, T0_UTC), 1);
    CHECK_INT(fail_n(&l, 5, 1000 + 5 * MINUTES, T0_UTC + 5 * MINUTES), 1);
    CHECK_INT(fail_n(&l, 2, 1000 + 15 * MINUTES, T0_UTC + 15 * MINUTES), 0);
    hl_pin_lock_success(&l);
    CHECK_INT(l.failures, 0);
    CHECK_INT(l.lockouts, 0);
    CHECK_INT(l.lock_ms, 0);
    CHECK_INT(l.locked_at_utc_ms, -1);
    CHECK_INT(hl_pin_lock_left(&l, 1000 + 15 * MINUTES), 0);
    CHECK_INT(fail_n(&l, 5, 2000 + 15 * MINUTES, T0_UTC), 1);
    CHECK_INT(l.lock_ms, 5 * MINUTES); /* back to the first length */
}

/* The persisted fields of l, as a restart loads them (in-run ones garbage). */
static hl_pin_lock_t persisted(const hl_pin_lock_t *l)
{
    hl_pin_lock_t r;
    memset(&r, 0x5a, sizeof r);
    r.failures = l->failures;
    r.lockouts = l->lockouts;
    r.locked_at_utc_ms = l->locked_at_utc_ms;
    r.lock_ms = l->lock_ms;
    r.clock_trusted = true; /* the kiosk stores whether its clock was trusted at the lockout */
    return r;
}

static void test_restore_after_restart_deducts_the_part_already_past(void)
{
    hl_pin_lock_t l;
    hl_pin_lock_init(&l);
    CHECK_INT(fail_n(&l, 5, 50000, T0_UTC), 1);
    /* Rebooted 2 minutes later: the monotonic clock started again. */
    hl_pin_lock_t r = persisted(&l);
    hl_pin_lock_restore(&r, 700, T0_UTC + 2 * MINUTES);
    CHECK_INT(hl_pin_lock_left(&r, 700), 3 * MINUTES);
    CHECK_INT(hl_pin_lock_left(&r, 700 + 3 * MINUTES), 0);
    CHECK_INT(r.lockouts, 1);
    CHECK_INT(r.failures, HL_PIN_TRIES);
    /* It then ran out: the next wrong PIN starts counting from one. */
    CHECK(!hl_pin_lock_fail(&r, 700 + 3 * MINUTES, T0_UTC + 5 * MINUTES));
    CHECK_INT(r.failures, 1);
    /* Failures without a lockout survive a restart as they are. */
    hl_pin_lock_t f;
    hl_pin_lock_init(&f);
    CHECK_INT(fail_n(&f, 3, 50000, T0_UTC), 0);
    hl_pin_lock_t rf = persisted(&f);
    hl_pin_lock_restore(&rf, 10, T0_UTC + MINUTES);
    CHECK_INT(hl_pin_lock_left(&rf, 10), 0);
    CHECK_INT(fail_n(&rf, 2, 20, T0_UTC + MINUTES), 1);
}

static void test_restore_with_the_clock_gone_back_restarts_the_whole_lockout(void)
{
    hl_pin_lock_t l;
    hl_pin_lock_init(&l);
    CHECK_INT(fail_n(&l, 5, 50000, T0_UTC), 1);
    CHECK_INT(fail_n(&l, 5, 50000 + 5 * MINUTES, T0_UTC + 5 * MINUTES), 1); /* 10 minutes */
    hl_pin_lock_t r = persisted(&l);
    /* A Pi without RTC boots at 1970 before NTP. */
    hl_pin_lock_restore(&r, 900, 1000);
    CHECK_INT(hl_pin_lock_left(&r, 900), 10 * MINUTES);
    CHECK_INT(hl_pin_lock_left(&r, 900 + 10 * MINUTES), 0);
    CHECK_INT(r.locked_at_utc_ms, 1000); /* counted from the clock it has now */
}

static void test_restore_of_a_lockout_begun_on_an_untrusted_clock_restarts_it(void)
{
    hl_pin_lock_t l;
    hl_pin_lock_init(&l);
    CHECK_INT(fail_n(&l, 5, 50000, T0_UTC), 1);
    hl_pin_lock_t r = persisted(&l);
    r.clock_trusted = false; /* locked before NTP: the clock may leap after a reboot */
    hl_pin_lock_restore(&r, 900, T0_UTC + 365 * 24 * 60 * MINUTES);
    CHECK_INT(hl_pin_lock_left(&r, 900), 5 * MINUTES); /* a power cycle never shortens it */
    CHECK_INT(r.locked_at_utc_ms, T0_UTC + 365 * 24 * 60 * MINUTES);
}

static void test_restore_with_the_clock_far_ahead_opens_the_entry(void)
{
    hl_pin_lock_t l;
    hl_pin_lock_init(&l);
    CHECK_INT(fail_n(&l, 5, 50000, T0_UTC), 1);
    hl_pin_lock_t r = persisted(&l);
    hl_pin_lock_restore(&r, 900, T0_UTC + 365 * 24 * 60 * MINUTES);
    CHECK_INT(hl_pin_lock_left(&r, 900), 0);
    CHECK_INT(r.lockouts, 1); /* the next lockout still doubles */
    CHECK_INT(fail_n(&r, 5, 1000, T0_UTC + 365 * 24 * 60 * MINUTES), 1);
    CHECK_INT(r.lock_ms, 10 * MINUTES);
    /* Nothing persisted at all: open. */
    hl_pin_lock_t z;
    hl_pin_lock_init(&z);
    hl_pin_lock_t rz = persisted(&z);
    hl_pin_lock_restore(&rz, 5, T0_UTC);
    CHECK_INT(hl_pin_lock_left(&rz, 5), 0);
    CHECK_INT(rz.failures, 0);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_pin_must_be_6_to_12_digits),
    HL_TEST(test_hash_then_verify_accepts_the_same_pin),
    HL_TEST(test_verify_refuses_a_wrong_or_malformed_pin),
    HL_TEST(test_hash_records_its_iterations_in_the_stored_form),
    HL_TEST(test_each_hash_has_its_own_salt),
    HL_TEST(test_hash_fails_without_random_bytes),
    HL_TEST(test_malformed_stored_forms_are_refused_field_by_field),
    HL_TEST(test_one_hash_with_the_default_iterations_takes_a_measured_time),
    HL_TEST(test_five_wrong_pins_lock_for_five_minutes),
    HL_TEST(test_each_further_lockout_doubles),
    HL_TEST(test_lockout_is_capped_at_a_day),
    HL_TEST(test_failures_restart_at_zero_after_a_lockout_runs_out),
    HL_TEST(test_right_pin_clears_everything),
    HL_TEST(test_restore_after_restart_deducts_the_part_already_past),
    HL_TEST(test_restore_with_the_clock_gone_back_restarts_the_whole_lockout),
    HL_TEST(test_restore_of_a_lockout_begun_on_an_untrusted_clock_restarts_it),
    HL_TEST(test_restore_with_the_clock_far_ahead_opens_the_entry),
};

HL_TEST_MAIN(tests)
