/*
 * test_platform.c: the POSIX platform services (platform/posix): real clocks,
 * random bytes, data directory resolution and the default kiosk id.
 */
#include "hl_platform.h"
#include "hl_test.h"

#include <stdlib.h>
#include <string.h>
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

static const hl_test_case_t tests[] = {
    HL_TEST(test_rmtree_removes_a_folder_with_everything_in_it),
    HL_TEST(test_real_clocks_move_forward_and_random_fills_buffers),
    HL_TEST(test_data_dir_flag_wins_over_environment),
    HL_TEST(test_data_dir_falls_back_to_var_lib_or_xdg),
    HL_TEST(test_too_long_data_dir_is_refused),
    HL_TEST(test_default_kiosk_id_matches_the_id_pattern),
    HL_TEST(test_assets_dir_follows_the_environment),
};

HL_TEST_MAIN(tests)
