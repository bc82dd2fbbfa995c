/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_platform.c: the POSIX platform services (platform/posix): real clocks,
 * random bytes, data directory resolution and the default kiosk id.
 */
#include "hl_platform.h"
#include "hl_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_real_clocks_move_forward_and_random_fills_buffers(void)
{
    hl_sys_t s = hl_platform_sys();
    int64_t a = s.mono_ms(s.ctx);
    usleep(20000);
    CHECK(s.mono_ms(s.ctx) - a >= 19);
    CHECK(s.utc_ms(s.ctx) > 1700000000000LL); /* after 2023 */
    unsigned char b1[32] = {0}, b2[32] = {0};
    CHECK_INT(s.random(s.ctx, b1, sizeof b1), 0);
    CHECK_INT(s.random(s.ctx, b2, sizeof b2), 0);
    CHECK(memcmp(b1, b2, sizeof b1) != 0);
    (void)s.utc_trusted(s.ctx); /* either answer is valid; it must not crash */
}

static void test_data_dir_flag_wins_over_environment(void)
{
    char out[256];
    hl_err_t err = {0};
    setenv("HAILONG_DATA_DIR", "/from/env", 1);
    CHECK_INT(hl_platform_data_dir("/from/flag", out, sizeof out, &err), HL_OK);
    CHECK_STR(out, "/from/flag");
    CHECK_INT(hl_platform_data_dir(NULL, out, sizeof out, &err), HL_OK);
    CHECK_STR(out, "/from/env");
    unsetenv("HAILONG_DATA_DIR");
}

static void test_data_dir_falls_back_to_var_lib_or_xdg(void)
{
    char out[256];
    hl_err_t err = {0};
    unsetenv("HAILONG_DATA_DIR");
    setenv("XDG_DATA_HOME", "/xdg", 1);
    CHECK_INT(hl_platform_data_dir(NULL, out, sizeof out, &err), HL_OK);
    bool var_lib = access("/var/lib/hailong", W_OK) == 0 || access("/var/lib", W_OK) == 0;
    CHECK_STR(out, var_lib ? "/var/lib/hailong" : "/xdg/hailong");
    unsetenv("XDG_DATA_HOME");
}

static void test_too_long_data_dir_is_refused(void)
{
    char out[16];
    hl_err_t err = {0};
    CHECK_INT(hl_platform_data_dir("/a/very/long/path/indeed", out, sizeof out, &err),
              HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "too long");
}

static void test_default_kiosk_id_matches_the_id_pattern(void)
{
    char id[41];
    hl_platform_kiosk_id(id);
    CHECK(strlen(id) >= 1 && strlen(id) <= 40);
    CHECK(strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(id));
}

static void test_assets_dir_follows_the_environment(void)
{
    setenv("HAILONG_ASSETS_DIR", "/opt/assets", 1);
    CHECK_STR(hl_platform_assets_dir(), "/opt/assets");
    unsetenv("HAILONG_ASSETS_DIR");
    CHECK(hl_platform_assets_dir()[0] == '/');
}

static void test_rmtree_removes_a_folder_with_everything_in_it(void)
{
    char *dir = hl_test_tmpdir("rm");
    char sub[512];
    snprintf(sub, sizeof sub, "%s/a/b", dir);
    char mid[512];
    snprintf(mid, sizeof mid, "%s/a", dir);
    CHECK_INT(mkdir(mid, 0700), 0);
    CHECK_INT(mkdir(sub, 0700), 0);
    free(hl_test_write_file(sub, "f.txt", "x"));
    free(hl_test_write_file(dir, "g.txt", "y"));
    hl_err_t err = {0};
    CHECK_INT(hl_platform_rmtree(dir, &err), HL_OK);
    CHECK(access(dir, F_OK) != 0);
    CHECK_INT(hl_platform_rmtree(dir, &err), HL_OK); /* already gone: nothing to do */
    free(dir);
}

/* Mounts a small tmpfs at dir (root only); false (and a "skipped" line) when
 * this machine does not allow it. */
static bool mount_tmpfs(const char *dir, const char *test)
{
    if (geteuid() != 0) {
        printf("skipped: %s needs root to mount a tmpfs\n", test);
        return false;
    }
    if (mount("tmpfs", dir, "tmpfs", 0, "size=64k") != 0) {
        printf("skipped: %s: mount -t tmpfs failed: %s\n", test, strerror(errno));
        return false;
    }
    return true;
}

static void test_data_dir_check_accepts_a_writable_folder_and_a_missing_one(void)
{
    char *dir = hl_test_tmpdir("ddc");
    char missing[512];
    snprintf(missing, sizeof missing, "%s/not-yet", dir);
    hl_err_t err = {0};
    CHECK_INT(hl_platform_data_dir_check(dir, false, "/", &err), HL_OK);
    CHECK_INT(hl_platform_data_dir_check(missing, false, "/", &err),
              HL_OK); /* the store makes it */
    char *file = hl_test_write_file(dir, "plain", "x");
    CHECK_INT(hl_platform_data_dir_check(file, false, "/", &err), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "is not a folder");
    free(file);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_data_dir_check_refuses_a_read_only_file_system_before_any_answer(void)
{
    char *dir = hl_test_tmpdir("ddc-ro");
    if (!mount_tmpfs(dir, __func__)) {
        hl_test_rmtree(dir);
        free(dir);
        return;
    }
    CHECK_INT(mount("tmpfs", dir, "tmpfs", MS_REMOUNT | MS_RDONLY, "size=64k"), 0);
    hl_err_t err = {0};
    CHECK_INT(hl_platform_data_dir_check(dir, false, "/", &err), HL_ERR_READONLY);
    CHECK_CONTAINS(err.msg, dir);
    CHECK_CONTAINS(err.msg, "read-only file system");
    CHECK_INT(umount(dir), 0);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_data_dir_check_refuses_a_folder_this_user_cannot_write(void)
{
    if (geteuid() == 0) {
        printf("skipped: %s: root writes everywhere (the read-only mount test covers root)\n",
               __func__);
        return;
    }
    char *dir = hl_test_tmpdir("ddc-perm");
    CHECK_INT(chmod(dir, 0500), 0);
    hl_err_t err = {0};
    CHECK_INT(hl_platform_data_dir_check(dir, false, "/", &err), HL_ERR_READONLY);
    CHECK_CONTAINS(err.msg, "sudo chown hailong:hailong");
    chmod(dir, 0700);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_required_mount_is_refused_when_the_partition_is_not_mounted(void)
{
    char *dir = hl_test_tmpdir("ddc-mnt");
    char data[512], missing[512];
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(missing, sizeof missing, "%s/gone", dir);
    CHECK_INT(mkdir(data, 0700), 0);
    hl_err_t err = {0};
    /* Not mounted: the folder sits on the same file system as the "root". */
    CHECK_INT(hl_platform_data_dir_check(data, true, dir, &err), HL_ERR_STATE);
    CHECK_CONTAINS(err.msg, "storage.require_mount");
    CHECK_CONTAINS(err.msg, "not mounted");
    /* No mount point at all. */
    CHECK_INT(hl_platform_data_dir_check(missing, true, dir, &err), HL_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, "does not exist");
    /* Mounted, but in RAM (tmpfs; an overlay is refused the same way). */
    if (mount_tmpfs(data, __func__)) {
        CHECK_INT(hl_platform_data_dir_check(data, true, dir, &err), HL_OK); /* allowed: tests */
        unsetenv("HAILONG_DATA_IN_RAM");
        CHECK_INT(hl_platform_data_dir_check(data, true, dir, &err), HL_ERR_STATE);
        CHECK_CONTAINS(err.msg, "is on tmpfs, which keeps its changes in RAM");
        /* Required or not, and missing too (judged by where it would be made). */
        char below[600];
        snprintf(below, sizeof below, "%s/not-yet/db", data);
        CHECK_INT(hl_platform_data_dir_check(data, false, "/", &err), HL_ERR_STATE);
        CHECK_INT(hl_platform_data_dir_check(below, false, "/", &err), HL_ERR_STATE);
        CHECK_CONTAINS(err.msg, "HAILONG_DATA_IN_RAM=1");
        setenv("HAILONG_DATA_IN_RAM", "1", 1);
        /* Mounted on a disk: the other way round, the disk folder against a
         * tmpfs "root" (this machine has one disk file system only). */
        if (!hl_platform_ram_fs(dir)) /* TMPDIR not itself in RAM */
            CHECK_INT(hl_platform_data_dir_check(dir, true, data, &err), HL_OK);
        CHECK_INT(umount(data), 0);
    }
    hl_test_rmtree(dir);
    free(dir);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_data_dir_check_accepts_a_writable_folder_and_a_missing_one),
    HL_TEST(test_data_dir_check_refuses_a_read_only_file_system_before_any_answer),
    HL_TEST(test_data_dir_check_refuses_a_folder_this_user_cannot_write),
    HL_TEST(test_required_mount_is_refused_when_the_partition_is_not_mounted),
    HL_TEST(test_rmtree_removes_a_folder_with_everything_in_it),
    HL_TEST(test_real_clocks_move_forward_and_random_fills_buffers),
    HL_TEST(test_data_dir_flag_wins_over_environment),
    HL_TEST(test_data_dir_falls_back_to_var_lib_or_xdg),
    HL_TEST(test_too_long_data_dir_is_refused),
    HL_TEST(test_default_kiosk_id_matches_the_id_pattern),
    HL_TEST(test_assets_dir_follows_the_environment),
};

HL_TEST_MAIN(tests)
