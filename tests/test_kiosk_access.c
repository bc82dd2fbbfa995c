/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_kiosk_access.c: speech and the tactile keys in the running kiosk
 * (firmware/app/kiosk_access.c), in-process on the headless screen with a
 * fake clock and the speech captured (--audio-capture's WAV and its log, a
 * JSON line per utterance, read once the kiosk is closed): the help key in
 * the response's language, repeat, the volume keys (the level said, the
 * gain heard, the configured level again for the next citizen), the first
 * key saying where the citizen is, speech cut where the citizen acts,
 * "still there?" said with its seconds and answered by any key, keys as a
 * sign of life, everything reset when a response ends (completed or timed
 * out) or when someone who asked for speech on the start screen walks away,
 * the Listen button hidden by the config, keys ignored in technician mode
 * and out of service, and a key map from the config followed by the event
 * loop.
 *
 * Each step waits for the speech worker (hl_kiosk_voice_wait), and the
 * clock is moved past what was said before the next step, so a capture is
 * the same run after run; sounds are compared by length and loudness, never
 * sample for sample (espeak varies its pitch a little).
 */
#include "hl_access.h"
#include "hl_faultvfs.h"
#include "hl_fixture.h"
#include "hl_fixture_kiosk.h"
#include "hl_test.h"
#include "kiosk.h"

#include <SDL2/SDL.h>
#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define RATE      22050 /* the capture's samples a second (hl_tts) */
#define SAY_MS    20000 /* longer than any screen of the test survey takes to say */
#define HELP_MS   60000 /* longer than the keys' help takes to say */
#define IDLE_MS   30000 /* the default config's idle time */
#define WARN_MS   10000 /* and its "still there?" time */
#define TRIPLED   3     /* both with speech or keys in use */
#define QUIET_RMS 300.0 /* below this a stretch of the capture is silence */
#define PIN       "246810"

typedef hl_kiosk_fixture_t fx_t;

/* One line of the capture's log. */
typedef struct utt {
    long long start_ms, end_ms; /* on the capture's timeline */
    long long samples;          /* written */
    char lang[8];               /* "vi", "en" */
    char text[512];             /* what was said (the log keeps 480 bytes) */
} utt_t;

/* A kiosk whose speech is captured, and what it said once closed. */
typedef struct ax {
    fx_t *x;        /* the kiosk; NULL once closed */
    char *dir;      /* the capture's folder (outside the kiosk's) */
    char *wav;      /* dir/said.wav */
    utt_t u[256];   /* the log */
    int n;          /* lines in it */
    int16_t *pcm;   /* the WAV's samples (malloc'd) */
    size_t n_pcm;   /* how many */
    int64_t origin; /* the kiosk's clock at open: the timeline's 0 */
} ax_t;

static fx_t *kiosk(const char *capture, void (*configure)(hl_config_t *, void *), void *ctx)
{
    hl_kiosk_fixture_opts_t o = {.tag = "kiosk-access",
                                 .audio_capture = capture,
                                 .pin = PIN,
                                 .configure = configure,
                                 .ctx = ctx};
    return hl_kiosk_fixture_new(&o);
}

static ax_t *ax_open(void (*configure)(hl_config_t *, void *), void *ctx)
{
    ax_t *a = calloc(1, sizeof *a);
    if (!a) abort();
    a->dir = hl_test_tmpdir("kiosk-access-said");
    a->wav = hl_fixture_path(a->dir, "said.wav");
    a->x = kiosk(a->wav, configure, ctx);
    a->origin = a->x->clock.mono_ms;
    return a;
}

/* Closes the kiosk (the capture is written then) and reads the capture. */
static void ax_close(ax_t *a)
{
    hl_kiosk_fixture_free(a->x);
    a->x = NULL;
    char log[1200];
    snprintf(log, sizeof log, "%s.jsonl", a->wav);
    char *text = hl_test_read_file(log, NULL);
    size_t len = 0;
    unsigned char *w = (unsigned char *)hl_test_read_file(a->wav, &len);
    CHECK(text && w && len >= 44 && !memcmp(w, "RIFF", 4) && !memcmp(w + 8, "WAVE", 4));
    for (char *line = text; line && *line && a->n < 256;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        json_t *j = json_loads(line, 0, NULL);
        utt_t *u = &a->u[a->n++];
        u->start_ms = json_integer_value(json_object_get(j, "start_ms"));
        u->end_ms = json_integer_value(json_object_get(j, "end_ms"));
        u->samples = json_integer_value(json_object_get(j, "samples"));
        const char *l = json_string_value(json_object_get(j, "lang"));
        const char *t = json_string_value(json_object_get(j, "text"));
        snprintf(u->lang, sizeof u->lang, "%s", l ? l : "");
        snprintf(u->text, sizeof u->text, "%s", t ? t : "");
        json_decref(j);
        line = nl ? nl + 1 : line + strlen(line);
    }
    if (getenv("HL_TEST_SAID")) /* HL_TEST_SAID=1: what was said, to write a test */
        for (int i = 0; i < a->n; i++)
            printf("  said %lld-%lld ms (%lld samples) %s: %s\n", a->u[i].start_ms, a->u[i].end_ms,
                   a->u[i].samples, a->u[i].lang, a->u[i].text);
    a->n_pcm = w && len > 44 ? (len - 44) / 2 : 0;
    a->pcm = calloc(a->n_pcm + 1, sizeof *a->pcm);
    for (size_t i = 0; i < a->n_pcm; i++)
        a->pcm[i] = (int16_t)(w[44 + 2 * i] | w[45 + 2 * i] << 8);
    free(w);
    free(text);
}

static void ax_free(ax_t *a)
{
    if (a->x) hl_kiosk_fixture_free(a->x);
    hl_fixture_rm(a->dir);
    free(a->wav);
    free(a->pcm);
    free(a);
}

/* The kiosk's clock on the capture's timeline. */
static long long ax_now(const ax_t *a)
{
    return a->x->clock.mono_ms - a->origin;
}

/* The first utterance from index from whose text holds has, -1 none. */
static int said(const ax_t *a, int from, const char *has)
{
    for (int i = from < 0 ? 0 : from; i < a->n; i++)
        if (strstr(a->u[i].text, has)) return i;
    return -1;
}

/* Loudness of utterance i as the capture holds it (0: nothing there). */
static double loudness(const ax_t *a, int i)
{
    if (i < 0 || i >= a->n) return 0;
    size_t from = (size_t)(a->u[i].start_ms * RATE / 1000), n = 0;
    double sum = 0;
    for (size_t s = from; s < from + (size_t)a->u[i].samples && s < a->n_pcm; s++, n++)
        sum += (double)a->pcm[s] * a->pcm[s];
    return n ? sqrt(sum / (double)n) : 0;
}

/* Utterance i was heard: there, in lang, for at least min_ms, not silence. */
static void heard(const char *file, int line, const ax_t *a, int i, const char *lang, long min_ms)
{
    if (i < 0) {
        hl_test_fail(file, line, "not said");
        return;
    }
    const utt_t *u = &a->u[i];
    int cut = 60; /* the text's start, cut between two characters */
    while (cut > 0 && ((unsigned char)u->text[cut] & 0xC0) == 0x80)
        cut--;
    if (strcmp(u->lang, lang) || u->samples * 1000 < (long long)min_ms * RATE ||
        loudness(a, i) < QUIET_RMS)
        hl_test_fail(file, line, "\"%.*s...\" in %s: %lld samples, RMS %.0f", cut, u->text, u->lang,
                     u->samples, loudness(a, i));
}
#define HEARD(a, i, lang, min_ms) heard(__FILE__, __LINE__, a, i, lang, min_ms)

/* ---- Driving the kiosk -------------------------------------------------------- */

/* A key, and what it made the kiosk say synthesised. */
static void key(fx_t *x, hl_key_act_t act)
{
    hl_kiosk_key(&x->k, act);
    hl_kiosk_voice_wait(&x->k);
}

/* A tap after a look at the screen (the touch guard), and its speech. */
static void tap(fx_t *x, const char *id)
{
    hl_fakesys_advance(&x->clock, HL_TOUCH_GUARD_MS);
    if (hl_kiosk_tap_id(&x->k, id, &x->err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "tap %s: %s", id, x->err.msg);
    hl_kiosk_voice_wait(&x->k);
}

/* ax_open, and Listen tapped: speech on (its first screen said). */
static ax_t *ax_listening(void (*configure)(hl_config_t *, void *), void *ctx)
{
    ax_t *a = ax_open(configure, ctx);
    tap(a->x, "listen");
    return a;
}

/* Time passes (what is being said plays on), then the loop's tick. */
static void later(fx_t *x, int64_t ms)
{
    hl_fakesys_advance(&x->clock, ms);
    hl_kiosk_tick(&x->k);
    hl_kiosk_voice_wait(&x->k);
}

/* The flow's next deadline reached and ticked. */
static void run_out(fx_t *x)
{
    int64_t due = hl_flow_deadline(hl_kiosk_flow(&x->k));
    CHECK(due >= 0);
    later(x, due > x->clock.mono_ms ? due - x->clock.mono_ms : 0);
}

static const hl_ui_access_t *access_of(fx_t *x)
{
    return &hl_kiosk_ui(&x->k)->access;
}

/* Nothing of speech, large text, focus or the times is left over. */
static void defaults(const char *file, int line, fx_t *x, int volume)
{
    const hl_ui_access_t *a = access_of(x);
    const hl_flow_t *f = hl_kiosk_flow(&x->k);
    if (a->speech || a->large || a->focus_shown || a->focus[0] || a->volume != volume ||
        f->time_scale != 1 || f->state != HL_STATE_START)
        hl_test_fail(file, line,
                     "not reset: speech %d, large %d, focus %d \"%s\", volume %d (want %d), "
                     "times x%d, state %s",
                     a->speech, a->large, a->focus_shown, a->focus, a->volume, volume,
                     f->time_scale, hl_state_name(f->state));
}
#define DEFAULTS(x, volume) defaults(__FILE__, __LINE__, x, volume)

/* Everything on: large text, speech, the focus (a key), volume up. */
static void everything_on(fx_t *x)
{
    tap(x, "large");
    tap(x, "listen");
    key(x, HL_KEY_DOWN);
    key(x, HL_KEY_VOL_UP);
    const hl_ui_access_t *a = access_of(x);
    CHECK(a->large && a->speech && a->focus_shown && a->focus[0]);
    CHECK_INT(a->volume, HL_UI_VOLUME_DEFAULT + 1);
    CHECK_INT(hl_kiosk_flow(&x->k)->time_scale, TRIPLED);
}

static void default_volume_7(hl_config_t *cfg, void *ctx)
{
    (void)ctx;
    cfg->access.volume = 7;
}

/* ---- Help, repeat, the first key ----------------------------------------------- */

/* The help key, pressed first thing on the start screen and the screen drawn
 * at once as the loop does: the help is heard whole, in Vietnamese; once the
 * citizen chose English, in English. */
static void test_the_help_key_says_how_to_use_the_keys_in_the_response_language(void)
{
    ax_t *a = ax_open(NULL, NULL);
    fx_t *x = a->x;
    key(x, HL_KEY_HELP);
    CHECK(access_of(x)->speech); /* the keys start speech */
    CHECK_INT(hl_kiosk_draw(&x->k, &x->err), HL_OK);
    hl_kiosk_voice_wait(&x->k);
    later(x, HELP_MS);
    tap(x, "lang:en");
    later(x, SAY_MS);
    key(x, HL_KEY_HELP);
    later(x, HELP_MS);
    ax_close(a);
    int vi = said(a, 0, "Cách dùng phím. Phím lên và phím xuống");
    HEARD(a, vi, "vi", 10000);
    CHECK(vi < 0 || a->u[vi].end_ms < a->u[vi].start_ms + HELP_MS); /* ended by itself */
    int en = said(a, vi + 1, "How to use the keys. The up and down keys");
    HEARD(a, en, "en", 10000);
    CHECK(said(a, 0, "Cách dùng") == vi && said(a, vi + 1, "Cách dùng") < 0);
    ax_free(a);
}

static void test_repeat_says_the_screen_again(void)
{
    ax_t *a = ax_listening(NULL, NULL);
    fx_t *x = a->x;
    later(x, SAY_MS);
    key(x, HL_KEY_REPEAT);
    later(x, SAY_MS);
    ax_close(a);
    int first = said(a, 0, "Câu 1"), again = said(a, first + 1, "Câu 1");
    HEARD(a, first, "vi", 1000);
    HEARD(a, again, "vi", 1000);
    if (first >= 0 && again >= 0) {
        CHECK_STR(a->u[again].text, a->u[first].text);
        CHECK(labs((long)(a->u[again].samples - a->u[first].samples)) < a->u[first].samples / 50);
    }
    ax_free(a);
}

/* The first key says where the citizen is, then what the focus is on, as
 * one utterance; the next says the focus alone; enter chooses it and the
 * next screen is said; back goes back and says that screen. */
static void test_the_first_key_says_the_screen_and_the_focus_and_enter_chooses_it(void)
{
    ax_t *a = ax_open(NULL, NULL);
    fx_t *x = a->x;
    key(x, HL_KEY_DOWN);
    CHECK_STR(access_of(x)->focus, "answer:overall:s5");
    later(x, SAY_MS);
    key(x, HL_KEY_DOWN);
    CHECK_STR(access_of(x)->focus, "answer:overall:s4");
    later(x, SAY_MS);
    key(x, HL_KEY_ENTER);
    CHECK_STR(hl_flow_value(hl_kiosk_flow(&x->k), 0), "s4");
    later(x, SAY_MS);
    key(x, HL_KEY_BACK);
    CHECK_INT(hl_kiosk_flow(&x->k)->cur, 0);
    later(x, SAY_MS);
    ax_close(a);
    int first = said(a, 0, "Câu 1"); /* the screen, then the focus */
    CHECK(first == 0 && strstr(a->u[first].text, "trên 5: e. Lựa chọn 1 trên 5: a."));
    int focus = said(a, first + 1, "Lựa chọn 2 trên 5: b");
    CHECK(focus == first + 1 && !strstr(a->u[focus].text, "Câu 1"));
    int next = said(a, focus + 1, "Câu 2");
    CHECK(next == focus + 1);
    CHECK(said(a, next + 1, "Câu 1") == next + 1 && a->n == next + 2);
    for (int i = 0; i < a->n; i++)
        HEARD(a, i, "vi", 300);
    ax_free(a);
}

/* The round key pressed first, nothing focused yet: it chooses nothing,
 * puts the focus on the first answer and says the screen and the focus;
 * pressed again, it chooses that answer. */
static void test_the_round_key_pressed_first_says_where_the_citizen_is_and_chooses_nothing(void)
{
    ax_t *a = ax_open(NULL, NULL);
    fx_t *x = a->x;
    key(x, HL_KEY_ENTER);
    CHECK(!hl_flow_value(hl_kiosk_flow(&x->k), 0));
    CHECK_STR(access_of(x)->focus, "answer:overall:s5");
    CHECK(hl_kiosk_dirty(&x->k)); /* the ring and the volume control are drawn */
    later(x, SAY_MS);
    key(x, HL_KEY_ENTER);
    CHECK_STR(hl_flow_value(hl_kiosk_flow(&x->k), 0), "s5");
    later(x, SAY_MS);
    ax_close(a);
    int first = said(a, 0, "Câu 1");
    HEARD(a, first, "vi", 1000);
    CHECK(first >= 0 && strstr(a->u[first].text, "trên 5: e. Lựa chọn 1 trên 5: a."));
    HEARD(a, said(a, first + 1, "Câu 2"), "vi", 1000); /* chosen: the next screen */
    CHECK_INT(a->n, first + 2);
    ax_free(a);
}

/* ---- Volume -------------------------------------------------------------- */

/* The keys move the level one step, never beyond 0 or the top; each level
 * is said at the new loudness; the same screen is heard softer by the
 * level's gain; the next citizen starts at the config's level (7). */
static void test_volume_keys_stay_within_range_apply_the_gain_and_reset_for_the_next_response(void)
{
    ax_t *a = ax_open(default_volume_7, NULL);
    fx_t *x = a->x;
    CHECK_INT(access_of(x)->volume, 7);
    tap(x, "listen");
    later(x, SAY_MS);
    for (int i = 0; i < 2; i++) { /* 8, then still 8 */
        key(x, HL_KEY_VOL_UP);
        later(x, 5000);
    }
    CHECK_INT(access_of(x)->volume, HL_ACCESS_VOLUME_STEPS);
    key(x, HL_KEY_REPEAT);
    later(x, SAY_MS);
    for (int i = 0; i < HL_ACCESS_VOLUME_STEPS + 1; i++) { /* down to 0, then still 0 */
        key(x, HL_KEY_VOL_DOWN);
        later(x, 5000);
    }
    CHECK_INT(access_of(x)->volume, 0);
    key(x, HL_KEY_REPEAT);
    later(x, SAY_MS);
    /* The response ends (the first answer, then idle and warning times). */
    tap(x, "answer:overall:s5");
    run_out(x);
    run_out(x);
    DEFAULTS(x, 7);
    tap(x, "listen");
    later(x, SAY_MS);
    ax_close(a);
    int up = said(a, 0, "Tăng âm lượng, mức 8 trên 8");
    HEARD(a, up, "vi", 500);
    CHECK(said(a, up + 1, "Tăng âm lượng, mức 8 trên 8") == up + 1); /* at the top: 8 again */
    int loud = said(a, up + 2, "Câu 1");
    int zero = said(a, loud + 1, "Giảm âm lượng, mức 0 trên 8");
    CHECK(zero > loud && said(a, zero + 1, "mức 0 trên 8") == zero + 1);
    CHECK(said(a, 0, "mức 9") < 0 && said(a, 0, "mức -1") < 0);
    int soft = said(a, zero + 2, "Câu 1");
    int next = said(a, soft + 1, "Câu 1");
    double l8 = loudness(a, loud), l0 = loudness(a, soft), l7 = loudness(a, next);
    double g0 = hl_access_volume_gain(0), g7 = hl_access_volume_gain(7);
    printf("  the same screen at levels 8, 0, 7: RMS %.0f, %.0f, %.0f (gains 1, %.3f, %.3f)\n", l8,
           l0, l7, g0, g7);
    CHECK(l8 > QUIET_RMS && l0 > 0 && l7 > 0);
    CHECK(fabs(l0 / l8 - g0) < g0 * 0.1);
    CHECK(fabs(l7 / l8 - g7) < g7 * 0.1);
    ax_free(a);
}

/* ---- Resets ---------------------------------------------------------------- */

/* Completed: speech, large text, the focus, the volume and the tripled
 * times are gone once the thanks screen goes, and the next citizen gets
 * the usual idle time. */
static void test_a_completed_response_resets_speech_large_text_focus_volume_and_times(void)
{
    fx_t *x = kiosk(NULL, NULL, NULL);
    everything_on(x);
    key(x, HL_KEY_ENTER); /* the focused answer */
    CHECK_INT(hl_kiosk_flow(&x->k)->cur, 2);
    tap(x, "answer:stars:4");
    tap(x, "key:1");
    tap(x, "key:2");
    tap(x, "next");
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_THANKS);
    run_out(x);
    DEFAULTS(x, HL_UI_VOLUME_DEFAULT);
    CHECK(!hl_scene_find(hl_kiosk_scene(&x->k), "volume:up"));
    tap(x, "answer:overall:s4");
    CHECK_INT(hl_kiosk_timeout(&x->k), IDLE_MS);
    hl_kiosk_fixture_free(x);
}

/* A scripted run's wait moves the flow (hl_flow_tick) before the kiosk's
 * tick: the thanks screen gone that way resets everything too. */
static void test_a_response_ended_by_the_flow_before_the_kiosk_tick_still_resets(void)
{
    fx_t *x = kiosk(NULL, NULL, NULL);
    everything_on(x);
    later(x, HL_TOUCH_GUARD_MS);
    key(x, HL_KEY_ENTER);
    tap(x, "answer:stars:4");
    tap(x, "key:1");
    tap(x, "key:2");
    tap(x, "next");
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_THANKS);
    hl_kiosk_tick(&x->k); /* the kiosk's tick sees the thanks screen */
    int64_t due = hl_flow_deadline(hl_kiosk_flow(&x->k));
    hl_fakesys_advance(&x->clock, due - x->clock.mono_ms);
    CHECK_INT(hl_flow_tick(&x->k.flow, &x->err), HL_OK); /* as hl_script_wait does */
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_START);
    later(x, 0);
    DEFAULTS(x, HL_UI_VOLUME_DEFAULT);
    hl_kiosk_fixture_free(x);
}

/* A double press or a tremor on the round key: the second press, before
 * the new screen has been up for the touch guard's time, counts for
 * nothing (it would choose the next question's first answer unheard);
 * after it, the key chooses. Back is guarded the same way. */
static void test_enter_and_back_pressed_again_at_once_on_a_new_screen_count_for_nothing(void)
{
    fx_t *x = kiosk(NULL, NULL, NULL);
    key(x, HL_KEY_DOWN);
    key(x, HL_KEY_ENTER); /* overall: s5; the stars screen appears */
    CHECK_INT(hl_kiosk_flow(&x->k)->cur, 2);
    long guarded = hl_kiosk_guarded(&x->k);
    key(x, HL_KEY_ENTER); /* at once: nothing */
    key(x, HL_KEY_BACK);  /* nor this */
    CHECK_INT(hl_kiosk_flow(&x->k)->cur, 2);
    CHECK(!hl_flow_value(hl_kiosk_flow(&x->k), 2));
    CHECK_INT(hl_kiosk_guarded(&x->k), guarded + 2);
    later(x, HL_TOUCH_GUARD_MS);
    key(x, HL_KEY_ENTER);
    CHECK_STR(hl_flow_value(hl_kiosk_flow(&x->k), 2),
              "1"); /* the first answer, focused by the new screen */
    hl_kiosk_fixture_free(x);
}

/* Abandoned: "still there?" only after the tripled idle time, the end only
 * after the tripled warning time; then everything is back to the defaults
 * and the times are the usual ones again. */
static void test_a_response_abandoned_by_timeout_resets_everything_after_the_tripled_times(void)
{
    fx_t *x = kiosk(NULL, NULL, NULL);
    everything_on(x);
    key(x, HL_KEY_ENTER);
    later(x, IDLE_MS);
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_QUESTION);
    later(x, IDLE_MS * TRIPLED - IDLE_MS);
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_STILL_THERE);
    later(x, WARN_MS);
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_STILL_THERE);
    later(x, WARN_MS * TRIPLED - WARN_MS);
    DEFAULTS(x, HL_UI_VOLUME_DEFAULT);
    CHECK_INT(hl_kiosk_flow(&x->k)->n_partial, 1);
    tap(x, "answer:overall:s4");
    later(x, IDLE_MS);
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_STILL_THERE);
    hl_kiosk_fixture_free(x);
}

/* Listen (or Aa) pressed on the start screen, then nobody: the kiosk wakes
 * at the tripled idle and warning time after the last input (a later key
 * moves it), puts everything back, and the next citizen has the usual
 * times. */
static void test_listen_or_aa_on_the_start_screen_resets_after_the_tripled_idle_and_warning(void)
{
    static const char *const buttons[2] = {"listen", "large"};
    const int64_t due = (int64_t)(IDLE_MS + WARN_MS) * TRIPLED;
    for (int b = 0; b < 2; b++) {
        fx_t *x = kiosk(NULL, NULL, NULL);
        tap(x, buttons[b]);
        CHECK(b == 0 ? access_of(x)->speech : access_of(x)->large);
        CHECK(!hl_kiosk_idle(&x->k)); /* someone is here: no export, survey switch, dark panel */
        CHECK_INT(hl_kiosk_timeout(&x->k), due);
        later(x, due / 2);
        key(x, HL_KEY_VOL_DOWN); /* someone is still there */
        CHECK_INT(hl_kiosk_timeout(&x->k), due);
        later(x, due - 1);
        CHECK(access_of(x)->speech || access_of(x)->large);
        later(x, 1);
        DEFAULTS(x, HL_UI_VOLUME_DEFAULT);
        CHECK(hl_kiosk_idle(&x->k));
        CHECK_INT(hl_kiosk_timeout(&x->k), -1); /* asleep again */
        tap(x, "answer:overall:s4");
        CHECK_INT(hl_kiosk_timeout(&x->k), IDLE_MS);
        hl_kiosk_fixture_free(x);
    }
}

/* ---- "Still there?" ----------------------------------------------------------- */

static void test_still_there_is_said_with_the_seconds_left(void)
{
    ax_t *a = ax_listening(NULL, NULL);
    fx_t *x = a->x;
    tap(x, "answer:overall:s5");
    later(x, IDLE_MS * TRIPLED);
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_STILL_THERE);
    later(x, 2000); /* the countdown goes on: said once */
    long long answered = ax_now(a);
    key(x, HL_KEY_REPEAT); /* a key answers it: the question again */
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_QUESTION);
    later(x, SAY_MS);
    ax_close(a);
    int i = said(a, 0, "Ông/Bà vẫn đang trả lời chứ? Khảo sát sẽ kết thúc sau 30 giây");
    HEARD(a, i, "vi", 2000);
    CHECK(said(a, i + 1, "Ông/Bà vẫn") < 0);
    CHECK(i >= 0 && a->u[i].end_ms == answered); /* cut by the key */
    CHECK(said(a, i + 1, "Câu 2") == i + 1);
    ax_free(a);
}

/* Every key, enter included, answers "still there?": the question is back,
 * nothing else happens (no volume step, nothing chosen, the focus where a
 * new screen puts it: on its first answer). */
static void test_any_key_answers_still_there_and_does_nothing_else(void)
{
    fx_t *x = kiosk(NULL, NULL, NULL);
    tap(x, "answer:overall:s5");
    for (int act = HL_KEY_UP; act < HL_KEY_ACT_COUNT; act++) {
        run_out(x);
        CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_STILL_THERE);
        key(x, (hl_key_act_t)act);
        if (hl_kiosk_flow(&x->k)->state != HL_STATE_QUESTION)
            hl_test_fail(__FILE__, __LINE__, "key %s left %s", hl_key_act_name(act),
                         hl_state_name(hl_kiosk_flow(&x->k)->state));
        CHECK_INT(hl_kiosk_flow(&x->k)->cur, 2);
        CHECK_INT(access_of(x)->volume, HL_UI_VOLUME_DEFAULT);
        CHECK_STR(access_of(x)->focus, "answer:stars:1"); /* where the screen puts it */
    }
    hl_kiosk_fixture_free(x);
}

/* Keys that only move the focus or ask for words are signs of life too: a
 * citizen listening through the options is never asked "still there?". */
static void test_keys_that_move_the_focus_or_say_something_keep_the_response_alive(void)
{
    fx_t *x = kiosk(NULL, NULL, NULL);
    tap(x, "answer:overall:s5");
    static const hl_key_act_t keys[] = {HL_KEY_DOWN, HL_KEY_UP,   HL_KEY_RIGHT,
                                        HL_KEY_LEFT, HL_KEY_HELP, HL_KEY_REPEAT};
    const size_t n = sizeof keys / sizeof keys[0];
    key(x, HL_KEY_DOWN);
    for (size_t i = 0; i < 2 * n; i++) {
        later(x, IDLE_MS * TRIPLED - 1000);
        if (hl_kiosk_flow(&x->k)->state != HL_STATE_QUESTION)
            hl_test_fail(__FILE__, __LINE__, "%s after key %s",
                         hl_state_name(hl_kiosk_flow(&x->k)->state),
                         hl_key_act_name(keys[(i + n - 1) % n]));
        key(x, keys[i % n]);
    }
    later(x, IDLE_MS * TRIPLED);
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_STILL_THERE);
    hl_kiosk_fixture_free(x);
}

/* ---- Speech stops when the citizen acts ------------------------------------------ */

/* The screen being said is cut where the citizen moves the focus, and where
 * a tap answers; what comes after is said from there. */
static void test_speech_stops_where_the_citizen_acts(void)
{
    ax_t *a = ax_listening(NULL, NULL);
    fx_t *x = a->x;
    later(x, SAY_MS); /* said whole once: its length */
    tap(x, "listen"); /* again: said again */
    later(x, 1000);
    long long moved = ax_now(a);
    key(x, HL_KEY_DOWN);
    later(x, 300);
    tap(x, "answer:overall:s5");
    long long answered = ax_now(a);
    later(x, SAY_MS);
    ax_close(a);
    int whole = said(a, 0, "Câu 1"), cut = said(a, whole + 1, "Câu 1");
    CHECK(whole >= 0 && cut == whole + 1 && cut + 2 < a->n);
    if (whole < 0 || cut != whole + 1 || cut + 2 >= a->n) {
        ax_free(a);
        return;
    }
    const utt_t *w = &a->u[whole], *c = &a->u[cut], *f = &a->u[cut + 1], *q = &a->u[cut + 2];
    CHECK(w->end_ms - w->start_ms > 2000);
    CHECK_INT(c->end_ms, moved); /* cut at the key */
    CHECK_INT(c->samples, (moved - c->start_ms) * RATE / 1000);
    CHECK_INT(f->start_ms, moved); /* then the focus */
    CHECK_CONTAINS(f->text, "Lựa chọn 1 trên 5");
    CHECK_INT(f->end_ms, answered); /* cut at the tap */
    CHECK_INT(q->start_ms, answered);
    CHECK_CONTAINS(q->text, "Câu 2");
    ax_free(a);
}

/* A choice the kiosk refuses is an error the citizen must hear: "next"
 * with one digit of the two to four the question needs says that it does
 * not work yet and why; the screen stays. */
static void test_a_refused_next_is_said_with_why(void)
{
    ax_t *a = ax_listening(NULL, NULL);
    fx_t *x = a->x;
    tap(x, "answer:overall:s5");
    tap(x, "answer:stars:4");
    tap(x, "key:1");
    later(x, SAY_MS);
    hl_fakesys_advance(&x->clock, HL_TOUCH_GUARD_MS);
    CHECK(hl_kiosk_tap_id(&x->k, "next", &x->err) != HL_OK);
    hl_kiosk_voice_wait(&x->k);
    CHECK_INT(hl_kiosk_flow(&x->k)->cur, 3);
    later(x, SAY_MS);
    ax_close(a);
    int i = said(a, 0, "Tiếp tục, chưa dùng được. Từ 2 đến 4 chữ số.");
    CHECK(i >= 0);
    CHECK(loudness(a, i) > QUIET_RMS);
    ax_free(a);
}

/* Speech on, a key typed on the same screen: what was being said stops
 * and the key alone is said; the next screen is said whole. */
static void test_a_key_typed_with_speech_on_is_said_alone(void)
{
    ax_t *a = ax_listening(NULL, NULL);
    fx_t *x = a->x;
    tap(x, "answer:overall:s5");
    tap(x, "answer:stars:4");
    later(x, SAY_MS);
    tap(x, "key:1");
    later(x, 3000);
    tap(x, "key:2");
    later(x, 3000);
    tap(x, "next");
    later(x, SAY_MS);
    ax_close(a);
    int code = said(a, 0, "Câu 3");
    CHECK(code >= 0 && code + 3 < a->n);
    if (code >= 0 && code + 3 < a->n) {
        CHECK_STR(a->u[code + 1].text, "1.");
        CHECK_STR(a->u[code + 2].text, "2.");
        HEARD(a, code + 1, "vi", 100);
        HEARD(a, code + 2, "vi", 100);
        CHECK_CONTAINS(a->u[code + 3].text, "Cảm ơn");
    }
    ax_free(a);
}

/* ---- Config ------------------------------------------------------------------ */

/* Loads the JSON text ctx as the config file (over the defaults). */
static void config_json(hl_config_t *cfg, void *ctx)
{
    char *dir = hl_test_tmpdir("kiosk-access-cfg");
    char *path = hl_test_write_file(dir, "hailong.json", ctx);
    hl_diags_t d = {0};
    if (hl_config_load_file(path, cfg, &d) != HL_OK) {
        hl_diags_print(&d, stderr);
        hl_test_fail(__FILE__, __LINE__, "the test's config does not load");
    }
    hl_diags_free(&d);
    free(path);
    hl_fixture_rm(dir);
}

/* Without the Listen button: on no screen, a tap on it refused; Aa is
 * there, and the keys still start speech (its volume control appears). */
static void test_the_listen_button_hidden_by_the_config_is_on_no_screen_and_keys_still_speak(void)
{
    fx_t *x = kiosk(NULL, config_json,
                    "{\"kiosk_id\": \"k\", \"accessibility\": {\"listen_button\": false}}");
    CHECK(!hl_scene_find(hl_kiosk_scene(&x->k), "listen"));
    CHECK(hl_scene_find(hl_kiosk_scene(&x->k), "large") != NULL);
    CHECK_INT(hl_kiosk_tap_id(&x->k, "listen", &x->err), HL_ERR_STATE);
    tap(x, "answer:overall:s5");
    CHECK(!hl_scene_find(hl_kiosk_scene(&x->k), "listen"));
    key(x, HL_KEY_DOWN);
    CHECK(access_of(x)->speech);
    CHECK(hl_scene_find(hl_kiosk_scene(&x->k), "volume:up") != NULL);
    CHECK(!hl_scene_find(hl_kiosk_scene(&x->k), "listen"));
    hl_kiosk_fixture_free(x);
}

static void push_key(SDL_Keycode sym)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.keysym.sym = sym;
    SDL_PushEvent(&e);
}

/* The config maps down to F5 and enter to F6: the event loop follows it;
 * the default keys of those actions do nothing now, and an action the
 * config leaves out (right) keeps its default keys. */
static void test_a_key_map_from_the_config_is_followed_by_the_event_loop(void)
{
    fx_t *x = kiosk(NULL, config_json,
                    "{\"kiosk_id\": \"k\", \"accessibility\": {\"keys\": "
                    "{\"down\": [\"F5\"], \"enter\": [\"F6\"]}}}");
    hl_fakesys_advance(&x->clock, HL_TOUCH_GUARD_MS);
    push_key(SDLK_DOWN);   /* no longer down: nothing */
    push_key(SDLK_KP_2);   /* nor this */
    push_key(SDLK_RETURN); /* nor enter */
    push_key(SDLK_F5);     /* down: the focus on the first answer (s5) */
    push_key(SDLK_RIGHT);  /* the default right: the next one (s4) */
    push_key(SDLK_F6);     /* enter: chosen */
    hl_display_request_quit(hl_kiosk_display(&x->k));
    CHECK_INT(hl_kiosk_loop(&x->k), HL_EXIT_OK);
    CHECK_STR(hl_flow_value(hl_kiosk_flow(&x->k), 0), "s4");
    CHECK_INT(hl_kiosk_flow(&x->k)->cur, 2);
    hl_kiosk_fixture_free(x);
}

/* ---- Keys ignored ---------------------------------------------------------- */

/* Every key, pressed a few times. */
static void every_key(fx_t *x)
{
    for (int round = 0; round < 2; round++)
        for (int act = HL_KEY_UP; act < HL_KEY_ACT_COUNT; act++)
            key(x, (hl_key_act_t)act);
}

static void test_keys_do_nothing_in_technician_mode(void)
{
    fx_t *x = kiosk(NULL, NULL, NULL);
    hl_kiosk_fixture_open_menu(x, PIN);
    const hl_tech_t *t = hl_kiosk_tech(&x->k);
    hl_tech_page_t page = t->page;
    every_key(x);
    CHECK_INT(t->mode, HL_TECH_MENU);
    CHECK_INT(t->page, page);
    DEFAULTS(x, HL_UI_VOLUME_DEFAULT);
    CHECK_INT(hl_kiosk_flow(&x->k)->cur, 0);
    CHECK(!hl_flow_value(hl_kiosk_flow(&x->k), 0));
    hl_kiosk_fixture_free(x);
}

static void test_keys_do_nothing_out_of_service(void)
{
    hl_kiosk_fixture_opts_t o = {.tag = "kiosk-access", .fault_vfs = true};
    fx_t *x = hl_kiosk_fixture_new(&o);
    hl_faultvfs_arm(HL_FAULT_WRITE, 1, true, SQLITE_IOERR_WRITE);
    hl_fakesys_advance(&x->clock, HL_TOUCH_GUARD_MS);
    CHECK(hl_kiosk_tap_id(&x->k, "answer:overall:s4", &x->err) != HL_OK);
    CHECK(hl_kiosk_ui(&x->k)->out_of_service);
    every_key(x);
    CHECK(hl_kiosk_ui(&x->k)->out_of_service);
    DEFAULTS(x, HL_UI_VOLUME_DEFAULT);
    CHECK(!hl_flow_value(hl_kiosk_flow(&x->k), 0));
    hl_faultvfs_disarm();
    hl_kiosk_fixture_free(x);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_the_help_key_says_how_to_use_the_keys_in_the_response_language),
    HL_TEST(test_repeat_says_the_screen_again),
    HL_TEST(test_the_first_key_says_the_screen_and_the_focus_and_enter_chooses_it),
    HL_TEST(test_the_round_key_pressed_first_says_where_the_citizen_is_and_chooses_nothing),
    HL_TEST(test_volume_keys_stay_within_range_apply_the_gain_and_reset_for_the_next_response),
    HL_TEST(test_a_completed_response_resets_speech_large_text_focus_volume_and_times),
    HL_TEST(test_a_response_abandoned_by_timeout_resets_everything_after_the_tripled_times),
    HL_TEST(test_a_response_ended_by_the_flow_before_the_kiosk_tick_still_resets),
    HL_TEST(test_enter_and_back_pressed_again_at_once_on_a_new_screen_count_for_nothing),
    HL_TEST(test_listen_or_aa_on_the_start_screen_resets_after_the_tripled_idle_and_warning),
    HL_TEST(test_still_there_is_said_with_the_seconds_left),
    HL_TEST(test_any_key_answers_still_there_and_does_nothing_else),
    HL_TEST(test_keys_that_move_the_focus_or_say_something_keep_the_response_alive),
    HL_TEST(test_speech_stops_where_the_citizen_acts),
    HL_TEST(test_a_key_typed_with_speech_on_is_said_alone),
    HL_TEST(test_a_refused_next_is_said_with_why),
    HL_TEST(test_the_listen_button_hidden_by_the_config_is_on_no_screen_and_keys_still_speak),
    HL_TEST(test_a_key_map_from_the_config_is_followed_by_the_event_loop),
    HL_TEST(test_keys_do_nothing_in_technician_mode),
    HL_TEST(test_keys_do_nothing_out_of_service),
};

HL_TEST_MAIN(tests)
