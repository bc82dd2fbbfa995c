/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_test.c: the test runner and file/process helpers of hl_test.h.
 *
 * Kept deliberately small: tests are plain functions; the harness counts
 * failures per test and prints a closing "N passed, N failed" line that CTest
 * logs and CI reads.
 */
#include "hl_test.h"
#include "hl_devkey.h"
#include "hl_sys.h"

#include "hl_platform.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int g_failures; /* failures of the running test: harness-only state */

void hl_test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "  %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    g_failures++;
}

int hl_test_main(int argc, char **argv, const hl_test_case_t *cases, size_t n)
{
    int passed = 0, failed = 0;
    /* Test data may live in a tmpfs ($TMPDIR, /dev/shm): the kiosk refuses
     * that by default (answers in RAM); the tests of that refusal unset it. */
    setenv("HAILONG_DATA_IN_RAM", "1", 0);
    for (size_t i = 0; i < n; i++) {
        if (argc > 1 && strcmp(argv[1], cases[i].name) != 0) continue;
        g_failures = 0;
        cases[i].fn();
        if (g_failures) {
            fprintf(stderr, "FAIL %s\n", cases[i].name);
            failed++;
        } else {
            printf("ok   %s\n", cases[i].name);
            passed++;
        }
        fflush(stdout);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : (passed ? 0 : 1);
}

char *hl_test_tmpdir(const char *tag)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base) base = "/tmp";
    size_t len = strlen(base) + strlen(tag) + 32;
    char *path = malloc(len);
    if (!path) abort();
    snprintf(path, len, "%s/hl-%s-XXXXXX", base, tag);
    if (!mkdtemp(path)) {
        perror("mkdtemp");
        abort();
    }
    return path;
}

void hl_test_rmtree(const char *path)
{
    hl_err_t err = {0};
    if (hl_platform_rmtree(path, &err) != HL_OK) fprintf(stderr, "  cleanup: %s\n", err.msg);
}

char *hl_test_write_file(const char *dir, const char *name, const char *text)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *path = malloc(len);
    if (!path) abort();
    snprintf(path, len, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        abort();
    }
    fwrite(text, 1, strlen(text), f);
    fclose(f);
    return path;
}

char *hl_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (!buf) abort();
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            cap *= 2;
            buf = realloc(buf, cap);
            if (!buf) abort();
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

static char *slurp_fd(int fd)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (!buf) abort();
    for (;;) {
        if (cap - n < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
            if (!buf) abort();
        }
        ssize_t got = read(fd, buf + n, cap - n - 1);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        n += (size_t)got;
    }
    buf[n] = '\0';
    return buf;
}

/* The ELF machine (e_machine) of the program at path, or 0 when it is not an
 * ELF file (a script) or cannot be read. open/read only: fork-safe. */
static unsigned elf_machine(const char *path)
{
    unsigned char h[20];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t got = read(fd, h, sizeof h);
    close(fd);
    if (got != (ssize_t)sizeof h || memcmp(h, "\177ELF", 4) != 0) return 0;
    return h[5] == 2 ? (unsigned)h[18] << 8 | h[19] : (unsigned)h[19] << 8 | h[18]; /* EI_DATA */
}

int hl_test_execv(const char *const *argv)
{
    const char *emu = getenv("HL_TEST_EMULATOR");
    if (!emu || !*emu) return execv(argv[0], (char *const *)argv);
    /* Only a program built for this test's own machine needs the emulator
     * (under qemu, /proc/self/exe is the test program); the host's own
     * programs (python3, sqlite3, scripts) run directly. */
    unsigned mine = elf_machine("/proc/self/exe"), its = elf_machine(argv[0]);
    if (mine == 0 || its != mine) return execv(argv[0], (char *const *)argv);
    /* No allocation: this runs in a forked child (maybe of a threaded test). */
    enum { MAX_WORDS = 8, MAX_ARGS = 64 };
    char words[512];
    const char *all[MAX_WORDS + MAX_ARGS + 1];
    size_t n = 0, len = strlen(emu);
    if (len >= sizeof words) {
        errno = E2BIG;
        return -1;
    }
    memcpy(words, emu, len + 1);
    for (char *save = NULL, *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        if (n == MAX_WORDS) {
            errno = E2BIG;
            return -1;
        }
        all[n++] = w;
    }
    if (n == 0) return execv(argv[0], (char *const *)argv); /* only spaces: none */
    for (size_t i = 0; argv[i]; i++) {
        if (n == MAX_WORDS + MAX_ARGS) {
            errno = E2BIG;
            return -1;
        }
        all[n++] = argv[i];
    }
    all[n] = NULL;
    return execvp(all[0], (char *const *)all);
}

int hl_test_run(const char *const *argv, const char *const *extra_env, char **out, char **errout)
{
    return hl_test_run_watchdog(argv, extra_env, out, errout, 0);
}

int hl_test_run_watchdog(const char *const *argv, const char *const *extra_env, char **out,
                         char **errout, unsigned seconds)
{
    char outname[] = "/tmp/hl-test-out-XXXXXX", errname[] = "/tmp/hl-test-err-XXXXXX";
    int ofd = mkstemp(outname), efd = mkstemp(errname);
    if (ofd < 0 || efd < 0) abort();
    unlink(outname);
    unlink(errname);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) abort();
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        dup2(in, 0);
        dup2(ofd, 1);
        dup2(efd, 2);
        for (size_t i = 0; extra_env && extra_env[i]; i++)
            putenv((char *)extra_env[i]);
        if (seconds) alarm(seconds);
        hl_test_execv(argv);
        perror(argv[0]);
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    lseek(ofd, 0, SEEK_SET);
    lseek(efd, 0, SEEK_SET);
    if (out) *out = slurp_fd(ofd);
    if (errout) *errout = slurp_fd(efd);
    close(ofd);
    close(efd);
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

const char *hl_test_data(const char *rel)
{
    static char buf[4096]; /* harness-only convenience buffer */
    snprintf(buf, sizeof buf, "%s/%s", HL_TEST_DATA, rel);
    return buf;
}

void hl_test_expect_diag(const char *file, int at, const hl_diags_t *d, size_t i, int line, int col,
                         const char *path, const char *msg)
{
    if (i >= d->n) {
        hl_test_fail(file, at, "diagnostic %zu missing (%zu recorded)", i, d->n);
        hl_diags_print(d, stderr);
        return;
    }
    const hl_diag_t *it = &d->items[i];
    bool path_ok = path ? (it->path && strcmp(it->path, path) == 0) : it->path == NULL;
    if (it->line != line || it->col != col || !path_ok || !strstr(it->msg, msg)) {
        hl_test_fail(file, at,
                     "diagnostic %zu is %d:%d \"%s\" (at %s); expected %d:%d \"%s\" (at %s)", i,
                     it->line, it->col, it->msg, it->path ? it->path : "-", line, col, msg,
                     path ? path : "-");
    }
}

void hl_test_devkey(struct hl_devkey *k, unsigned seed)
{
    hl_fakesys_t f;
    hl_fakesys_init(&f, 0, true, 0x5eed0000u + seed);
    hl_sys_t sys = hl_fakesys_sys(&f);
    hl_err_t err = {0};
    if (hl_devkey_generate(&sys, k, &err) != HL_OK) {
        fprintf(stderr, "hl_test_devkey: %s\n", err.msg);
        abort();
    }
}

char *hl_test_trust_file(const char *dir, const char *name, const char *kiosk_id,
                         const struct hl_devkey *k)
{
    char line[256];
    hl_devkey_trust_line(k, kiosk_id, line, sizeof line);
    char text[300];
    snprintf(text, sizeof text, "# test trust list\n%s\n", line);
    return hl_test_write_file(dir, name, text);
}
