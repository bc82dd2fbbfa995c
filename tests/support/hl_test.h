/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_test.h: the small test harness every tests/test_<module>.c uses.
 *
 * A test is a function named for the behaviour it checks, listed in the
 * file's HL_TESTS table. CHECK macros record a failure with file and line and
 * go on; the runner prints one line per failing test and closes with
 *     N passed, N failed
 * and exits non-zero on any failure. `test_x NAME` runs one test by name.
 */
#ifndef HL_TEST_H
#define HL_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct hl_test_case {
    const char *name;
    void (*fn)(void);
} hl_test_case_t;

/* Counts failures of the running test (harness state; tests only). */
void hl_test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int hl_test_main(int argc, char **argv, const hl_test_case_t *cases, size_t n);

#define HL_TEST(fn)                                                                                \
    {                                                                                              \
#fn, fn                                                                                    \
    }
#define HL_TEST_MAIN(table)                                                                        \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        return hl_test_main(argc, argv, table, sizeof(table) / sizeof(table[0]));                  \
    }

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) hl_test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                         \
    } while (0)
#define CHECK_INT(a, b)                                                                            \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_)                                                                              \
            hl_test_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, a_, #b, b_);   \
    } while (0)
#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if ((a_ || b_) && (!a_ || !b_ || strcmp(a_, b_) != 0))                                     \
            hl_test_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a,                  \
                         a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                  \
    } while (0)
#define CHECK_CONTAINS(hay, needle)                                                                \
    do {                                                                                           \
        const char *h_ = (hay), *n_ = (needle);                                                    \
        if (!h_ || !strstr(h_, n_))                                                                \
            hl_test_fail(__FILE__, __LINE__, "%s does not contain \"%s\": \"%s\"", #hay, n_,       \
                         h_ ? h_ : "(null)");                                                      \
    } while (0)

/* ---- Diagnostics ---------------------------------------------------------- */

#include "hl_diag.h"

/* Checks diagnostic i: its line, column, path (NULL: none) and that its
 * message contains msg; prints the whole list when it does not match. */
void hl_test_expect_diag(const char *file, int at, const hl_diags_t *d, size_t i, int line, int col,
                         const char *path, const char *msg);
#define EXPECT_DIAG(d, i, line, col, path, msg)                                                    \
    hl_test_expect_diag(__FILE__, __LINE__, d, i, line, col, path, msg)
#define EXPECT_COUNT(d, count)                                                                     \
    do {                                                                                           \
        CHECK_INT((d)->n, count);                                                                  \
        if ((d)->n != (size_t)(count)) hl_diags_print(d, stderr);                                  \
    } while (0)

/* ---- Helpers ------------------------------------------------------------ */

/* Makes a fresh empty directory under $TMPDIR (or /tmp) and returns its
 * malloc'd path; removed with hl_test_rmtree. */
char *hl_test_tmpdir(const char *tag);
void hl_test_rmtree(const char *path);

/* Writes text to dir/name, returns the malloc'd path. */
char *hl_test_write_file(const char *dir, const char *name, const char *text);

/* Reads a whole file (malloc'd, NUL-terminated) or NULL; *len may be NULL. */
char *hl_test_read_file(const char *path, size_t *len);

/* Runs argv (argv[0] a path) with stdin from /dev/null, capturing stdout and
 * stderr (malloc'd, may be NULL args to discard). Returns the exit code, or
 * 128+signal. extra_env: "K=V" strings added to the environment, NULL-ended
 * (may be NULL). */
int hl_test_run(const char *const *argv, const char *const *extra_env, char **out, char **errout);

/* hl_test_run with a watchdog: the child gets alarm(seconds) before the exec
 * (kept across it), so a program that hangs is killed by SIGALRM and the
 * call returns 128+SIGALRM instead of hanging the suite. Generous limits
 * only: this catches a hang, it measures nothing. */
int hl_test_run_watchdog(const char *const *argv, const char *const *extra_env, char **out,
                         char **errout, unsigned seconds);

/* Execs argv (argv[0] a path, NULL-ended) in place of this process, like
 * execv, and returns only on failure (-1, errno set). When $HL_TEST_EMULATOR
 * is set (a cross build's CTest sets it to its CMAKE_CROSSCOMPILING_EMULATOR,
 * e.g. "qemu-aarch64-static") and argv[0] is an ELF program for the same
 * machine as this test (HL_BIN of an arm64 build, this test running under
 * qemu), execs that emulator instead with argv appended: without binfmt_misc
 * an arm64 program cannot be exec'd directly. Host programs (python3,
 * sqlite3, scripts) are exec'd as they are. The variable may hold options
 * after the emulator's path, separated by spaces. hl_test_run uses it. */
int hl_test_execv(const char *const *argv);

/* A device key made from a seed (the same seed, the same key), for tests
 * that sign; free with hl_devkey_free. Fails the test on error. */
struct hl_devkey;
void hl_test_devkey(struct hl_devkey *k, unsigned seed);

/* Writes a trust list holding kiosk_id with k's public key to dir/name and
 * returns its malloc'd path. */
char *hl_test_trust_file(const char *dir, const char *name, const char *kiosk_id,
                         const struct hl_devkey *k);

/* Path of a file under tests/data (static buffer, valid until next call). */
const char *hl_test_data(const char *rel);

#endif
