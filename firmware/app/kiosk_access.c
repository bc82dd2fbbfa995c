/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * kiosk_access.c: speech and the tactile keys in the kiosk (issue 17): the
 * audio output and the speech worker opened with the kiosk; what is said
 * when (a screen when speech is on and the screen changes, the focused
 * target when a key moves the focus, a key's letter as it is typed, the
 * help); the keys' actions (EZ Access style: up and down move the focus,
 * the round key chooses, back, help, volume); and the reset when a
 * response ends, so that the next citizen starts with the default screen,
 * volume and times.
 *
 * Speech starts on "Nghe / Listen" or with the first key; it stops when
 * the citizen acts. Using speech or the keys triples the idle and warning
 * times for the response (hl_flow_set_time_scale). The screens' words are
 * hl_ui_speech's (a survey text's recording referenced where it has one);
 * synthesis and recordings run on hl_voice's thread, never here. At start
 * every recording of the survey is decoded once: one that cannot be played
 * is reported on the journal and synthesised.
 */
#include "kiosk_int.h"

#include "hl_tts.h"
#include "hl_ui_speech.h"
#include "hl_voice.h"

#include <stdio.h>
#include <string.h>

#define ACCESS_TIME_SCALE 3 /* idle and warning times with speech or keys */

_Static_assert(sizeof((hl_kiosk_access_t *)0)->text >= HL_UI_SPEECH_MAX,
               "a screen's words fit the kiosk's speech buffer");

static void access_say(hl_kiosk_t *k, const char *text)
{
    if (!k->access.voice || !text || !text[0]) return;
    hl_voice_say(k->access.voice, kiosk_now(k), k->flow.resp.lang, text);
}

static void access_gain(hl_kiosk_t *k)
{
    if (k->access.audio)
        hl_audio_set_gain(k->access.audio, hl_access_volume_gain(k->ui.access.volume));
}

void kiosk_access_open(hl_kiosk_t *k, const hl_kiosk_opts_t *o, bool headless)
{
    const hl_access_cfg_t *c = &k->cli->cfg.access;
    k->ui.access.listen_button = c->listen_button;
    k->ui.access.volume_max = HL_ACCESS_VOLUME_STEPS;
    k->ui.access.volume_default = c->volume;
    hl_ui_access_reset(&k->ui);
    k->access.last_input_ms = kiosk_now(k);
    k->access.seen_state = HL_STATE_START; /* the kiosk starts there, nothing finished */
    k->access.seen_finished = k->flow.n_complete + k->flow.n_partial;
    k->access.shown_at_ms = INT64_MIN / 2;     /* the first screen: no guard */
    if (headless && !o->audio_capture) return; /* no speaker, nothing asked to capture */
    hl_err_t err = {0};
    char log[PATH_MAX];
    if (o->audio_capture) snprintf(log, sizeof log, "%s.jsonl", o->audio_capture);
    if (hl_audio_open(&k->access.audio, HL_TTS_RATE, o->audio_capture,
                      o->audio_capture ? log : NULL, kiosk_now(k), &err) != HL_OK) {
        fprintf(stderr, "hailong: %s\n", err.msg);
        return;
    }
    if (hl_voice_open(&k->access.voice, k->access.audio, 0, &err) != HL_OK) {
        fprintf(stderr, "hailong: speech is off: %s\n", err.msg);
        return;
    }
    access_gain(k);
    hl_diags_t d = {0};
    if (hl_voice_check_recordings(k->cli->survey, &d) > 0) {
        hl_diags_print(&d, stderr);
        fprintf(stderr,
                "hailong: %zu recording%s of the survey cannot be played: %s said by synthesis "
                "instead; fix %s (hailong check %s)\n",
                d.n, d.n == 1 ? "" : "s", d.n == 1 ? "its text is" : "their texts are",
                d.n == 1 ? "it" : "them", k->cli->survey_file);
    }
    hl_diags_free(&d);
}

void kiosk_access_close(hl_kiosk_t *k)
{
    hl_voice_close(k->access.voice);
    k->access.voice = NULL;
    hl_err_t err = {0};
    if (hl_audio_close(k->access.audio, &err) != HL_OK)
        fprintf(stderr, "hailong: the audio capture: %s\n", err.msg);
    k->access.audio = NULL;
}

/* Speech and keys in use: more time for this response. */
static void access_in_use(hl_kiosk_t *k)
{
    hl_flow_set_time_scale(&k->flow, ACCESS_TIME_SCALE);
    k->access.active = true;
}

/* The screen, and where the focus is when the keys are in use: what the
 * round key would choose is heard before it is pressed. */
static void access_say_screen(hl_kiosk_t *k)
{
    snprintf(k->access.spoken, sizeof k->access.spoken, "%s", k->scene->screen);
    if (hl_ui_speech_screen(&k->ui, &k->flow, k->flow.resp.lang, k->access.text,
                            sizeof k->access.text) == HL_ERR_USAGE) /* FULL: said as cut */
        return;
    size_t n = strlen(k->access.text);
    if (k->ui.access.focus_shown && n + 2 < sizeof k->access.text) {
        k->access.text[n] = ' ';
        if (hl_ui_speech_focus(&k->ui, &k->flow, k->scene, k->flow.resp.lang,
                               k->access.text + n + 1, sizeof k->access.text - n - 1) != HL_OK)
            k->access.text[n] = '\0';
    }
    access_say(k, k->access.text);
}

void kiosk_access_after(hl_kiosk_t *k, const hl_action_t *a, const char *id, int rc,
                        const char *before, long said_before)
{
    k->access.last_input_ms = kiosk_now(k);
    if (!a) return;
    if (rc != HL_OK) { /* refused (next before an answer): say the target and why */
        if (k->ui.access.speech && id &&
            hl_ui_speech_target(&k->ui, &k->flow, id, k->flow.resp.lang, k->access.text,
                                sizeof k->access.text) == HL_OK)
            access_say(k, k->access.text);
        return;
    }
    /* The build after the action said the new screen already (speech on, a
     * screen not said yet): that replaced what was being said. */
    bool just_said = hl_voice_count(k->access.voice) != said_before;
    switch (a->kind) {
    case HL_ACT_LISTEN: /* again: say it again */
        access_in_use(k);
        if (!just_said) access_say_screen(k);
        return;
    case HL_ACT_VOLUME:
        access_gain(k);
        if (k->ui.access.speech && id &&
            hl_ui_speech_target(&k->ui, &k->flow, id, k->flow.resp.lang, k->access.text,
                                sizeof k->access.text) == HL_OK)
            access_say(k, k->access.text);
        return;
    case HL_ACT_LARGE:
        k->access.active = true;
        return;
    default:
        break;
    }
    if (!k->ui.access.speech || just_said) return;
    /* The citizen acted: what was being said stops; a new screen is said
     * whole, the same screen (a key typed, an option ticked) says the key. */
    if (k->access.voice) hl_voice_stop(k->access.voice, kiosk_now(k));
    if (strcmp(before, k->scene->screen) != 0) {
        access_say_screen(k);
    } else if (id && hl_ui_speech_target(&k->ui, &k->flow, id, k->flow.resp.lang, k->access.text,
                                         sizeof k->access.text) == HL_OK) {
        access_say(k, k->access.text);
    }
}

/* Enter or back pressed too soon after a new screen appeared (the touch
 * guard's time): a double press or a tremor, which would choose the new
 * screen's first answer unheard, counts for nothing (hl_kiosk_guarded). A
 * new screen is a new hl_scene_t.screen (a question, "still there?"), not
 * the volume control appearing when the first key turns speech on. */
static bool access_too_soon(hl_kiosk_t *k)
{
    if (kiosk_now(k) - k->access.shown_at_ms >= HL_TOUCH_GUARD_MS) return false;
    k->touch.guarded++;
    return true;
}

/* The focus moved (or is shown): say what it is on. */
static void access_say_focus(hl_kiosk_t *k)
{
    if (hl_ui_speech_focus(&k->ui, &k->flow, k->scene, k->flow.resp.lang, k->access.text,
                           sizeof k->access.text) == HL_OK)
        access_say(k, k->access.text);
}

/* Moves the focus (dir) and says it; the first key says where the citizen
 * is first, then the focus, as one utterance. */
static void access_move(hl_kiosk_t *k, hl_ui_dir_t dir, bool first)
{
    if (k->access.voice) hl_voice_stop(k->access.voice, kiosk_now(k));
    if (first) /* the screen is said below with the focus, not by the build */
        snprintf(k->access.spoken, sizeof k->access.spoken, "%s", k->scene->screen);
    hl_ui_focus_move(&k->ui, k->scene, dir);
    k->dirty = true;
    kiosk_build(k);
    if (first) {
        access_say_screen(k); /* where am I, then the focus, as one utterance */
    } else {
        access_say_focus(k);
    }
}

void hl_kiosk_key(hl_kiosk_t *k, hl_key_act_t act)
{
    if (act == HL_KEY_NONE) return;
    if (hl_kiosk_panel_touch(k, HL_INPUT_DOWN)) return; /* it woke the panel */
    if (k->tech.mode != HL_TECH_OFF || k->ui.out_of_service ||
        k->ui.export_state.phase != HL_UI_EXPORT_NONE)
        return;
    k->access.last_input_ms = kiosk_now(k);
    kiosk_build(k);
    hl_err_t err = {0};
    bool first = !k->ui.access.focus_shown;
    k->ui.access.speech = true; /* the keys start speech */
    k->ui.access.focus_shown = true;
    access_in_use(k);
    if (k->flow.state == HL_STATE_STILL_THERE) {
        kiosk_apply(k, NULL, NULL, &err); /* any key: still here */
        return;
    }
    /* A key is a sign of life, also one that only moves the focus or asks
     * for words: the idle timer restarts (HL_ERR_STATE on the thanks
     * screen, where input is ignored). */
    hl_flow_touch(&k->flow, &err);
    hl_action_t a;
    switch (act) {
    case HL_KEY_UP:
    case HL_KEY_DOWN:
    case HL_KEY_LEFT:
    case HL_KEY_RIGHT: {
        static const hl_ui_dir_t dirs[] = {[HL_KEY_UP] = HL_UI_FOCUS_PREV,
                                           [HL_KEY_DOWN] = HL_UI_FOCUS_NEXT,
                                           [HL_KEY_LEFT] = HL_UI_FOCUS_LEFT,
                                           [HL_KEY_RIGHT] = HL_UI_FOCUS_RIGHT};
        access_move(k, dirs[act], first);
        return;
    }
    case HL_KEY_ENTER:
        if (access_too_soon(k)) return;
        if (hl_ui_focus_action(&k->ui, k->scene, &a)) {
            char id[HL_SCENE_ID_MAX];
            snprintf(id, sizeof id, "%s", k->ui.access.focus);
            kiosk_apply(k, &a, id, &err);
        } else { /* nothing focused yet: the focus goes to the first answer, said */
            access_move(k, HL_UI_FOCUS_NEXT, first);
        }
        return;
    case HL_KEY_BACK:
        if (access_too_soon(k)) return;
        a = (hl_action_t){HL_ACT_BACK, -1, -1};
        kiosk_apply(k, &a, "back", &err);
        return;
    case HL_KEY_VOL_UP:
    case HL_KEY_VOL_DOWN:
        a = (hl_action_t){HL_ACT_VOLUME, -1, act == HL_KEY_VOL_UP ? 1 : -1};
        kiosk_apply(k, &a, act == HL_KEY_VOL_UP ? "volume:up" : "volume:down", &err);
        return;
    case HL_KEY_HELP:
        if (hl_ui_speech_help(k->flow.resp.lang, k->access.text, sizeof k->access.text) == HL_OK)
            access_say(k, k->access.text);
        /* The help is what was asked for: the next build must not say the
         * screen over it (repeat says the screen). */
        snprintf(k->access.spoken, sizeof k->access.spoken, "%s", k->scene->screen);
        k->dirty = true;
        return;
    case HL_KEY_REPEAT:
        access_say_screen(k);
        k->dirty = true;
        return;
    default:
        return;
    }
}

void kiosk_access_screen(hl_kiosk_t *k)
{
    if (strcmp(k->access.shown, k->scene->screen) != 0) {             /* a new screen (the first: */
        if (k->access.shown[0]) k->access.shown_at_ms = kiosk_now(k); /* no guard) */
        snprintf(k->access.shown, sizeof k->access.shown, "%s", k->scene->screen);
    }
    if (!k->ui.access.speech || k->tech.mode != HL_TECH_OFF || k->power.off) return;
    if (strcmp(k->access.spoken, k->scene->screen) == 0) return;
    access_say_screen(k); /* a timeout, "still there?", the thanks */
}

/* Back to the defaults for the next citizen. */
static void access_reset(hl_kiosk_t *k)
{
    if (k->access.voice) hl_voice_stop(k->access.voice, kiosk_now(k));
    hl_ui_access_reset(&k->ui);
    hl_flow_set_time_scale(&k->flow, 1); /* the flow's reset does it too; a walk-away has none */
    access_gain(k);
    k->access.spoken[0] = '\0';
    k->access.active = false;
    k->dirty = true;
}

void kiosk_access_tick(hl_kiosk_t *k)
{
    /* Compared with what the last tick saw, not with the start of this one:
     * a scripted run's wait moves the flow (hl_flow_tick) before the
     * kiosk's tick, and a response that ended then must reset too. */
    int64_t finished = k->flow.n_complete + k->flow.n_partial;
    bool ended = finished != k->access.seen_finished ||
                 (k->access.seen_state != HL_STATE_START && k->flow.state == HL_STATE_START);
    k->access.seen_state = (int)k->flow.state;
    k->access.seen_finished = finished;
    if (ended && k->flow.state == HL_STATE_START) {
        if (k->access.active) access_reset(k);
        return;
    }
    /* Speech or large text asked for on the start screen by someone who
     * then left: reset after the response's own idle and warning times. */
    if (k->access.active && k->flow.state == HL_STATE_START && !k->flow.started &&
        kiosk_now(k) >= kiosk_access_due(k))
        access_reset(k);
}

int64_t kiosk_access_due(const hl_kiosk_t *k)
{
    if (!k->access.active || k->flow.state != HL_STATE_START || k->flow.started) return -1;
    const hl_timeouts_t *t = &k->cli->cfg.timeouts;
    return k->access.last_input_ms + (int64_t)(t->idle_s + t->warn_s) * ACCESS_TIME_SCALE * 1000;
}

long kiosk_access_said(const hl_kiosk_t *k)
{
    return hl_voice_count(k->access.voice);
}

void hl_kiosk_voice_wait(hl_kiosk_t *k)
{
    hl_voice_wait(k->access.voice);
}
