/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_e2e.c: the whole engine through the real binary: `hailong run
 * --headless --script` stores responses in a real database, a run cut off
 * mid-response is kept as partial at the next start, scripted taps meet the
 * touch guard as a finger's would, and `hailong export`
 * writes the rows we expect, byte for byte; speech heard from a survey's
 * recordings where it has them, synthesised elsewhere.
 */
#include "hl_display.h"
#include "hl_fixture.h"
#include "hl_render.h"
#include "hl_test.h"
#include "hl_ui.h"
#include "hl_wav.h"

#include <errno.h>
#include <math.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define SURVEY  HL_TEST_DATA "/flow/survey.json"
#define CONFIG  HL_TEST_DATA "/flow/config.json"
#define HL_DEMO HL_SOURCE_DIR "/assets/scripts/demo.txt"

/* Runs the script on dir's data with the test survey and config at
 * 2026-11-27T08:00:00Z and checks its exit code and that stdout and stderr
 * hold out_has and err_has (NULL: not checked); o and e (NULL: discarded)
 * take them for more checks. */
#define RUN_SCRIPT(o, e, code, out_has, err_has, dir, script)                                      \
    hl_fixture_expect(__FILE__, __LINE__,                                                          \
                      (const char *const[]){HL_BIN, "run", "--data-dir", dir, "--survey", SURVEY,  \
                                            "--config", CONFIG, "--headless", "--script", script,  \
                                            "--clock", "2026-11-27T08:00:00Z", NULL},              \
                      hl_fixture_no_config, code, out_has, err_has, o, e)

/* `hailong export` of dir's data as CSV to path, checked as RUN_SCRIPT. */
#define EXPORT_CSV(o, e, code, out_has, err_has, dir, path)                                        \
    hl_fixture_expect(__FILE__, __LINE__,                                                          \
                      (const char *const[]){HL_BIN, "export", "--data-dir", dir, "--survey",       \
                                            SURVEY, "--format", "csv", "--out", path, NULL},       \
                      hl_fixture_no_config, code, out_has, err_has, o, e)

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

/* The data rows of dir's data exported as CSV (ids replaced as
 * rows_without_ids does; malloc'd, NULL when missing); the export must
 * succeed and say out_has (NULL: not checked). */
static char *export_rows(const char *dir, const char *out_has)
{
    char *path = hl_fixture_path(dir, "out.csv");
    EXPORT_CSV(NULL, NULL, 0, out_has, NULL, dir, path);
    char *csv = hl_test_read_file(path, NULL);
    CHECK(csv != NULL);
    char *rows = csv ? rows_without_ids(csv) : NULL;
    free(csv);
    free(path);
    return rows;
}

/* stderr of a first run less the one note a kiosk prints when it makes its
 * device key (for the journal); anything else is unexpected. */
static const char *first_run_quiet(char *err)
{
    if (!err) return "";
    const char *note = "hailong: made the device key ";
    if (strncmp(err, note, strlen(note)) == 0) {
        char *nl = strchr(err, '\n');
        return nl ? nl + 1 : "";
    }
    return err;
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
    char *out;
    RUN_SCRIPT(&out, NULL, 0, "response #1 ", NULL, dir, script);
    CHECK_CONTAINS(out, ": complete, survey t v1, en");
    CHECK_CONTAINS(out, "response #2 ");
    CHECK_CONTAINS(out, ": partial");
    free(out);

    char *rows = export_rows(dir, "exported 2 responses");
    CHECK_STR(
        rows,
        "\xEF\xBB\xBF"
        "response_id,seq,kiosk_id,survey_id,survey_version,language,started_at,"
        "finished_at,status,suspect,clock_trusted,officer_id,counter,followup,overall,reasons,"
        "stars,code\r\n"
        "ID,1,e2e-kiosk,t,1,en,2026-11-27T08:00:00Z,2026-11-27T08:00:01Z,complete,,1,"
        ",,,s1,slow|rude,3,0042\r\n"
        "ID,2,e2e-kiosk,t,1,vi,2026-11-27T08:00:06Z,2026-11-27T08:00:46Z,partial,,1,"
        ",,,s5,,,\r\n");

    free(rows);
    free(script);
    hl_fixture_rm(dir);
}

static void test_a_response_cut_off_by_a_crash_is_kept_as_partial_at_the_next_start(void)
{
    char *dir = hl_test_tmpdir("e2e");
    char *cut = hl_test_write_file(dir, "cut.txt", "answer overall s4\nanswer stars 5\n");
    char *next = hl_test_write_file(dir, "next.txt", "answer overall s3\n");
    char *out;
    RUN_SCRIPT(NULL, NULL, 0, "still in progress", NULL, dir, cut);
    RUN_SCRIPT(&out, NULL, 0, NULL, "1 response(s) cut off by a restart kept as partial", dir,
               next);
    CHECK_CONTAINS(out, "response #2 "); /* the sequence goes on */
    free(out);
    char *rows = export_rows(dir, NULL);
    CHECK_CONTAINS(rows, ",1,e2e-kiosk,t,1,vi,2026-11-27T08:00:00Z,2026-11-27T08:00:00Z,partial,,1,"
                         ",,,s4,,5,\r\n");
    free(rows);
    free(cut);
    free(next);
    hl_fixture_rm(dir);
}

static void test_the_bundled_demo_plays_through_the_default_survey(void)
{
    char *dir = hl_test_tmpdir("e2e");
    const char *argv[] = {HL_BIN,       "run",      "--data-dir", dir,
                          "--headless", "--script", HL_DEMO,      NULL};
    char *err = NULL;
    hl_fixture_expect(__FILE__, __LINE__, argv, hl_fixture_no_config, 0,
                      ": complete, survey sipas-mot-cua", NULL, NULL, &err);
    CHECK_STR(first_run_quiet(err), "");
    free(err);
    hl_fixture_rm(dir);
}

static void test_stats_counts_what_the_runs_stored(void)
{
    char *dir = hl_test_tmpdir("e2e");
    char *script = hl_test_write_file(dir, "s.txt",
                                      "answer overall s5\nskip\nskip\nwait 5000\n"
                                      "answer overall s2\nwait 40000\n");
    RUN_SCRIPT(NULL, NULL, 0, NULL, NULL, dir, script);
    const char *argv[] = {HL_BIN, "stats", "--json", "--data-dir", dir, NULL};
    char *out = NULL;
    hl_fixture_expect(__FILE__, __LINE__, argv, NULL, 0,
                      "\"responses\":2,\"complete\":1,\"partial\":1,\"in_progress\":0", NULL, &out,
                      NULL);
    CHECK_CONTAINS(out, "\"last_seq\":2");
    free(out);
    free(script);
    hl_fixture_rm(dir);
}

/* Where the kiosk draws the first question's targets at w x h: the same
 * layout code and fonts as the binary, so the coordinates are the real ones. */
static bool first_screen_targets(int w, int h, hl_scene_t *scene)
{
    hl_survey_t *survey = NULL;
    hl_diags_t d = {0};
    hl_config_t cfg;
    hl_config_defaults(&cfg, "e2e-kiosk");
    bool ok = hl_config_load_file(CONFIG, &cfg, &d) == HL_OK &&
              hl_survey_load_file(SURVEY, &survey, &d) == HL_OK;
    hl_diags_free(&d);
    hl_display_t *disp = NULL;
    hl_render_t *rd = NULL;
    hl_err_t err = {0};
    hl_display_opts_t o = {HL_BACKEND_HEADLESS, w, h, 0, false};
    ok = ok && hl_display_open(&o, &disp, &err) == HL_OK &&
         hl_render_new(hl_display_renderer(disp), HL_FONTS_DIR, &rd, &err) == HL_OK;
    hl_fakesys_t clock;
    hl_fakesys_init(&clock, 0, true, 1);
    hl_flow_t flow;
    hl_sink_t sink = {NULL, NULL};
    if (ok &&
        hl_flow_init(&flow, survey, &cfg.timeouts, hl_fakesys_sys(&clock), sink, &err) == HL_OK) {
        hl_ui_t ui;
        hl_ui_init(&ui, survey, &cfg, hl_render_measure(rd), cfg.display.dpi);
        hl_ui_build(&ui, &flow, w, h, clock.mono_ms, scene);
        hl_flow_free(&flow);
    } else {
        ok = false;
    }
    hl_render_free(rd);
    hl_display_close(disp);
    hl_survey_free(survey);
    hl_config_free(&cfg);
    return ok;
}

static void test_taps_by_id_and_by_coordinates_record_answers_and_gaps_record_nothing(void)
{
    hl_scene_t *scene = calloc(1, sizeof *scene);
    CHECK(first_screen_targets(800, 480, scene));
    const hl_target_t *s4 = hl_scene_find(scene, "answer:overall:s4");
    const hl_target_t *s3 = hl_scene_find(scene, "answer:overall:s3");
    CHECK(s4 != NULL && s3 != NULL);
    if (!s4 || !s3) {
        free(scene);
        return;
    }
    /* The centre of a drawn answer, and a point in the gap between two. */
    int cx = s4->box.x + s4->box.w / 2, cy = s4->box.y + s4->box.h / 2;
    int gx = (s4->box.x + s4->box.w + s3->box.x) / 2, gy = cy;
    if (s3->box.x < s4->box.x) gx = (s3->box.x + s3->box.w + s4->box.x) / 2;
    CHECK(hl_scene_hit(scene, gx, gy) == NULL);
    free(scene);

    char *dir = hl_test_tmpdir("e2e");
    char text[1024];
    snprintf(text, sizeof text,
             "size 800x480\n"
             "tap %d %d          # between two faces: nothing\n"
             "expect state start\n"
             "tap %d %d          # the centre of \"s4\"\n"
             "expect state question stars\n"
             "wait 300           # a tap counts 300 ms after a new screen\n"
             "tap answer:stars:5\n"
             "wait 300\n"
             "tap key:0          # the same screen: digits as fast as typed\n"
             "tap key:4\n"
             "tap key:2\n"
             "tap key:del\n"
             "tap key:7\n"
             "tap next\n"
             "expect state thanks\n"
             "wait 5300\n"
             "tap lang:en\n"
             "wait 300\n"
             "tap answer:overall:s1\n"
             "wait 300\n"
             "tap answer:reasons:rude\n"
             "tap answer:reasons:slow\n"
             "tap answer:reasons:rude   # untick\n"
             "tap next\n"
             "wait 300\n"
             "tap skip\n"
             "wait 300\n"
             "tap skip\n"
             "expect state thanks\n",
             gx, gy, cx, cy);
    char *script = hl_test_write_file(dir, "taps.txt", text);
    char *err;
    RUN_SCRIPT(NULL, &err, 0, NULL, NULL, dir, script);
    CHECK_STR(first_run_quiet(err), "");
    free(err);
    char *rows = export_rows(dir, NULL);
    CHECK_CONTAINS(rows, "ID,1,e2e-kiosk,t,1,vi,2026-11-27T08:00:00Z,2026-11-27T08:00:00Z,complete,"
                         ",1,,,,s4,,5,047\r\n");
    CHECK_CONTAINS(rows, "ID,2,e2e-kiosk,t,1,en,2026-11-27T08:00:06Z,2026-11-27T08:00:07Z,complete,"
                         ",1,,,,s1,slow,,\r\n");
    free(rows);
    free(script);
    hl_fixture_rm(dir);
}

static void test_a_scripted_double_tap_is_ignored_by_id_and_by_pixel_and_a_later_tap_counts(void)
{
    hl_scene_t *scene = calloc(1, sizeof *scene);
    CHECK(first_screen_targets(800, 480, scene));
    const hl_target_t *s4 = hl_scene_find(scene, "answer:overall:s4");
    CHECK(s4 != NULL);
    int cx = s4 ? s4->box.x + s4->box.w / 2 : 0, cy = s4 ? s4->box.y + s4->box.h / 2 : 0;
    free(scene);
    char *dir = hl_test_tmpdir("e2e");
    char text[1024];
    /* The touch guard on the script's clock: a tap 0 ms (or 299 ms) after a
     * new screen is ignored, as a finger's would be; one 300 ms after counts. */
    snprintf(text, sizeof text,
             "size 800x480\n"
             "tap lang:en              # a new screen (its faces where they were)\n"
             "tap %d %d              # a ghost by pixel on s4: ignored\n"
             "expect state start\n"
             "wait 300\n"
             "tap %d %d              # the same pixel, deliberate\n"
             "expect state question stars\n"
             "tap answer:stars:5       # a ghost by id\n"
             "wait 299\n"
             "tap answer:stars:5       # still too soon\n"
             "expect state question stars\n"
             "wait 1\n"
             "tap answer:stars:5\n"
             "expect state question code\n"
             "next\n",
             cx, cy, cx, cy);
    char *script = hl_test_write_file(dir, "ghost.txt", text);
    char *err;
    RUN_SCRIPT(NULL, &err, 0, NULL, "line 3: tap ignored: the screen changed 0 ms before it", dir,
               script);
    CHECK_CONTAINS(err, "line 8: tap ignored");
    CHECK_CONTAINS(err, "line 10: tap ignored: the screen changed 299 ms before it");
    CHECK(!strstr(err, "line 6: tap ignored") && !strstr(err, "line 13: tap ignored"));
    free(err);
    char *rows = export_rows(dir, NULL);
    CHECK_CONTAINS(rows, ",complete,,1,,,,s4,,5,\r\n");
    free(rows);
    free(script);
    hl_fixture_rm(dir);
}

static void test_tapping_a_target_that_is_not_on_screen_stops_the_run(void)
{
    char *dir = hl_test_tmpdir("e2e");
    char *script = hl_test_write_file(dir, "s.txt", "tap answer:stars:5\n");
    char *err;
    RUN_SCRIPT(NULL, &err, 3, NULL, "s.txt:1: tap", dir, script);
    CHECK_CONTAINS(err, "no target \"answer:stars:5\" on screen");
    free(err);
    free(script);
    hl_fixture_rm(dir);
}

static void test_shot_writes_a_png_of_the_screen(void)
{
    char *dir = hl_test_tmpdir("e2e");
    char *script = hl_test_write_file(dir, "s.txt",
                                      "size 1080x1920\nshot first\n"
                                      "answer overall s5       # a step that does not draw\n"
                                      "wait 300                # a tap counts 300 ms after\n"
                                      "tap answer:stars:4      # taps what is on screen now\n"
                                      "expect state question code\n");
    const char *argv[] = {HL_BIN, "run",           "--data-dir", dir,          "--survey",
                          SURVEY, "--config",      CONFIG,       "--headless", "--script",
                          script, "--screenshots", dir,          NULL};
    hl_fixture_expect(__FILE__, __LINE__, argv, NULL, 0, NULL, NULL, NULL, NULL);
    char png[512];
    snprintf(png, sizeof png, "%s/first.png", dir);
    size_t len = 0;
    char *bytes = hl_test_read_file(png, &len);
    CHECK(bytes && len > 1000 && !memcmp(bytes, "\x89PNG", 4));
    free(bytes);
    /* Without --screenshots, shot is refused before anything runs. */
    RUN_SCRIPT(NULL, NULL, 2, NULL, "s.txt:2: shot: shot needs --screenshots DIR", dir, script);
    free(script);
    hl_fixture_rm(dir);
}

/* Runs a one-tap script with this config text on data. */
static int run_with_config(const char *dir, const char *data, const char *config_text, char **err)
{
    char *cfg = hl_test_write_file(dir, "config.json", config_text);
    char *script = hl_test_write_file(dir, "one.txt", "answer overall s5\n");
    const char *argv[] = {HL_BIN,     "run", "--data-dir", data,       "--survey", SURVEY,
                          "--config", cfg,   "--headless", "--script", script,     NULL};
    int rc = hl_test_run(argv, NULL, NULL, err);
    free(cfg);
    free(script);
    return rc;
}

static void test_kiosk_refuses_to_start_on_a_read_only_data_directory(void)
{
    if (geteuid() != 0) {
        printf("skipped: %s needs root to mount a read-only tmpfs\n", __func__);
        return;
    }
    char *dir = hl_test_tmpdir("e2e-ro");
    char data[512];
    snprintf(data, sizeof data, "%s/data", dir);
    CHECK_INT(mkdir(data, 0700), 0);
    if (mount("tmpfs", data, "tmpfs", MS_RDONLY, "size=64k") != 0) {
        printf("skipped: %s: mount -t tmpfs -o ro failed: %s\n", __func__, strerror(errno));
    } else {
        char *err = NULL;
        CHECK_INT(run_with_config(dir, data, "{\"kiosk_id\": \"k1\"}\n", &err), 1);
        CHECK_CONTAINS(err, "read-only file system");
        CHECK_CONTAINS(err, data);
        free(err);
        CHECK_INT(umount(data), 0);
    }
    hl_fixture_rm(dir);
}

static void test_kiosk_refuses_an_unmounted_data_partition_when_the_config_requires_one(void)
{
    char *dir = hl_test_tmpdir("e2e-mnt");
    char data[512];
    snprintf(data, sizeof data, "%s/data", dir);
    CHECK_INT(mkdir(data, 0700), 0);
    struct stat a, b;
    if (stat(data, &a) != 0 || stat("/", &b) != 0 || a.st_dev != b.st_dev) {
        printf("skipped: %s: %s is not on the root file system here\n", __func__, data);
    } else {
        static const char cfg[] =
            "{\"kiosk_id\": \"k1\", \"storage\": {\"require_mount\": true}}\n";
        char *err = NULL;
        CHECK_INT(run_with_config(dir, data, cfg, &err), 1);
        CHECK_CONTAINS(err, "storage.require_mount");
        free(err);
        char db[600];
        snprintf(db, sizeof db, "%s/hailong.db", data);
        CHECK(access(db, F_OK) != 0); /* nothing written under the mount point */
        /* The same folder without the requirement: the kiosk runs. */
        CHECK_INT(run_with_config(dir, data, "{\"kiosk_id\": \"k1\"}\n", NULL), 0);
        CHECK(access(db, F_OK) == 0);
    }
    hl_fixture_rm(dir);
}

/* ---- A comment, end to end ------------------------------------------------- */

#define TEXT_SURVEY HL_TEST_DATA "/text/survey.json"

/* `hailong ARGS... --data-dir dir --survey TEXT_SURVEY`, exit 0, stdout in *o. */
static void run_text(const char *dir, const char *verb, const char *a, const char *b, const char *c,
                     const char *d, char **o)
{
    const char *argv[] = {HL_BIN, verb, "--data-dir", dir, "--survey", TEXT_SURVEY, a, b,
                          c,      d,    NULL};
    hl_fixture_expect(__FILE__, __LINE__, argv, hl_fixture_no_config, 0, NULL, NULL, o, NULL);
}

/* `hailong run` of script on survey in dir at clock: one response stored. */
static void run_scripted(const char *dir, const char *survey, const char *script, const char *clock)
{
    const char *run[] = {HL_BIN, "run",        "--data-dir", dir,    "--survey", survey, "--config",
                         CONFIG, "--headless", "--script",   script, "--clock",  clock,  NULL};
    hl_fixture_expect(__FILE__, __LINE__, run, hl_fixture_no_config, 0, "response #1 ", NULL, NULL,
                      NULL);
}

/* The rows of the sheet named name in check.py's JSON of a workbook. */
static json_t *sheet_rows(json_t *wb, const char *name)
{
    size_t i;
    json_t *sh;
    json_array_foreach(json_object_get(wb, "sheets"), i, sh)
    {
        if (!strcmp(json_string_value(json_object_get(sh, "name")), name))
            return json_object_get(sh, "rows");
    }
    return NULL;
}

/* The text of row r, column c of rows (check.py: [type, value, ...]). */
static const char *xcell(json_t *rows, size_t r, size_t c)
{
    return json_string_value(json_array_get(json_array_get(json_array_get(rows, r), c), 1));
}

/* The bundled consultation, as a citizen goes through it with a finger:
 * read the note, answer, type a Vietnamese comment on the on-screen
 * keyboard (the composer's tone and letter keys), leave a phone number on
 * the keypad; the thanks screen's follow-up code (the run prints it) and
 * the comment, byte for byte, are in the CSV, the JSON Lines and the XLSX;
 * no column for the note. */
static void test_a_scripted_consultation_types_a_comment_and_a_number_and_gets_a_code(void)
{
    const char *comment = "Nên mở cả chiều thứ Bảy, vì tôi đi làm cả tuần.";
    char *dir = hl_test_tmpdir("e2e-note");
    /* Each tap 300 ms after the screen changed, as a finger's counts. */
    char steps[2048];
    int n = snprintf(steps, sizeof steps,
                     "expect state start\n"
                     "tap next  # Tiếp tục: read, not answered\n"
                     "wait 300\ntap answer:ung_ho:ung_ho\n"
                     "wait 300\ntap answer:khi_nao_den:sang_thu_bay\n"
                     "wait 300\ntap answer:nghi_lam:yes\n"
                     "wait 300\ntype \"%s\"\n"
                     "wait 300\ntap key:done\nexpect state question lien_he\n",
                     comment);
    for (const char *p = "0912345678"; *p; p++)
        n += snprintf(steps + n, sizeof steps - (size_t)n, "wait 300\ntap key:%c\n", *p);
    snprintf(steps + n, sizeof steps - (size_t)n, "wait 300\ntap next\nexpect state thanks\n");
    char *script = hl_test_write_file(dir, "s.txt", steps);
    const char *survey = HL_SOURCE_DIR "/assets/surveys/tham-van-sang-thu-bay.json";
    const char *run[] = {HL_BIN,
                         "run",
                         "--data-dir",
                         dir,
                         "--survey",
                         survey,
                         "--config",
                         CONFIG,
                         "--headless",
                         "--script",
                         script,
                         "--clock",
                         "2026-11-28T01:00:00Z",
                         NULL};
    char *out = NULL;
    hl_fixture_expect(__FILE__, __LINE__, run, hl_fixture_no_config, 0, "response #1 ", NULL, &out,
                      NULL);
    /* The code the thanks screen showed, as the run reports it; the number
     * itself is not printed. */
    char code[HL_FOLLOWUP_LEN + 1] = "";
    const char *at = out ? strstr(out, ", follow-up code ") : NULL;
    if (at) snprintf(code, sizeof code, "%s", at + strlen(", follow-up code "));
    CHECK(hl_followup_valid(code));
    CHECK(out && !strstr(out, "0912345678"));

    /* CSV: the code in its column, the comment quoted (its comma), the number
     * in its own column, no column for the note. */
    char *path = hl_fixture_path(dir, "r.csv");
    const char *exp[] = {HL_BIN, "export", "--data-dir", dir,  "--survey", survey, "--format",
                         "csv",  "--out",  path,         NULL, NULL,       NULL};
    hl_fixture_expect(__FILE__, __LINE__, exp, hl_fixture_no_config, 0, NULL, NULL, NULL, NULL);
    char *csv = hl_test_read_file(path, NULL);
    char want[512];
    CHECK_CONTAINS(csv, "counter,followup,ung_ho,khi_nao_den,nghi_lam,gop_y,lien_he\r\n");
    snprintf(want, sizeof want, ",,,%s,ung_ho,sang_thu_bay,yes,\"%s\",0912345678\r\n", code,
             comment);
    CHECK_CONTAINS(csv, want);
    CHECK(csv && !strstr(csv, "de_xuat")); /* a note has no column */

    /* JSON Lines: the same bytes once decoded, and the code. */
    free(path);
    path = hl_fixture_path(dir, "r.jsonl");
    exp[7] = "jsonl";
    exp[9] = path;
    hl_fixture_expect(__FILE__, __LINE__, exp, hl_fixture_no_config, 0, NULL, NULL, NULL, NULL);
    char *jl = hl_test_read_file(path, NULL);
    json_error_t je;
    json_t *row = jl ? json_loads(jl, JSON_DISABLE_EOF_CHECK, &je) : NULL;
    json_t *ans = json_object_get(row, "answers");
    CHECK_STR(json_string_value(json_object_get(json_object_get(ans, "gop_y"), "value")), comment);
    CHECK_STR(json_string_value(json_object_get(json_object_get(ans, "lien_he"), "value")),
              "0912345678");
    CHECK_STR(json_string_value(json_object_get(row, "followup")), code);

    /* XLSX (read back with openpyxl): the code beside the counter, the
     * comment and the number in the "Góp ý" sheet with the code. */
    free(path);
    path = hl_fixture_path(dir, "r.xlsx");
    exp[7] = "xlsx";
    exp[9] = path;
    hl_fixture_expect(__FILE__, __LINE__, exp, hl_fixture_no_config, 0, NULL, NULL, NULL, NULL);
    const char *py[] = {"/usr/bin/python3", HL_TEST_DATA "/xlsx/check.py", path, NULL};
    char *wb_text = NULL;
    CHECK_INT(hl_test_run(py, NULL, &wb_text, NULL), 0);
    json_t *wb = wb_text ? json_loads(wb_text, 0, &je) : NULL;
    json_t *resp = sheet_rows(wb, "tham-van-sang-thu-bay");
    CHECK_STR(xcell(resp, 0, 12), "Mã theo dõi");
    CHECK_STR(xcell(resp, 1, 12), code);
    json_t *com = sheet_rows(wb, "Góp ý");
    CHECK_STR(xcell(com, 0, 1), "Mã theo dõi");
    CHECK_STR(xcell(com, 1, 1), code);
    CHECK_STR(xcell(com, 0, 6), "Số điện thoại");
    CHECK_STR(xcell(com, 1, 6), "0912345678");
    CHECK_STR(xcell(com, 1, 7), comment);
    json_decref(wb);
    free(wb_text);
    json_decref(row);
    free(jl);
    free(csv);
    free(path);
    free(out);
    free(script);
    hl_fixture_rm(dir);
}

static void test_a_scripted_comment_reaches_csv_jsonl_and_xlsx_byte_for_byte(void)
{
    /* What the citizen typed: commas, quotes, a line break, Vietnamese,
     * spaces at the ends (trimmed when it is stored). */
    const char *comment = "Chờ lâu, \"rất\" lâu; cán bộ nhiệt tình.\nĐề nghị thêm ghế, quạt.";
    char *dir = hl_test_tmpdir("e2e-text");
    char *script = hl_test_write_file(
        dir, "s.txt",
        "answer overall s1\n"
        "answer comment \"  Chờ lâu, \\\"rất\\\" lâu; cán bộ nhiệt tình.\\nĐề nghị thêm ghế, "
        "quạt. \"\n"
        "next\n"
        "answer name \"An\"\n"
        "next\n"
        "skip\n"
        "expect state thanks\n");
    run_scripted(dir, TEXT_SURVEY, script, "2026-11-27T08:00:00Z");

    /* CSV: one field, RFC 4180 quoted (quotes doubled, the line break kept). */
    char *csv_path = hl_fixture_path(dir, "r.csv");
    run_text(dir, "export", "--format", "csv", "--out", csv_path, NULL);
    char *csv = hl_test_read_file(csv_path, NULL);
    CHECK_CONTAINS(csv, ",s1,\"Chờ lâu, \"\"rất\"\" lâu; cán bộ nhiệt tình.\nĐề nghị thêm ghế, "
                        "quạt.\",An,\r\n");

    /* JSON Lines: the same bytes once the string is decoded. */
    char *jl_path = hl_fixture_path(dir, "r.jsonl");
    run_text(dir, "export", "--format", "jsonl", "--out", jl_path, NULL);
    char *jl = hl_test_read_file(jl_path, NULL);
    json_error_t je;
    json_t *row = jl ? json_loads(jl, JSON_DISABLE_EOF_CHECK, &je) : NULL;
    json_t *ans = json_object_get(json_object_get(row, "answers"), "comment");
    CHECK_STR(json_string_value(json_object_get(ans, "value")), comment);

    /* XLSX: the "Góp ý" sheet holds it (check.py reads it with openpyxl). */
    char *xl_path = hl_fixture_path(dir, "r.xlsx");
    run_text(dir, "export", "--format", "xlsx", "--out", xl_path, NULL);
    const char *py[] = {"/usr/bin/python3", HL_TEST_DATA "/xlsx/check.py", xl_path, NULL};
    char *wb_text = NULL;
    CHECK_INT(hl_test_run(py, NULL, &wb_text, NULL), 0);
    json_t *wb = wb_text ? json_loads(wb_text, 0, &je) : NULL;
    bool found = false;
    size_t i, k;
    json_t *sh, *r;
    json_array_foreach(json_object_get(wb, "sheets"), i, sh)
    {
        if (strcmp(json_string_value(json_object_get(sh, "name")), "Góp ý") != 0) continue;
        json_array_foreach(json_object_get(sh, "rows"), k, r)
        {
            json_t *c = json_array_get(json_array_get(r, 7), 1);
            if (json_is_string(c) && !strcmp(json_string_value(c), comment)) found = true;
        }
    }
    CHECK(found);

    /* stats counts it; its words are not printed. */
    char *stats = NULL;
    run_text(dir, "stats", "--json", NULL, NULL, NULL, &stats);
    CHECK_CONTAINS(stats, "\"comments\":2,"); /* the comment and the name */
    CHECK(stats && !strstr(stats, "ghế"));
    free(stats);
    json_decref(wb);
    free(wb_text);
    json_decref(row);
    free(jl);
    free(csv);
    free(xl_path);
    free(jl_path);
    free(csv_path);
    free(script);
    hl_fixture_rm(dir);
}

/* RMS of samples [from, to) of a 16-bit mono WAV's data (44-byte header). */
static double wav_rms(const unsigned char *wav, size_t len, size_t from, size_t to)
{
    double sum = 0;
    size_t n = 0;
    for (size_t i = from; i < to && 44 + 2 * i + 1 < len; i++, n++) {
        int16_t v = (int16_t)(wav[44 + 2 * i] | wav[45 + 2 * i] << 8);
        sum += (double)v * v;
    }
    return n ? sqrt(sum / (double)n) : 0;
}

/* The "done when": the bundled survey answered with the keys alone
 * and the screen never looked at, every question and option heard (the
 * capture's log says what was said, when, in which language, and the WAV
 * is not silence there), the answers stored. */
static void test_a_citizen_completes_the_bundled_survey_with_keys_alone_hearing_every_question(void)
{
    char *dir = hl_test_tmpdir("e2e-keys");
    char *wav = hl_fixture_path(dir, "said.wav"), *log = hl_fixture_path(dir, "said.wav.jsonl");
    const char *run[] = {HL_BIN,
                         "run",
                         "--data-dir",
                         dir,
                         "--survey",
                         HL_SOURCE_DIR "/assets/surveys/sipas-mot-cua.json",
                         "--config",
                         CONFIG,
                         "--headless",
                         "--script",
                         HL_TEST_DATA "/ui/keys-only.txt",
                         "--clock",
                         "2026-11-28T01:00:00Z",
                         "--audio-capture",
                         wav,
                         NULL};
    char *out = NULL;
    hl_fixture_expect(__FILE__, __LINE__, run, hl_fixture_no_config, 0, ": complete,", NULL, &out,
                      NULL);
    CHECK_CONTAINS(out, "trips                once");
    size_t wlen = 0, llen = 0;
    unsigned char *w = (unsigned char *)hl_test_read_file(wav, &wlen);
    char *l = hl_test_read_file(log, &llen);
    CHECK(w && wlen > 44 && !memcmp(w, "RIFF", 4) && !memcmp(w + 8, "WAVE", 4));
    bool heard[9] = {false};
    bool options = false, thanks = false;
    for (char *line = l; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        json_error_t je;
        json_t *u = json_loads(line, 0, &je);
        const char *text = json_string_value(json_object_get(u, "text"));
        long long start = json_integer_value(json_object_get(u, "start_ms"));
        long long samples = json_integer_value(json_object_get(u, "samples"));
        CHECK_STR(json_string_value(json_object_get(u, "lang")), "vi");
        for (int q = 1; text && q <= 8; q++) {
            char want[32];
            snprintf(want, sizeof want, "Câu %d trên 8", q);
            /* Heard: said for at least 2 s, and not silence there. */
            if (strstr(text, want) && samples >= 2 * 22050 &&
                wav_rms(w, wlen, (size_t)(start * 22050 / 1000),
                        (size_t)(start * 22050 / 1000) + (size_t)samples) > 300)
                heard[q] = true;
        }
        if (text && strstr(text, "Lựa chọn 1 trên 5: Rất hài lòng") &&
            strstr(text, "Lựa chọn 5 trên 5: Rất không hài lòng"))
            options = true;
        if (text && strstr(text, "Cảm ơn") && samples > 0) thanks = true;
        json_decref(u);
        line = nl ? nl + 1 : line + strlen(line);
    }
    for (int q = 1; q <= 8; q++)
        if (!heard[q]) hl_test_fail(__FILE__, __LINE__, "question %d was not heard", q);
    CHECK(options);
    CHECK(thanks);
    free(w);
    free(l);
    free(out);
    free(wav);
    free(log);
    hl_fixture_rm(dir);
}

/* ---- Recorded voices ------------------------------------------------------------ */

/* Sample i of a 16-bit mono WAV's data (44-byte header). */
static int16_t wav_at(const unsigned char *wav, size_t i)
{
    return (int16_t)(wav[44 + 2 * i] | wav[45 + 2 * i] << 8);
}

/* Writes ms of a sine of hz (amplitude 8000) as a 16-bit mono WAV at rate
 * Hz: a recording whose every stretch shows its tone. */
static void write_tone(const char *path, double hz, int ms, unsigned rate)
{
    size_t n = (size_t)rate * (size_t)ms / 1000;
    int16_t *pcm = malloc(n * sizeof *pcm);
    for (size_t i = 0; pcm && i < n; i++)
        pcm[i] = (int16_t)(8000 * sin(2 * 3.14159265358979 * hz * (double)i / rate));
    hl_err_t err = {0};
    if (!pcm || hl_wav_write(path, pcm, n, rate, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "%s: %s", path, err.msg);
    free(pcm);
}

/* A WAV hailong does not play: RIFF/WAVE (the survey loads) with 8-bit
 * samples (decoding refuses it). */
static void write_8bit_wav(const char *path)
{
    unsigned char b[44 + 800] = {'R', 'I', 'F',  'F',  36 + 32, 3,   0,    0,    'W', 'A', 'V',
                                 'E', 'f', 'm',  't',  ' ',     16,  0,    0,    0,   1,   0,
                                 1,   0,   0x40, 0x1F, 0,       0,   0x40, 0x1F, 0,   0,   1,
                                 0,   8,   0,    'd',  'a',     't', 'a',  0x20, 3,   0,   0};
    memset(b + 44, 0x80, 800);
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(b, 1, sizeof b, f) == sizeof b);
    if (f) fclose(f);
}

/* How long a tone of hz sounds in [from, to) of the capture, in seconds:
 * the windows of 2048 samples (hopping by 1024) where it holds 90% of the
 * energy (Goertzel), a pure tone's ~100%, speech's a few. */
static double tone_seconds(const unsigned char *wav, size_t len, size_t from, size_t to, double hz)
{
    const size_t n = 2048;
    double coeff = 2 * cos(2 * 3.14159265358979 * hz / 22050);
    size_t hops = 0;
    for (size_t at = from; at + n <= to && 44 + 2 * (at + n) <= len; at += n / 2) {
        double s1 = 0, s2 = 0, energy = 0;
        for (size_t i = 0; i < n; i++) {
            double x = wav_at(wav, at + i), s0 = x + coeff * s1 - s2;
            s2 = s1;
            s1 = s0;
            energy += x * x;
        }
        double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
        hops += energy > 0 && power / (energy * (double)n / 2) > 0.9;
    }
    return (double)hops * (double)(n / 2) / 22050;
}

/* How many times needle is in hay. */
static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; p && (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* tests/data/audio/survey.json copied into dir, with its two recordings: the
 * first question's a 2 kHz tone of 1.5 s at 16 kHz (resampled when read),
 * the third's a WAV of 8-bit samples that no kiosk plays. The survey's path. */
static char *voices_survey(const char *dir)
{
    char *text = hl_test_read_file(HL_TEST_DATA "/audio/survey.json", NULL);
    CHECK(text != NULL);
    char *survey = hl_test_write_file(dir, "survey.json", text ? text : "");
    free(text);
    char *sub = hl_fixture_path(dir, "giong"), *tone = hl_fixture_path(dir, "giong/cau-1.wav");
    char *broken = hl_fixture_path(dir, "giong/hong.wav");
    mkdir(sub, 0755);
    write_tone(tone, 2000, 1500, 16000);
    write_8bit_wav(broken);
    free(sub);
    free(tone);
    free(broken);
    return survey;
}

/* Issue 17's two sources, end to end with the keys: the first question's
 * recording is heard (its tone in the capture where the log names it), the
 * second question, without one, is synthesised, and the third's recording,
 * which does not play, is synthesised from its words: reported at start
 * and once when it is first needed, never again (said twice here). */
static void test_a_recorded_text_is_heard_from_its_file_and_the_others_synthesised(void)
{
    char *dir = hl_test_tmpdir("e2e-voices");
    char *survey = voices_survey(dir);
    char *wav = hl_fixture_path(dir, "said.wav"), *log = hl_fixture_path(dir, "said.wav.jsonl");
    char *data = hl_fixture_path(dir, "data");
    char *script = hl_test_write_file(dir, "keys.txt",
                                      "key down\nwait 15000\n"   /* question 1, recorded */
                                      "key enter\nwait 15000\n"  /* question 2 */
                                      "key enter\nwait 15000\n"  /* question 3, broken */
                                      "key repeat\nwait 15000\n" /* again */
                                      "key enter\nwait 3000\nexpect state thanks\n");
    const char *run[] = {HL_BIN,
                         "run",
                         "--data-dir",
                         data,
                         "--survey",
                         survey,
                         "--config",
                         CONFIG,
                         "--headless",
                         "--script",
                         script,
                         "--clock",
                         "2026-11-28T01:00:00Z",
                         "--audio-capture",
                         wav,
                         NULL};
    char *err = NULL;
    hl_fixture_expect(__FILE__, __LINE__, run, hl_fixture_no_config, 0, ": complete,", NULL, NULL,
                      &err);
    /* Reported at start (where the survey names it) and once when needed. */
    CHECK_CONTAINS(err, "survey.json:24:32: the recording cannot be played: ");
    CHECK_CONTAINS(err, "8-bit samples");
    CHECK_INT(count_of(err, "hong.wav"), 2);
    CHECK_INT(count_of(err, "a recording cannot be played, its text is synthesised instead"), 1);
    CHECK(err && !strstr(err, "cau-1.wav"));
    size_t wlen = 0;
    unsigned char *w = (unsigned char *)hl_test_read_file(wav, &wlen);
    char *l = hl_test_read_file(log, NULL);
    CHECK(w && wlen > 44);
    char rec1[1200], rec3[1200];
    snprintf(rec1, sizeof rec1, "[%s/giong/cau-1.wav] Ông/Bà có nghe rõ câu hỏi này không?", dir);
    snprintf(rec3, sizeof rec3, "[%s/giong/hong.wav] Bản ghi của câu này hỏng", dir);
    int q1 = 0, q2 = 0, q3 = 0;
    for (char *line = l; w && line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        json_t *u = json_loads(line, 0, NULL);
        const char *text = json_string_value(json_object_get(u, "text"));
        size_t from = (size_t)json_integer_value(json_object_get(u, "start_ms")) * 22050 / 1000;
        size_t to = from + (size_t)json_integer_value(json_object_get(u, "samples"));
        double tone = tone_seconds(w, wlen, from, to, 2000), rms = wav_rms(w, wlen, from, to);
        if (getenv("HL_TEST_SAID"))
            printf("  %zu-%zu tone %.2f s rms %.0f: %s\n", from, to, tone, rms, text ? text : "");
        if (text && strstr(text, "Câu 1 trên 3")) { /* the recording, then the options */
            q1++;
            CHECK_CONTAINS(text, rec1);
            CHECK(tone > 1.3 && tone < 1.6); /* the whole recording: 1.5 s */
            CHECK(rms > 300 && to - from > 22050 * 3);
        }
        if (text && strstr(text, "Câu 2 trên 3")) { /* no recording: words only */
            q2++;
            CHECK(!strchr(text, '['));
            CHECK(tone == 0 && rms > 300 && to - from > 22050);
        }
        if (text && strstr(text, "Câu 3 trên 3")) { /* a broken one: its words instead */
            q3++;
            CHECK_CONTAINS(text, rec3);
            CHECK(tone == 0 && rms > 300 && to - from > 22050 * 2);
        }
        json_decref(u);
        line = nl ? nl + 1 : line + strlen(line);
    }
    CHECK_INT(q1, 1);
    CHECK_INT(q2, 1);
    CHECK_INT(q3, 2);
    free(w);
    free(l);
    free(err);
    free(script);
    free(data);
    free(log);
    free(wav);
    free(survey);
    hl_fixture_rm(dir);
}

/* `hailong check` decodes a survey's recordings: one that does not play is
 * a problem where the survey names it, saying what to do; fixed, the
 * survey passes and its recordings are counted. */
static void test_check_names_a_recording_that_does_not_play_where_the_survey_names_it(void)
{
    char *dir = hl_test_tmpdir("e2e-voices-check");
    char *survey = voices_survey(dir);
    const char *check[] = {HL_BIN, "check", survey, NULL};
    char *err = NULL;
    hl_fixture_expect(__FILE__, __LINE__, check, hl_fixture_no_config, 1, NULL,
                      "survey.json:24:32: the recording cannot be played: ", NULL, &err);
    CHECK_CONTAINS(err, "giong/hong.wav: it has 8-bit samples, hailong plays 16-bit ones: save the "
                        "recording as WAV, 16-bit PCM");
    CHECK_CONTAINS(err, "(at questions[2].audio.text.vi)");
    CHECK_CONTAINS(err, "not valid (1 problem above)"); /* named twice, told once */
    free(err);
    char *broken = hl_fixture_path(dir, "giong/hong.wav");
    write_tone(broken, 440, 500, 44100);
    hl_fixture_expect(__FILE__, __LINE__, check, hl_fixture_no_config, 0,
                      ": ok: survey \"giong-doc\" version 1, 3 questions, languages vi, en, 3 "
                      "recordings",
                      NULL, NULL, NULL);
    free(broken);
    free(survey);
    hl_fixture_rm(dir);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_kiosk_refuses_to_start_on_a_read_only_data_directory),
    HL_TEST(test_kiosk_refuses_an_unmounted_data_partition_when_the_config_requires_one),
    HL_TEST(test_taps_by_id_and_by_coordinates_record_answers_and_gaps_record_nothing),
    HL_TEST(test_tapping_a_target_that_is_not_on_screen_stops_the_run),
    HL_TEST(test_a_scripted_double_tap_is_ignored_by_id_and_by_pixel_and_a_later_tap_counts),
    HL_TEST(test_shot_writes_a_png_of_the_screen),
    HL_TEST(test_scripted_sessions_are_stored_and_exported_as_csv_rows),
    HL_TEST(test_a_response_cut_off_by_a_crash_is_kept_as_partial_at_the_next_start),
    HL_TEST(test_the_bundled_demo_plays_through_the_default_survey),
    HL_TEST(test_stats_counts_what_the_runs_stored),
    HL_TEST(test_a_scripted_comment_reaches_csv_jsonl_and_xlsx_byte_for_byte),
    HL_TEST(test_a_scripted_consultation_types_a_comment_and_a_number_and_gets_a_code),
    HL_TEST(test_a_citizen_completes_the_bundled_survey_with_keys_alone_hearing_every_question),
    HL_TEST(test_a_recorded_text_is_heard_from_its_file_and_the_others_synthesised),
    HL_TEST(test_check_names_a_recording_that_does_not_play_where_the_survey_names_it),
};

HL_TEST_MAIN(tests)
