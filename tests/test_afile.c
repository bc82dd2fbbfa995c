/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_afile.c: atomic file replacement (firmware/base/hl_afile.c): the new
 * bytes and mode land whole, a failed or abandoned write leaves the old file
 * and no temporary behind, writes relative to an open folder never follow a
 * link, a full disk says HL_ERR_FULL (a small tmpfs, as root), and errno
 * becomes distinct codes.
 */
#include "hl_afile.h"
#include "hl_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* Entries of dir other than . and .. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
    closedir(d);
    return n;
}

static void test_replace_writes_the_bytes_and_mode_and_leaves_no_temporary(void)
{
    char *dir = hl_test_tmpdir("afile");
    char path[4096];
    snprintf(path, sizeof path, "%s/a.json", dir);
    free(hl_test_write_file(dir, "a.json", "old"));
    hl_err_t err = {0};
    CHECK_INT(hl_afile_replace(path, "new text", 8, 0640, &err), HL_OK);
    CHECK_STR(err.msg, "");
    size_t len = 0;
    char *got = hl_test_read_file(path, &len);
    CHECK(got && len == 8 && memcmp(got, "new text", 8) == 0);
    free(got);
    struct stat sb;
    CHECK_INT(stat(path, &sb), 0);
    CHECK_INT(sb.st_mode & 07777, 0640);
    CHECK_INT(count_entries(dir), 1);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_an_abandoned_write_keeps_the_old_file_and_removes_the_temporary(void)
{
    char *dir = hl_test_tmpdir("afile");
    char path[4096];
    snprintf(path, sizeof path, "%s/r.csv", dir);
    free(hl_test_write_file(dir, "r.csv", "old rows"));
    hl_afile_t a;
    hl_err_t err = {0};
    CHECK_INT(hl_afile_open(&a, path, 0600, &err), HL_OK);
    CHECK_INT(hl_afile_write(&a, "half", 4, &err), HL_OK);
    CHECK_INT(count_entries(dir), 2);
    hl_afile_abort(&a);
    hl_afile_abort(&a); /* twice is harmless */
    CHECK_INT(count_entries(dir), 1);
    char *got = hl_test_read_file(path, NULL);
    CHECK_STR(got, "old rows");
    free(got);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_a_missing_folder_says_so_and_creates_nothing(void)
{
    char *dir = hl_test_tmpdir("afile");
    char path[4096];
    snprintf(path, sizeof path, "%s/nope/x.csv", dir);
    hl_err_t err = {0};
    CHECK_INT(hl_afile_replace(path, "x", 1, 0644, &err), HL_ERR_IO);
    CHECK_CONTAINS(err.msg, "nope/x.csv");
    CHECK_CONTAINS(err.msg, "does not exist");
    CHECK_INT(count_entries(dir), 0);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_openat_writes_in_the_folder_and_refuses_a_planted_link(void)
{
    char *dir = hl_test_tmpdir("afile");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);
    hl_afile_t a;
    hl_err_t err = {0};
    CHECK_INT(hl_afile_openat(&a, dfd, "m.json", "STICK/m.json", 0640, &err), HL_OK);
    /* A link planted where the temporary file goes is not followed. */
    char victim[4096], link_path[4096];
    snprintf(victim, sizeof victim, "%s/victim", dir);
    free(hl_test_write_file(dir, "victim", "keep"));
    snprintf(link_path, sizeof link_path, "%s/%s", dir, a.tmp);
    hl_afile_abort(&a);
    CHECK_INT(symlink(victim, link_path), 0);
    /* The same hl_afile_t (same pid, same address) picks the same name. */
    CHECK_INT(hl_afile_openat(&a, dfd, "m.json", "STICK/m.json", 0640, &err), HL_OK);
    CHECK_INT(hl_afile_write(&a, "{}", 2, &err), HL_OK);
    CHECK_INT(hl_afile_commit(&a, &err), HL_OK);
    char *v = hl_test_read_file(victim, NULL);
    CHECK_STR(v, "keep");
    free(v);
    char mpath[4096];
    snprintf(mpath, sizeof mpath, "%s/m.json", dir);
    char *m = hl_test_read_file(mpath, NULL);
    CHECK_STR(m, "{}");
    free(m);
    struct stat sb;
    CHECK(lstat(link_path, &sb) != 0); /* the leftover was replaced, then renamed away */
    close(dfd);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_a_bad_name_is_a_usage_error(void)
{
    hl_afile_t a;
    hl_err_t err = {0};
    CHECK_INT(hl_afile_openat(&a, AT_FDCWD, "a/b", NULL, 0644, &err), HL_ERR_USAGE);
    CHECK_INT(hl_afile_openat(&a, AT_FDCWD, "", NULL, 0644, &err), HL_ERR_USAGE);
}

static void test_errno_becomes_a_distinct_code_with_advice(void)
{
    hl_err_t err = {0};
    CHECK_INT(hl_errno_set(ENOSPC, "cannot write", "/m/x", &err), HL_ERR_FULL);
    CHECK_CONTAINS(err.msg, "cannot write /m/x");
    CHECK_CONTAINS(err.msg, "full");
    CHECK_INT(hl_errno_set(EROFS, "cannot write", "/m/x", &err), HL_ERR_READONLY);
    CHECK_CONTAINS(err.msg, "write-protect");
    CHECK_INT(hl_errno_set(EIO, "cannot sync", "/m/x", &err), HL_ERR_IO);
    CHECK_CONTAINS(err.msg, "removed");
    CHECK_INT(hl_errno_set(ENOMEM, "cannot write", "/m/x", &err), HL_ERR_NOMEM);
}

static void test_a_full_disk_is_full_and_keeps_the_old_file(void)
{
    if (geteuid() != 0) {
        printf("skipped: %s needs root to mount a tmpfs\n", __func__);
        return;
    }
    char *dir = hl_test_tmpdir("afile");
    if (mount("tmpfs", dir, "tmpfs", 0, "size=64k") != 0) {
        printf("skipped: %s: mount -t tmpfs failed: %s\n", __func__, strerror(errno));
        hl_test_rmtree(dir);
        free(dir);
        return;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/big.csv", dir);
    free(hl_test_write_file(dir, "big.csv", "old"));
    size_t n = 256 * 1024;
    char *buf = calloc(1, n);
    CHECK(buf != NULL);
    hl_err_t err = {0};
    CHECK_INT(hl_afile_replace(path, buf, n, 0644, &err), HL_ERR_FULL);
    CHECK_CONTAINS(err.msg, "big.csv");
    CHECK_INT(count_entries(dir), 1);
    char *got = hl_test_read_file(path, NULL);
    CHECK_STR(got, "old");
    free(got);
    free(buf);
    CHECK_INT(umount(dir), 0);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_a_folder_as_the_target_is_refused_with_a_file_name_suggested(void)
{
    char *dir = hl_test_tmpdir("afile");
    hl_err_t err = {0};
    CHECK_INT(hl_afile_not_a_folder(dir, "responses.csv", &err), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "is a folder");
    CHECK_CONTAINS(err.msg, "/responses.csv");
    CHECK_INT(hl_afile_not_a_folder("/no/such/place/", "r.xlsx", &err), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "/no/such/place/r.xlsx");
    char path[4096];
    snprintf(path, sizeof path, "%s/new.csv", dir);
    CHECK_INT(hl_afile_not_a_folder(path, "responses.csv", &err), HL_OK);
    hl_test_rmtree(dir);
    free(dir);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_a_folder_as_the_target_is_refused_with_a_file_name_suggested),
    HL_TEST(test_replace_writes_the_bytes_and_mode_and_leaves_no_temporary),
    HL_TEST(test_an_abandoned_write_keeps_the_old_file_and_removes_the_temporary),
    HL_TEST(test_a_missing_folder_says_so_and_creates_nothing),
    HL_TEST(test_openat_writes_in_the_folder_and_refuses_a_planted_link),
    HL_TEST(test_a_bad_name_is_a_usage_error),
    HL_TEST(test_errno_becomes_a_distinct_code_with_advice),
    HL_TEST(test_a_full_disk_is_full_and_keeps_the_old_file),
};

HL_TEST_MAIN(tests)
