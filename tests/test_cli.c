/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_cli.c: the `hailong` command line (firmware/cli): exit codes (0 ok,
 * 1 failure, 2 usage, 3 script stopped) and the messages a technician reads;
 * set-pin is fed its PIN on a pipe (hl_args_stdin); speak's WAV is read back.
 */
#include "hl_bundle.h"
#include "hl_fixture.h"
#include "hl_pin.h"
#include "hl_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* An export key hash for a secret nobody has, replaced by export-key --new. */
#define HL_TEST_OLD_HASH "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

/* Runs prog (hailong or hailong-bench) with the arguments, without the
 * installed config, and checks its exit code and that its stdout and stderr
 * hold out_has and err_has (NULL: not checked); o and e (NULL: discarded)
 * take stdout and stderr for more checks (freed by the caller). A hang is
 * killed by a watchdog and fails. */
#define HLX(o, e, code, out_has, err_has, ...)                                                     \
    hl_fixture_expect(__FILE__, __LINE__, (const char *const[]){HL_BIN, __VA_ARGS__, NULL},        \
                      hl_fixture_no_config, code, out_has, err_has, o, e)
#define HLBX(o, e, code, out_has, err_has, ...)                                                    \
    hl_fixture_expect(__FILE__, __LINE__, (const char *const[]){HL_BENCH_BIN, __VA_ARGS__, NULL},  \
                      hl_fixture_no_config, code, out_has, err_has, o, e)

static const char *default_survey(void)
{
    return HL_SOURCE_DIR "/assets/surveys/sipas-mot-cua.json";
}

static void test_no_command_prints_usage_and_exits_2(void)
{
    char *out, *err;
    const char *argv[] = {HL_BIN, NULL};
    CHECK_INT(hl_test_run(argv, NULL, &out, &err), 2);
    CHECK_CONTAINS(err, "usage: hailong COMMAND");
    free(out);
    free(err);
}

static void test_unknown_command_and_missing_option_values_exit_2(void)
{
    HLX(NULL, NULL, 2, NULL, "unknown command \"frobnicate\"", "frobnicate");
    HLX(NULL, NULL, 2, NULL, "--data-dir needs a value", "stats", "--data-dir");
}

static void test_every_command_has_help(void)
{
    static const char *const cmds[] = {
        "run",     "check",  "export",   "verify-export", "stats", "version", "export-key", "sync",
        "set-pin", "verify", "identity", "compose",       "speak", "merge",   "report"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        HLX(NULL, NULL, 0, "usage: hailong", NULL, cmds[i], "--help");
    }
}

static void test_benchmarks_are_hailong_bench_not_a_hailong_command(void)
{
    HLX(NULL, NULL, 2, NULL, "unknown command \"bench\"", "bench", "store");
    static const char *const benches[] = {"store", "export", "ui", "results", "access", "sync"};
    for (size_t i = 0; i < sizeof benches / sizeof benches[0]; i++) {
        HLBX(NULL, NULL, 0, "usage: hailong-bench", NULL, benches[i], "--help");
    }
    HLBX(NULL, NULL, 2, NULL, NULL, "results", "--responses", "0");
}

/* A benchmark's stdout: one JSON line holding every one of keys[0..n);
 * frees it. */
static void expect_json_line(char *out, const char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        CHECK_CONTAINS(out, keys[i]);
    CHECK(out && out[0] == '{' && strchr(out, '\n') == out + strlen(out) - 1);
    free(out);
}

static void test_bench_results_prints_the_results_page_times(void)
{
    char *dir = hl_test_tmpdir("cli");
    char *out;
    HLBX(&out, NULL, 0, NULL, NULL, "results", "--data-dir", dir, "--responses", "2000");
    static const char *const keys[] = {"\"responses\":2000,",   "\"all_responses\":2000,",
                                       "\"today_all_p50_ms\":", "\"week_officer_p50_ms\":",
                                       "\"all_all_max_ms\":",   "\"ready_ms\":"};
    expect_json_line(out, keys, sizeof keys / sizeof keys[0]);
    hl_fixture_rm(dir);
}

static void test_bench_access_prints_key_to_ring_and_speech_times_and_memory(void)
{
    char *dir = hl_test_tmpdir("cli");
    char *out;
    HLBX(&out, NULL, 0, NULL, NULL, "access", "--dir", dir, "--keys", "3", "--size", "800x480");
    static const char *const keys[] = {
        "\"size\":\"800x480\"",           "\"keys\":3,",
        "\"key_to_ring_ms\":{\"p50\":",   "\"key_to_speech_ms\":{\"p50\":",
        "\"speech_loaded\":{\"rss_mb\":", "\"after_utterances\":"};
    expect_json_line(out, keys, sizeof keys / sizeof keys[0]);
    hl_fixture_rm(dir);
}

static void test_version_prints_version_and_schema(void)
{
    char *out;
    HLX(&out, NULL, 0, "hailong ", NULL, "version");
    CHECK_CONTAINS(out, "schema");
    free(out);
}

static void test_check_accepts_the_bundled_survey_with_a_summary(void)
{
    char *err;
    HLX(NULL, &err, 0, "ok: survey \"sipas-mot-cua\"", NULL, "check", default_survey());
    CHECK_STR(err, "");
    free(err);
    /* The consultation: a note with its picture beside the file. */
    HLX(NULL, &err, 0, "ok: survey \"tham-van-sang-thu-bay\" version 2, 6 questions", NULL, "check",
        HL_SOURCE_DIR "/assets/surveys/tham-van-sang-thu-bay.json");
    CHECK_STR(err, "");
    free(err);
}

static void test_check_reports_every_problem_with_line_and_column_and_exits_1(void)
{
    char *dir = hl_test_tmpdir("cli");
    char *bad = hl_test_write_file(
        dir, "bad.json",
        "{\"format\":1,\"id\":\"Bad Id\",\"version\":1,\"languages\":[\"vi\"],\n"
        "\"title\":{\"vi\":\"T\"},\"thanks\":{\"vi\":\"C\"},\n"
        "\"questions\":[{\"id\":\"q\",\"type\":\"choice\",\"text\":{\"vi\":\"Q\"},\n"
        "  \"optoins\":[]}]}\n");
    char *out, *err;
    HLX(&out, &err, 1, NULL, "bad.json:4:3: unknown key \"optoins\"", "check", bad,
        default_survey());
    CHECK_CONTAINS(err, "bad.json:1:"); /* the id */
    CHECK_CONTAINS(err, "(at questions[0].optoins)");
    CHECK_CONTAINS(out, "ok: survey \"sipas-mot-cua\""); /* the good one still checked */
    free(out);
    free(err);
    free(bad);
    hl_fixture_rm(dir);
}

static void test_check_validates_a_config_and_the_survey_it_names(void)
{
    char *dir = hl_test_tmpdir("cli");
    char *good =
        hl_test_write_file(dir, "good.json",
                           "{\"kiosk_id\":\"pt-viettri-01\",\"survey\":\"sipas-mot-cua.json\","
                           "\"timeouts\":{\"idle_s\":45}}\n");
    char *missing = hl_test_write_file(dir, "missing.json", "{\"survey\":\"nope.json\"}\n");
    char *bad = hl_test_write_file(dir, "bad.json", "{\"kiosk_id\":\"Kiosk 1\"}\n");
    char *err;
    HLX(NULL, NULL, 0, "ok: config for kiosk \"pt-viettri-01\"", NULL, "check", good);
    HLX(NULL, NULL, 1, NULL, "survey \"nope.json\" not found", "check", missing);
    HLX(NULL, &err, 1, NULL, "bad.json:1:", "check", bad);
    CHECK_CONTAINS(err, "kiosk_id");
    free(err);
    free(good);
    free(missing);
    free(bad);
    hl_fixture_rm(dir);
}

static void test_check_of_a_missing_file_exits_1_naming_it(void)
{
    HLX(NULL, NULL, 1, NULL, "/nonexistent/survey.json", "check", "/nonexistent/survey.json");
    HLX(NULL, NULL, 2, NULL, NULL, "check");
}

static void test_export_usage_errors_exit_2(void)
{
    HLX(NULL, NULL, 2, NULL, "--out FILE is required", "export", "--format", "csv");
    HLX(NULL, NULL, 2, NULL, "unknown format \"pdf\"", "export", "--format", "pdf", "--out",
        "/tmp/x.pdf");
    HLX(NULL, NULL, 2, NULL, NULL, "export", "--bogus");
}

static void test_export_and_stats_without_a_database_explain_and_exit_1(void)
{
    char *dir = hl_test_tmpdir("cli");
    HLX(NULL, NULL, 1, NULL, "no responses stored yet", "stats", "--data-dir", dir);
    HLX(NULL, NULL, 1, NULL, "no responses stored yet", "export", "--data-dir", dir, "--out",
        "/tmp/hl-x.csv");
    hl_fixture_rm(dir);
}

static void test_run_script_and_headless_go_together_and_bad_values_are_usage_errors(void)
{
    static const char *const bad[][6] = {
        {"run", "--script", "x.txt"},
        {"run", "--headless"},
        {"run", "--headless", "--script", "x", "--clock", "yesterday"},
        {"run", "--headless", "--script", "x", "--size", "huge"},
        {"run", "--backend", "vga"},
        {"run", "--bogus"},
    };
    static const char *const msg[] = {"--script needs --headless",
                                      "--headless needs --script",
                                      "--clock wants",
                                      "--size wants",
                                      "--backend is",
                                      "bogus"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        HLX(NULL, NULL, 2, NULL, msg[i], bad[i][0], bad[i][1], bad[i][2], bad[i][3], bad[i][4],
            bad[i][5]);
}

static void test_run_with_a_script_syntax_error_exits_2_before_storing(void)
{
    char *dir = hl_test_tmpdir("cli");
    char *script = hl_test_write_file(dir, "s.txt", "answer overall very_satisfied\nnexxt\n");
    HLX(NULL, NULL, 2, NULL, "s.txt:2: nexxt: unknown step", "run", "--data-dir", dir, "--headless",
        "--script", script);
    free(script);
    hl_fixture_rm(dir);
}

static void test_run_stops_with_exit_3_on_a_failed_expect(void)
{
    char *dir = hl_test_tmpdir("cli");
    char *script = hl_test_write_file(dir, "s.txt", "expect state start\nexpect state thanks\n");
    char *err;
    HLX(NULL, &err, 3, NULL, "script stopped", "run", "--data-dir", dir, "--headless", "--script",
        script);
    CHECK_CONTAINS(err, "s.txt:2: expect");
    CHECK_CONTAINS(err, "expected state thanks, but the state is start");
    free(err);
    free(script);
    hl_fixture_rm(dir);
}

static void test_run_with_an_invalid_config_exits_1(void)
{
    char *dir = hl_test_tmpdir("cli");
    char *cfg = hl_test_write_file(dir, "hailong.json", "{\"timeouts\":{\"idle_s\":0}}\n");
    char *script = hl_test_write_file(dir, "s.txt", "expect state start\n");
    char *err;
    HLX(NULL, &err, 1, NULL, "hailong.json:1:", "run", "--config", cfg, "--data-dir", dir,
        "--headless", "--script", script);
    CHECK_CONTAINS(err, "idle_s");
    free(err);
    free(cfg);
    free(script);
    hl_fixture_rm(dir);
}

static void test_run_reports_a_data_dir_that_cannot_be_used(void)
{
    char *dir = hl_test_tmpdir("cli");
    char *file = hl_test_write_file(dir, "not-a-dir", "x");
    char *script = hl_test_write_file(dir, "s.txt", "expect state start\n");
    HLX(NULL, NULL, 1, NULL, "not-a-dir", "run", "--data-dir", file, "--headless", "--script",
        script);
    free(file);
    free(script);
    hl_fixture_rm(dir);
}

/* Runs hailong like hl_test_run, but the child gets SIGALRM after limit_s
 * seconds (an alarm survives exec): a kiosk that never stops fails the test
 * with 128 + SIGALRM instead of hanging it. */
static int hl_run_limited(const char *const *argv, const char *const *env, unsigned limit_s,
                          char **err)
{
    char errname[] = "/tmp/hl-test-err-XXXXXX";
    int efd = mkstemp(errname);
    if (efd < 0) return -1;
    unlink(errname);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int in = open("/dev/null", O_RDWR);
        dup2(in, 0);
        dup2(in, 1);
        dup2(efd, 2);
        for (size_t i = 0; env[i]; i++)
            putenv((char *)env[i]);
        alarm(limit_s);
        hl_test_execv(argv);
        _exit(127);
    }
    int status = 0;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    off_t n = lseek(efd, 0, SEEK_END);
    *err = calloc(1, (size_t)(n > 0 ? n : 0) + 1);
    if (n > 0 && *err) (void)!pread(efd, *err, (size_t)n, 0);
    close(efd);
    if (pid < 0) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_run_without_any_display_fails_with_a_clear_message_and_exit_1(void)
{
    /* No X11 or Wayland display and SDL's invisible offscreen driver: what
     * SDL picks by itself on a machine with no display at all. The same on
     * a developer's desktop and on CI. */
    char *dir = hl_test_tmpdir("cli");
    const char *argv[] = {HL_BIN,    "run",        "--backend", "desktop", "--size",
                          "800x480", "--data-dir", dir,         NULL};
    static const char *const env[] = {
        "HAILONG_CONFIG=", "DISPLAY=", "WAYLAND_DISPLAY=", "SDL_VIDEODRIVER=offscreen", NULL};
    char *err = NULL;
    CHECK_INT(hl_run_limited(argv, env, 60, &err), 1);
    CHECK_CONTAINS(err, "no screen to show the kiosk on");
    CHECK_CONTAINS(err, "DISPLAY");
    CHECK_CONTAINS(err, "--headless");
    free(err);
    hl_fixture_rm(dir);
}

static void test_kiosk_sh_demo_keeps_its_responses_in_a_temporary_folder_and_says_where(void)
{
    /* kiosk.sh copied into a tree of its own: deps.sh and cmake stubbed
     * (nothing to install or build), build/hailong a stub that writes down
     * its arguments. Whichever branch the machine takes (window, KMS, or the
     * headless demo), hailong must get a new folder under $TMPDIR as
     * --data-dir, and the real one ($HAILONG_DATA_DIR) stays untouched. */
    char *dir = hl_test_tmpdir("cli");
    char path[4096], cmd[8192];
    snprintf(cmd, sizeof cmd,
             "set -e; cd '%s'; mkdir -p top/platform/dev top/build bin tmp; "
             "cp '%s/platform/dev/kiosk.sh' top/platform/dev/; "
             "printf 'hl_packages=()\\nhl_install_missing() { :; }\\nhl_build() { :; }\\n' > "
             "top/platform/dev/deps.sh; "
             "printf '#!/bin/sh\\nexit 0\\n' > bin/cmake; "
             "printf '#!/bin/sh\\nprintf \"%%%%s\\\\n\" \"$@\" > \"$HL_ARGS_OUT\"\\n' > "
             "top/build/hailong; "
             "chmod +x bin/cmake top/build/hailong",
             dir, HL_SOURCE_DIR);
    const char *sh[] = {"/bin/sh", "-c", cmd, NULL};
    CHECK_INT(hl_test_run(sh, NULL, NULL, NULL), 0);
    snprintf(path, sizeof path, "%s/top/platform/dev/kiosk.sh", dir);
    char env_path[4200], env_tmp[4200], env_real[4200], env_args[4200];
    snprintf(env_path, sizeof env_path, "PATH=%s/bin:/usr/bin:/bin", dir);
    snprintf(env_tmp, sizeof env_tmp, "TMPDIR=%s/tmp", dir);
    snprintf(env_real, sizeof env_real, "HAILONG_DATA_DIR=%s/real", dir);
    snprintf(env_args, sizeof env_args, "HL_ARGS_OUT=%s/args", dir);
    const char *const env[] = {env_path, env_tmp, env_real, env_args, NULL};
    const char *argv[] = {"/bin/bash", path, NULL};
    char *out = NULL, *err = NULL;
    CHECK_INT(hl_test_run(argv, env, &out, &err), 0);
    /* The folder is named on stderr, exists, and is what hailong got. */
    char want[4200];
    snprintf(want, sizeof want, "%s/tmp/hailong-demo.", dir);
    CHECK_CONTAINS(err, "demo data folder");
    CHECK_CONTAINS(err, want);
    const char *at = err ? strstr(err, want) : NULL;
    char demo[4200] = "";
    if (at) snprintf(demo, sizeof demo, "%.*s", (int)strcspn(at, " \n"), at);
    struct stat sb;
    CHECK(demo[0] && stat(demo, &sb) == 0 && S_ISDIR(sb.st_mode));
    snprintf(path, sizeof path, "%s/args", dir);
    char *args = hl_test_read_file(path, NULL);
    char flag[4300];
    snprintf(flag, sizeof flag, "--data-dir\n%s\n", demo);
    CHECK_CONTAINS(args, flag);
    /* Its own empty config, never the installed kiosk's (sync token, PIN). */
    snprintf(flag, sizeof flag, "--config\n%s/demo-config.json\n", demo);
    CHECK_CONTAINS(args, flag);
    snprintf(path, sizeof path, "%s/real", dir);
    CHECK(stat(path, &sb) != 0);
    free(args);
    free(out);
    free(err);
    hl_fixture_rm(dir);
}

static void test_bench_export_prints_one_json_line_with_every_figure(void)
{
    char *dir = hl_test_tmpdir("cli");
    char *out;
    HLBX(&out, NULL, 0, NULL, NULL, "export", "--data-dir", dir, "--responses", "300",
         "--bundle-responses", "200");
    static const char *const keys[] = {"\"responses\":300,",          "\"csv_rows_per_s\":",
                                       "\"jsonl_rows_per_s\":",       "\"xlsx_rows_per_s\":",
                                       "\"sqlite3_csv_rows_per_s\":", "\"peak_rss_mb\":",
                                       "\"bundle_responses\":200,",   "\"bundle_200_s\":"};
    expect_json_line(out, keys, sizeof keys / sizeof keys[0]);
    HLBX(NULL, NULL, 2, NULL, NULL, "export", "--data-dir", dir, "--responses", "0");
    hl_fixture_rm(dir);
}

static void test_bench_store_prints_one_json_line_with_every_figure(void)
{
    char *dir = hl_test_tmpdir("cli");
    char *out;
    HLBX(&out, NULL, 0, NULL, NULL, "store", "--data-dir", dir, "--responses", "20",
         "--export-responses", "300");
    static const char *const keys[] = {"\"commit_p50_ms\":", "\"commit_p99_ms\":",
                                       "\"fsync_p99_ms\":",  "\"bytes_written_per_response\":",
                                       "\"export_csv_s\":",  "\"sqlite3_csv_s\":"};
    expect_json_line(out, keys, sizeof keys / sizeof keys[0]);
    HLBX(NULL, NULL, 2, NULL, NULL, "ui-that-does-not-exist", "--data-dir", dir);
    hl_fixture_rm(dir);
}

/* Lower-case hex of the SHA-256 of a secret as the kiosk derives it. */
static void secret_hash_hex(const char *secret, size_t len, char out[65])
{
    unsigned char key[HL_BUNDLE_KEY_LEN];
    hl_bundle_key_from_secret(secret, len, key);
    for (size_t i = 0; i < sizeof key; i++)
        snprintf(out + 2 * i, 3, "%02x", key[i]);
}

static void test_export_key_new_stores_the_hash_of_the_printed_secret_keeping_the_config(void)
{
    char *dir = hl_test_tmpdir("cli-key");
    char *cfg = hl_test_write_file(dir, "hailong.json",
                                   "{\n  \"kiosk_id\": \"hall-2\",\n"
                                   "  \"site\": {\"vi\": \"Hội trường\", \"en\": \"Hall\"},\n"
                                   "  \"export\": {\"key_sha256\": \"" HL_TEST_OLD_HASH "\"},\n"
                                   "  \"timeouts\": {\"idle_s\": 45}\n}\n");
    CHECK_INT(chmod(cfg, 0640), 0);
    char *out;
    HLX(&out, NULL, 0, NULL, "HAILONG/export.key", "export-key", "--new", "--config", cfg);
    /* stdout is the secret alone: 64 hex digits and a line break. */
    CHECK(out && strlen(out) == 65 && out[64] == '\n' && strspn(out, "0123456789abcdef") == 64);
    char hash[65] = "";
    if (out) secret_hash_hex(out, strlen(out), hash);
    char *text = hl_test_read_file(cfg, NULL);
    CHECK_CONTAINS(text, hash);
    CHECK(text && !strstr(text, HL_TEST_OLD_HASH));
    CHECK(text && out && !strstr(text, out) && strstr(text, "\"key_sha256\""));
    CHECK_CONTAINS(text, "\"hall-2\"");
    CHECK_CONTAINS(text, "Hội trường");
    CHECK_CONTAINS(text, "\"idle_s\": 45");
    struct stat st;
    CHECK_INT(stat(cfg, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0640);
    free(text);
    free(out);
    HLX(NULL, NULL, 0, "hall-2", NULL, "check", cfg);
    /* No temporary file left behind. */
    DIR *d = opendir(dir);
    int entries = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        entries += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d) closedir(d);
    CHECK_INT(entries, 1);
    free(cfg);
    hl_fixture_rm(dir);
}

static void test_export_key_new_creates_a_missing_config_with_the_export_section(void)
{
    char *dir = hl_test_tmpdir("cli-key");
    char cfg[4096];
    snprintf(cfg, sizeof cfg, "%s/new.json", dir);
    char *out;
    HLX(&out, NULL, 0, NULL, NULL, "export-key", "--new", "--config", cfg);
    char hash[65] = "";
    if (out) secret_hash_hex(out, strlen(out), hash);
    char *text = hl_test_read_file(cfg, NULL);
    CHECK_CONTAINS(text, "\"export\"");
    CHECK_CONTAINS(text, hash);
    free(text);
    free(out);
    HLX(NULL, NULL, 0, NULL, NULL, "check", cfg);
    hl_fixture_rm(dir);
}

static void test_export_key_leaves_an_invalid_config_untouched_and_usage_errors_exit_2(void)
{
    char *dir = hl_test_tmpdir("cli-key");
    static const char bad[] = "{\n  \"kiosk_id\": \"hall-2\",\n  \"colour\": \"red\"\n}\n";
    char *cfg = hl_test_write_file(dir, "hailong.json", bad);
    char *out;
    HLX(&out, NULL, 1, NULL, "left untouched", "export-key", "--new", "--config", cfg);
    CHECK(out && out[0] == '\0'); /* no secret printed */
    free(out);
    char *text = hl_test_read_file(cfg, NULL);
    CHECK_STR(text, bad);
    free(text);
    HLX(NULL, NULL, 2, NULL, "--new", "export-key", "--config", cfg);
    HLX(NULL, NULL, 2, NULL, NULL, "export-key", "--new", "--frobnicate", "--config", cfg);
    free(cfg);
    hl_fixture_rm(dir);
}

/* Reads all of fd from its start into a malloc'd string. */
static char *slurp_tmp(int fd)
{
    lseek(fd, 0, SEEK_SET);
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    for (ssize_t r; buf && (r = read(fd, buf + len, cap - len - 1)) > 0;) {
        len += (size_t)r;
        if (cap - len < 2) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger) break;
            buf = bigger;
        }
    }
    if (buf) buf[len] = '\0';
    return buf;
}

/* Runs hailong with the arguments up to a NULL and `input` on a pipe as
 * standard input (not a terminal); captures stdout/stderr. */
static int hl_args_stdin(const char *input, char **out, char **err, ...)
{
    const char *argv[24] = {HL_BIN};
    int n = 1;
    va_list ap;
    va_start(ap, err);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && n < 23)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    char oname[] = "/tmp/hl-cli-out-XXXXXX", ename[] = "/tmp/hl-cli-err-XXXXXX";
    int ofd = mkstemp(oname), efd = mkstemp(ename), in[2];
    if (ofd < 0 || efd < 0 || pipe(in) != 0) abort();
    unlink(oname);
    unlink(ename);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) abort();
    if (pid == 0) {
        close(in[1]);
        dup2(in[0], 0);
        dup2(ofd, 1);
        dup2(efd, 2);
        putenv((char *)"HAILONG_CONFIG=");
        hl_test_execv(argv);
        _exit(127);
    }
    close(in[0]);
    size_t left = strlen(input);
    for (const char *p = input; left > 0;) { /* small: fits the pipe */
        ssize_t w = write(in[1], p, left);
        if (w <= 0) break;
        p += w;
        left -= (size_t)w;
    }
    close(in[1]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    *out = slurp_tmp(ofd);
    *err = slurp_tmp(efd);
    close(ofd);
    close(efd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#define HLIN(in, o, e, ...) hl_args_stdin(in, o, e, __VA_ARGS__, (const char *)NULL)

/* technician.pin_hash in the config at path, or "" (static buffer). */
static const char *stored_pin_hash(const char *path)
{
    static char hash[HL_PIN_HASH_MAX]; /* test-only convenience buffer */
    hash[0] = '\0';
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    const char *h =
        json_string_value(json_object_get(json_object_get(root, "technician"), "pin_hash"));
    snprintf(hash, sizeof hash, "%s", h ? h : "");
    json_decref(root);
    return hash;
}

static bool pin_matches(const char *pin, const char *stored)
{
    bool ok = false;
    hl_err_t e = {0};
    return hl_pin_verify(pin, stored, &ok, &e) == HL_OK && ok;
}

static void test_set_pin_stores_a_hash_of_the_pin_from_stdin_keeping_the_config(void)
{
    char *dir = hl_test_tmpdir("cli-pin");
    char *cfg = hl_test_write_file(dir, "hailong.json",
                                   "{\n  \"kiosk_id\": \"hall-2\",\n"
                                   "  \"site\": {\"vi\": \"Hội trường\"},\n"
                                   "  \"timeouts\": {\"idle_s\": 45}\n}\n");
    CHECK_INT(chmod(cfg, 0600), 0);
    char *out, *err;
    CHECK_INT(HLIN("482913\n", &out, &err, "set-pin", "--config", cfg, "--iterations", "10000"), 0);
    CHECK_CONTAINS(out, "PIN set in ");
    CHECK_CONTAINS(out, "restart the kiosk");
    CHECK(out && !strstr(out, "482913") && err && !strstr(err, "482913"));
    free(out);
    free(err);
    const char *hash = stored_pin_hash(cfg);
    CHECK(strncmp(hash, "pbkdf2-sha256$10000$", 20) == 0);
    CHECK(pin_matches("482913", hash));
    CHECK(!pin_matches("482914", hash));
    char *text = hl_test_read_file(cfg, NULL);
    CHECK(text && !strstr(text, "482913"));
    CHECK_CONTAINS(text, "\"hall-2\"");
    CHECK_CONTAINS(text, "Hội trường");
    CHECK_CONTAINS(text, "\"idle_s\": 45");
    CHECK(text && strstr(text, "\"kiosk_id\"") < strstr(text, "\"timeouts\""));
    free(text);
    struct stat st;
    CHECK_INT(stat(cfg, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0600);
    /* Two matching lines (as a script may give) replace it; the default
     * iteration count is recorded. */
    CHECK_INT(HLIN("123456789012\n123456789012\n", &out, &err, "set-pin", "--config", cfg), 0);
    free(out);
    free(err);
    hash = stored_pin_hash(cfg);
    CHECK(strncmp(hash, "pbkdf2-sha256$200000$", 21) == 0);
    CHECK(pin_matches("123456789012", hash));
    CHECK(!pin_matches("482913", hash));
    HLX(NULL, NULL, 0, NULL, NULL, "check", cfg);
    free(cfg);
    hl_fixture_rm(dir);
}

static void test_set_pin_refuses_a_mismatch_or_a_bad_pin_leaving_the_config(void)
{
    char *dir = hl_test_tmpdir("cli-pin");
    static const char base[] = "{\n  \"kiosk_id\": \"hall-2\"\n}\n";
    char *cfg = hl_test_write_file(dir, "hailong.json", base);
    static const char *const inputs[] = {"482913\n482914\n", "12345\n", "1234567890123\n",
                                         "12ab56\n",         "",        "\n"};
    static const char *const msgs[] = {"the two PINs differ", "6 to 12 digits", "6 to 12 digits",
                                       "digits only",         "no PIN",         "empty"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        char *out, *err;
        CHECK_INT(HLIN(inputs[i], &out, &err, "set-pin", "--config", cfg, "--iterations", "10000"),
                  1);
        CHECK_CONTAINS(err, msgs[i]);
        CHECK(err && (!inputs[i][0] || inputs[i][0] == '\n' || !strstr(err, "12345")));
        CHECK_STR(out, "");
        free(out);
        free(err);
        char *text = hl_test_read_file(cfg, NULL);
        CHECK_STR(text, base);
        free(text);
    }
    /* An invalid config is left untouched. */
    static const char bad[] = "{\"colour\": \"red\"}\n";
    char *badcfg = hl_test_write_file(dir, "bad.json", bad);
    char *out, *err;
    CHECK_INT(HLIN("482913\n", &out, &err, "set-pin", "--config", badcfg, "--iterations", "10000"),
              1);
    CHECK_CONTAINS(err, "left untouched");
    free(out);
    free(err);
    char *text = hl_test_read_file(badcfg, NULL);
    CHECK_STR(text, bad);
    free(text);
    free(badcfg);
    free(cfg);
    hl_fixture_rm(dir);
}

static void test_set_pin_creates_a_missing_config_and_usage_errors_exit_2(void)
{
    char *dir = hl_test_tmpdir("cli-pin");
    char cfg[4096];
    snprintf(cfg, sizeof cfg, "%s/new.json", dir);
    char *out, *err;
    CHECK_INT(HLIN("246810\n", &out, &err, "set-pin", "--config", cfg, "--iterations", "10000"), 0);
    free(out);
    free(err);
    CHECK(pin_matches("246810", stored_pin_hash(cfg)));
    HLX(NULL, NULL, 2, NULL, "--iterations wants a number from 10000 to 10000000", "set-pin",
        "--config", cfg, "--iterations", "99");
    HLX(NULL, NULL, 2, NULL, "unexpected argument \"--pin\"", "set-pin", "--pin", "123456");
    HLX(&out, NULL, 0, "usage: hailong set-pin [--config FILE] [--iterations N]", NULL, "set-pin",
        "--help");
    CHECK_CONTAINS(out, "standard input");
    free(out);
    hl_fixture_rm(dir);
}

/* ---- Fair counting and tamper evidence (issue 7) ----------------------------- */

/* One quick complete response, then another 1 s after it: the second is
 * flagged; it walks away and ends partial. */
static const char fair_script[] = "answer overall satisfied\n"
                                  "answer officer very_satisfied\n"
                                  "answer procedure_posted yes\n"
                                  "answer result_on_time yes\n"
                                  "answer facilities satisfied\n"
                                  "answer feedback_channel yes\n"
                                  "answer trips once\n"
                                  "skip\n"
                                  "expect state thanks\n"
                                  "wait 1000\n"
                                  "expect state start\n"
                                  "answer overall satisfied\n"
                                  "wait 60000\n"
                                  "expect state start\n";

static void test_stats_show_flagged_responses_and_verify_checks_the_chain(void)
{
    char *dir = hl_test_tmpdir("cli");
    char *script = hl_test_write_file(dir, "s.txt", fair_script);
    char *cfg = hl_test_write_file(
        dir, "hailong.json",
        "{\"timeouts\": {\"thanks_s\": 1}, \"fairness\": {\"min_interval_s\": 5}}");
    char *out;
    HLX(NULL, NULL, 0, NULL, NULL, "run", "--data-dir", dir, "--config", cfg, "--headless",
        "--script", script);
    HLX(NULL, NULL, 0, "\"suspect\":1,\"suspect_min_interval\":1,\"suspect_max_per_hour\":0", NULL,
        "stats", "--json", "--data-dir", dir, "--config", cfg);
    HLX(NULL, NULL, 0, "suspect        1 of 2 flagged by fair counting (min_interval 1", NULL,
        "stats", "--data-dir", dir, "--config", cfg);

    /* The kiosk made its device key (private, 0600) and no chain.key;
     * verify finds the chain intact and names the key. */
    char kpath[4096];
    snprintf(kpath, sizeof kpath, "%s/device.key", dir);
    struct stat sb;
    CHECK(stat(kpath, &sb) == 0 && (sb.st_mode & 0777) == 0600);
    snprintf(kpath, sizeof kpath, "%s/chain.key", dir);
    CHECK(stat(kpath, &sb) != 0);
    HLX(&out, NULL, 0, "device key     ", NULL, "verify", "--data-dir", dir, "--config", cfg);
    CHECK_CONTAINS(out, "chain head     seq 2 ");
    CHECK_CONTAINS(out, "(signed by this device key)");
    CHECK_CONTAINS(out, "the chain is intact");
    free(out);

    /* An answer edited behind the kiosk's back (its guard dropped first). */
    char db[4096];
    snprintf(db, sizeof db, "%s/hailong.db", dir);
    sqlite3 *h = NULL;
    CHECK_INT(sqlite3_open(db, &h), SQLITE_OK);
    CHECK_INT(sqlite3_exec(h,
                           "DROP TRIGGER IF EXISTS answers_update_open;"
                           "UPDATE answers SET value = 'very_dissatisfied' WHERE seq = 1 AND "
                           "qid = 'overall';",
                           NULL, NULL, NULL),
              SQLITE_OK);
    sqlite3_close(h);
    HLX(&out, NULL, 1, "seq 1: edited (its content does not match its chain value", NULL, "verify",
        "--data-dir", dir, "--config", cfg);
    CHECK(!strstr(out, "seq 2:"));
    free(out);
    HLX(NULL, NULL, 2, NULL, NULL, "verify", "--data-dir", dir, "--bogus");
    free(cfg);
    free(script);
    hl_fixture_rm(dir);
}

/* Runs the fair script in a fresh data folder dir with a config naming
 * kiosk_id; returns the config's path (malloc'd). */
static char *kiosk_with_responses(const char *dir, const char *kiosk_id)
{
    char *script = hl_test_write_file(dir, "s.txt", fair_script);
    char text[256];
    snprintf(text, sizeof text, "{\"kiosk_id\": \"%s\", \"timeouts\": {\"thanks_s\": 1}}",
             kiosk_id);
    char *cfg = hl_test_write_file(dir, "hailong.json", text);
    HLX(NULL, NULL, 0, NULL, NULL, "run", "--data-dir", dir, "--config", cfg, "--headless",
        "--script", script);
    free(script);
    return cfg;
}

/* The one bundle folder under root/HAILONG/kiosk_id (static buffer). */
static const char *bundle_dir(const char *root, const char *kiosk_id)
{
    static char path[8192];
    char kdir[4096];
    snprintf(kdir, sizeof kdir, "%s/HAILONG/%s", root, kiosk_id);
    path[0] = '\0';
    DIR *d = opendir(kdir);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL)
        if (de->d_name[0] != '.') snprintf(path, sizeof path, "%s/%s", kdir, de->d_name);
    if (d) closedir(d);
    return path;
}

static void test_identity_prints_a_trust_line_and_verify_export_believes_only_the_trust_list(void)
{
    char *dir = hl_test_tmpdir("cli-id");
    char *cfg = kiosk_with_responses(dir, "hn-motcua-01");
    char *out, *err;
    /* identity: KIOSK ed25519:HEX FINGERPRINT, and the JSON form. */
    HLX(&out, &err, 0, NULL, NULL, "identity", "--data-dir", dir, "--config", cfg);
    CHECK(strncmp(out, "hn-motcua-01 ed25519:", 21) == 0);
    CHECK_INT(strlen(out), 21 + 64 + 1 + 16 + 1);
    char *line = out;
    char *trust = hl_test_write_file(dir, "trust.txt", line);
    free(err);
    HLX(&out, NULL, 0,
        "{\"kiosk_id\":\"hn-motcua-01\",\"algorithm\":\"ed25519\",\"public_key\":", NULL,
        "identity", "--json", "--data-dir", dir, "--config", cfg);
    char *trust_json = hl_test_write_file(dir, "trust.jsonl", out);
    free(out);
    /* The private key is never printed. */
    char kpath[4096];
    snprintf(kpath, sizeof kpath, "%s/device.key", dir);
    char *pem = hl_test_read_file(kpath, NULL);
    CHECK(pem && strstr(pem, "PRIVATE KEY"));
    CHECK(pem && !strstr(line, pem + 28));
    free(pem);

    char *stick = hl_test_tmpdir("cli-id-stick");
    HLX(NULL, NULL, 0, NULL, NULL, "export", "--format", "bundle", "--out", stick, "--data-dir",
        dir, "--config", cfg);
    char bdir[8192];
    snprintf(bdir, sizeof bdir, "%s", bundle_dir(stick, "hn-motcua-01"));
    CHECK(bdir[0] != '\0');
    /* With the trust list (text or JSON lines): verified, signer named. */
    HLX(&out, NULL, 0, "signed by kiosk hn-motcua-01, device key ", NULL, "verify-export", bdir,
        "--trust", trust);
    CHECK_CONTAINS(out, line + 21 + 64 + 1); /* the fingerprint */
    CHECK_CONTAINS(out, " verifies: ");
    free(out);
    HLX(NULL, NULL, 0, NULL, NULL, "verify-export", bdir, "--trust", trust_json);
    /* Without a trust list: named, never "verified" (exit 4). */
    HLX(&out, NULL, 4, "signed by kiosk hn-motcua-01", "NOT VERIFIED", "verify-export", bdir);
    CHECK(!strstr(out, " verifies"));
    free(out);

    /* A forger: a config of their own with the same kiosk id, invented
     * responses, a bundle signed by their own key, on the same stick. */
    char *fdir = hl_test_tmpdir("cli-id-forger");
    char *fcfg = kiosk_with_responses(fdir, "hn-motcua-01");
    char *fstick = hl_test_tmpdir("cli-id-fstick");
    HLX(NULL, NULL, 0, NULL, NULL, "export", "--format", "bundle", "--out", fstick, "--data-dir",
        fdir, "--config", fcfg);
    char fb[8192];
    snprintf(fb, sizeof fb, "%s", bundle_dir(fstick, "hn-motcua-01"));
    HLX(&out, NULL, 0, NULL, NULL, "identity", "--data-dir", fdir, "--config", fcfg);
    char forger_fpr[17] = "";
    if (out && strlen(out) >= 21 + 64 + 1 + 16) memcpy(forger_fpr, out + 21 + 64 + 1, 16);
    free(out);
    HLX(&out, NULL, 4, "signed by kiosk hn-motcua-01, device key ",
        "the trust list has this kiosk with another key: not verified", "verify-export", fb,
        "--trust", trust);
    CHECK_CONTAINS(out, forger_fpr);
    CHECK(!strstr(out, " verifies"));
    free(out);
    /* Several kiosks per file: the same list with another kiosk added still
     * refuses the forger and accepts the real one. */
    char both[1024];
    snprintf(both, sizeof both, "# province trust list\nother-kiosk ed25519:%064d\n%s", 0, line);
    char *trust2 = hl_test_write_file(dir, "trust2.txt", both);
    HLX(NULL, NULL, 0, NULL, NULL, "verify-export", bdir, "--trust", trust2);
    HLX(NULL, NULL, 4, NULL, NULL, "verify-export", fb, "--trust", trust2);
    /* A malformed trust list is refused with its line. */
    char *bad = hl_test_write_file(dir, "bad.txt", "hn-motcua-01 ed25519:abcd\n");
    HLX(NULL, NULL, 1, NULL, "bad.txt:1:1: ", "verify-export", bdir, "--trust", bad);
    /* verify --trust: this kiosk's key is (or is not) the registered one. */
    HLX(NULL, NULL, 0, NULL, NULL, "verify", "--data-dir", dir, "--config", cfg, "--trust", trust);
    HLX(NULL, NULL, 4, "NOT TRUSTED", NULL, "verify", "--data-dir", fdir, "--config", fcfg,
        "--trust", trust);

    free(bad);
    free(trust2);
    hl_fixture_rm(fstick);
    hl_fixture_rm(fdir);
    free(fcfg);
    hl_fixture_rm(stick);
    free(trust);
    free(trust_json);
    free(line);
    free(cfg);
    hl_fixture_rm(dir);
}

static void test_a_missing_device_key_over_signed_responses_is_never_remade(void)
{
    char *dir = hl_test_tmpdir("cli-lost");
    char *cfg = kiosk_with_responses(dir, "kiosk-lost");
    char kpath[4096];
    snprintf(kpath, sizeof kpath, "%s/device.key", dir);
    char *pem = hl_test_read_file(kpath, NULL);
    CHECK(pem != NULL);
    char *out, *err;
    HLX(&out, NULL, 0, NULL, NULL, "identity", "--data-dir", dir, "--config", cfg);
    char *trust = hl_test_write_file(dir, "trust.txt", out ? out : "");
    free(out);
    CHECK_INT(unlink(kpath), 0);
    char *script = hl_test_write_file(dir, "s2.txt", fair_script);
    /* The kiosk refuses to start, export or verify, saying what to do. */
    HLX(NULL, &err, 1, NULL, "device.key is missing, but 2 stored response(s) are signed with key",
        "run", "--data-dir", dir, "--config", cfg, "--headless", "--script", script);
    CHECK_CONTAINS(err, "Restore device.key");
    free(err);
    struct stat sb;
    CHECK(stat(kpath, &sb) != 0); /* no new key was invented */
    char *stick = hl_test_tmpdir("cli-lost-stick");
    HLX(NULL, NULL, 1, NULL, NULL, "export", "--format", "bundle", "--out", stick, "--data-dir",
        dir, "--config", cfg);
    CHECK(stat(kpath, &sb) != 0);
    HLX(&out, NULL, 1, NULL, "restore", "verify", "--data-dir", dir, "--config", cfg);
    CHECK(!strstr(out ? out : "", "problem"));
    free(out);
    /* A copy checked elsewhere: the trust list's public key is enough. */
    HLX(NULL, NULL, 0, "the chain is intact", NULL, "verify", "--data-dir", dir, "--config", cfg,
        "--trust", trust);
    HLX(NULL, NULL, 1, NULL, "--replace-lost-key", "identity", "--new", "--data-dir", dir,
        "--config", cfg);
    CHECK(stat(kpath, &sb) != 0);
    /* Restored from the backup: everything works and verifies again. */
    char *back = hl_test_write_file(dir, "device.key", pem);
    CHECK_INT(chmod(back, 0600), 0);
    HLX(NULL, NULL, 0, "the chain is intact", NULL, "verify", "--data-dir", dir, "--config", cfg);
    free(back);
    free(pem);
    free(trust);
    free(script);
    hl_fixture_rm(stick);
    free(cfg);
    hl_fixture_rm(dir);
}

static void test_check_and_run_refuse_a_fifo_config_or_survey_at_once(void)
{
    char *dir = hl_test_tmpdir("cli-fifo");
    char fifo[600], data[600];
    snprintf(fifo, sizeof fifo, "%s/x.json", dir);
    snprintf(data, sizeof data, "%s/data", dir);
    CHECK_INT(mkfifo(fifo, 0644), 0);
    char *err;
    /* As a survey or a config (check cannot tell: it never reads it). */
    HLX(NULL, NULL, 1, NULL, "x.json: this is a FIFO (named pipe), not a regular file", "check",
        fifo);
    char *script = hl_test_write_file(dir, "s.txt", "wait 1\n");
    HLX(NULL, &err, 1, NULL, "x.json: this is a FIFO", "--data-dir", data, "--config", fifo, "run",
        "--headless", "--script", script);
    CHECK(!strstr(err ? err : "", "is not valid")); /* one message, not two */
    free(err);
    HLX(NULL, NULL, 1, NULL, "FIFO", "--data-dir", data, "--survey", fifo, "run", "--headless",
        "--script", script);
    /* A script that is a FIFO, and a device. */
    HLX(NULL, NULL, 2, NULL, "FIFO", "--data-dir", data, "run", "--headless", "--script", fifo);
    HLX(NULL, NULL, 1, NULL, "/dev/zero: this is a device, not a regular file", "check",
        "/dev/zero");
    free(script);
    hl_fixture_rm(dir);
}

static void test_check_never_shows_an_unquoted_token_whatever_the_file_is(void)
{
    char *dir = hl_test_tmpdir("cli-token");
    char *cfg = hl_test_write_file(dir, "hailong.json",
                                   "{\"kiosk_id\": \"k1\",\n \"sync\": {\"url\": \"https://h\", "
                                   "\"token\": SECRETTOKEN}}\n");
    char *sv = hl_test_write_file(dir, "survey.json",
                                  "{\"format\": 1, \"id\": SECRETTOKEN, \"questions\": []}\n");
    char *err;
    HLX(NULL, &err, 1, NULL, "hailong.json:2:", "check", cfg, sv);
    CHECK_CONTAINS(err, "invalid token (the text there is not shown)");
    CHECK(!strstr(err ? err : "", "SECRET"));
    free(err);
    free(cfg);
    free(sv);
    hl_fixture_rm(dir);
}

/* Run as nobody when root (root reads anything). One message: what is wrong
 * and who must be able to read the file; no "not valid" after it. */
static void test_an_unreadable_config_is_one_message_saying_who_must_read_it(void)
{
    char *dir = hl_test_tmpdir("cli-perm");
    CHECK_INT(chmod(dir, 0755), 0);
    char *cfg = hl_test_write_file(dir, "hailong.json", "{\"kiosk_id\": \"k1\"}\n");
    CHECK_INT(chmod(cfg, 0600), 0);
    if (geteuid() != 0) CHECK_INT(chmod(cfg, 0), 0);
    char errname[] = "/tmp/hl-test-perm-XXXXXX";
    int efd = mkstemp(errname);
    CHECK(efd >= 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(120);
        dup2(efd, 2);
        alarm(300);
        const char *argv[] = {HL_BIN, "--config", cfg, "--data-dir", "/nonexistent/hl",
                              "sync", "--status", NULL};
        hl_test_execv(argv);
        _exit(127);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    char *err = hl_test_read_file(errname, NULL);
    CHECK_CONTAINS(err, "hailong.json: permission denied: the user running hailong");
    CHECK_CONTAINS(err, "make it readable for that user");
    CHECK(!strstr(err ? err : "", "not valid"));
    free(err);
    close(efd);
    unlink(errname);
    free(cfg);
    hl_fixture_rm(dir);
}

static void test_a_data_folder_reached_through_a_link_is_used_by_its_real_path(void)
{
    /* /var/lib/hailong -> a data partition: a common set-up. */
    char *dir = hl_test_tmpdir("cli-dlink");
    char real[4096], link[4096];
    snprintf(real, sizeof real, "%s/real", dir);
    snprintf(link, sizeof link, "%s/link", dir);
    CHECK_INT(mkdir(real, 0750), 0);
    CHECK_INT(symlink(real, link), 0);
    char *script = hl_test_write_file(dir, "s.txt", "answer overall satisfied\nnext\n");
    HLX(NULL, NULL, 0, NULL, NULL, "run", "--data-dir", link, "--headless", "--script", script);
    char db[4200];
    snprintf(db, sizeof db, "%s/hailong.db", real);
    struct stat sb;
    CHECK(stat(db, &sb) == 0 && sb.st_size > 0);
    HLX(NULL, NULL, 0, "the chain is intact", NULL, "verify", "--data-dir", link);
    free(script);
    hl_fixture_rm(dir);
}

/* ---- hailong speak ------------------------------------------------------------ */

#define SPEAK_TEXT "Câu 2/5: Ông/Bà hài lòng không?"

/* The samples of the WAV `hailong speak` wrote at path (malloc'd, *n of
 * them) once its header is checked: RIFF/WAVE, 16-bit PCM, mono, 22050 Hz,
 * the data chunk as long as the rest of the file. NULL when it is not. */
static int16_t *speak_read(const char *path, size_t *n)
{
    size_t len = 0;
    unsigned char *b = (unsigned char *)hl_test_read_file(path, &len);
    *n = 0;
    uint32_t rate = b && len >= 44 ? b[24] | b[25] << 8 | b[26] << 16 | (uint32_t)b[27] << 24 : 0;
    uint32_t data = b && len >= 44 ? b[40] | b[41] << 8 | b[42] << 16 | (uint32_t)b[43] << 24 : 0;
    bool ok = b && len >= 44 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WAVEfmt ", 8) &&
              b[20] == 1 && b[22] == 1 && b[34] == 16 && rate == 22050 &&
              !memcmp(b + 36, "data", 4) && data == len - 44 && data % 2 == 0;
    if (!ok) {
        hl_test_fail(__FILE__, __LINE__, "%s: not the WAV speak writes (%zu bytes)", path, len);
        free(b);
        return NULL;
    }
    *n = data / 2;
    int16_t *pcm = malloc((*n + 1) * sizeof *pcm);
    for (size_t i = 0; pcm && i < *n; i++)
        pcm[i] = (int16_t)(b[44 + 2 * i] | b[45 + 2 * i] << 8);
    free(b);
    return pcm;
}

/* RMS of pcm[from, to). */
static double speak_rms(const int16_t *pcm, size_t from, size_t to)
{
    double sum = 0;
    for (size_t i = from; i < to; i++)
        sum += (double)pcm[i] * pcm[i];
    return to > from ? sqrt(sum / (double)(to - from)) : 0;
}

/* How far apart two sounds' loudness envelopes (RMS of 20 ms frames) are:
 * 0 the same, 1 nothing in common. */
static double speak_distance(const int16_t *a, size_t na, const int16_t *b, size_t nb)
{
    const size_t frame = 22050 / 50;
    double diff = 0, sum = 0;
    for (size_t f = 0; f < (na > nb ? na : nb) / frame; f++) {
        double ea = (f + 1) * frame <= na ? speak_rms(a, f * frame, (f + 1) * frame) : 0;
        double eb = (f + 1) * frame <= nb ? speak_rms(b, f * frame, (f + 1) * frame) : 0;
        diff += fabs(ea - eb);
        sum += ea + eb;
    }
    return sum > 0 ? diff / sum : 0;
}

/* The same words in each voice: a WAV each, heard (not silence, longer
 * than a second), each language reading the numbers its own way; the two
 * sound different, while the same language twice sounds the same. */
static void test_speak_writes_a_heard_wav_and_vietnamese_and_english_sound_different(void)
{
    char *dir = hl_test_tmpdir("cli-speak");
    char *vi = hl_fixture_path(dir, "vi.wav"), *vi2 = hl_fixture_path(dir, "vi2.wav");
    char *en = hl_fixture_path(dir, "en.wav");
    char *out = NULL;
    HLX(&out, NULL, 0, "text: Câu hai trên năm", NULL, "speak", "--lang", "vi", "--out", vi,
        SPEAK_TEXT);
    CHECK_CONTAINS(out, "vi.wav: ");
    free(out);
    HLX(NULL, NULL, 0, "two of five", NULL, "speak", "--lang", "en", "--out", en, SPEAK_TEXT);
    HLX(NULL, NULL, 0, NULL, NULL, "speak", "--lang", "vi", "--out", vi2, "Câu", "2/5:", "Ông/Bà",
        "hài", "lòng", "không?"); /* the words joined by spaces */
    size_t nv = 0, ne = 0, nv2 = 0;
    int16_t *sv = speak_read(vi, &nv), *se = speak_read(en, &ne), *sv2 = speak_read(vi2, &nv2);
    if (sv && se && sv2) {
        double rv = speak_rms(sv, 0, nv), re = speak_rms(se, 0, ne);
        double apart = speak_distance(sv, nv, se, ne), same = speak_distance(sv, nv, sv2, nv2);
        printf(
            "  vi %.2f s RMS %.0f, en %.2f s RMS %.0f; envelopes apart: vi/en %.2f, vi/vi %.2f\n",
            nv / 22050.0, rv, ne / 22050.0, re, apart, same);
        CHECK(nv > 22050 && ne > 22050 && rv > 300 && re > 300);
        CHECK(apart > 0.2);
        CHECK(same < 0.05);
    }
    CHECK_INT(hl_fixture_entries(dir, NULL), 3); /* the three WAVs, no temporary file */
    free(sv);
    free(se);
    free(sv2);
    free(vi);
    free(vi2);
    free(en);
    hl_fixture_rm(dir);
}

/* Each mistake is said in one line naming it, with the usage (exit 2), or
 * names the file it could not write (exit 1); a WAV already there is left
 * as it was and nothing else is written: no temporary file, no part of a
 * sound (a full disk too, on a small tmpfs when root). */
static void test_speak_refuses_bad_usage_and_unwritable_files_clearly_leaving_nothing(void)
{
    char *dir = hl_test_tmpdir("cli-speak-bad");
    char *old = hl_test_write_file(dir, "old.wav", "the sound of before");
    char *folder = hl_fixture_path(dir, "folder");
    char *missing = hl_fixture_path(dir, "no/such/folder/x.wav");
    CHECK_INT(mkdir(folder, 0755), 0);
    static const struct {
        const char *lang, *text, *err;
    } usage[] = {{"fr", SPEAK_TEXT, "unknown language \"fr\" (vi or en)"},
                 {NULL, SPEAK_TEXT, "say which voice: --lang vi|en"},
                 {"vi", NULL, "give the text to speak"},
                 {"vi", "\xF0\x9F\x98\x80 \xF0\x9F\x98\x80", "TEXT has nothing to say"},
                 {"en", "... , ;", "TEXT has nothing to say"},
                 {"vi", "\xC3\x28", "TEXT is not UTF-8"}};
    for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++) {
        const char *argv[10] = {HL_BIN, "speak", "--out", old};
        int n = 4;
        if (usage[i].lang) {
            argv[n++] = "--lang";
            argv[n++] = usage[i].lang;
        }
        if (usage[i].text) argv[n++] = usage[i].text;
        char *err = NULL;
        hl_fixture_expect(__FILE__, __LINE__, argv, hl_fixture_no_config, 2, NULL, usage[i].err,
                          NULL, &err);
        CHECK_CONTAINS(err, "usage: hailong speak");
        free(err);
    }
    HLX(NULL, NULL, 2, NULL, "say where to write the sound: --out FILE.wav", "speak", "--lang",
        "vi", SPEAK_TEXT);
    HLX(NULL, NULL, 2, NULL, "is a folder: give a file name", "speak", "--lang", "vi", "--out",
        folder, SPEAK_TEXT);
    HLX(NULL, NULL, 1, NULL, "the folder does not exist", "speak", "--lang", "en", "--out", missing,
        SPEAK_TEXT);
    char *kept = hl_test_read_file(old, NULL);
    CHECK_STR(kept, "the sound of before");
    free(kept);
    CHECK_INT(hl_fixture_entries(dir, NULL), 2); /* old.wav and the folder */
    CHECK_INT(hl_fixture_entries(folder, NULL), 0);
    char *media = hl_fixture_tmpfs("cli-speak-full", "64k", __func__);
    if (media) { /* about 20 s of speech: 900 KB, on 64 KB */
        char *full = hl_fixture_path(media, "long.wav");
        char text[1200] = "";
        for (int i = 0; i < 12; i++)
            strcat(text, "Ông hoặc Bà có hài lòng với thái độ của cán bộ tiếp nhận hồ sơ không? ");
        char *err = NULL;
        const char *argv[] = {HL_BIN, "speak", "--lang", "vi", "--out", full, text, NULL};
        hl_fixture_expect(__FILE__, __LINE__, argv, hl_fixture_no_config, 1, NULL, "long.wav", NULL,
                          &err);
        CHECK(err && strchr(err, '\n') == err + strlen(err) - 1); /* one line */
        free(err);
        CHECK_INT(hl_fixture_entries(media, NULL), 0);
        free(full);
        hl_fixture_tmpfs_free(media);
    }
    free(old);
    free(folder);
    free(missing);
    hl_fixture_rm(dir);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_a_data_folder_reached_through_a_link_is_used_by_its_real_path),
    HL_TEST(test_identity_prints_a_trust_line_and_verify_export_believes_only_the_trust_list),
    HL_TEST(test_a_missing_device_key_over_signed_responses_is_never_remade),
    HL_TEST(test_stats_show_flagged_responses_and_verify_checks_the_chain),
    HL_TEST(test_no_command_prints_usage_and_exits_2),
    HL_TEST(test_speak_writes_a_heard_wav_and_vietnamese_and_english_sound_different),
    HL_TEST(test_speak_refuses_bad_usage_and_unwritable_files_clearly_leaving_nothing),
    HL_TEST(test_run_without_any_display_fails_with_a_clear_message_and_exit_1),
    HL_TEST(test_kiosk_sh_demo_keeps_its_responses_in_a_temporary_folder_and_says_where),
    HL_TEST(test_unknown_command_and_missing_option_values_exit_2),
    HL_TEST(test_every_command_has_help),
    HL_TEST(test_benchmarks_are_hailong_bench_not_a_hailong_command),
    HL_TEST(test_bench_results_prints_the_results_page_times),
    HL_TEST(test_bench_access_prints_key_to_ring_and_speech_times_and_memory),
    HL_TEST(test_version_prints_version_and_schema),
    HL_TEST(test_check_accepts_the_bundled_survey_with_a_summary),
    HL_TEST(test_check_reports_every_problem_with_line_and_column_and_exits_1),
    HL_TEST(test_check_validates_a_config_and_the_survey_it_names),
    HL_TEST(test_check_of_a_missing_file_exits_1_naming_it),
    HL_TEST(test_check_and_run_refuse_a_fifo_config_or_survey_at_once),
    HL_TEST(test_check_never_shows_an_unquoted_token_whatever_the_file_is),
    HL_TEST(test_an_unreadable_config_is_one_message_saying_who_must_read_it),
    HL_TEST(test_export_usage_errors_exit_2),
    HL_TEST(test_export_and_stats_without_a_database_explain_and_exit_1),
    HL_TEST(test_run_script_and_headless_go_together_and_bad_values_are_usage_errors),
    HL_TEST(test_run_with_a_script_syntax_error_exits_2_before_storing),
    HL_TEST(test_run_stops_with_exit_3_on_a_failed_expect),
    HL_TEST(test_run_with_an_invalid_config_exits_1),
    HL_TEST(test_run_reports_a_data_dir_that_cannot_be_used),
    HL_TEST(test_bench_store_prints_one_json_line_with_every_figure),
    HL_TEST(test_export_key_new_stores_the_hash_of_the_printed_secret_keeping_the_config),
    HL_TEST(test_export_key_new_creates_a_missing_config_with_the_export_section),
    HL_TEST(test_export_key_leaves_an_invalid_config_untouched_and_usage_errors_exit_2),
    HL_TEST(test_bench_export_prints_one_json_line_with_every_figure),
    HL_TEST(test_set_pin_stores_a_hash_of_the_pin_from_stdin_keeping_the_config),
    HL_TEST(test_set_pin_refuses_a_mismatch_or_a_bad_pin_leaving_the_config),
    HL_TEST(test_set_pin_creates_a_missing_config_and_usage_errors_exit_2),
};

HL_TEST_MAIN(tests)
