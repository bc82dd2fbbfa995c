/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_sys.c: core services without a platform (firmware/base/hl_sys.c,
 * hl_err.c, hl_diag.c, hl_lang.c): the fake clock, UUIDs, ISO 8601 times,
 * error records and diagnostics formatting; reading a file the kiosk did not
 * write (hl_file_*: FIFOs, devices, links on a stick, size limits).
 */
#include "hl_diag.h"
#include "hl_err.h"
#include "hl_lang.h"
#include "hl_sys.h"
#include "hl_test.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_uuid_is_version_4_and_differs_each_time(void)
{
    hl_fakesys_t f;
    hl_fakesys_init(&f, 0, true, 42);
    hl_sys_t s = hl_fakesys_sys(&f);
    char a[37], b[37];
    CHECK_INT(hl_uuid_new(&s, a), 0);
    CHECK_INT(hl_uuid_new(&s, b), 0);
    CHECK_INT(strlen(a), 36);
    CHECK(a[14] == '4');
    CHECK(strchr("89ab", a[19]) != NULL);
    CHECK(a[8] == '-' && a[13] == '-' && a[18] == '-' && a[23] == '-');
    CHECK(strcmp(a, b) != 0);
}

static void test_fake_clock_advances_both_clocks(void)
{
    hl_fakesys_t f;
    hl_fakesys_init(&f, 5000, false, 1);
    hl_sys_t s = hl_fakesys_sys(&f);
    int64_t m0 = s.mono_ms(s.ctx);
    hl_fakesys_advance(&f, 250);
    CHECK_INT(s.mono_ms(s.ctx) - m0, 250);
    CHECK_INT(s.utc_ms(s.ctx), 5250);
    CHECK(!s.utc_trusted(s.ctx));
}

static void test_iso8601_round_trips(void)
{
    char buf[32];
    hl_time_iso8601(0, buf);
    CHECK_STR(buf, "1970-01-01T00:00:00Z");
    hl_time_iso8601(1795687200123LL, buf);
    CHECK_STR(buf, "2026-11-26T10:00:00Z");
    int64_t ms = 0;
    CHECK(hl_time_parse_iso8601("2026-11-26T10:00:00Z", &ms));
    CHECK_INT(ms, 1795687200000LL);
    CHECK(hl_time_parse_iso8601("2024-02-29T23:59:59Z", &ms));
    hl_time_iso8601(ms, buf);
    CHECK_STR(buf, "2024-02-29T23:59:59Z");
    CHECK(!hl_time_parse_iso8601("2026-11-27 10:00:00", &ms));
    CHECK(!hl_time_parse_iso8601("2026-13-01T00:00:00Z", &ms));
    CHECK(!hl_time_parse_iso8601("2026-11-26T10:00:00Zx", &ms));
}

static void test_error_wrap_prefixes_context_and_keeps_the_code(void)
{
    hl_err_t e = {0};
    CHECK_INT(hl_err_set(&e, HL_ERR_FULL, "disk full at %d%%", 100), HL_ERR_FULL);
    CHECK_INT(hl_err_wrap(&e, "saving answer %s", "overall"), HL_ERR_FULL);
    CHECK_STR(e.msg, "saving answer overall: disk full at 100%");
    CHECK_STR(hl_rc_name(HL_ERR_FULL), "full");
    CHECK_STR(hl_rc_name(999), "unknown");
    hl_err_clear(&e);
    CHECK_INT(e.code, HL_OK);
    CHECK_STR(e.msg, "");
}

static void test_diagnostics_print_file_line_column_and_path_sorted(void)
{
    hl_diags_t d = {0};
    hl_diags_add(&d, "s.json", 9, 3, "questions[1].id", "second %s", "problem");
    hl_diags_add(&d, "s.json", 2, 14, NULL, "first problem");
    hl_diags_add(&d, "s.json", 0, 0, NULL, "cannot open");
    hl_diags_sort(&d);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    hl_diags_print(&d, mem);
    fclose(mem);
    CHECK_STR(buf, "s.json: cannot open\n"
                   "s.json:2:14: first problem\n"
                   "s.json:9:3: second problem (at questions[1].id)\n");
    free(buf);
    hl_diags_free(&d);
    CHECK_INT(d.n, 0);
}

static void test_language_codes_and_text_fallback(void)
{
    hl_lang_t l;
    CHECK(hl_lang_parse("vi", &l) && l == HL_LANG_VI);
    CHECK(hl_lang_parse("en", &l) && l == HL_LANG_EN);
    CHECK(!hl_lang_parse("fr", &l));
    CHECK(!hl_lang_parse(NULL, &l));
    hl_text_t t = {{NULL, NULL}};
    CHECK_STR(hl_text_get(&t, HL_LANG_VI), "");
    t.s[HL_LANG_EN] = strdup("Hello");
    CHECK_STR(hl_text_get(&t, HL_LANG_VI), "Hello");
    hl_text_free(&t);
    CHECK(t.s[HL_LANG_EN] == NULL);
}

/* The FIFO tests would hang on a blocking open: a watchdog kills the test
 * program then (a failure), rather than the suite hanging. */
#define WATCHDOG_S 120

static void test_a_fifo_is_refused_at_once_and_never_read(void)
{
    alarm(WATCHDOG_S);
    char *dir = hl_test_tmpdir("file-fifo");
    char path[600];
    snprintf(path, sizeof path, "%s/x.json", dir);
    CHECK_INT(mkfifo(path, 0644), 0);
    hl_err_t err = {0};
    char *buf = NULL;
    size_t len = 0;
    CHECK_INT(hl_file_read(NULL, path, 1024, 0, &buf, &len, &err), HL_ERR_INVALID);
    CHECK(buf == NULL);
    CHECK_CONTAINS(err.msg, "FIFO (named pipe), not a regular file");
    CHECK_CONTAINS(err.msg, "replace it with the file itself");
    /* The same below a stick's root. */
    CHECK_INT(hl_file_read(dir, "x.json", 1024, 0, &buf, &len, &err), HL_ERR_INVALID);
    CHECK_CONTAINS(err.msg, "FIFO");
    alarm(0);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_a_mapped_file_reads_its_bytes_and_a_fifo_or_empty_file_is_refused(void)
{
    alarm(WATCHDOG_S);
    char *dir = hl_test_tmpdir("file-map");
    free(hl_test_write_file(dir, "font.ttf", "glyphs"));
    char path[600];
    snprintf(path, sizeof path, "%s/font.ttf", dir);
    const void *data = NULL;
    size_t len = 0;
    hl_err_t err = {0};
    CHECK_INT(hl_file_map(path, 1024, &data, &len, &err), HL_OK);
    CHECK(len == 6 && data && memcmp(data, "glyphs", 6) == 0);
    hl_file_unmap(data, len);
    CHECK_INT(hl_file_map(path, 3, &data, &len, &err), HL_ERR_INVALID); /* over max */
    free(hl_test_write_file(dir, "empty.ttf", ""));
    snprintf(path, sizeof path, "%s/empty.ttf", dir);
    CHECK_INT(hl_file_map(path, 1024, &data, &len, &err), HL_ERR_INVALID);
    CHECK(data == NULL);
    snprintf(path, sizeof path, "%s/pipe.ttf", dir);
    CHECK_INT(mkfifo(path, 0644), 0);
    CHECK_INT(hl_file_map(path, 1024, &data, &len, &err), HL_ERR_INVALID);
    CHECK_CONTAINS(err.msg, "FIFO");
    alarm(0);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_a_device_is_refused_without_reading_it(void)
{
    alarm(WATCHDOG_S);
    hl_err_t err = {0};
    char *buf = NULL;
    size_t len = 0;
    CHECK_INT(hl_file_read(NULL, "/dev/zero", 1024, 0, &buf, &len, &err), HL_ERR_INVALID);
    CHECK_CONTAINS(err.msg, "a device, not a regular file");
    CHECK_INT(hl_file_open(NULL, "/dev/tty", 1024, 0, &err), -1); /* no controlling tty taken */
    alarm(0);
}

static void test_a_file_over_the_limit_is_refused_and_one_at_it_is_read(void)
{
    char *dir = hl_test_tmpdir("file-big");
    free(hl_test_write_file(dir, "ten.json", "0123456789"));
    hl_err_t err = {0};
    char *buf = NULL;
    size_t len = 0;
    CHECK_INT(hl_file_read(dir, "ten.json", 9, 0, &buf, &len, &err), HL_ERR_INVALID);
    CHECK_CONTAINS(err.msg, "larger than the limit of 9 bytes");
    CHECK_INT(hl_file_read(dir, "ten.json", 10, 0, &buf, &len, &err), HL_OK);
    CHECK_INT(len, 10);
    CHECK_STR(buf, "0123456789");
    free(buf);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_no_link_is_followed_below_a_stick_root(void)
{
    char *root = hl_test_tmpdir("file-stick");
    char *real = hl_test_tmpdir("file-real");
    char p[1200];
    free(hl_test_write_file(real, "s.json", "{}"));
    snprintf(p, sizeof p, "%s/HAILONG", root);
    CHECK_INT(symlink(real, p), 0); /* the folder is a link */
    hl_err_t err = {0};
    char *buf = NULL;
    size_t len = 0;
    CHECK_INT(hl_file_read(root, "HAILONG/s.json", 100, 0, &buf, &len, &err), HL_ERR_INVALID);
    CHECK_CONTAINS(err.msg, "the folder \"HAILONG\" on the USB stick is a symbolic link");
    CHECK_INT(hl_file_opendir(root, "HAILONG", &err), -1);
    CHECK_CONTAINS(err.msg, "symbolic link");
    /* The file is a link. */
    unlink(p);
    CHECK_INT(mkdir(p, 0755), 0);
    char target[1200];
    snprintf(target, sizeof target, "%s/s.json", real);
    snprintf(p, sizeof p, "%s/HAILONG/s.json", root);
    CHECK_INT(symlink(target, p), 0);
    CHECK_INT(hl_file_read(root, "HAILONG/s.json", 100, 0, &buf, &len, &err), HL_ERR_INVALID);
    CHECK_CONTAINS(err.msg, "symbolic link, and links are not followed on a USB stick");
    /* Outside a stick a link is followed unless told not to. */
    CHECK_INT(hl_file_read(NULL, p, 100, 0, &buf, &len, &err), HL_OK);
    free(buf);
    CHECK_INT(hl_file_read(NULL, p, 100, HL_FILE_NOFOLLOW, &buf, &len, &err), HL_ERR_INVALID);
    /* No way out of the root; a real file inside is read. */
    CHECK_INT(hl_file_read(root, "../x", 100, 0, &buf, &len, &err), HL_ERR_USAGE);
    unlink(p);
    snprintf(target, sizeof target, "%s/HAILONG", root);
    free(hl_test_write_file(target, "s.json", "{}"));
    CHECK_INT(hl_file_read(root, "HAILONG/s.json", 100, 0, &buf, &len, &err), HL_OK);
    CHECK_STR(buf, "{}");
    free(buf);
    int dfd = hl_file_opendir(root, "HAILONG", &err);
    CHECK(dfd >= 0);
    if (dfd >= 0) close(dfd);
    CHECK_INT(hl_file_read(root, "HAILONG/none.json", 100, 0, &buf, &len, &err), HL_ERR_NOT_FOUND);
    hl_test_rmtree(root);
    hl_test_rmtree(real);
    free(root);
    free(real);
}

/* As a user who may not read the file (root reads anything: the check runs
 * in a child as nobody). The message says who must be able to read it. */
static void test_an_unreadable_file_says_who_must_be_able_to_read_it(void)
{
    char *dir = hl_test_tmpdir("file-perm");
    char *path = hl_test_write_file(dir, "c.json", "{}");
    CHECK_INT(chmod(path, 0), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(2);
        hl_err_t err = {0};
        char *buf = NULL;
        size_t len = 0;
        int rc = hl_file_read(NULL, path, 100, 0, &buf, &len, &err);
        bool ok = rc == HL_ERR_IO &&
                  strstr(err.msg, "permission denied: the user running hailong") &&
                  strstr(err.msg, "may not read it; make it readable for that user");
        if (!ok) fprintf(stderr, "rc %d: %s\n", rc, err.msg);
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    hl_test_rmtree(dir);
    free(path);
    free(dir);
}

/* The file system holding a descriptor is synced (syncfs); a descriptor
 * that is not open is an error naming the place, never silence. */
static void test_fs_sync_syncs_a_file_system_and_reports_a_bad_descriptor(void)
{
    char *dir = hl_test_tmpdir("fssync");
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0);
    hl_err_t err = {0};
    CHECK_INT(hl_fs_sync(fd, dir, &err), HL_OK);
    close(fd);
#ifdef __linux__
    CHECK_INT(hl_fs_sync(fd, "/media/hailong-sdz1", &err), HL_ERR_IO);
    CHECK_CONTAINS(err.msg, "/media/hailong-sdz1");
    CHECK_CONTAINS(err.msg, "try another");
#endif
    hl_test_rmtree(dir);
    free(dir);
}

static void test_fmt_cuts_a_long_text_and_never_overflows(void)
{
    char small[8];
    memset(small, 'x', sizeof small);
    hl_fmt(small, sizeof small, "%s/%d", "a-long-folder-name", 42);
    CHECK_STR(small, "a-long-");
    char ok[32];
    hl_fmt(ok, sizeof ok, "%s/%d", "dir", 7);
    CHECK_STR(ok, "dir/7");
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_fmt_cuts_a_long_text_and_never_overflows),
    HL_TEST(test_fs_sync_syncs_a_file_system_and_reports_a_bad_descriptor),
    HL_TEST(test_uuid_is_version_4_and_differs_each_time),
    HL_TEST(test_fake_clock_advances_both_clocks),
    HL_TEST(test_iso8601_round_trips),
    HL_TEST(test_error_wrap_prefixes_context_and_keeps_the_code),
    HL_TEST(test_diagnostics_print_file_line_column_and_path_sorted),
    HL_TEST(test_language_codes_and_text_fallback),
    HL_TEST(test_a_fifo_is_refused_at_once_and_never_read),
    HL_TEST(test_a_mapped_file_reads_its_bytes_and_a_fifo_or_empty_file_is_refused),
    HL_TEST(test_a_device_is_refused_without_reading_it),
    HL_TEST(test_a_file_over_the_limit_is_refused_and_one_at_it_is_read),
    HL_TEST(test_no_link_is_followed_below_a_stick_root),
    HL_TEST(test_an_unreadable_file_says_who_must_be_able_to_read_it),
};

HL_TEST_MAIN(tests)
