/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_fixture_speech.c: the speech tests' shared set-up
 * (hl_fixture_speech.h): loudness and length of a sound, the synthesiser
 * opened and a text said into a sound, and the walk through the bundled
 * surveys collecting every text the kiosk would say: a flow with a sink
 * that keeps nothing (it makes follow-up codes as the store does), the
 * screens built at 800x480 without fonts (the kit's estimate), speech on,
 * and at each screen what hl_ui_speech says of it and of each target on
 * it, before the walk answers and moves on.
 */
#include "hl_fixture_speech.h"

#include "hl_flow.h"
#include "hl_fixture.h"
#include "hl_qtype.h"
#include "hl_test.h"
#include "hl_ui.h"
#include "hl_ui_speech.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double hl_fixture_rms(const hl_pcm_t *p)
{
    double sum = 0;
    for (size_t i = 0; i < p->n; i++)
        sum += (double)p->s[i] * p->s[i];
    return p->n ? sqrt(sum / (double)p->n) : 0;
}

double hl_fixture_seconds(const hl_pcm_t *p)
{
    return (double)p->n / HL_TTS_RATE;
}

bool hl_fixture_tts_open_at(hl_fixture_tts_t *x, const char *file, int line)
{
    memset(x, 0, sizeof *x);
    int rc = hl_tts_open(&x->t, NULL, &x->err);
    if (rc != HL_OK) hl_test_fail(file, line, "hl_tts_open: %s", x->err.msg);
    return rc == HL_OK;
}

int hl_fixture_tts_say(hl_fixture_tts_t *x, hl_lang_t lang, const char *text, int wpm)
{
    hl_pcm_free(&x->p);
    int rc = hl_tts_say(&x->t, lang, text, wpm, hl_pcm_sink, &x->p, &x->err);
    if (rc != HL_OK) fprintf(stderr, "hl_tts_say: %s\n", x->err.msg);
    return rc;
}

void hl_fixture_tts_close(hl_fixture_tts_t *x)
{
    hl_pcm_free(&x->p);
    hl_tts_close(&x->t);
}

/* ---- The texts -------------------------------------------------------------- */

/* text as synthesis gets it: a recorded voice's reference (hl_ui_speech.h:
 * 0x01 PATH 0x1F WORDS 0x02, for a survey text with a recording) becomes
 * its WORDS, said by synthesis when the recording cannot be played.
 * Malloc'd. */
static char *synthesised(const char *text)
{
    char *s = strdup(text);
    if (!s) abort();
    size_t o = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '\x01') {
            while (p[1] && p[1] != '\x1F')
                p++;
            if (p[1]) p++;
        } else if (*p != '\x02') {
            s[o++] = *p;
        }
    }
    s[o] = '\0';
    return s;
}

static void texts_add(hl_fixture_texts_t *t, hl_lang_t lang, const char *raw, const char *where)
{
    if (!raw || !raw[0]) return;
    char *text = synthesised(raw);
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].lang == lang && !strcmp(t->v[i].text, text)) {
            free(text);
            return;
        }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        hl_fixture_said_t *v = realloc(t->v, cap * sizeof *v);
        if (!v) abort();
        t->v = v;
        t->cap = cap;
    }
    hl_fixture_said_t *s = &t->v[t->n++];
    s->lang = lang;
    s->text = text;
    snprintf(s->where, sizeof s->where, "%s", where);
}

void hl_fixture_texts_free(hl_fixture_texts_t *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].text);
    free(t->v);
    memset(t, 0, sizeof *t);
}

/* A survey's own texts, in every language. */
static void survey_texts(hl_fixture_texts_t *t, const hl_survey_t *s, const char *name)
{
    char where[128];
    for (int l = 0; l < HL_LANG_COUNT; l++) {
        snprintf(where, sizeof where, "%s: its texts", name);
        texts_add(t, (hl_lang_t)l, hl_text_get(&s->title, (hl_lang_t)l), where);
        texts_add(t, (hl_lang_t)l, hl_text_get(&s->thanks, (hl_lang_t)l), where);
        texts_add(t, (hl_lang_t)l, hl_text_get(&s->consent, (hl_lang_t)l), where);
        for (size_t q = 0; q < s->n_questions; q++) {
            const hl_question_t *qu = &s->questions[q];
            snprintf(where, sizeof where, "%s: question %s", name, qu->id);
            texts_add(t, (hl_lang_t)l, hl_text_get(&qu->text, (hl_lang_t)l), where);
            texts_add(t, (hl_lang_t)l, hl_text_get(&qu->hint, (hl_lang_t)l), where);
            texts_add(t, (hl_lang_t)l, hl_text_get(&qu->body, (hl_lang_t)l), where);
            for (size_t o = 0; o < qu->n_options; o++)
                texts_add(t, (hl_lang_t)l, hl_text_get(&qu->options[o].label, (hl_lang_t)l), where);
        }
    }
}

/* One walk through a survey: its flow, its screens, what they say. */
typedef struct walk {
    hl_fixture_texts_t *texts;  /* where the texts go */
    const char *name;           /* the survey's file name */
    int screen;                 /* screens said so far in this walk */
    hl_survey_t *survey;        /* loaded */
    hl_config_t cfg;            /* the defaults */
    hl_fakesys_t clock;         /* the flow's */
    int64_t seq;                /* the sink's sequence numbers */
    hl_flow_t flow;             /* the response under way */
    hl_ui_t ui;                 /* the screens, speech on */
    hl_scene_t scene;           /* the screen built last */
    hl_err_t err;               /* the last failed call's message */
    char out[HL_UI_SPEECH_MAX]; /* what speech says */
} walk_t;

/* The sink: keeps nothing, makes the follow-up code as the store does. */
static int walk_save(void *ctx, hl_response_t *resp, const hl_save_t *sv, hl_err_t *err)
{
    (void)err;
    walk_t *w = ctx;
    if (resp->seq == 0) resp->seq = ++w->seq;
    if (sv->followup_seed && sv->status == HL_RESP_COMPLETE)
        hl_followup_make(sv->followup_seed, 0, resp->followup);
    return HL_OK;
}

static bool walk_tap(walk_t *w, const char *id)
{
    if (hl_ui_tap(&w->ui, &w->flow, id, &w->err) == HL_OK) return true;
    hl_test_fail(__FILE__, __LINE__, "%s: tap %s: %s", w->name, id, w->err.msg);
    return false;
}

/* What the current screen says as a whole, in each language. */
static void walk_screen(walk_t *w, const char *what)
{
    char where[128];
    snprintf(where, sizeof where, "%s screen %d: %s", w->name, w->screen, what);
    for (int l = 0; l < HL_LANG_COUNT; l++)
        if (hl_ui_speech_screen(&w->ui, &w->flow, (hl_lang_t)l, w->out, sizeof w->out) == HL_OK)
            texts_add(w->texts, (hl_lang_t)l, w->out, where);
}

/* The screen built, and what each of its targets says. */
static void walk_targets(walk_t *w)
{
    char where[128];
    hl_ui_build(&w->ui, &w->flow, 800, 480, w->clock.mono_ms, &w->scene);
    for (size_t i = 0; i < w->scene.n_targets; i++) {
        const char *id = w->scene.targets[i].id;
        snprintf(where, sizeof where, "%s screen %d: %s", w->name, w->screen, id);
        for (int l = 0; l < HL_LANG_COUNT; l++)
            if (hl_ui_speech_target(&w->ui, &w->flow, id, (hl_lang_t)l, w->out, sizeof w->out) ==
                HL_OK)
                texts_add(w->texts, (hl_lang_t)l, w->out, where);
    }
}

static void walk_all(walk_t *w, const char *what)
{
    walk_targets(w);
    walk_screen(w, what);
    w->screen++;
    w->texts->screens++;
}

/* Types digits on the keypad: enough for the question, a mobile number
 * for a contact. */
static void walk_digits(walk_t *w, const hl_question_t *q)
{
    const char *digits = q->type == HL_Q_CONTACT ? "0912345678" : "1234567890123";
    int n = q->type == HL_Q_CONTACT ? 10 : q->min_digits > 0 ? q->min_digits : 1;
    char id[16];
    for (int i = 0; i < n && digits[i]; i++) {
        snprintf(id, sizeof id, "key:%c", digits[i]);
        if (!walk_tap(w, id)) return;
    }
    walk_screen(w, "digits typed");
}

/* The keyboard's capitals and second page, then a word typed. */
static void walk_keyboard(walk_t *w)
{
    static const char *const pages[] = {"key:shift", "key:page"};
    for (size_t p = 0; p < 2; p++) {
        if (!walk_tap(w, pages[p])) return;
        walk_targets(w);
        if (!walk_tap(w, pages[p])) return;
    }
    if (walk_tap(w, "key:a") && walk_tap(w, "key:n")) walk_screen(w, "text typed");
}

/* Answers the current question (its first or last item) and moves on. */
static void walk_answer(walk_t *w, const hl_question_t *q, bool last)
{
    const hl_qtype_info_t *info = hl_qtype_info(q->type);
    int cur = w->flow.cur;
    if (info->draft == HL_DRAFT_DIGITS) {
        walk_digits(w, q);
    } else if (info->draft == HL_DRAFT_TEXT) {
        walk_keyboard(w);
    } else if (info->answered) {
        int n = hl_question_n_items(q);
        char id[HL_SCENE_ID_MAX];
        snprintf(id, sizeof id, "answer:%s:%s", q->id, hl_question_item_id(q, last ? n - 1 : 0));
        if (!walk_tap(w, id)) return;
        if (w->flow.cur != cur && !walk_tap(w, "back")) return;
        walk_all(w, "an answer chosen"); /* "..., đang chọn" */
    }
    if (w->flow.cur == cur && w->flow.state != HL_STATE_THANKS) walk_tap(w, "next");
}

/* A follow-up code with each symbol of the alphabet in turn, as the thanks
 * screen spells it. */
static void walk_codes(walk_t *w)
{
    static const char alphabet[] = HL_FOLLOWUP_ALPHABET;
    for (size_t k = 0; k + HL_FOLLOWUP_LEN <= sizeof alphabet - 1; k += HL_FOLLOWUP_LEN) {
        memcpy(w->flow.resp.followup, alphabet + k, HL_FOLLOWUP_LEN);
        w->flow.resp.followup[HL_FOLLOWUP_LEN] = '\0';
        walk_screen(w, "thanks with a follow-up code");
    }
}

static void walk(hl_fixture_texts_t *t, const char *path, const char *name, bool last)
{
    walk_t *w = calloc(1, sizeof *w);
    if (!w) abort();
    w->texts = t;
    w->name = name;
    w->survey = hl_fixture_survey(path);
    if (!last) {
        survey_texts(t, w->survey, name);
        t->surveys++;
    }
    hl_config_defaults(&w->cfg, "speech-texts");
    hl_fakesys_init(&w->clock, 1790000000000LL, true, 17);
    hl_timeouts_t times = {30, 10, 5};
    hl_sink_t sink = {walk_save, w};
    if (hl_flow_init(&w->flow, w->survey, &times, hl_fakesys_sys(&w->clock), sink, &w->err)) {
        hl_test_fail(__FILE__, __LINE__, "%s: %s", name, w->err.msg);
        hl_survey_free(w->survey);
        free(w);
        return;
    }
    hl_measure_t none = {NULL, NULL, NULL}; /* the kit's estimate: no fonts needed */
    hl_ui_init(&w->ui, w->survey, &w->cfg, none, 96);
    walk_tap(w, "listen"); /* speech on: the volume's buttons show */
    bool still = false;
    for (int step = 0; step < 4 * HL_MAX_QUESTIONS && w->flow.state != HL_STATE_THANKS; step++) {
        if (w->flow.cur < 0 || (size_t)w->flow.cur >= w->survey->n_questions) break;
        const hl_question_t *q = &w->survey->questions[w->flow.cur];
        walk_all(w, q->id);
        if (w->flow.state == HL_STATE_QUESTION && !still) { /* once a response is under way */
            still = true;
            hl_fakesys_advance(&w->clock, (int64_t)times.idle_s * 1000);
            if (hl_flow_tick(&w->flow, &w->err) == HL_OK && w->flow.state == HL_STATE_STILL_THERE) {
                walk_all(w, "still there?");
                walk_tap(w, "continue");
            }
        }
        int cur = w->flow.cur;
        hl_state_t state = w->flow.state;
        walk_answer(w, q, last);
        if (w->flow.cur == cur && w->flow.state == state) {
            hl_test_fail(__FILE__, __LINE__, "%s: the walk is stuck at question %s", name, q->id);
            break;
        }
    }
    if (w->flow.state != HL_STATE_THANKS)
        hl_test_fail(__FILE__, __LINE__, "%s: the walk did not reach thanks", name);
    walk_screen(w, "thanks");
    walk_codes(w);
    w->ui.out_of_service = true;
    walk_screen(w, "out of service");
    hl_flow_free(&w->flow);
    hl_config_free(&w->cfg);
    hl_survey_free(w->survey);
    free(w);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void hl_fixture_speech_texts(hl_fixture_texts_t *out)
{
    memset(out, 0, sizeof *out);
    const char *dir = HL_SOURCE_DIR "/assets/surveys";
    DIR *d = opendir(dir);
    if (!d) {
        hl_test_fail(__FILE__, __LINE__, "cannot read %s", dir);
        return;
    }
    char *names[64];
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL && n < 64;) {
        size_t len = strlen(e->d_name);
        if (len > 5 && !strcmp(e->d_name + len - 5, ".json")) names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], by_name);
    for (size_t i = 0; i < n; i++) {
        char *path = hl_fixture_path(dir, names[i]);
        walk(out, path, names[i], false);
        walk(out, path, names[i], true);
        free(path);
        free(names[i]);
    }
    char help[2048];
    for (int l = 0; l < HL_LANG_COUNT; l++)
        if (hl_ui_speech_help((hl_lang_t)l, help, sizeof help) == HL_OK)
            texts_add(out, (hl_lang_t)l, help, "the keys' help");
}
