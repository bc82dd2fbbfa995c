/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_kiosk_tech.c: technician mode in the running kiosk
 * (firmware/app/kiosk_tech.c), end to end: `hailong run --headless --script`
 * against a real config and store, as a technician's fingers would do it.
 *
 * The entry gesture opens the PIN pad and nothing else does; a double tap
 * types nothing on the PIN pad or the menu page that just appeared; wrong PINs lead
 * to a lockout that holds across a restart and ends on time; the right PIN
 * opens the menu; switching the officer is saved in the config and the
 * next citizen's response carries that officer and the counter in the
 * export; a broken survey on the stick is refused with its errors on screen
 * while the old survey keeps running, and a good one is installed and runs;
 * a survey's note pictures are installed with it and it runs once the stick
 * is gone, while a picture missing on the stick, a picture name taken by
 * another survey or a full disk refuses the install, keeps the old survey
 * and leaves no picture behind; the stick's files are listed in natural
 * name order, all of them, a page at a time;
 * the results page shows the stored figures; every attempt and change is in
 * the technician log.
 */
#include "hl_config.h"
#include "hl_fixture.h"
#include "hl_pin.h"
#include "hl_store.h"
#include "hl_test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define PIN "246810"

typedef struct tk {
    char *dir;
    char data[512];
    char config[512];
} tk_t;

static void tk_init(tk_t *t, const char *tag, const char *extra)
{
    t->dir = hl_test_tmpdir(tag);
    snprintf(t->data, sizeof t->data, "%s/data", t->dir);
    hl_fakesys_t f;
    hl_fakesys_init(&f, 0, true, 99);
    hl_sys_t sys = hl_fakesys_sys(&f);
    char hash[HL_PIN_HASH_MAX];
    hl_err_t err = {0};
    if (hl_pin_hash(PIN, HL_PIN_ITER_MIN, &sys, hash, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "hash: %s", err.msg);
    char text[4096];
    snprintf(text, sizeof text,
             "{\"kiosk_id\": \"k-tech\",\n"
             " \"site\": {\"vi\": \"UBND phường Tiên Cát\", \"en\": \"Tien Cat Ward\"},\n"
             " \"counter\": {\"vi\": \"Quầy 3\", \"en\": \"Counter 3\"},\n"
             " \"officers\": [{\"id\": \"nva\", \"name\": \"Nguyễn Văn A\"},\n"
             "              {\"id\": \"ttb\", \"name\": \"Trần Thị B\"}],\n"
             " \"officer\": \"nva\",\n"
             " \"technician\": {\"pin_hash\": \"%s\"}%s}\n",
             hash, extra ? extra : "");
    char *p = hl_test_write_file(t->dir, "hailong.json", text);
    snprintf(t->config, sizeof t->config, "%s", p);
    free(p);
}

static void tk_free(tk_t *t)
{
    hl_test_rmtree(t->dir);
    free(t->dir);
}

/* Runs a script (text) headless at clock; returns the exit code. */
static int tk_run(tk_t *t, const char *clock, const char *script, char **out, char **errout)
{
    char *path = hl_test_write_file(t->dir, "script.txt", script);
    const char *argv[] = {HL_BIN,       "--data-dir", t->data, "--config", t->config, "run",
                          "--headless", "--clock",    clock,   "--script", path,      NULL};
    int rc = hl_test_run(argv, NULL, out, errout);
    free(path);
    return rc;
}

/* The gesture at 1280x800: hold top-left 3 s, then three taps top-right.
 * Each new screen is looked at (LOOK) before its first tap: the touch guard
 * ignores taps within 300 ms of a new screen; typing on one screen is fast. */
#define LOOK "wait 300\n"
#define GESTURE                                                                                    \
    "press 10 10\nwait 3100\nrelease 10 10\ntap 1270 10\ntap 1270 10\ntap 1270 10\n" LOOK
#define RIGHT_PIN                                                                                  \
    "tap pin:2\ntap pin:4\ntap pin:6\ntap pin:8\ntap pin:1\ntap pin:0\ntap pin:ok\n" LOOK
#define WRONG_PIN "tap pin:1\ntap pin:1\ntap pin:1\ntap pin:1\ntap pin:1\ntap pin:1\ntap pin:ok\n"

typedef struct log_count {
    int wrong, lockout, refused, ok, config, duty, install, refused_survey, closed;
} log_count_t;

static void count_log(void *ctx, int64_t at, const char *event, const char *detail)
{
    (void)at;
    log_count_t *c = ctx;
    if (detail && strstr(detail, PIN)) hl_test_fail(__FILE__, __LINE__, "the PIN is in the log");
    if (!strcmp(event, "pin_wrong")) c->wrong++;
    if (!strcmp(event, "pin_lockout")) c->lockout++;
    if (!strcmp(event, "pin_refused")) c->refused++;
    if (!strcmp(event, "pin_ok")) c->ok++;
    if (!strcmp(event, "config")) c->config++;
    if (!strcmp(event, "duty")) c->duty++;
    if (!strcmp(event, "survey_install")) c->install++;
    if (!strcmp(event, "survey_refused")) c->refused_survey++;
    if (!strcmp(event, "menu_closed")) c->closed++;
}

static log_count_t tk_log(tk_t *t)
{
    log_count_t c = {0};
    hl_store_t *st = NULL;
    hl_err_t err = {0};
    hl_store_opts_t ro = {.read_only = true};
    if (hl_store_open(t->data, &ro, &st, NULL, &err) != HL_OK ||
        hl_store_log_recent(st, 1000, count_log, &c, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "log: %s", err.msg);
    hl_store_close(st);
    return c;
}

static void test_nothing_but_the_gesture_opens_the_pin_pad(void)
{
    tk_t t;
    tk_init(&t, "tech-gesture", NULL);
    char *out = NULL, *err = NULL;
    /* Taps in the corners without the hold, or a hold too short: no PIN pad. */
    CHECK_INT(tk_run(&t, "2026-11-27T08:00:00Z",
                     "tap 10 10\ntap 1270 10\ntap 1270 10\ntap 1270 10\n"
                     "expect-no-target pin:ok\n"
                     "press 10 10\nwait 2500\nrelease 10 10\n"
                     "tap 1270 10\ntap 1270 10\ntap 1270 10\nexpect-no-target pin:ok\n"
                     "expect state start\n" GESTURE "expect-target pin:ok\n"
                     "tap pin:cancel\nexpect-no-target pin:ok\nexpect state start\n",
                     &out, &err),
              0);
    if (err && *err && !strstr(err, "PIN pad opened")) fprintf(stderr, "%s", err);
    free(out);
    free(err);
    tk_free(&t);
}

static void test_a_double_tap_types_nothing_on_the_pin_pad_or_menu_that_just_opened(void)
{
    tk_t t;
    tk_init(&t, "tech-ghost", NULL);
    char *out = NULL, *err = NULL;
    /* The third corner tap opens the PIN pad; a second touch 0 ms later is
     * a ghost (it would make the PIN wrong). The right PIN typed at once on
     * the same pad opens the menu; a tap on a page at once is ignored, and
     * counts after a look. */
    int rc = tk_run(&t, "2026-11-27T08:00:00Z",
                    "press 10 10\nwait 3100\nrelease 10 10\n"
                    "tap 1270 10\ntap 1270 10\ntap 1270 10\n"
                    "tap pin:2\n" LOOK
                    "tap pin:2\ntap pin:4\ntap pin:6\ntap pin:8\ntap pin:1\ntap pin:0\ntap pin:ok\n"
                    "expect-target tech:close\n"
                    "tap tech:page:settings\nexpect-no-target tech:idle:+\n" LOOK
                    "tap tech:page:settings\nexpect-target tech:idle:+\n",
                    &out, &err);
    if (rc != 0) hl_test_fail(__FILE__, __LINE__, "run: %d %s", rc, err ? err : "");
    CHECK_CONTAINS(err, "line 7: tap ignored");
    CHECK_CONTAINS(err, "line 17: tap ignored");
    free(out);
    free(err);
    log_count_t c = tk_log(&t);
    CHECK_INT(c.wrong, 0);
    CHECK_INT(c.ok, 1);
    tk_free(&t);
}

static void test_wrong_pins_lock_the_entry_across_a_restart_until_the_time_is_up(void)
{
    tk_t t;
    tk_init(&t, "tech-lockout", NULL);
    char *out = NULL, *err = NULL;
    int rc = tk_run(&t, "2026-11-27T08:00:00Z",
                    GESTURE WRONG_PIN WRONG_PIN WRONG_PIN WRONG_PIN
                    "expect-target pin:ok\n" WRONG_PIN "expect-no-target tech:close\n" RIGHT_PIN
                    "expect-no-target tech:close\n",
                    &out, &err);
    if (rc != 0) hl_test_fail(__FILE__, __LINE__, "run 1: %d %s", rc, err ? err : "");
    free(out);
    free(err);
    log_count_t c = tk_log(&t);
    CHECK_INT(c.wrong, 4);
    CHECK_INT(c.lockout, 1);
    CHECK_INT(c.refused, 1);
    CHECK_INT(c.ok, 0);

    /* A restart a minute later: still locked, even with the right PIN. */
    rc = tk_run(&t, "2026-11-27T08:01:00Z",
                GESTURE "expect-target pin:ok\n" RIGHT_PIN "expect-no-target tech:close\n", &out,
                &err);
    if (rc != 0) hl_test_fail(__FILE__, __LINE__, "run 2: %d %s", rc, err ? err : "");
    free(out);
    free(err);
    c = tk_log(&t);
    CHECK_INT(c.refused, 2);
    CHECK_INT(c.ok, 0);

    /* Five minutes after the lockout began: the right PIN opens the menu. */
    rc = tk_run(&t, "2026-11-27T08:05:30Z",
                GESTURE RIGHT_PIN "expect-target tech:close\ntap tech:close\nexpect state start\n",
                &out, &err);
    if (rc != 0) hl_test_fail(__FILE__, __LINE__, "run 3: %d %s", rc, err ? err : "");
    free(out);
    free(err);
    c = tk_log(&t);
    CHECK_INT(c.ok, 1);
    CHECK(c.closed >= 1);
    tk_free(&t);
}

static void test_the_menu_closes_by_itself_after_two_minutes(void)
{
    tk_t t;
    tk_init(&t, "tech-idle", NULL);
    char *out = NULL, *err = NULL;
    CHECK_INT(tk_run(&t, "2026-11-27T08:00:00Z",
                     GESTURE RIGHT_PIN "expect-target tech:close\nwait 119000\n"
                                       "expect-target tech:close\nwait 2000\n"
                                       "expect-no-target tech:close\nexpect state start\n",
                     &out, &err),
              0);
    free(out);
    free(err);
    tk_free(&t);
}

/* Field `col` (0-based) of the first data row of a CSV text. */
static char *csv_field(const char *csv, const char *header_name)
{
    const char *nl = strchr(csv, '\n');
    if (!nl) return NULL;
    /* Header columns up to header_name. */
    int col = 0;
    const char *p = csv;
    if (!strncmp(p, "\xEF\xBB\xBF", 3)) p += 3;
    const char *h = strstr(p, header_name);
    if (!h || h > nl) return NULL;
    for (const char *q = p; q < h; q++)
        col += *q == ',';
    const char *r = nl + 1;
    for (int i = 0; i < col && r; i++) {
        r = strchr(r, ',');
        if (r) r++;
    }
    if (!r) return NULL;
    size_t n = strcspn(r, ",\r\n");
    char *v = malloc(n + 1);
    memcpy(v, r, n);
    v[n] = '\0';
    return v;
}

static void test_switching_the_officer_is_saved_and_carried_by_the_next_response(void)
{
    tk_t t;
    tk_init(&t, "tech-officer", NULL);
    char *out = NULL, *err = NULL;
    int rc = tk_run(&t, "2026-11-27T08:00:00Z",
                    GESTURE RIGHT_PIN "tap tech:page:officer\n" LOOK "tap tech:duty:ttb\n"
                                      "tap tech:close\nexpect state start\n"
                                      "answer overall satisfied\nwait 1000\n",
                    &out, &err);
    if (rc != 0) hl_test_fail(__FILE__, __LINE__, "run: %d %s", rc, err ? err : "");
    free(out);
    free(err);
    /* The config now names ttb; the rest of it is kept. */
    char *cfgtext = hl_test_read_file(t.config, NULL);
    CHECK_CONTAINS(cfgtext, "\"officer\": \"ttb\"");
    CHECK_CONTAINS(cfgtext, "Nguyễn Văn A");
    free(cfgtext);
    /* The response (in progress: exported as such) carries ttb and the counter. */
    char csv[600];
    snprintf(csv, sizeof csv, "%s/out.csv", t.dir);
    const char *argv[] = {HL_BIN,     "--data-dir", t.data,  "--config", t.config, "export",
                          "--format", "csv",        "--out", csv,        NULL};
    CHECK_INT(hl_test_run(argv, NULL, NULL, NULL), 0);
    char *text = hl_test_read_file(csv, NULL);
    CHECK(text != NULL);
    if (text) {
        char *officer = csv_field(text, "officer_id");
        char *counter = csv_field(text, "counter");
        CHECK_STR(officer, "ttb");
        CHECK_STR(counter, "Quầy 3");
        free(officer);
        free(counter);
    }
    free(text);
    log_count_t c = tk_log(&t);
    CHECK_INT(c.duty, 1);
    CHECK(c.config >= 1);
    tk_free(&t);
}

static void test_a_change_to_a_config_kept_in_ram_warns_it_lasts_only_until_restart(void)
{
    if (access("/dev/shm", W_OK) != 0) {
        printf("skipped: %s: no /dev/shm (a tmpfs) here\n", __func__);
        return;
    }
    tk_t t;
    tk_init(&t, "tech-ram", NULL);
    /* The config on a tmpfs, as on a read-only root's overlay. */
    char *text = hl_test_read_file(t.config, NULL);
    char ramdir[128];
    snprintf(ramdir, sizeof ramdir, "/dev/shm/hl-tech-ram-%ld", (long)getpid());
    CHECK_INT(mkdir(ramdir, 0700), 0);
    char *p = hl_test_write_file(ramdir, "hailong.json", text);
    snprintf(t.config, sizeof t.config, "%s", p);
    free(p);
    free(text);
    char *out = NULL, *err = NULL;
    int rc = tk_run(&t, "2026-11-27T08:00:00Z",
                    GESTURE RIGHT_PIN "tap tech:page:officer\n" LOOK "tap tech:duty:ttb\n"
                                      "expect-text Chỉ lưu đến khi khởi động lại\n"
                                      "expect-text Saved only until restart\n",
                    &out, &err);
    CHECK_INT(rc, 0);
    if (rc) fprintf(stderr, "%s\n", err ? err : "");
    CHECK_CONTAINS(err, "changes made in the technician menu last only until the next restart");
    char *cfgtext = hl_test_read_file(t.config, NULL);
    CHECK_CONTAINS(cfgtext, "\"officer\": \"ttb\""); /* saved all the same */
    free(cfgtext);
    free(out);
    free(err);
    hl_test_rmtree(ramdir);
    tk_free(&t);
}

/* Makes a stick folder in t's folder with its HAILONG/surveys folder:
 * stick[600] and sdir[700] get their paths. */
static void stick_surveys(const tk_t *t, char *stick, char *sdir)
{
    snprintf(stick, 600, "%s/stick", t->dir);
    snprintf(sdir, 700, "%s/HAILONG", stick);
    mkdir(stick, 0755);
    mkdir(sdir, 0755);
    snprintf(sdir, 700, "%s/HAILONG/surveys", stick);
    mkdir(sdir, 0755);
}

static void test_a_broken_survey_from_the_stick_is_refused_and_a_good_one_installed(void)
{
    tk_t t;
    tk_init(&t, "tech-install", NULL);
    char stick[600], sdir[700];
    stick_surveys(&t, stick, sdir);
    free(hl_test_write_file(sdir, "a-broken.json",
                            "{\"format\": 1, \"id\": \"moi\", \"version\": 2,\n"
                            " \"languages\": [\"vi\"],\n"
                            " \"title\": {\"vi\": \"Khảo sát\"}\n"
                            " \"questions\": []}\n"));
    free(hl_test_write_file(sdir, "b-good.json",
                            "{\"format\": 1, \"id\": \"moi\", \"version\": 2,\n"
                            " \"languages\": [\"vi\", \"en\"],\n"
                            " \"title\": {\"vi\": \"Khảo sát mới\", \"en\": \"New survey\"},\n"
                            " \"thanks\": {\"vi\": \"Cảm ơn\", \"en\": \"Thank you\"},\n"
                            " \"questions\": [{\"id\": \"q1\", \"type\": \"yesno\",\n"
                            "   \"text\": {\"vi\": \"Hài lòng?\", \"en\": \"Satisfied?\"}}]}\n"));
    /* The same id and version with other content: must never replace the file. */
    free(hl_test_write_file(sdir, "c-conflict.json",
                            "{\"format\": 1, \"id\": \"moi\", \"version\": 2,\n"
                            " \"languages\": [\"vi\", \"en\"],\n"
                            " \"title\": {\"vi\": \"Khác\", \"en\": \"Other\"},\n"
                            " \"thanks\": {\"vi\": \"Cảm ơn\", \"en\": \"Thank you\"},\n"
                            " \"questions\": [{\"id\": \"q9\", \"type\": \"yesno\",\n"
                            "   \"text\": {\"vi\": \"Khác?\", \"en\": \"Other?\"}}]}\n"));
    char script[4096];
    snprintf(script, sizeof script,
             GESTURE RIGHT_PIN
             "stick %s\ntap tech:page:survey\n" LOOK "tap tech:survey:install:0\n"
             "expect-text :4:\n" /* the error's line number is shown */
             "tap tech:close\nexpect-target answer:overall:satisfied\n" GESTURE RIGHT_PIN
             "tap tech:page:survey\n" LOOK "tap tech:survey:install:1\n" LOOK
             "tap tech:survey:install:2\nexpect-text Chưa cài\n"
             "tap tech:close\nexpect-target answer:q1:yes\n",
             stick);
    char *out = NULL, *err = NULL;
    int rc = tk_run(&t, "2026-11-27T08:00:00Z", script, &out, &err);
    if (rc != 0) hl_test_fail(__FILE__, __LINE__, "run: %d %s", rc, err ? err : "");
    free(out);
    free(err);
    /* Installed next to the config, and the config runs it from now on. */
    char inst[700];
    snprintf(inst, sizeof inst, "%s/surveys/moi-v2.json", t.dir);
    struct stat sb;
    CHECK_INT(stat(inst, &sb), 0);
    char *installed = hl_test_read_file(inst, NULL);
    CHECK_CONTAINS(installed, "Hài lòng?"); /* b-good's, not the conflicting one's */
    free(installed);
    char *cfgtext = hl_test_read_file(t.config, NULL);
    CHECK_CONTAINS(cfgtext, "surveys/moi-v2.json");
    free(cfgtext);
    log_count_t c = tk_log(&t);
    CHECK_INT(c.refused_survey, 2); /* the broken one, and the conflicting one */
    CHECK_INT(c.install, 1);
    /* A new start keeps the new survey. */
    rc = tk_run(&t, "2026-11-27T09:00:00Z", "expect-target answer:q1:yes\n", &out, &err);
    if (rc != 0) hl_test_fail(__FILE__, __LINE__, "restart: %d %s", rc, err ? err : "");
    free(out);
    free(err);
    tk_free(&t);
}

static void test_the_survey_page_sorts_every_stick_file_and_pages_through_them(void)
{
    /* Twelve surveys, written in reverse: natural name order puts
     * khao-sat-10 tenth (byte order would put it second), and the files past
     * the first page are reached with the page buttons. */
    tk_t t;
    tk_init(&t, "tech-pages", NULL);
    char stick[600], sdir[700];
    stick_surveys(&t, stick, sdir);
    for (int i = 12; i >= 1; i--) {
        char name[64], text[1024];
        snprintf(name, sizeof name, "khao-sat-%d.json", i);
        snprintf(text, sizeof text,
                 "{\"format\": 1, \"id\": \"ks-%d\", \"version\": 1,\n"
                 " \"languages\": [\"vi\", \"en\"],\n"
                 " \"title\": {\"vi\": \"Khảo sát %d\", \"en\": \"Survey %d\"},\n"
                 " \"thanks\": {\"vi\": \"Cảm ơn\", \"en\": \"Thank you\"},\n"
                 " \"questions\": [{\"id\": \"q%d\", \"type\": \"yesno\",\n"
                 "   \"text\": {\"vi\": \"Hài lòng?\", \"en\": \"Satisfied?\"}}]}\n",
                 i, i, i, i);
        free(hl_test_write_file(sdir, name, text));
    }
    char script[4096];
    snprintf(script, sizeof script,
             GESTURE RIGHT_PIN
             "stick %s\n" LOOK "tap tech:page:survey\n" LOOK "expect-text Trang 1/\n"
             "expect-target tech:survey:install:0\n"
             "expect-text khao-sat-1.json\n"
             "expect-no-text khao-sat-10.json\n"
             "tap tech:stick:prev\n" LOOK /* disabled on the first page: nothing moves */
             "expect-text Trang 1/\n"
             "tap tech:stick:next\n" LOOK "expect-no-text Trang 1/\n"
             "expect-text Trang 2/\n"
             "expect-no-target tech:survey:install:0\n"
             /* to the last page (12 files: at most 12 pages), then back one */
             "tap tech:stick:next\n" LOOK "tap tech:stick:next\n" LOOK "tap tech:stick:next\n" LOOK
             "tap tech:stick:next\n" LOOK "tap tech:stick:next\n" LOOK "tap tech:stick:next\n" LOOK
             "tap tech:stick:next\n" LOOK "tap tech:stick:next\n" LOOK "tap tech:stick:next\n" LOOK
             "tap tech:stick:next\n" LOOK "expect-text khao-sat-12.json\n"
             "expect-target tech:survey:install:11\n"
             "expect-no-target tech:survey:install:12\n"
             "expect-no-text khao-sat-1.json\n"
             "tap tech:survey:install:9\n" LOOK "tap tech:close\nexpect-target answer:q10:yes\n",
             stick);
    char *out = NULL, *err = NULL;
    int rc = tk_run(&t, "2026-11-27T08:00:00Z", script, &out, &err);
    if (rc != 0) hl_test_fail(__FILE__, __LINE__, "run: %d %s", rc, err ? err : "");
    free(out);
    free(err);
    char *cfgtext = hl_test_read_file(t.config, NULL);
    CHECK_CONTAINS(cfgtext, "surveys/ks-10-v1.json");
    free(cfgtext);
    tk_free(&t);
}

#define GOOD_SURVEY                                                                                \
    "{\"format\": 1, \"id\": \"moi\", \"version\": 2,\n"                                           \
    " \"languages\": [\"vi\", \"en\"],\n"                                                          \
    " \"title\": {\"vi\": \"Khảo sát mới\", \"en\": \"New survey\"},\n"                       \
    " \"thanks\": {\"vi\": \"Cảm ơn\", \"en\": \"Thank you\"},\n"                               \
    " \"questions\": [{\"id\": \"q1\", \"type\": \"yesno\",\n"                                     \
    "   \"text\": {\"vi\": \"Hài lòng?\", \"en\": \"Satisfied?\"}}]}\n"

/* tk_run with a watchdog: a listing that blocks on a FIFO is killed (a
 * failure) instead of hanging the suite. Nothing is timed. */
static int tk_run_guarded(tk_t *t, const char *script, char **out, char **errout)
{
    char *path = hl_test_write_file(t->dir, "script.txt", script);
    const char *argv[] = {
        HL_BIN,    "--data-dir",           t->data,    "--config", t->config, "run", "--headless",
        "--clock", "2026-11-27T08:00:00Z", "--script", path,       NULL};
    int rc = hl_test_run_watchdog(argv, NULL, out, errout, 300);
    free(path);
    return rc;
}

/* A FIFO, a link and a file over 1 MiB among a stick's surveys: the page
 * lists them without blocking, installing each is refused with the reason,
 * and the good one still installs. */
static void test_a_fifo_a_link_or_a_huge_file_on_the_stick_is_refused_and_never_blocks(void)
{
    tk_t t;
    tk_init(&t, "tech-fifo", NULL);
    char stick[600], sdir[700], p[800];
    snprintf(stick, sizeof stick, "%s/stick", t.dir);
    mkdir(stick, 0755);
    snprintf(sdir, sizeof sdir, "%s/HAILONG", stick);
    mkdir(sdir, 0755);
    snprintf(sdir, sizeof sdir, "%s/HAILONG/surveys", stick);
    mkdir(sdir, 0755);
    snprintf(p, sizeof p, "%s/a-fifo.json", sdir);
    CHECK_INT(mkfifo(p, 0644), 0);
    char *good_elsewhere = hl_test_write_file(t.dir, "elsewhere.json", GOOD_SURVEY);
    snprintf(p, sizeof p, "%s/b-link.json", sdir);
    CHECK_INT(symlink(good_elsewhere, p), 0);
    size_t big = 1024 * 1024 + 1;
    char *text = malloc(big + 1);
    memset(text, ' ', big);
    text[0] = '{';
    text[big - 1] = '}';
    text[big] = '\0';
    free(hl_test_write_file(sdir, "c-big.json", text));
    free(text);
    free(hl_test_write_file(sdir, "d-good.json", GOOD_SURVEY));
    char script[4096];
    snprintf(script, sizeof script,
             GESTURE RIGHT_PIN
             "stick %s\n" LOOK "tap tech:page:survey\n" LOOK "expect-target tech:survey:install:3\n"
             "tap tech:survey:install:0\n" LOOK "expect-text FIFO\n"
             "tap tech:survey:install:1\n" LOOK "expect-text symbolic link\n"
             "tap tech:survey:install:2\n" LOOK "expect-text larger than the limit\n"
             "tap tech:survey:install:3\n" LOOK "tap tech:close\nexpect-target answer:q1:yes\n",
             stick);
    char *out = NULL, *err = NULL;
    int rc = tk_run_guarded(&t, script, &out, &err);
    if (rc != 0) hl_test_fail(__FILE__, __LINE__, "run: %d %s", rc, err ? err : "");
    free(out);
    free(err);
    log_count_t c = tk_log(&t);
    CHECK_INT(c.refused_survey, 3);
    CHECK_INT(c.install, 1);
    free(good_elsewhere);
    tk_free(&t);
}

/* HAILONG on the stick is a link to a folder of surveys: nothing is listed
 * from it and the page says why. */
static void test_a_linked_folder_on_the_stick_lists_nothing_and_says_why(void)
{
    tk_t t;
    tk_init(&t, "tech-link", NULL);
    char stick[600], real[700], p[800];
    snprintf(stick, sizeof stick, "%s/stick", t.dir);
    mkdir(stick, 0755);
    snprintf(real, sizeof real, "%s/real", t.dir);
    mkdir(real, 0755);
    snprintf(p, sizeof p, "%s/surveys", real);
    mkdir(p, 0755);
    free(hl_test_write_file(p, "good.json", GOOD_SURVEY));
    snprintf(p, sizeof p, "%s/HAILONG", stick);
    CHECK_INT(symlink(real, p), 0);
    char script[4096];
    snprintf(script, sizeof script,
             GESTURE RIGHT_PIN "stick %s\n" LOOK "tap tech:page:survey\n" LOOK
                               "expect-no-target tech:survey:install:0\n"
                               "expect-text symbolic link\n",
             stick);
    char *out = NULL, *err = NULL;
    int rc = tk_run_guarded(&t, script, &out, &err);
    if (rc != 0) hl_test_fail(__FILE__, __LINE__, "run: %d %s", rc, err ? err : "");
    free(out);
    free(err);
    tk_free(&t);
}

/* A survey whose notes show pictures: image_a on the first, image_b (NULL:
 * none) on the second, then a yes/no question q1; id "anh", version v. */
static char *picture_survey(int v, const char *image_a, const char *image_b)
{
    char *text = malloc(4096);
    char second[600] = "";
    if (image_b)
        snprintf(second, sizeof second,
                 "  {\"id\": \"so_do\", \"type\": \"note\",\n"
                 "   \"text\": {\"vi\": \"Sơ đồ\", \"en\": \"Map\"},\n"
                 "   \"body\": {\"vi\": \"Quầy ở tầng 1.\", \"en\": \"The desk is downstairs.\"},\n"
                 "   \"image\": \"%s\"},\n",
                 image_b);
    snprintf(text, 4096,
             "{\"format\": 1, \"id\": \"anh\", \"version\": %d,\n"
             " \"languages\": [\"vi\", \"en\"],\n"
             " \"title\": {\"vi\": \"Khảo sát có hình\", \"en\": \"Survey with pictures\"},\n"
             " \"thanks\": {\"vi\": \"Cảm ơn\", \"en\": \"Thank you\"},\n"
             " \"questions\": [\n"
             "  {\"id\": \"gioi_thieu\", \"type\": \"note\",\n"
             "   \"text\": {\"vi\": \"Giờ làm việc\", \"en\": \"Opening hours\"},\n"
             "   \"body\": {\"vi\": \"Mở cửa sáng thứ Bảy.\", \"en\": \"Open on Saturday.\"},\n"
             "   \"image\": \"%s\"},\n"
             "%s"
             "  {\"id\": \"q1\", \"type\": \"yesno\",\n"
             "   \"text\": {\"vi\": \"Hài lòng?\", \"en\": \"Satisfied?\"}}]}\n",
             v, image_a, second);
    return text;
}

/* Writes len bytes to dir/rel, making rel's folders. */
static void put_bytes(const char *dir, const char *rel, const void *bytes, size_t len)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    for (char *c = path + strlen(dir) + 1; (c = strchr(c, '/')); c++) {
        *c = '\0';
        mkdir(path, 0755);
        *c = '/';
    }
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(bytes, 1, len, f) == len);
    if (f) fclose(f);
}

/* The bundled consultation's picture: a real PNG the screen can draw. */
static char *real_png(size_t *len)
{
    char *png = hl_test_read_file(HL_SOURCE_DIR "/assets/surveys/sang-thu-bay.png", len);
    if (!png) hl_test_fail(__FILE__, __LINE__, "the bundled picture is missing");
    return png;
}

/* A PNG header (the loader reads the size from it) padded to len bytes. */
static char *padded_png(size_t len, char fill)
{
    static const unsigned char head[24] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n',
                                           0,    0,   0,   13,  'I',  'H',  'D',  'R',
                                           0,    0,   0,   64,  0,    0,    0,    48};
    char *b = malloc(len);
    memset(b, fill, len);
    memcpy(b, head, sizeof head);
    return b;
}

/* path holds exactly len bytes equal to want. */
static bool file_is(const char *dir, const char *rel, const char *want, size_t len)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    size_t n = 0;
    char *got = hl_test_read_file(path, &n);
    bool same = got && n == len && !memcmp(got, want, len);
    free(got);
    return same;
}

/* Names in dir other than . and .. (-1: no such folder). */
static int entries(const char *dir)
{
    return hl_fixture_entries(dir, NULL);
}

/* A picture install's set-up: t's folders, the stick with its surveys
 * folder (sdir), and where the kiosk installs surveys (inst, not made). */
typedef struct pic {
    tk_t t;
    char stick[600], sdir[700], inst[700];
} pic_t;

static void pic_init(pic_t *p, const char *tag)
{
    tk_init(&p->t, tag, NULL);
    stick_surveys(&p->t, p->stick, p->sdir);
    snprintf(p->inst, sizeof p->inst, "%s/surveys", p->t.dir);
}

/* At clock: the menu opened, the stick in, its survey file number item
 * installed; then the script lines expect, the menu closed, and the lines
 * after. The run must go through. */
static void pic_install(pic_t *p, const char *clock, int item, const char *expect,
                        const char *after)
{
    char script[4096];
    snprintf(script, sizeof script,
             GESTURE RIGHT_PIN "stick %s\ntap tech:page:survey\n" LOOK
                               "tap tech:survey:install:%d\n" LOOK "%stap tech:close\n%s",
             p->stick, item, expect, after);
    char *out = NULL, *err = NULL;
    int rc = tk_run(&p->t, clock, script, &out, &err);
    if (rc != 0) hl_test_fail(__FILE__, __LINE__, "run at %s: %d %s", clock, rc, err ? err : "");
    free(out);
    free(err);
}

/* The install was refused: the config names no installed survey, the log
 * has the refusal and no install; the old survey is on screen. */
#define PIC_OLD_SURVEY "expect-target answer:overall:satisfied\n"
static void pic_refused(pic_t *p)
{
    char *cfgtext = hl_test_read_file(p->t.config, NULL);
    CHECK(cfgtext && !strstr(cfgtext, "surveys/"));
    free(cfgtext);
    log_count_t c = tk_log(&p->t);
    CHECK_INT(c.refused_survey, 1);
    CHECK_INT(c.install, 0);
}

/* The install copies every note picture next to the installed file, under
 * the same relative paths (a sub-folder too); the survey runs, and still
 * does once the stick is gone (a new start draws its pictures from the
 * kiosk's folder). A second version sharing a picture keeps the one there. */
static void test_a_survey_installed_from_the_stick_brings_its_pictures_and_runs_without_it(void)
{
    pic_t p;
    pic_init(&p, "tech-pictures");
    const char *inst = p.inst;
    size_t len = 0;
    char *png = real_png(&len);
    char *map = padded_png(5000, 'm');
    put_bytes(p.sdir, "sang-thu-bay.png", png, len);
    put_bytes(p.sdir, "hinh/so-do.png", map, 5000);
    char *v2 = picture_survey(2, "sang-thu-bay.png", "hinh/so-do.png");
    char *v3 = picture_survey(3, "sang-thu-bay.png", NULL);
    free(hl_test_write_file(p.sdir, "a-anh.json", v2));
    free(hl_test_write_file(p.sdir, "b-anh.json", v3));
    pic_install(&p, "2026-11-27T08:00:00Z", 0,
                "expect-text anh · phiên bản 2\n"
                "expect-no-text không đọc được\n", /* every installed one loads */
                "expect-no-target tech:close\n");
    CHECK(file_is(inst, "anh-v2.json", v2, strlen(v2)));
    CHECK(file_is(inst, "sang-thu-bay.png", png, len));
    CHECK(file_is(inst, "hinh/so-do.png", map, 5000));
    char *cfgtext = hl_test_read_file(p.t.config, NULL);
    CHECK_CONTAINS(cfgtext, "surveys/anh-v2.json");
    free(cfgtext);

    /* No stick any more: a new start runs the installed survey, pictures and all. */
    char gone[700], *out = NULL, *err = NULL;
    snprintf(gone, sizeof gone, "%s.gone", p.stick);
    CHECK_INT(rename(p.stick, gone), 0);
    int rc = tk_run(&p.t, "2026-11-27T09:00:00Z",
                    "expect state start\ntap next\n" LOOK "tap next\n" LOOK
                    "expect-target answer:q1:yes\n",
                    &out, &err);
    if (rc != 0) hl_test_fail(__FILE__, __LINE__, "restart: %d %s", rc, err ? err : "");
    CHECK(!err || !strstr(err, "picture"));
    free(out);
    free(err);
    CHECK_INT(rename(gone, p.stick), 0);

    /* Version 3 names the same picture with the same bytes: kept, shared. */
    pic_install(&p, "2026-11-27T10:00:00Z", 1, "", "expect-no-target tech:close\n");
    CHECK(file_is(inst, "anh-v3.json", v3, strlen(v3)));
    CHECK(file_is(inst, "anh-v2.json", v2, strlen(v2)));
    CHECK(file_is(inst, "sang-thu-bay.png", png, len));
    log_count_t c = tk_log(&p.t);
    CHECK_INT(c.install, 2);
    CHECK_INT(c.refused_survey, 0);
    free(v2);
    free(v3);
    free(map);
    free(png);
    tk_free(&p.t);
}

/* A picture the survey names is not on the stick: the check refuses the
 * survey with the reason on screen, nothing is written and the old survey
 * keeps running. */
static void
test_a_survey_whose_picture_is_missing_on_the_stick_is_refused_and_the_old_one_stays(void)
{
    pic_t p;
    pic_init(&p, "tech-nopicture");
    char *text = picture_survey(2, "sang-thu-bay.png", NULL);
    free(hl_test_write_file(p.sdir, "anh.json", text));
    free(text);
    pic_install(&p, "2026-11-27T08:00:00Z", 0,
                "expect-text không cài\n"
                "expect-text the picture cannot be used\n"
                "expect-text does not exist\n",
                PIC_OLD_SURVEY);
    CHECK(entries(p.inst) <= 0); /* no survey file, no picture */
    pic_refused(&p);
    tk_free(&p.t);
}

/* The second picture's name is taken in the kiosk's folder by another
 * survey's picture with other bytes: refused with the reason; the first
 * picture and the folder made for it are removed again, the other picture
 * is untouched, and the old survey keeps running. */
static void test_a_picture_name_taken_by_another_survey_refuses_and_leaves_nothing_behind(void)
{
    pic_t p;
    pic_init(&p, "tech-picturetaken");
    mkdir(p.inst, 0755);
    char *theirs = padded_png(3000, 't');
    put_bytes(p.inst, "trung.png", theirs, 3000);
    char *mine = padded_png(3000, 'm');
    put_bytes(p.sdir, "moi/anh.png", mine, 3000);
    put_bytes(p.sdir, "trung.png", mine, 3000);
    char *text = picture_survey(2, "moi/anh.png", "trung.png");
    free(hl_test_write_file(p.sdir, "anh.json", text));
    free(text);
    pic_install(&p, "2026-11-27T08:00:00Z", 0,
                "expect-text Chưa cài\n"
                "expect-text trung.png\n"
                "expect-text is installed already\n",
                PIC_OLD_SURVEY);
    CHECK_INT(entries(p.inst), 1); /* trung.png only: no moi/, no anh-v2.json, no temporary file */
    CHECK(file_is(p.inst, "trung.png", theirs, 3000));
    pic_refused(&p);
    free(theirs);
    free(mine);
    tk_free(&p.t);
}

/* The kiosk's disk fills while the pictures are copied (the installed
 * surveys' folder on a small tmpfs: root only, "skipped" otherwise): the
 * first picture fits, the second does not. The install is refused saying
 * the disk is full, the first picture is removed again, and the old survey
 * keeps running. */
static void test_a_full_disk_while_copying_pictures_keeps_the_old_survey_and_no_partial_copy(void)
{
    pic_t p;
    pic_init(&p, "tech-picturefull");
    mkdir(p.inst, 0755);
    if (geteuid() != 0) {
        printf("skipped: %s needs root to mount a tmpfs\n", __func__);
        tk_free(&p.t);
        return;
    }
    if (mount("tmpfs", p.inst, "tmpfs", 0, "size=64k") != 0) {
        printf("skipped: %s: mount -t tmpfs failed: %s\n", __func__, strerror(errno));
        tk_free(&p.t);
        return;
    }
    char *small = padded_png(3000, 's');
    char *big = padded_png(600 * 1024, 'b');
    put_bytes(p.sdir, "a.png", small, 3000);
    put_bytes(p.sdir, "b.png", big, 600 * 1024);
    char *text = picture_survey(2, "a.png", "b.png");
    free(hl_test_write_file(p.sdir, "anh.json", text));
    free(text);
    pic_install(&p, "2026-11-27T08:00:00Z", 0,
                "expect-text Chưa cài\n"
                "expect-text disk is full\n",
                PIC_OLD_SURVEY);
    CHECK_INT(entries(p.inst), 0); /* neither picture, no temporary file, no survey file */
    pic_refused(&p);
    CHECK_INT(umount(p.inst), 0);
    free(small);
    free(big);
    tk_free(&p.t);
}

static void test_the_results_page_shows_the_stored_figures_and_hides_small_groups(void)
{
    tk_t t;
    tk_init(&t, "tech-results", NULL);
    /* Six citizens rate the service (4 satisfied) and the officer, then walk away. */
    static const char *const overall[] = {"very_satisfied", "satisfied",      "satisfied",
                                          "neutral",        "very_satisfied", "dissatisfied"};
    char script[8192] = "";
    for (int i = 0; i < 6; i++) {
        size_t n = strlen(script);
        snprintf(script + n, sizeof script - n,
                 "answer overall %s\nwait 1000\nanswer officer satisfied\nwait 60000\n"
                 "wait 60000\nexpect state start\n",
                 overall[i]);
    }
    size_t n = strlen(script);
    snprintf(script + n, sizeof script - n,
             GESTURE RIGHT_PIN "tap tech:page:results\n" LOOK
                               "expect-text (4/6)\n"      /* 4 of 6 satisfied */
                               "expect-text 2 · 33 %%\n"  /* very satisfied: 2 */
                               "expect-text 1 · 17 %%\n"  /* neutral, dissatisfied: 1 each */
                               "expect-text 6 · 100 %%\n" /* the officer: satisfied x6 */
                               "expect-text Chưa đủ câu trả lời\n"         /* unanswered: hidden */
                               "tap tech:filter:next\nexpect-text (4/6)\n" /* nva: all six */
                               "tap tech:filter:next\nexpect-no-text (4/6)\n"
                               "expect-text Chưa đủ câu trả lời\n");
    char *out = NULL, *err = NULL;
    int rc = tk_run(&t, "2026-11-27T03:00:00Z", script, &out, &err);
    if (rc != 0) hl_test_fail(__FILE__, __LINE__, "run: %d %s", rc, err ? err : "");
    free(out);
    free(err);
    /* hailong stats counts per officer too. */
    const char *argv[] = {HL_BIN,   "--data-dir", t.data,   "--config",
                          t.config, "stats",      "--json", NULL};
    CHECK_INT(hl_test_run(argv, NULL, &out, NULL), 0);
    CHECK_CONTAINS(out, "{\"id\":\"nva\",\"responses\":6,\"complete\":0,\"partial\":6}");
    CHECK_CONTAINS(out, "{\"id\":\"ttb\",\"responses\":0,");
    free(out);
    tk_free(&t);
}

static void test_settings_are_saved_and_a_bad_value_is_refused_with_the_reason(void)
{
    tk_t t;
    tk_init(&t, "tech-settings", NULL);
    char *out = NULL, *err = NULL;
    /* idle_s 30 -> 25 -> ... -> 5 saved; 0 refused (5..600). English default language. */
    int rc = tk_run(&t, "2026-11-27T08:00:00Z",
                    GESTURE RIGHT_PIN "tap tech:page:settings\n" LOOK
                                      "tap tech:idle:-\ntap tech:idle:-\ntap tech:idle:-\n"
                                      "tap tech:idle:-\ntap tech:idle:-\nexpect-text Đã lưu\n"
                                      "tap tech:idle:-\nexpect-text Chưa lưu\n"
                                      "tap tech:lang:en\n" LOOK "tap tech:close\n"
                                      "expect-text How satisfied\n",
                    &out, &err);
    if (rc != 0) hl_test_fail(__FILE__, __LINE__, "run: %d %s", rc, err ? err : "");
    free(out);
    free(err);
    hl_config_t cfg;
    hl_config_defaults(&cfg, "x");
    hl_diags_t d = {0};
    CHECK_INT(hl_config_load_file(t.config, &cfg, &d), HL_OK);
    CHECK_INT(cfg.timeouts.idle_s, 5);
    CHECK_STR(cfg.language, "en");
    hl_config_free(&cfg);
    hl_diags_free(&d);
    log_count_t c = tk_log(&t);
    CHECK(c.config >= 6);
    tk_free(&t);
}

/* ---- Recordings ------------------------------------------------------------------ */

/* A survey with a note's picture (anh.png) and recordings: the title's and
 * the question's in Vietnamese share giong/tieu-de.wav, the question's in
 * English giong/q1-en.wav, the thanks' the file thanks_wav; id "giong",
 * version 2. */
static char *voice_survey(const char *thanks_wav)
{
    char *text = malloc(4096);
    snprintf(text, 4096,
             "{\"format\": 1, \"id\": \"giong\", \"version\": 2,\n"
             " \"languages\": [\"vi\", \"en\"],\n"
             " \"title\": {\"vi\": \"Khảo sát có giọng đọc\", \"en\": \"Survey with voices\"},\n"
             " \"thanks\": {\"vi\": \"Cảm ơn\", \"en\": \"Thank you\"},\n"
             " \"audio\": {\"title\": {\"vi\": \"giong/tieu-de.wav\"}, \"thanks\": {\"vi\": "
             "\"%s\"}},\n"
             " \"questions\": [\n"
             "  {\"id\": \"gioi_thieu\", \"type\": \"note\",\n"
             "   \"text\": {\"vi\": \"Giờ làm việc\", \"en\": \"Opening hours\"},\n"
             "   \"body\": {\"vi\": \"Mở cửa sáng thứ Bảy.\", \"en\": \"Open on Saturday.\"},\n"
             "   \"image\": \"anh.png\"},\n"
             "  {\"id\": \"q1\", \"type\": \"yesno\",\n"
             "   \"text\": {\"vi\": \"Hài lòng?\", \"en\": \"Satisfied?\"},\n"
             "   \"audio\": {\"text\": {\"vi\": \"giong/tieu-de.wav\", \"en\": "
             "\"giong/q1-en.wav\"}}}]}\n",
             thanks_wav);
    return text;
}

/* Writes ms of a quiet hum at rate Hz as a 16-bit mono WAV at dir/rel (its
 * folders made) and returns its bytes (*len). */
static char *put_wav(const char *dir, const char *rel, int ms, unsigned rate, size_t *len)
{
    size_t n = (size_t)rate * (size_t)ms / 1000, size = 44 + 2 * n;
    unsigned char *b = calloc(size, 1);
    static const unsigned char head[36] = {'R', 'I', 'F', 'F', 0,  0, 0, 0, 'W', 'A', 'V', 'E',
                                           'f', 'm', 't', ' ', 16, 0, 0, 0, 1,   0,   1,   0};
    memcpy(b, head, sizeof head);
    for (int i = 0; i < 4; i++) {
        b[4 + i] = (unsigned char)((size - 8) >> (8 * i));
        b[24 + i] = (unsigned char)(rate >> (8 * i));
        b[28 + i] = (unsigned char)((2 * rate) >> (8 * i));
        b[40 + i] = (unsigned char)((2 * n) >> (8 * i));
    }
    b[32] = 2, b[34] = 16;
    memcpy(b + 36, "data", 4);
    for (size_t i = 0; i < n; i++)
        b[44 + 2 * i] = (unsigned char)(i % 64); /* not silence: each file its own bytes */
    put_bytes(dir, rel, b, size);
    *len = size;
    return (char *)b;
}

/* The install copies the survey's recordings next to it as it copies its
 * pictures (a file two texts share once), and the survey runs once the
 * stick is gone. */
static void test_a_survey_installed_from_the_stick_brings_its_recordings(void)
{
    tk_t t;
    tk_init(&t, "tech-voices", NULL);
    char stick[600], sdir[700], inst[700];
    stick_surveys(&t, stick, sdir);
    snprintf(inst, sizeof inst, "%s/surveys", t.dir);
    char *png = padded_png(3000, 'p');
    put_bytes(sdir, "anh.png", png, 3000);
    size_t l1 = 0, l2 = 0, l3 = 0;
    char *title = put_wav(sdir, "giong/tieu-de.wav", 300, 22050, &l1);
    char *q1en = put_wav(sdir, "giong/q1-en.wav", 200, 44100, &l2);
    char *thanks = put_wav(sdir, "cam-on.wav", 100, 16000, &l3);
    char *text = voice_survey("cam-on.wav");
    free(hl_test_write_file(sdir, "giong.json", text));
    char script[4096];
    snprintf(script, sizeof script,
             GESTURE RIGHT_PIN "stick %s\ntap tech:page:survey\n" LOOK
                               "tap tech:survey:install:0\n" LOOK
                               "expect-text giong · phiên bản 2\n"
                               "tap tech:close\nexpect-no-target tech:close\n",
             stick);
    char *out = NULL, *err = NULL;
    int rc = tk_run(&t, "2026-11-27T08:00:00Z", script, &out, &err);
    if (rc != 0) hl_test_fail(__FILE__, __LINE__, "run: %d %s", rc, err ? err : "");
    free(out);
    free(err);
    CHECK(file_is(inst, "giong-v2.json", text, strlen(text)));
    CHECK(file_is(inst, "anh.png", png, 3000));
    CHECK(file_is(inst, "giong/tieu-de.wav", title, l1));
    CHECK(file_is(inst, "giong/q1-en.wav", q1en, l2));
    CHECK(file_is(inst, "cam-on.wav", thanks, l3));
    CHECK_INT(entries(inst), 4); /* the survey, the picture, cam-on.wav, giong/ */
    /* No stick any more: a new start loads the installed survey, recordings and all. */
    char gone[700];
    snprintf(gone, sizeof gone, "%s.gone", stick);
    CHECK_INT(rename(stick, gone), 0);
    rc = tk_run(&t, "2026-11-27T09:00:00Z",
                "expect state start\ntap next\n" LOOK "expect-target answer:q1:yes\n", &out, &err);
    if (rc != 0) hl_test_fail(__FILE__, __LINE__, "restart: %d %s", rc, err ? err : "");
    CHECK(!err || !strstr(err, "recording"));
    free(out);
    free(err);
    log_count_t c = tk_log(&t);
    CHECK_INT(c.install, 1);
    CHECK_INT(c.refused_survey, 0);
    free(text);
    free(thanks);
    free(q1en);
    free(title);
    free(png);
    tk_free(&t);
}

/* A recording the kiosk would not play (8-bit samples: the survey loads,
 * decoding refuses it) refuses the install with the reason, as `hailong
 * check` does; the picture and the recordings copied before it, and their
 * folder, are removed again, and the old survey keeps running. */
static void test_a_recording_that_does_not_play_refuses_the_install_and_leaves_nothing(void)
{
    tk_t t;
    tk_init(&t, "tech-badvoice", NULL);
    char stick[600], sdir[700], inst[700];
    stick_surveys(&t, stick, sdir);
    snprintf(inst, sizeof inst, "%s/surveys", t.dir);
    char *png = padded_png(3000, 'p');
    put_bytes(sdir, "anh.png", png, 3000);
    size_t len = 0;
    free(put_wav(sdir, "giong/tieu-de.wav", 300, 22050, &len));
    free(put_wav(sdir, "giong/q1-en.wav", 200, 44100, &len));
    static const unsigned char eight[52] = {
        'R', 'I', 'F', 'F', 44, 0, 0,    0,    'W',  'A',  'V',  'E',  'f',  'm',  't',  ' ', 16, 0,
        0,   0,   1,   0,   1,  0, 0x40, 0x1F, 0,    0,    0x40, 0x1F, 0,    0,    1,    0,   8,  0,
        'd', 'a', 't', 'a', 8,  0, 0,    0,    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80};
    put_bytes(sdir, "giong/hong.wav", eight, sizeof eight);
    char *text = voice_survey("giong/hong.wav");
    free(hl_test_write_file(sdir, "giong.json", text));
    free(text);
    char script[4096];
    snprintf(script, sizeof script,
             GESTURE RIGHT_PIN "stick %s\ntap tech:page:survey\n" LOOK "tap tech:survey:install:0\n"
                               "expect-text Chưa cài\n"
                               "expect-text hong.wav\n"
                               "expect-text 8-bit\n"
                               "tap tech:close\nexpect-target answer:overall:satisfied\n",
             stick);
    char *out = NULL, *err = NULL;
    int rc = tk_run(&t, "2026-11-27T08:00:00Z", script, &out, &err);
    if (rc != 0) hl_test_fail(__FILE__, __LINE__, "run: %d %s", rc, err ? err : "");
    free(out);
    free(err);
    CHECK(entries(inst) <= 0); /* no picture, no giong/, no survey file */
    char *cfgtext = hl_test_read_file(t.config, NULL);
    CHECK(cfgtext && !strstr(cfgtext, "surveys/"));
    free(cfgtext);
    log_count_t c = tk_log(&t);
    CHECK_INT(c.refused_survey, 1);
    CHECK_INT(c.install, 0);
    free(png);
    tk_free(&t);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_nothing_but_the_gesture_opens_the_pin_pad),
    HL_TEST(test_a_double_tap_types_nothing_on_the_pin_pad_or_menu_that_just_opened),
    HL_TEST(test_wrong_pins_lock_the_entry_across_a_restart_until_the_time_is_up),
    HL_TEST(test_the_menu_closes_by_itself_after_two_minutes),
    HL_TEST(test_switching_the_officer_is_saved_and_carried_by_the_next_response),
    HL_TEST(test_a_change_to_a_config_kept_in_ram_warns_it_lasts_only_until_restart),
    HL_TEST(test_a_broken_survey_from_the_stick_is_refused_and_a_good_one_installed),
    HL_TEST(test_the_survey_page_sorts_every_stick_file_and_pages_through_them),
    HL_TEST(test_a_fifo_a_link_or_a_huge_file_on_the_stick_is_refused_and_never_blocks),
    HL_TEST(test_a_linked_folder_on_the_stick_lists_nothing_and_says_why),
    HL_TEST(test_a_survey_installed_from_the_stick_brings_its_pictures_and_runs_without_it),
    HL_TEST(test_a_survey_whose_picture_is_missing_on_the_stick_is_refused_and_the_old_one_stays),
    HL_TEST(test_a_picture_name_taken_by_another_survey_refuses_and_leaves_nothing_behind),
    HL_TEST(test_a_full_disk_while_copying_pictures_keeps_the_old_survey_and_no_partial_copy),
    HL_TEST(test_the_results_page_shows_the_stored_figures_and_hides_small_groups),
    HL_TEST(test_settings_are_saved_and_a_bad_value_is_refused_with_the_reason),
    HL_TEST(test_a_survey_installed_from_the_stick_brings_its_recordings),
    HL_TEST(test_a_recording_that_does_not_play_refuses_the_install_and_leaves_nothing),
};

HL_TEST_MAIN(tests)
