/*
 * test_e2e.c: the whole engine through the real binary: `hailong run
 * --headless --script` stores responses in a real database, a run cut off
 * mid-response is kept as partial at the next start, and `hailong export`
 * writes the rows we expect, byte for byte.
 */
#include "hl_test.h"

#include <stdlib.h>
#include <string.h>

#define SURVEY HL_TEST_DATA "/flow/survey.json"
#define CONFIG HL_TEST_DATA "/flow/config.json"

static int run_script(const char *dir, const char *script, char **out, char **err)
{
    const char *argv[] = {HL_BIN,
                          "run",
                          "--data-dir",
                          dir,
                          "--survey",
                          SURVEY,
                          "--config",
                          CONFIG,
                          "--headless",
                          "--script",
                          script,
                          "--clock",
                          "2026-11-27T08:00:00Z",
                          NULL};
    static const char *const env[] = {"HAILONG_CONFIG=", NULL};
    return hl_test_run(argv, env, out, err);
}

static int export_csv(const char *dir, const char *path, char **out, char **err)
{
    const char *argv[] = {HL_BIN,     "export", "--data-dir", dir,  "--survey", SURVEY,
                          "--format", "csv",    "--out",      path, NULL};
    static const char *const env[] = {"HAILONG_CONFIG=", NULL};
    return hl_test_run(argv, env, out, err);
}

/* The CSV's data rows with the random response ids replaced by "ID". */
static char *rows_without_ids(const char *csv)
{
    char *copy = strdup(csv);
    for (char *p = copy; (p = strstr(p, "\r\n")) != NULL; p += 2) {
        char *row = p + 2;
        if (strlen(row) > 36 && row[8] == '-' && row[13] == '-') {
            memcpy(row, "ID", 2);
            memmove(row + 2, row + 36, strlen(row + 36) + 1);
        }
    }
    return copy;
}

static void test_scripted_sessions_are_stored_and_exported_as_csv_rows(void)
{
    char *dir = hl_test_tmpdir("e2e");
    char *script = hl_test_write_file(dir, "s.txt",
                                      "answer overall s1\n"
                                      "answer reasons slow rude\n"
                                      "next\n"
                                      "wait 1200\n"
                                      "lang en\n"
                                      "answer stars 3\n"
                                      "answer code 0042\n"
                                      "next\n"
                                      "expect state thanks\n"
                                      "wait 5000\n"
                                      "answer overall s5\n"
                                      "wait 40000\n"
                                      "expect state start\n");
    char *out, *err;
    CHECK_INT(run_script(dir, script, &out, &err), 0);
    CHECK_CONTAINS(out, "response #1 ");
    CHECK_CONTAINS(out, ": complete, survey t v1, en");
    CHECK_CONTAINS(out, "response #2 ");
    CHECK_CONTAINS(out, ": partial");
    free(out);
    free(err);

    char csv_path[512];
    snprintf(csv_path, sizeof csv_path, "%s/out.csv", dir);
    CHECK_INT(export_csv(dir, csv_path, &out, &err), 0);
    CHECK_CONTAINS(out, "exported 2 responses");
    free(out);
    free(err);
    char *csv = hl_test_read_file(csv_path, NULL);
    CHECK(csv != NULL);
    if (csv) {
        char *rows = rows_without_ids(csv);
        CHECK_STR(rows,
                  "\xEF\xBB\xBF"
                  "response_id,seq,kiosk_id,survey_id,survey_version,language,started_at,"
                  "finished_at,status,clock_trusted,overall,reasons,stars,code\r\n"
                  "ID,1,e2e-kiosk,t,1,en,2026-11-27T08:00:00Z,2026-11-27T08:00:01Z,complete,1,"
                  "s1,slow|rude,3,0042\r\n"
                  "ID,2,e2e-kiosk,t,1,vi,2026-11-27T08:00:06Z,2026-11-27T08:00:46Z,partial,1,"
                  "s5,,,\r\n");
        free(rows);
    }
    free(csv);
    free(script);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_a_response_cut_off_by_a_crash_is_kept_as_partial_at_the_next_start(void)
{
    char *dir = hl_test_tmpdir("e2e");
    char *cut = hl_test_write_file(dir, "cut.txt", "answer overall s4\nanswer stars 5\n");
    char *next = hl_test_write_file(dir, "next.txt", "answer overall s3\n");
    char *out, *err;
    CHECK_INT(run_script(dir, cut, &out, &err), 0);
    CHECK_CONTAINS(out, "still in progress");
    free(out);
    free(err);
    CHECK_INT(run_script(dir, next, &out, &err), 0);
    CHECK_CONTAINS(err, "1 response(s) cut off by a restart kept as partial");
    CHECK_CONTAINS(out, "response #2 "); /* the sequence goes on */
    free(out);
    free(err);
    char csv_path[512];
    snprintf(csv_path, sizeof csv_path, "%s/out.csv", dir);
    CHECK_INT(export_csv(dir, csv_path, &out, &err), 0);
    free(out);
    free(err);
    char *csv = hl_test_read_file(csv_path, NULL);
    CHECK_CONTAINS(csv, ",1,e2e-kiosk,t,1,vi,2026-11-27T08:00:00Z,2026-11-27T08:00:00Z,partial,1,"
                        "s4,,5,\r\n");
    free(csv);
    free(cut);
    free(next);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_the_bundled_demo_plays_through_the_default_survey(void)
{
    char *dir = hl_test_tmpdir("e2e");
    const char *argv[] = {HL_BIN,
                          "run",
                          "--data-dir",
                          dir,
                          "--headless",
                          "--script",
                          HL_SOURCE_DIR "/assets/scripts/demo.txt",
                          NULL};
    static const char *const env[] = {"HAILONG_CONFIG=", NULL};
    char *out, *err;
    CHECK_INT(hl_test_run(argv, env, &out, &err), 0);
    CHECK_CONTAINS(out, ": complete, survey sipas-mot-cua");
    CHECK_STR(err, "");
    free(out);
    free(err);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_stats_counts_what_the_runs_stored(void)
{
    char *dir = hl_test_tmpdir("e2e");
    char *script = hl_test_write_file(dir, "s.txt",
                                      "answer overall s5\nskip\nskip\nwait 5000\n"
                                      "answer overall s2\nwait 40000\n");
    char *out, *err;
    CHECK_INT(run_script(dir, script, &out, &err), 0);
    free(out);
    free(err);
    const char *argv[] = {HL_BIN, "stats", "--json", "--data-dir", dir, NULL};
    CHECK_INT(hl_test_run(argv, NULL, &out, &err), 0);
    CHECK_CONTAINS(out, "\"responses\":2,\"complete\":1,\"partial\":1,\"in_progress\":0");
    CHECK_CONTAINS(out, "\"last_seq\":2");
    free(out);
    free(err);
    free(script);
    hl_test_rmtree(dir);
    free(dir);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_scripted_sessions_are_stored_and_exported_as_csv_rows),
    HL_TEST(test_a_response_cut_off_by_a_crash_is_kept_as_partial_at_the_next_start),
    HL_TEST(test_the_bundled_demo_plays_through_the_default_survey),
    HL_TEST(test_stats_counts_what_the_runs_stored),
};

HL_TEST_MAIN(tests)
