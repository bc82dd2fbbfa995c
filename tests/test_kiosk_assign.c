/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_kiosk_assign.c: assignments from the centre in the running kiosk
 * (firmware/app/kiosk_centre.c, sync protocol version 2), in-process on
 * the headless screen with a real config file.
 *
 * An assignment recorded waiting is installed only once nobody is
 * answering and no technician screen is open, exactly as a USB install
 * (the same folder, file name and switch); its officer list replaces the
 * config's, photos kept where ids match, nobody on duty when the officer on
 * duty is not listed. One the kiosk cannot install (the store has the same
 * id and version with other content, a survey that breaks hailong check's
 * rules or names a picture, officers a config cannot hold, a survey given
 * on the command line, a file name taken) keeps the running survey and
 * officers, and the state says failed with why. A restart installs one
 * still waiting and never one done. The technician's transfer page shows
 * the state. Against the test receiver: an assignment a server sends is
 * installed at idle and the next request reports it installed.
 */
#include "hl_fixture.h"
#include "hl_fixture_kiosk.h"
#include "hl_pin.h"
#include "hl_receiver.h"
#include "hl_test.h"
#include "kiosk.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PIN "246810"

typedef struct ax {
    hl_kiosk_fixture_t *x; /* the kiosk */
    char *cdir;            /* the config's folder: installed surveys go to cdir/surveys */
    char config[600];      /* the config file */
    hl_receiver_t r;       /* the receiver, when the kiosk syncs (ax_new's url) */
} ax_t;

static void load_config(hl_config_t *cfg, void *ctx)
{
    hl_diags_t d = {0};
    if (hl_config_load_file(ctx, cfg, &d) != HL_OK) {
        hl_diags_print(&d, stderr);
        abort(); /* the test's own config */
    }
    hl_diags_free(&d);
}

/* A kiosk with a config file: officers nva (with a photo) and ttb, nva on
 * duty, the PIN; sync (a "sync" section's members) when given, then the
 * program's clock is the real one (the sync worker's waits). */
static void ax_new(ax_t *a, const char *tag, const char *sync)
{
    memset(a, 0, sizeof *a);
    a->cdir = hl_test_tmpdir(tag);
    char photos[700];
    snprintf(photos, sizeof photos, "%s/photos", a->cdir);
    CHECK_INT(mkdir(photos, 0755), 0);
    size_t plen = 0;
    char *png = hl_test_read_file(hl_test_data("ui/officer.png"), &plen);
    CHECK(png != NULL);
    FILE *f = fopen(strcat(photos, "/nva.png"), "wb");
    CHECK(f && fwrite(png, 1, plen, f) == plen);
    if (f) fclose(f);
    free(png);
    hl_fakesys_t fk;
    hl_fakesys_init(&fk, 0, true, 99);
    hl_sys_t sys = hl_fakesys_sys(&fk);
    char hash[HL_PIN_HASH_MAX];
    hl_err_t err = {0};
    CHECK_INT(hl_pin_hash(PIN, HL_PIN_ITER_MIN, &sys, hash, &err), HL_OK);
    char text[4096];
    snprintf(text, sizeof text,
             "{\"kiosk_id\": \"k-assign\",\n"
             " \"officers\": [{\"id\": \"nva\", \"name\": \"Nguyễn Văn A\", \"photo\": "
             "\"photos/nva.png\"},\n"
             "              {\"id\": \"ttb\", \"name\": \"Trần Thị B\"}],\n"
             " \"officer\": \"nva\",\n"
             " \"technician\": {\"pin_hash\": \"%s\"}%s%s%s}\n",
             hash, sync ? ",\n \"sync\": {" : "", sync ? sync : "", sync ? "}" : "");
    char *p = hl_test_write_file(a->cdir, "hailong.json", text);
    snprintf(a->config, sizeof a->config, "%s", p);
    free(p);
    hl_kiosk_fixture_opts_t o = {
        .tag = tag, .configure = load_config, .ctx = a->config, .real_cli_clock = sync != NULL};
    a->x = hl_kiosk_fixture_new(&o);
}

static void ax_free(ax_t *a)
{
    hl_kiosk_fixture_free(a->x);
    hl_receiver_stop(&a->r);
    hl_test_rmtree(a->cdir);
    free(a->cdir);
}

/* The centre's assignment id recorded waiting with a sync answer (survey:
 * its text, officers: a JSON list; NULL: none), and the kiosk told, as
 * hl_kiosk_sync_commit does it. */
static void seed(ax_t *a, long long id, const char *survey, const char *officers)
{
    hl_store_assign_rec_t ar = {.id = id,
                                .state = HL_ASSIGN_WAITING,
                                .survey = survey,
                                .survey_len = survey ? strlen(survey) : 0,
                                .officers = officers};
    hl_store_sync_rec_t rec = {.at_utc_ms = a->x->clock.utc_ms, .success = true, .assign = &ar};
    CHECK_INT(hl_store_sync_record(hl_kiosk_store(&a->x->k), &rec, &a->x->err), HL_OK);
    hl_kiosk_centre_check(&a->x->k);
    CHECK_INT(hl_kiosk_assignment_waiting(&a->x->k), id);
}

static hl_store_assign_t state_of(ax_t *a)
{
    hl_store_assign_t s;
    CHECK_INT(hl_store_assign_get(hl_kiosk_store(&a->x->k), &s, &a->x->err), HL_OK);
    return s;
}

/* Time passes a second and the kiosk ticks. */
static void tick(ax_t *a)
{
    hl_fakesys_advance(&a->x->clock, 1000);
    hl_kiosk_tick(&a->x->k);
}

static int tap(ax_t *a, const char *id)
{
    hl_fakesys_advance(&a->x->clock, HL_TOUCH_GUARD_MS); /* a look at the screen first */
    return hl_kiosk_tap_id(&a->x->k, id, &a->x->err);
}

typedef struct log_count {
    int received, installed, failed, survey_install, officers;
    char last_officers[512];
} log_count_t;

static void count_log(void *ctx, int64_t at, const char *event, const char *detail)
{
    (void)at;
    log_count_t *c = ctx;
    if (!strcmp(event, "assign_received")) c->received++;
    if (!strcmp(event, "assign_installed")) c->installed++;
    if (!strcmp(event, "assign_failed")) c->failed++;
    if (!strcmp(event, "survey_install")) c->survey_install++;
    if (!strcmp(event, "officers")) {
        if (!c->officers++) snprintf(c->last_officers, sizeof c->last_officers, "%s", detail);
    }
}

static log_count_t log_of(ax_t *a)
{
    log_count_t c = {0};
    CHECK_INT(hl_store_log_recent(hl_kiosk_store(&a->x->k), 1000, count_log, &c, &a->x->err),
              HL_OK);
    return c;
}

/* The config file's JSON (NULL, with a failed check, when it does not parse). */
static json_t *config_json(ax_t *a)
{
    json_error_t je;
    json_t *j = json_load_file(a->config, 0, &je);
    CHECK(j != NULL);
    return j;
}

static const char *running(ax_t *a)
{
    return hl_kiosk_flow(&a->x->k)->survey->id;
}

/* A text on the screen holds want. */
static bool on_screen(ax_t *a, const char *want)
{
    const hl_scene_t *s = hl_kiosk_scene(&a->x->k);
    size_t n = strlen(want);
    for (size_t i = 0; i < s->n_cmds; i++) {
        const hl_cmd_t *c = &s->cmds[i];
        if (c->kind != HL_CMD_TEXT || !c->text) continue;
        for (int at = 0; at + (int)n <= c->len; at++)
            if (!memcmp(c->text + at, want, n)) return true;
    }
    return false;
}

static void test_an_assigned_survey_waits_until_nobody_is_answering_then_runs(void)
{
    ax_t a;
    ax_new(&a, "assign-idle", NULL);
    char *text = hl_fixture_survey_text("giao", 3, NULL);
    /* It comes while the technician's menu is open: it waits. */
    hl_kiosk_fixture_open_menu(a.x, PIN);
    seed(&a, 17, text, NULL);
    CHECK_INT(state_of(&a).state, HL_ASSIGN_WAITING);
    for (int i = 0; i < 5; i++)
        tick(&a);
    CHECK_INT(hl_kiosk_assignment_waiting(&a.x->k), 17);
    /* The transfer page says it waits. */
    CHECK_INT(tap(&a, "tech:page:transfer"), HL_OK);
    CHECK(on_screen(&a, "Phân công 17"));
    CHECK_INT(tap(&a, "tech:close"), HL_OK);
    /* A citizen starts answering before the kiosk's next turn: it still waits. */
    CHECK_INT(tap(&a, "answer:overall:s4"), HL_OK);
    CHECK(!hl_kiosk_idle(&a.x->k));
    int turns = 0;
    while (!hl_kiosk_idle(&a.x->k) && turns++ < 600) {
        tick(&a);
        if (!hl_kiosk_idle(&a.x->k)) {
            CHECK_INT(hl_kiosk_assignment_waiting(&a.x->k), 17);
            CHECK_STR(running(&a), "t");
        }
    }
    CHECK(turns > 5); /* the walk-away took its time */
    /* Nobody answers now: at the next turn it is installed and runs. */
    tick(&a);
    CHECK_INT(hl_kiosk_assignment_waiting(&a.x->k), -1);
    CHECK_STR(running(&a), "giao");
    hl_store_assign_t s = state_of(&a);
    CHECK_INT(s.state, HL_ASSIGN_INSTALLED);
    CHECK_INT(s.id, 17);
    CHECK(s.done_utc_ms > 0);
    /* Where and how a USB install puts it: the config's surveys/ folder, by id
     * and version, byte for byte, recorded in the config. */
    char path[800];
    snprintf(path, sizeof path, "%s/surveys/giao-v3.json", a.cdir);
    CHECK_STR(a.x->cli.survey_file, path);
    char *copy = hl_test_read_file(path, NULL);
    CHECK_STR(copy, text);
    free(copy);
    json_t *cfg = config_json(&a);
    CHECK_STR(json_string_value(json_object_get(cfg, "survey")), "surveys/giao-v3.json");
    json_decref(cfg);
    log_count_t c = log_of(&a);
    CHECK_INT(c.received, 1);
    CHECK_INT(c.survey_install, 1);
    CHECK_INT(c.installed, 1);
    CHECK_INT(c.failed, 0);
    /* The transfer page says it is installed. */
    hl_kiosk_fixture_open_menu(a.x, PIN);
    CHECK_INT(tap(&a, "tech:page:transfer"), HL_OK);
    CHECK(on_screen(&a, "Phân công 17 của trung tâm: đã cài"));
    free(text);
    ax_free(&a);
}

/* Seeds assignment id and checks that it failed with a reason holding want,
 * the running survey and the officers as they were. */
static void expect_failed(ax_t *a, long long id, const char *survey, const char *officers,
                          const char *want)
{
    fprintf(stderr, "  case %lld: %s\n", id, want);
    seed(a, id, survey, officers);
    tick(a);
    CHECK_INT(hl_kiosk_assignment_waiting(&a->x->k), -1);
    hl_store_assign_t s = state_of(a);
    CHECK_INT(s.id, id);
    CHECK_INT(s.state, HL_ASSIGN_FAILED);
    CHECK_CONTAINS(s.error, want);
    CHECK_STR(running(a), "t");
    CHECK_STR(a->x->cli.survey_file, hl_test_data("flow/survey.json"));
    CHECK_INT(a->x->cli.cfg.n_officers, 2);
    CHECK_STR(a->x->cli.cfg.officer, "nva");
    json_t *cfg = config_json(a);
    CHECK(json_object_get(cfg, "survey") == NULL);
    CHECK_INT(json_array_size(json_object_get(cfg, "officers")), 2);
    json_decref(cfg);
}

static void test_an_assignment_that_cannot_be_installed_keeps_what_runs_and_says_why(void)
{
    ax_t a;
    ax_new(&a, "assign-fail", NULL);
    hl_store_t *st = hl_kiosk_store(&a.x->k);
    /* The store holds giao v3 with other content (its file changed without a
     * new version). */
    char *other = hl_fixture_survey_text(
        "giao", 3,
        ", {\"id\": \"q2\", \"type\": \"yesno\", \"text\": {\"vi\": \"Nhanh?\", "
        "\"en\": \"Quick?\"}}");
    hl_survey_t *os = NULL;
    hl_diags_t d = {0};
    CHECK_INT(hl_survey_load_text("other", other, strlen(other), &os, &d), HL_OK);
    CHECK_INT(hl_store_use_survey(st, os, "k-assign", &a.x->err), HL_OK);
    CHECK_INT(hl_store_use_survey(st, a.x->cli.survey, "k-assign", &a.x->err), HL_OK);
    hl_survey_free(os);
    hl_diags_free(&d);
    char *text = hl_fixture_survey_text("giao", 3, NULL);
    expect_failed(&a, 1, text, NULL, "already stored with different content");
    /* Rules the worker checks, checked again here (the store is a file). */
    expect_failed(&a, 2, "not json", NULL, "does not pass hailong check");
    char *pic = hl_fixture_survey_text(
        "giao", 4,
        ", {\"id\": \"intro\", \"type\": \"note\", \"text\": {\"vi\": \"Chào\", \"en\": "
        "\"Hello\"}, \"body\": {\"vi\": \"Chào\", \"en\": \"Hello\"}, \"image\": \"a.png\"}");
    expect_failed(&a, 3, pic, NULL, "USB stick");
    /* Officers the config cannot hold: the survey that came with them is not
     * installed either. */
    char *v5 = hl_fixture_survey_text("giao", 5, NULL);
    expect_failed(&a, 4, v5, "[{\"id\": \"Bad Id\", \"name\": \"X\"}]", "officer list");
    /* A survey given on the command line is not replaced. */
    a.x->cli.survey_path = "given.json";
    expect_failed(&a, 5, v5, NULL, "--survey");
    a.x->cli.survey_path = NULL;
    /* Its file name and the hashed one are taken by other content. */
    char *v6 = hl_fixture_survey_text("giao", 6, NULL), sha[65], name[64];
    hl_fixture_sha256_hex(v6, sha);
    char dir[700];
    snprintf(dir, sizeof dir, "%s/surveys", a.cdir);
    mkdir(dir, 0755);
    snprintf(name, sizeof name, "giao-v6-%.8s.json", sha);
    char *o6 = hl_fixture_survey_text("giao", 6,
                                      ", {\"id\": \"q9\", \"type\": \"yesno\", "
                                      "\"text\": {\"vi\": \"?\", \"en\": \"?\"}}");
    free(hl_test_write_file(dir, "giao-v6.json", o6));
    free(hl_test_write_file(dir, name, o6));
    expect_failed(&a, 6, v6, NULL, "exists with other content");
    /* Nothing of the failed installs is left behind. */
    char path[800];
    snprintf(path, sizeof path, "%s/giao-v3.json", dir);
    CHECK(access(path, F_OK) != 0);
    snprintf(path, sizeof path, "%s/giao-v5.json", dir);
    CHECK(access(path, F_OK) != 0);
    log_count_t c = log_of(&a);
    CHECK_INT(c.failed, 6);
    CHECK_INT(c.installed, 0);
    /* The screen says it failed, and why. */
    hl_kiosk_fixture_open_menu(a.x, PIN);
    CHECK_INT(tap(&a, "tech:page:transfer"), HL_OK);
    CHECK(on_screen(&a, "Phân công 6 của trung tâm: không cài được"));
    free(text);
    free(other);
    free(pic);
    free(v5);
    free(v6);
    free(o6);
    ax_free(&a);
}

static void test_assigned_officers_replace_the_list_keeping_photos_where_ids_match(void)
{
    ax_t a;
    ax_new(&a, "assign-officers", NULL);
    seed(&a, 1, NULL,
         "[{\"id\": \"nva\", \"name\": \"Nguyễn Văn An\"}, {\"id\": \"lvc\", \"name\": \"Lê Văn "
         "C\"}]");
    tick(&a);
    CHECK_INT(state_of(&a).state, HL_ASSIGN_INSTALLED);
    const hl_config_t *cfg = &a.x->cli.cfg;
    CHECK_INT(cfg->n_officers, 2);
    CHECK_STR(cfg->officers[0].name, "Nguyễn Văn An");
    CHECK(cfg->officers[0].photo && strstr(cfg->officers[0].photo, "photos/nva.png"));
    CHECK_STR(cfg->officers[1].id, "lvc");
    CHECK(cfg->officers[1].photo == NULL);
    CHECK_STR(cfg->officer, "nva"); /* still listed: still on duty */
    CHECK_STR(running(&a), "t");    /* no survey assigned: it stays */
    json_t *j = config_json(&a);
    json_t *list = json_object_get(j, "officers");
    CHECK_STR(json_string_value(json_object_get(json_array_get(list, 0), "photo")),
              "photos/nva.png"); /* as the file wrote it */
    CHECK(json_object_get(json_array_get(list, 1), "photo") == NULL);
    json_decref(j);
    /* The officer on duty is not in the next list: nobody is on duty. */
    seed(&a, 2, NULL, "[{\"id\": \"ttb\", \"name\": \"Trần Thị B\"}]");
    tick(&a);
    CHECK_INT(state_of(&a).state, HL_ASSIGN_INSTALLED);
    CHECK_INT(cfg->n_officers, 1);
    CHECK_STR(cfg->officer, "");
    log_count_t c = log_of(&a);
    CHECK_CONTAINS(c.last_officers, "nobody on duty");
    /* An empty list: no officers at all. */
    seed(&a, 3, NULL, "[]");
    tick(&a);
    CHECK_INT(state_of(&a).state, HL_ASSIGN_INSTALLED);
    CHECK_INT(cfg->n_officers, 0);
    j = config_json(&a);
    CHECK(json_object_get(j, "officers") == NULL);
    json_decref(j);
    ax_free(&a);
}

static void test_a_restart_installs_one_still_waiting_and_never_one_done(void)
{
    ax_t a;
    ax_new(&a, "assign-restart", NULL);
    char *text = hl_fixture_survey_text("giao", 7, NULL);
    seed(&a, 21, text, "[{\"id\": \"nva\", \"name\": \"Nguyễn Văn A\"}]");
    /* The kiosk stops before it was idle, and starts again. */
    hl_kiosk_fixture_restart(a.x);
    CHECK_INT(hl_kiosk_assignment_waiting(&a.x->k), 21);
    CHECK_STR(running(&a), "t");
    tick(&a);
    CHECK_INT(hl_kiosk_assignment_waiting(&a.x->k), -1);
    CHECK_STR(running(&a), "giao");
    CHECK_INT(a.x->cli.cfg.n_officers, 1);
    hl_kiosk_fixture_restart(a.x);
    CHECK_INT(hl_kiosk_assignment_waiting(&a.x->k), -1);
    for (int i = 0; i < 5; i++)
        tick(&a);
    hl_store_assign_t s = state_of(&a);
    CHECK_INT(s.id, 21);
    CHECK_INT(s.state, HL_ASSIGN_INSTALLED);
    CHECK_INT(log_of(&a).installed, 1);
    CHECK_INT(log_of(&a).survey_install, 1);
    free(text);
    ax_free(&a);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* The last status the receiver got reports assignment id in state. */
static bool reported(const hl_receiver_t *r, long long id, const char *state, json_t **last)
{
    json_t *all = hl_receiver_statuses(r);
    size_t n = json_array_size(all);
    json_t *st = n ? json_object_get(json_array_get(all, n - 1), "status") : NULL;
    json_t *as = json_object_get(st, "assignment");
    const char *got = json_string_value(json_object_get(as, "state"));
    bool yes = json_integer_value(json_object_get(as, "id")) == id && got && !strcmp(got, state);
    if (yes && last) *last = json_incref(st);
    json_decref(all);
    return yes;
}

#define HANG_MS 300000 /* a bound against a hang only */

static void test_an_assignment_from_the_server_is_installed_when_idle_and_reported_back(void)
{
    char *rdir = hl_test_tmpdir("assign-recv");
    char *text = hl_fixture_survey_text("giao", 9, NULL), sha[65];
    hl_fixture_sha256_hex(text, sha);
    char *as =
        hl_fixture_assignment(31, sha, text, "[{\"id\": \"nva\", \"name\": \"Nguyễn Văn A\"}]");
    char *file = hl_test_write_file(rdir, "assignment.json", as);
    hl_receiver_t r = {0};
    hl_receiver_opts_t ro = {.token = "tok-1", .assignment_file = file};
    CHECK_INT(hl_receiver_start(rdir, &ro, &r), 0);
    char sync[1400];
    snprintf(sync, sizeof sync,
             "\"url\": \"%s\", \"token\": \"tok-1\", \"ca_file\": \"%s/ca.pem\", "
             "\"interval_s\": 3600",
             r.url, r.certs);
    ax_t a;
    ax_new(&a, "assign-net", sync);
    a.r = r;
    /* The worker's first request (at start) brings it; the loop records it and
     * installs it, the kiosk being idle. */
    int t = 0;
    for (; t < HANG_MS && state_of(&a).state != HL_ASSIGN_INSTALLED; t += 10) {
        hl_kiosk_sync_commit(&a.x->k);
        hl_kiosk_tick(&a.x->k);
        sleep_ms(10);
    }
    CHECK_INT(state_of(&a).state, HL_ASSIGN_INSTALLED);
    CHECK_STR(running(&a), "giao");
    /* The kiosk pushed at once: the server hears it is installed, and which
     * survey runs now. */
    json_t *last = NULL;
    for (t = 0; t < HANG_MS && !reported(&a.r, 31, "installed", &last); t += 100) {
        hl_kiosk_sync_commit(&a.x->k);
        sleep_ms(100);
    }
    CHECK(last != NULL);
    json_t *sv = json_object_get(last, "survey");
    CHECK_STR(json_string_value(json_object_get(sv, "id")), "giao");
    CHECK_INT(json_integer_value(json_object_get(sv, "version")), 9);
    CHECK_STR(json_string_value(json_object_get(sv, "sha256")), sha);
    CHECK_STR(json_string_value(json_object_get(last, "officer_id")), "nva");
    CHECK(json_is_null(json_object_get(json_object_get(last, "assignment"), "error")));
    json_decref(last);
    log_count_t c = log_of(&a);
    CHECK_INT(c.received, 1);
    CHECK_INT(c.installed, 1);
    ax_free(&a);
    hl_test_rmtree(rdir);
    free(rdir);
    free(file);
    free(as);
    free(text);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_an_assigned_survey_waits_until_nobody_is_answering_then_runs),
    HL_TEST(test_an_assignment_that_cannot_be_installed_keeps_what_runs_and_says_why),
    HL_TEST(test_assigned_officers_replace_the_list_keeping_photos_where_ids_match),
    HL_TEST(test_a_restart_installs_one_still_waiting_and_never_one_done),
    HL_TEST(test_an_assignment_from_the_server_is_installed_when_idle_and_reported_back),
};

HL_TEST_MAIN(tests)
