/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_monkey.c: the monkey (issue 7, "Hostile input"): random taps,
 * touches and waits on the running kiosk (firmware/app/kiosk.c) in-process
 * on the headless screen, across every screen, the technician's included.
 *
 * The kiosk runs as `hailong run` runs it: a real config file (with a
 * technician PIN hashed at HL_PIN_ITER_MIN iterations and two officers), the
 * bundled survey, the real store in a fresh data folder, the fake clock.
 * Each action is one of: a tap on the centre of a random target of the
 * current scene; a finger down / slide / up at random pixels (each touch
 * after a person's pause: mostly long enough to see the screen, one in five
 * shorter than the touch guard, as a double tap's second touch, which the
 * guard ignores right after a new screen); a wait (short,
 * past the idle and "still there?" timeouts, or long enough to end a PIN
 * lockout or close the technician menu); the technician gesture (hold the
 * top-left corner 3.1 s, three taps top-right, once the kiosk is idle)
 * followed, after a look at the PIN pad, by the right PIN or, now and then,
 * a wrong one. Every technician action is fair game
 * except tech:shutdown and tech:restart (they would end the run). Checks: no crash, no leak
 * (LeakSanitizer in the sanitizer build), no response left in progress but the last, and every
 * stored response valid against the stored survey it answers: its version, every answer to a
 * question of that survey that is shown given the other answers, every value
 * one the survey accepts for its type (hl_question_make_value gives it back
 * unchanged), a complete response has every shown required question
 * answered.
 *
 * Size: HL_MONKEY_ACTIONS (default 8,000: CI) and HL_MONKEY_SEED; the full
 * run (1,000,000) is tests/reliability.sh.
 */
#include "hl_config.h"
#include "hl_pin.h"
#include "hl_fixture.h"
#include "hl_test.h"
#include "kiosk.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PIN  "246810"
#define MK_W 1280
#define MK_H 800

typedef struct mk {
    hl_cli_t cli;
    hl_fakesys_t clock;
    hl_kiosk_t k;
    char *dir;
    char config[512];
    hl_err_t err;
    unsigned rng;
    /* What happened (printed). */
    long taps, pixels, slides, waits, gestures, pins_ok, pins_wrong, tech_taps, refused;
    long tech_seen; /* actions that found a technician screen */
    long quick;     /* touches after a pause shorter than the touch guard */
    long busy;      /* waits where the kiosk had timed work due again right after a tick */
    char pages_seen[8][24];
    int n_pages;
} mk_t;

static bool forbidden(const char *id)
{
    return id && (!strcmp(id, "tech:shutdown") || !strcmp(id, "tech:restart"));
}

static void mk_open(mk_t *m, unsigned seed)
{
    m->rng = seed;
    setenv("HAILONG_ASSETS_DIR", HL_SOURCE_DIR "/assets", 0);
    hl_fixture_ram_disk();
    m->dir = hl_test_tmpdir("monkey");
    hl_fakesys_init(&m->clock, 1795766400000LL, true, seed);
    hl_sys_t sys = hl_fakesys_sys(&m->clock);
    char hash[HL_PIN_HASH_MAX];
    if (hl_pin_hash(PIN, HL_PIN_ITER_MIN, &sys, hash, &m->err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "hash: %s", m->err.msg);
    char text[2048];
    snprintf(text, sizeof text,
             "{\"kiosk_id\": \"k-monkey\",\n"
             " \"officers\": [{\"id\": \"nva\", \"name\": \"Nguyễn Văn A\"},\n"
             "              {\"id\": \"ttb\", \"name\": \"Trần Thị B\"}],\n"
             " \"officer\": \"nva\",\n"
             " \"technician\": {\"pin_hash\": \"%s\"}}\n",
             hash);
    char *p = hl_test_write_file(m->dir, "hailong.json", text);
    snprintf(m->config, sizeof m->config, "%s", p);
    free(p);
    m->cli.prog = "hailong";
    m->cli.config_path = m->config;
    snprintf(m->cli.data_dir, sizeof m->cli.data_dir, "%s/data", m->dir);
    m->cli.sys = sys;
    /* As hl_cli_load (the command's main.c) does: the config, then the bundled survey. */
    hl_diags_t d = {0};
    hl_config_defaults(&m->cli.cfg, "k-monkey");
    if (hl_config_load_file(m->config, &m->cli.cfg, &d) != HL_OK) {
        hl_diags_print(&d, stderr);
        abort();
    }
    snprintf(m->cli.survey_file, sizeof m->cli.survey_file, "%s",
             HL_SOURCE_DIR "/assets/surveys/sipas-mot-cua.json");
    m->cli.survey = hl_fixture_survey(m->cli.survey_file);
    hl_kiosk_opts_t o = {
        .display = {HL_BACKEND_HEADLESS, MK_W, MK_H, 0, false}, .sys = sys, .fake = &m->clock};
    if (hl_kiosk_open(&m->k, &m->cli, &o) != HL_EXIT_OK) abort();
    if (hl_kiosk_draw(&m->k, &m->err) != HL_OK) abort();
}

/* Builds the current scene (a tap on an id no screen has does only that). */
static void mk_look(mk_t *m)
{
    hl_err_t e = {0};
    hl_kiosk_tap_id(&m->k, "monkey:look", &e);
}

/* Lets ms pass, waking the kiosk whenever it has timed work (as the loop,
 * which draws what changed before it sleeps). */
static void mk_wait(mk_t *m, int64_t ms)
{
    mk_look(m);
    while (ms > 0) {
        int t = hl_kiosk_timeout(&m->k);
        int64_t step = (t < 0 || t > ms) ? ms : (t < 10 ? 10 : t);
        hl_fakesys_advance(&m->clock, step);
        ms -= step;
        hl_kiosk_tick(&m->k);
        hl_kiosk_poll_workers(&m->k);
        /* The loop would spin: timed work due now, again, right after a tick. */
        if (hl_kiosk_timeout(&m->k) == 0) m->busy++;
    }
}

/* A person's pause before a touch: mostly long enough to see the screen,
 * one in five shorter than the touch guard (a double tap's second touch). */
static void mk_pause(mk_t *m)
{
    if (hl_fixture_rnd(&m->rng, 5) == 0) {
        m->quick++;
        mk_wait(m, hl_fixture_rnd(&m->rng, HL_TOUCH_GUARD_MS));
    } else {
        mk_wait(m, HL_TOUCH_GUARD_MS + hl_fixture_rnd(&m->rng, 1500));
    }
}

static void mk_touch(mk_t *m, hl_input_kind_t kind, int x, int y)
{
    hl_kiosk_touch(&m->k, kind, x, y);
    hl_kiosk_poll_workers(&m->k);
}

/* A finger down and up at x, y, unless it would lift on a forbidden target
 * (then it slides off first). */
static void mk_tap_xy(mk_t *m, int x, int y)
{
    mk_look(m);
    mk_touch(m, HL_INPUT_DOWN, x, y);
    mk_look(m);
    if (forbidden(hl_scene_hit(hl_kiosk_scene(&m->k), x, y))) {
        mk_touch(m, HL_INPUT_MOVE, 1, MK_H - 1);
        mk_touch(m, HL_INPUT_UP, 1, MK_H - 1);
        return;
    }
    mk_touch(m, HL_INPUT_UP, x, y);
}

static void mk_note_page(mk_t *m)
{
    if (hl_kiosk_tech(&m->k)->mode == HL_TECH_OFF) return;
    m->tech_seen++;
    char page[24];
    snprintf(page, sizeof page, "%s%d", hl_kiosk_tech(&m->k)->mode == HL_TECH_PIN ? "pin" : "menu",
             hl_kiosk_tech(&m->k)->mode == HL_TECH_MENU ? (int)hl_kiosk_tech(&m->k)->page : 0);
    for (int i = 0; i < m->n_pages; i++)
        if (!strcmp(m->pages_seen[i], page)) return;
    if (m->n_pages < 8) snprintf(m->pages_seen[m->n_pages++], sizeof page, "%s", page);
}

static void mk_pin(mk_t *m, const char *pin)
{
    char id[16];
    mk_wait(m, HL_TOUCH_GUARD_MS +
                   hl_fixture_rnd(&m->rng, 1000)); /* a look at the new pad; then typing */
    for (const char *c = pin; *c; c++) {
        snprintf(id, sizeof id, "pin:%c", *c);
        if (hl_kiosk_tap_id(&m->k, id, &m->err) != HL_OK) return;
    }
    hl_kiosk_tap_id(&m->k, "pin:ok", &m->err);
}

static void mk_gesture(mk_t *m)
{
    m->gestures++;
    /* The technician waits for the citizen to go: the start screen, idle. */
    for (int i = 0; i < 3 && !hl_kiosk_idle(&m->k); i++)
        mk_wait(m, 60000);
    mk_look(m);
    mk_touch(m, HL_INPUT_DOWN, 10, 10);
    mk_wait(m, 3100);
    mk_touch(m, HL_INPUT_UP, 10, 10);
    for (int i = 0; i < 3; i++)
        mk_tap_xy(m, MK_W - 10, 10);
    if (hl_kiosk_tech(&m->k)->mode != HL_TECH_PIN) return;
    mk_note_page(m);
    if (hl_fixture_rnd(&m->rng, 8) == 0) {
        m->pins_wrong++;
        mk_pin(m, "111111");
    } else {
        mk_pin(m, PIN);
        if (hl_kiosk_tech(&m->k)->mode == HL_TECH_MENU) m->pins_ok++;
    }
}

/* One random action. */
static void mk_act(mk_t *m)
{
    mk_look(m);
    mk_note_page(m);
    const hl_scene_t *sc = hl_kiosk_scene(&m->k);
    unsigned r = hl_fixture_rnd(&m->rng, 1000);
    bool tech = hl_kiosk_tech(&m->k)->mode != HL_TECH_OFF;
    if (r < 700 || r >= 960) {
        mk_pause(m); /* before a touch */
        mk_look(m);
        sc = hl_kiosk_scene(&m->k);
        tech = hl_kiosk_tech(&m->k)->mode != HL_TECH_OFF;
    }
    if (r < 560 && sc->n_targets > 0) {
        /* A random target of the screen, by its centre. */
        const hl_target_t *t = &sc->targets[hl_fixture_rnd(&m->rng, (unsigned)sc->n_targets)];
        if (forbidden(t->id)) return;
        if (tech) m->tech_taps++;
        m->taps++;
        mk_tap_xy(m, t->box.x + t->box.w / 2, t->box.y + t->box.h / 2);
    } else if (r < 660) {
        m->pixels++;
        mk_tap_xy(m, (int)hl_fixture_rnd(&m->rng, MK_W), (int)hl_fixture_rnd(&m->rng, MK_H));
    } else if (r < 700) {
        /* Down somewhere, slide somewhere else, lift there. */
        m->slides++;
        int x = (int)hl_fixture_rnd(&m->rng, MK_W), y = (int)hl_fixture_rnd(&m->rng, MK_H);
        mk_touch(m, HL_INPUT_DOWN, x, y);
        x = (int)hl_fixture_rnd(&m->rng, MK_W);
        y = (int)hl_fixture_rnd(&m->rng, MK_H);
        mk_touch(m, HL_INPUT_MOVE, x, y);
        mk_look(m);
        if (forbidden(hl_scene_hit(hl_kiosk_scene(&m->k), x, y))) x = y = 1;
        mk_touch(m, HL_INPUT_UP, x, y);
    } else if (r < 960) {
        m->waits++;
        unsigned w = hl_fixture_rnd(&m->rng, 100);
        mk_wait(m, w < 70   ? 50 + hl_fixture_rnd(&m->rng, 3000)
                   : w < 95 ? 3000 + hl_fixture_rnd(&m->rng, 45000)
                            : 60000 + (int64_t)hl_fixture_rnd(&m->rng, 600000));
    } else if (r < 975 && !tech) {
        mk_gesture(m);
    } else {
        /* A tap where nothing is, or on a language button, or a refused id. */
        m->refused += hl_kiosk_tap_id(&m->k, hl_fixture_rnd(&m->rng, 2) ? "lang:en" : "lang:vi",
                                      &m->err) != HL_OK;
    }
}

/* ---- The stored responses against their surveys --------------------------- */

typedef struct check {
    hl_store_t *st;
    hl_survey_t *surveys[16];
    int n;
    long rows, complete, partial, in_progress, answers;
    int64_t in_progress_seq;
    int64_t last_seq;
} check_t;

static const hl_survey_t *survey_of(check_t *c, const char *id)
{
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->surveys[i]->id, id)) return c->surveys[i];
    char *json = NULL;
    hl_err_t err = {0};
    if (c->n == 16 || hl_store_survey_json(c->st, id, &json, &err) != HL_OK) {
        hl_test_fail(__FILE__, __LINE__, "survey %s: %s", id, err.msg);
        return NULL;
    }
    hl_diags_t d = {0};
    hl_survey_t *s = NULL;
    if (hl_survey_load_text(id, json, strlen(json), &s, &d) != HL_OK) {
        hl_test_fail(__FILE__, __LINE__, "stored survey %s does not load", id);
        hl_diags_print(&d, stderr);
    }
    hl_diags_free(&d);
    free(json);
    if (s) c->surveys[c->n++] = s;
    return s;
}

/* The stored value of question qid in row, or NULL. */
static const char *row_value(const hl_row_t *row, const char *qid)
{
    for (size_t i = 0; i < row->n_answers; i++)
        if (!strcmp(row->qids[i], qid)) return row->values[i];
    return NULL;
}

static int check_row(void *ctx, const hl_row_t *row)
{
    check_t *c = ctx;
    c->rows++;
    if (row->seq <= c->last_seq) hl_test_fail(__FILE__, __LINE__, "seq %lld", (long long)row->seq);
    c->last_seq = row->seq;
    if (row->status == HL_RESP_COMPLETE) c->complete++;
    if (row->status == HL_RESP_PARTIAL) c->partial++;
    if (row->status == HL_RESP_IN_PROGRESS) {
        if (c->in_progress++) hl_test_fail(__FILE__, __LINE__, "two responses in progress");
        c->in_progress_seq = row->seq;
    }
    const hl_survey_t *s = survey_of(c, row->survey_id);
    if (!s) return HL_OK;
    if (row->survey_version != s->version)
        hl_test_fail(__FILE__, __LINE__, "#%lld: survey %s v%lld, stored v%lld",
                     (long long)row->seq, row->survey_id, (long long)row->survey_version,
                     (long long)s->version);
    if (row->n_answers == 0)
        hl_test_fail(__FILE__, __LINE__, "#%lld: no answer", (long long)row->seq);
    for (size_t i = 0; i < row->n_answers; i++) {
        c->answers++;
        int at = hl_survey_find_question(s, row->qids[i]);
        if (at < 0) {
            hl_test_fail(__FILE__, __LINE__, "#%lld: %s is not a question of %s v%lld",
                         (long long)row->seq, row->qids[i], s->id, (long long)s->version);
            continue;
        }
        const hl_question_t *q = &s->questions[at];
        /* The value, split as the person chose it, made again: the same text. */
        char buf[HL_VALUE_MAX], made[HL_VALUE_MAX];
        const char *vals[64];
        size_t n = 0;
        snprintf(buf, sizeof buf, "%s", row->values[i]);
        if (q->type == HL_Q_MULTI) {
            for (char *tok = strtok(buf, "|"); tok && n < 64; tok = strtok(NULL, "|"))
                vals[n++] = tok;
        } else {
            vals[n++] = buf;
        }
        hl_err_t err = {0};
        if (hl_question_make_value(q, vals, n, made, &err) != HL_OK ||
            strcmp(made, row->values[i]) != 0)
            hl_test_fail(__FILE__, __LINE__, "#%lld: %s = \"%s\" is not valid: %s",
                         (long long)row->seq, q->id, row->values[i], err.msg);
        /* Only shown questions keep answers. */
        if (q->show_if.kind != HL_COND_NONE) {
            const char *ref = row_value(row, s->questions[q->show_if.question].id);
            if (!hl_survey_cond_holds(s, q, ref))
                hl_test_fail(__FILE__, __LINE__, "#%lld: %s answered but hidden",
                             (long long)row->seq, q->id);
        }
    }
    if (row->status == HL_RESP_COMPLETE) {
        for (size_t i = 0; i < s->n_questions; i++) {
            const hl_question_t *q = &s->questions[i];
            if (!q->required || row_value(row, q->id)) continue;
            const char *ref = q->show_if.kind == HL_COND_NONE
                                  ? NULL
                                  : row_value(row, s->questions[q->show_if.question].id);
            if (q->show_if.kind == HL_COND_NONE || hl_survey_cond_holds(s, q, ref))
                hl_test_fail(__FILE__, __LINE__, "#%lld complete without required %s",
                             (long long)row->seq, q->id);
        }
    }
    return HL_OK;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_random_taps_touches_and_waits_on_every_screen_store_only_valid_responses(void)
{
    long actions = hl_fixture_env_long("HL_MONKEY_ACTIONS", 8000);
    unsigned seed = (unsigned)hl_fixture_env_long("HL_MONKEY_SEED", 3);
    mk_t *m = calloc(1, sizeof *m);
    int64_t t0 = now_ms();
    mk_open(m, seed);
    for (long i = 0; i < actions; i++) {
        mk_act(m);
        if ((i & 1023) == 0) {
            /* Now and then a real frame: the renderer sees every kind of screen. */
            if (hl_kiosk_draw(&m->k, &m->err) != HL_OK)
                hl_test_fail(__FILE__, __LINE__, "draw: %s", m->err.msg);
        }
        if (hl_kiosk_stopping(&m->k)) {
            hl_test_fail(__FILE__, __LINE__, "the kiosk stopped after %ld actions", i);
            break;
        }
    }
    hl_kiosk_export_wait(&m->k);
    bool last_in_progress =
        hl_kiosk_flow(&m->k)->started && hl_kiosk_flow(&m->k)->state != HL_STATE_THANKS;
    int64_t last_seq = hl_kiosk_flow(&m->k)->resp.seq;
    long guarded = hl_kiosk_guarded(&m->k);
    hl_kiosk_close(&m->k);

    check_t c = {0};
    hl_store_opts_t ro = {.read_only = true};
    CHECK_INT(hl_store_open(m->cli.data_dir, &ro, &c.st, NULL, &m->err), HL_OK);
    if (c.st) {
        CHECK_INT(hl_store_foreach(c.st, NULL, 0, check_row, &c, &m->err), HL_OK);
        hl_store_close(c.st);
    }
    if (c.in_progress) {
        CHECK(last_in_progress);
        CHECK_INT(c.in_progress_seq, last_seq);
    }
    CHECK(c.complete > 0);
    CHECK(m->pins_ok > 0);
    CHECK(guarded > 0); /* quick touches met the touch guard */
    /* Event-driven: the loop never finds timed work due again right after a
     * tick (it would spin until the next touch). */
    CHECK_INT(m->busy, 0);
    char pages[200] = "";
    for (int i = 0; i < m->n_pages; i++)
        snprintf(pages + strlen(pages), sizeof pages - strlen(pages), "%s\"%s\"", i ? ", " : "",
                 m->pages_seen[i]);
    fprintf(stderr,
            "{\"suite\": \"monkey\", \"actions\": %ld, \"target_taps\": %ld, \"tech_taps\": %ld, "
            "\"pixel_taps\": %ld, \"slides\": %ld, \"waits\": %ld, \"gestures\": %ld, "
            "\"pins_ok\": %ld, \"pins_wrong\": %ld, \"tech_screens_seen\": [%s], "
            "\"responses\": %ld, \"complete\": %ld, \"partial\": %ld, \"answers\": %ld, "
            "\"surveys\": %d, \"quick_touches\": %ld, \"guard_ignored\": %ld, "
            "\"busy_wakeups\": %ld, \"seconds\": %.1f}\n",
            actions, m->taps, m->tech_taps, m->pixels, m->slides, m->waits, m->gestures, m->pins_ok,
            m->pins_wrong, pages, c.rows, c.complete, c.partial, c.answers, c.n, m->quick, guarded,
            m->busy, (double)(now_ms() - t0) / 1e3);
    for (int i = 0; i < c.n; i++)
        hl_survey_free(c.surveys[i]);
    hl_survey_free(m->cli.survey);
    hl_config_free(&m->cli.cfg);
    hl_test_rmtree(m->dir);
    free(m->dir);
    free(m);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_random_taps_touches_and_waits_on_every_screen_store_only_valid_responses),
};

HL_TEST_MAIN(tests)
