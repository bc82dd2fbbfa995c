/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_flow.c: the session flow state machine (see hl_flow.h for the rules).
 *
 * Every event computes the change it wants (one answer set, answers dropped
 * because their question became hidden, maybe the end of the response),
 * hands it to the sink as one transaction, and only when the sink committed
 * it updates its own state and moves on. A failed commit leaves the flow
 * exactly as it was, so the same step can be retried and nothing is ever
 * thanked for that was not stored. All memory is allocated at init (the
 * fair counting ring also when hl_flow_set_fairness asks for a larger one).
 *
 * Fair counting looks only at the save that creates a response: its start
 * (the monotonic time of the first answer) against the previous response's
 * finish, and against the ring of the latest start times. It flags, it
 * never refuses: the sink stores the response with its reason.
 */
#include "hl_flow.h"
#include "hl_qtype.h"

#include <stdlib.h>
#include <string.h>

const char *hl_state_name(hl_state_t s)
{
    static const char *const names[] = {"start", "question", "still_there",
                                        "thanks"}; /* enum order */
    return HL_NAME_OF(names, s, "?");
}

static int64_t flow_now(const hl_flow_t *f)
{
    return f->sys.mono_ms(f->sys.ctx);
}

static const hl_question_t *flow_q(const hl_flow_t *f, int i)
{
    return &f->survey->questions[i];
}

static bool has_draft_type(const hl_question_t *q)
{
    return hl_qtype_info(q->type)->draft != HL_DRAFT_NONE;
}

/* Fills f->shown for the answers we have, with question `oi` taking value
 * `ov` instead ("" = unanswered; oi = -1 for no override). A question is
 * shown when its condition holds on the value of a shown earlier question. */
static void flow_compute_shown(hl_flow_t *f, int oi, const char *ov)
{
    const hl_survey_t *s = f->survey;
    for (size_t i = 0; i < s->n_questions; i++) {
        const hl_question_t *q = &s->questions[i];
        if (q->show_if.kind == HL_COND_NONE) {
            f->shown[i] = true;
            continue;
        }
        int r = q->show_if.question;
        const char *rv = (r == oi) ? ov : f->values[r];
        if (!f->shown[r] || !rv || !*rv) rv = NULL;
        f->shown[i] = hl_survey_cond_holds(s, q, rv);
    }
}

/* The value question i has after a change that sets question oi to ov. */
static const char *flow_value_after(const hl_flow_t *f, int i, int oi, const char *ov)
{
    if (i == oi) return ov ? ov : "";
    return f->values[i];
}

/* After flow_compute_shown: the stored answers the change removes (the
 * question cleared by the change, and answered questions now hidden). */
static size_t flow_collect_drops(hl_flow_t *f, int oi, const char *ov)
{
    size_t n = 0;
    for (int i = 0; i < (int)f->survey->n_questions; i++) {
        if (!f->values[i][0]) continue;
        if (!f->shown[i] || !flow_value_after(f, i, oi, ov)[0])
            f->drops[n++] = f->survey->questions[i].id;
    }
    return n;
}

/* First shown question after `from`, or -1 at the end. Uses f->shown. */
static int flow_next_shown(const hl_flow_t *f, int from)
{
    for (int i = from + 1; i < (int)f->survey->n_questions; i++)
        if (f->shown[i]) return i;
    return -1;
}

static bool flow_any_answer(const hl_flow_t *f)
{
    for (size_t i = 0; i < f->survey->n_questions; i++)
        if (f->values[i][0]) return true;
    return false;
}

/* Whether a complete draft on the current question is kept when the citizen
 * goes back or walks away: a selection, digits or words are (an elderly
 * person should not lose taps); a phone number only with "next", after the
 * citizen read the consent and chose to give it. */
static bool flow_keeps_draft(const hl_flow_t *f)
{
    return f->draft_active && f->draft[0] && flow_q(f, f->cur)->type != HL_Q_CONTACT &&
           strcmp(f->draft, f->values[f->cur]) != 0;
}

static void flow_enter_question(hl_flow_t *f, int i)
{
    f->cur = i;
    f->draft_active = has_draft_type(flow_q(f, i));
    /* A phone number is never shown again once the citizen left it: coming
     * back, the keypad is empty (next keeps the number, skip removes it). */
    bool hidden = flow_q(f, i)->type == HL_Q_CONTACT;
    if (f->draft_active && !hidden)
        memcpy(f->draft, f->values[i], HL_VALUE_MAX);
    else
        f->draft[0] = '\0';
    f->draft_ms = flow_now(f);
}

static void flow_reset(hl_flow_t *f)
{
    int64_t now = flow_now(f);
    for (size_t i = 0; i < f->survey->n_questions; i++)
        f->values[i][0] = '\0';
    memset(&f->resp, 0, sizeof f->resp);
    f->resp.lang = f->survey->langs[0];
    f->resp.stored_lang = f->resp.lang;
    f->started = false;
    f->state = HL_STATE_START;
    f->time_scale = 1; /* the next citizen starts with the default times */
    f->last_input_ms = now;
    f->state_since_ms = now;
    f->retry_at_ms = 0;
    flow_enter_question(f, 0);
}

int hl_flow_init(hl_flow_t *f, const hl_survey_t *s, const hl_timeouts_t *t, hl_sys_t sys,
                 hl_sink_t sink, hl_err_t *err)
{
    memset(f, 0, sizeof *f);
    if (!s || s->n_questions == 0 || s->n_langs == 0)
        return hl_err_set(err, HL_ERR_USAGE, "flow needs a loaded survey with questions");
    f->survey = s;
    f->timeouts = *t;
    f->sys = sys;
    f->sink = sink;
    f->values = calloc(s->n_questions, sizeof *f->values);
    f->shown = calloc(s->n_questions, sizeof *f->shown);
    f->drops = calloc(s->n_questions, sizeof *f->drops);
    f->fair_cap = 64; /* room for the default max_per_hour (60); set_fairness may grow it */
    f->fair_starts = calloc((size_t)f->fair_cap, sizeof *f->fair_starts);
    f->fair_last_finish_ms = -1;
    if (!f->values || !f->shown || !f->drops || !f->fair_starts) {
        hl_flow_free(f);
        return hl_err_set(err, HL_ERR_NOMEM, "out of memory setting up the session flow");
    }
    flow_reset(f);
    return HL_OK;
}

void hl_flow_free(hl_flow_t *f)
{
    free(f->values);
    free(f->shown);
    free(f->drops);
    free(f->fair_starts);
    f->values = NULL;
    f->shown = NULL;
    f->drops = NULL;
    f->fair_starts = NULL;
    f->fair_cap = f->fair_n = f->fair_head = 0;
}

int hl_flow_set_fairness(hl_flow_t *f, int64_t min_interval_ms, int max_per_hour, hl_err_t *err)
{
    if (min_interval_ms < 0 || max_per_hour < 0 || max_per_hour > HL_FAIR_HOUR_MAX)
        return hl_err_set(err, HL_ERR_USAGE,
                          "fairness needs min_interval >= 0 and max_per_hour in 0..%d",
                          HL_FAIR_HOUR_MAX);
    if (max_per_hour > f->fair_cap) {
        int64_t *ring = calloc((size_t)max_per_hour, sizeof *ring);
        if (!ring)
            return hl_err_set(err, HL_ERR_NOMEM, "out of memory for %d fair counting entries",
                              max_per_hour);
        /* Keep the history, oldest first. */
        for (int i = 0; i < f->fair_n; i++)
            ring[i] = f->fair_starts[(f->fair_head - f->fair_n + i + f->fair_cap) % f->fair_cap];
        free(f->fair_starts);
        f->fair_starts = ring;
        f->fair_cap = max_per_hour;
        f->fair_head = f->fair_n % f->fair_cap;
    }
    f->fair_min_interval_ms = min_interval_ms;
    f->fair_max_per_hour = max_per_hour;
    return HL_OK;
}

/* The k-th latest start time held (k = 1 the latest); needs k <= fair_n. */
static int64_t fair_start_back(const hl_flow_t *f, int k)
{
    return f->fair_starts[((f->fair_head - k) % f->fair_cap + f->fair_cap) % f->fair_cap];
}

/* Why a response starting at mono time `start` is suspect, or NULL. */
static const char *fair_verdict(const hl_flow_t *f, int64_t start)
{
    if (f->fair_min_interval_ms > 0 && f->fair_last_finish_ms >= 0 &&
        start - f->fair_last_finish_ms < f->fair_min_interval_ms)
        return "min_interval";
    /* More than max in the hour: the max-th latest start before it is less
     * than an hour old. */
    int max = f->fair_max_per_hour;
    if (max > 0 && f->fair_n >= max && start - fair_start_back(f, max) < 3600 * 1000)
        return "max_per_hour";
    return NULL;
}

static void fair_note_start(hl_flow_t *f, int64_t start)
{
    if (f->fair_cap <= 0) return;
    f->fair_starts[f->fair_head] = start;
    f->fair_head = (f->fair_head + 1) % f->fair_cap;
    if (f->fair_n < f->fair_cap) f->fair_n++;
}

/* Commits a change and, on success, applies it to the flow's memory.
 * oi/ov: the question set or cleared (-1 for none); status: finish or not;
 * set_at: mono time the answer was given (0: now). f->shown must hold the
 * visibility after the change. */
static int flow_commit(hl_flow_t *f, int oi, const char *ov, hl_resp_status_t status,
                       int64_t set_at, hl_err_t *err)
{
    int64_t now = flow_now(f);
    if (set_at <= 0 || set_at > now) set_at = now;
    size_t n_drop = flow_collect_drops(f, oi, ov);
    bool sets = oi >= 0 && ov && *ov && strcmp(f->values[oi], ov) != 0;
    bool will_have_answers = false, own_words = false;
    for (int i = 0; i < (int)f->survey->n_questions; i++) {
        if (!f->shown[i] || !flow_value_after(f, i, oi, ov)[0]) continue;
        will_have_answers = true;
        own_words = own_words || hl_qtype_info(flow_q(f, i)->type)->own;
    }

    hl_response_t saved = f->resp;
    bool creating = !f->started && sets;
    if (creating) {
        if (hl_uuid_new(&f->sys, f->resp.uuid) != 0)
            return hl_err_set(err, HL_ERR_IO, "no random bytes for a response id");
        f->resp.seq = 0;
        f->resp.started_mono_ms = set_at;
        f->resp.started_utc_ms = f->sys.utc_ms(f->sys.ctx) - (now - set_at);
        f->resp.clock_trusted = f->sys.utc_trusted(f->sys.ctx);
    }

    /* Nothing stored and nothing to store: no transaction at all. */
    bool needed = sets || (f->started && (n_drop > 0 || status != HL_RESP_IN_PROGRESS ||
                                          f->resp.lang != f->resp.stored_lang));
    if (needed) {
        hl_save_t sv = {0};
        int64_t elapsed = now - f->resp.started_mono_ms;
        if (sets) {
            sv.set_qid = flow_q(f, oi)->id;
            sv.set_value = ov;
            sv.set_ms = set_at - f->resp.started_mono_ms;
        }
        sv.drop_qids = f->drops;
        sv.n_drop = n_drop;
        sv.status = will_have_answers ? status : HL_RESP_IN_PROGRESS;
        sv.finished_utc_ms = f->resp.started_utc_ms + elapsed;
        if (creating) sv.suspect = fair_verdict(f, f->resp.started_mono_ms);
        /* A comment or a number gets a follow-up code, shown on the thanks
         * screen: only a response the citizen finished, who reads it. */
        if (sv.status == HL_RESP_COMPLETE && own_words) {
            /* Without random bytes the response finishes without a code
             * rather than refusing the citizen's answers. */
            if (f->sys.random(f->sys.ctx, &sv.followup_seed, sizeof sv.followup_seed) != 0)
                sv.followup_seed = 0;
            else if (!sv.followup_seed)
                sv.followup_seed = 1;
        }
        hl_err_t e = {0};
        int rc = f->sink.save(f->sink.ctx, &f->resp, &sv, &e);
        f->last_rc = rc;
        if (rc != HL_OK) {
            f->resp = saved;
            if (err) *err = e;
            return rc;
        }
    }
    /* Committed: apply to memory. */
    if (creating && needed) fair_note_start(f, f->resp.started_mono_ms);
    for (size_t d = 0; d < n_drop; d++) {
        int i = hl_survey_find_question(f->survey, f->drops[d]);
        if (i >= 0) f->values[i][0] = '\0';
    }
    if (oi >= 0) snprintf(f->values[oi], HL_VALUE_MAX, "%s", ov ? ov : "");
    f->started = flow_any_answer(f);
    if (!f->started) f->resp.seq = 0;
    if (status == HL_RESP_COMPLETE && f->started) f->n_complete++;
    if (status == HL_RESP_PARTIAL && f->started) f->n_partial++;
    if (status != HL_RESP_IN_PROGRESS && f->started) f->fair_last_finish_ms = now;
    return HL_OK;
}

static void flow_goto_thanks(hl_flow_t *f)
{
    f->state = HL_STATE_THANKS;
    f->state_since_ms = flow_now(f);
    f->draft[0] = '\0';
}

/* Moves from the current question to the next shown one, or finishes. The
 * change (oi/ov) is committed together with completion when it is the last. */
static int flow_advance(hl_flow_t *f, int oi, const char *ov, hl_err_t *err)
{
    flow_compute_shown(f, oi, ov);
    int next = flow_next_shown(f, f->cur);
    int rc = flow_commit(f, oi, ov, next < 0 ? HL_RESP_COMPLETE : HL_RESP_IN_PROGRESS, 0, err);
    if (rc != HL_OK) return rc;
    if (next < 0) {
        flow_goto_thanks(f);
    } else {
        f->state = HL_STATE_QUESTION;
        flow_enter_question(f, next);
    }
    return HL_OK;
}

static void flow_dismiss(hl_flow_t *f)
{
    f->state = f->started || f->cur > 0 ? HL_STATE_QUESTION : HL_STATE_START;
    f->state_since_ms = flow_now(f);
    f->retry_at_ms = 0;
}

/* Every input event starts here: ignored on the thanks screen; otherwise it
 * counts as a sign of life (restarting the idle timer, even if the step is
 * then refused) and dismisses "still there?". */
static int flow_check_input(hl_flow_t *f, hl_err_t *err)
{
    if (f->state == HL_STATE_THANKS)
        return hl_err_set(err, HL_ERR_STATE, "the thanks screen is showing: input is ignored");
    if (f->state == HL_STATE_STILL_THERE) flow_dismiss(f);
    f->last_input_ms = flow_now(f);
    return HL_OK;
}

int hl_flow_answer(hl_flow_t *f, const char *qid, const char *const *vals, size_t n, hl_err_t *err)
{
    int rc = flow_check_input(f, err);
    if (rc) return rc;
    int qi = hl_survey_find_question(f->survey, qid);
    if (qi < 0) return hl_err_set(err, HL_ERR_USAGE, "the survey has no question \"%s\"", qid);
    if (qi != f->cur)
        return hl_err_set(err, HL_ERR_STATE, "question \"%s\" is not on screen (\"%s\" is)", qid,
                          flow_q(f, f->cur)->id);
    char value[HL_VALUE_MAX];
    rc = hl_question_make_value(flow_q(f, qi), vals, n, value, err);
    if (rc) return rc;
    if (f->draft_active) {
        memcpy(f->draft, value, sizeof value);
        f->draft_ms = flow_now(f);
        return HL_OK;
    }
    return flow_advance(f, qi, value, err);
}

/* Common checks of the draft editors: input allowed, qid on screen, type. */
static int flow_check_draft(hl_flow_t *f, const char *qid, hl_qtype_t type, hl_err_t *err)
{
    int rc = flow_check_input(f, err);
    if (rc) return rc;
    const hl_question_t *q = flow_q(f, f->cur);
    if (strcmp(q->id, qid) != 0)
        return hl_err_set(err, HL_ERR_STATE, "question \"%s\" is not on screen (\"%s\" is)", qid,
                          q->id);
    if (q->type != type)
        return hl_err_set(err, HL_ERR_USAGE, "question \"%s\" is a %s question, not %s", qid,
                          hl_qtype_name(q->type), hl_qtype_name(type));
    return HL_OK;
}

int hl_flow_toggle(hl_flow_t *f, const char *qid, const char *oid, hl_err_t *err)
{
    int rc = flow_check_draft(f, qid, HL_Q_MULTI, err);
    if (rc) return rc;
    const hl_question_t *q = flow_q(f, f->cur);
    int at = hl_question_find_option(q, oid);
    if (at < 0)
        return hl_err_set(err, HL_ERR_USAGE, "question \"%s\" has no option \"%s\"", qid, oid);
    /* Rebuild the selection with `oid` flipped, in the survey's order. */
    const char *chosen[HL_MAX_OPTIONS];
    size_t n = 0;
    for (size_t i = 0; i < q->n_options; i++) {
        const char *id = q->options[i].id;
        bool on = false;
        for (const char *p = f->draft; *p;) {
            size_t len = strcspn(p, "|");
            if (len == strlen(id) && !strncmp(p, id, len)) on = true;
            p += len + (p[len] == '|');
        }
        if ((int)i == at) on = !on;
        if (on) chosen[n++] = id;
    }
    f->draft_ms = flow_now(f);
    if (n == 0) {
        f->draft[0] = '\0'; /* nothing chosen now: next leaves it unanswered */
        return HL_OK;
    }
    char value[HL_VALUE_MAX];
    rc = hl_question_make_value(q, chosen, n, value, err);
    if (rc) return rc == HL_ERR_USAGE ? HL_ERR_STATE : rc; /* over max_choices */
    memcpy(f->draft, value, sizeof value);
    return HL_OK;
}

int hl_flow_set_text(hl_flow_t *f, const char *qid, const char *text, hl_err_t *err)
{
    int rc = flow_check_draft(f, qid, HL_Q_TEXT, err);
    if (rc) return rc;
    /* Checked as typed (untrimmed: a space before the next word is kept);
     * next trims it. A refused text leaves the draft as it was. */
    char value[HL_VALUE_MAX];
    rc = hl_text_answer_make(flow_q(f, f->cur), text ? text : "", false, value, err);
    if (rc) return rc == HL_ERR_USAGE ? HL_ERR_STATE : rc;
    memcpy(f->draft, value, sizeof value);
    f->draft_ms = flow_now(f);
    return HL_OK;
}

int hl_flow_key(hl_flow_t *f, const char *qid, char key, hl_err_t *err)
{
    bool contact = flow_q(f, f->cur)->type == HL_Q_CONTACT;
    int rc = flow_check_draft(f, qid, contact ? HL_Q_CONTACT : HL_Q_NUMBER, err);
    if (rc) return rc;
    const hl_question_t *q = flow_q(f, f->cur);
    int max = contact ? HL_CONTACT_DIGITS : q->max_digits;
    size_t len = strlen(f->draft);
    if (key == '\b') {
        if (len > 0) f->draft[len - 1] = '\0';
        f->draft_ms = flow_now(f);
        return HL_OK;
    }
    if (key < '0' || key > '9') return hl_err_set(err, HL_ERR_USAGE, "keypad key must be a digit");
    if ((int)len >= max)
        return hl_err_set(err, HL_ERR_STATE, "question \"%s\" takes at most %d digits", qid, max);
    f->draft[len] = key;
    f->draft[len + 1] = '\0';
    f->draft_ms = flow_now(f);
    return HL_OK;
}

/* Checks the current draft as a whole answer (a keypad draft may be too
 * short) and writes its stored form; HL_ERR_STATE with the reason if not. */
static int flow_draft_value(hl_flow_t *f, char out[HL_VALUE_MAX], hl_err_t *err)
{
    const hl_question_t *q = flow_q(f, f->cur);
    if (q->type == HL_Q_TEXT) { /* trimmed; a blank one refused */
        int rc = hl_text_answer_make(q, f->draft, true, out, err);
        return rc == HL_ERR_USAGE ? HL_ERR_STATE : rc;
    }
    const char *vals[HL_MAX_OPTIONS];
    char split[HL_VALUE_MAX];
    size_t n = 0;
    memcpy(split, f->draft, sizeof split);
    for (char *p = split; p && n < HL_MAX_OPTIONS;) {
        vals[n++] = p;
        p = q->type == HL_Q_MULTI ? strchr(p, '|') : NULL;
        if (p) *p++ = '\0';
    }
    int rc = hl_question_make_value(q, vals, n, out, err);
    return rc == HL_ERR_USAGE ? HL_ERR_STATE : rc;
}

int hl_flow_next(hl_flow_t *f, hl_err_t *err)
{
    int rc = flow_check_input(f, err);
    if (rc) return rc;
    const hl_question_t *q = flow_q(f, f->cur);
    /* On a multi/number/text question what counts is what is shown: the
     * draft, which the person may also have emptied (then the answer goes;
     * a text of nothing but spaces and line breaks is empty). */
    const char *v = f->draft_active ? f->draft : f->values[f->cur];
    if (f->draft_active && hl_text_answer_blank(v)) v = "";
    /* A number given before is not shown again (the keypad comes back
     * empty): an empty keypad keeps it; skip removes it. */
    if (q->type == HL_Q_CONTACT && !v[0]) v = f->values[f->cur];
    if (!v[0] && q->required)
        return hl_err_set(err, HL_ERR_STATE, "question \"%s\" is required: answer it first", q->id);
    char value[HL_VALUE_MAX] = "";
    if (v[0] && f->draft_active && v == f->draft) {
        int rc2 = flow_draft_value(f, value, err);
        if (rc2) return rc2;
    } else { /* v may be the "" of a blank draft: copy the string, not the buffer */
        snprintf(value, sizeof value, "%s", v);
    }
    if (!value[0] && !f->values[f->cur][0]) return flow_advance(f, -1, NULL, err);
    return flow_advance(f, f->cur, value, err);
}

int hl_flow_skip(hl_flow_t *f, hl_err_t *err)
{
    int rc = flow_check_input(f, err);
    if (rc) return rc;
    const hl_question_t *q = flow_q(f, f->cur);
    if (q->required)
        return hl_err_set(err, HL_ERR_STATE, "question \"%s\" is required and cannot be skipped",
                          q->id);
    return flow_advance(f, f->cur, "", err);
}

int hl_flow_back(hl_flow_t *f, hl_err_t *err)
{
    int rc = flow_check_input(f, err);
    if (rc) return rc;
    flow_compute_shown(f, -1, NULL);
    int prev = -1;
    for (int i = f->cur - 1; i >= 0; i--) {
        if (f->shown[i]) {
            prev = i;
            break;
        }
    }
    if (prev < 0) return hl_err_set(err, HL_ERR_STATE, "already at the first question");
    /* A complete selection made here is kept, not thrown away by going back
     * (an elderly person should not lose taps); an incomplete one is dropped. */
    char value[HL_VALUE_MAX];
    if (flow_keeps_draft(f) && flow_draft_value(f, value, NULL) == HL_OK) {
        flow_compute_shown(f, f->cur, value);
        rc = flow_commit(f, f->cur, value, HL_RESP_IN_PROGRESS, 0, err);
        if (rc != HL_OK) return rc;
    }
    flow_enter_question(f, prev);
    return HL_OK;
}

int hl_flow_continue(hl_flow_t *f, hl_err_t *err)
{
    if (f->state != HL_STATE_STILL_THERE)
        return hl_err_set(err, HL_ERR_STATE,
                          "\"still there?\" is not showing: nothing to continue");
    return flow_check_input(f, err);
}

int hl_flow_set_lang(hl_flow_t *f, hl_lang_t lang, hl_err_t *err)
{
    int rc = flow_check_input(f, err);
    if (rc) return rc;
    if (!hl_survey_has_lang(f->survey, lang))
        return hl_err_set(err, HL_ERR_USAGE, "the survey is not offered in \"%s\"",
                          hl_lang_code(lang));
    f->resp.lang = lang;
    return HL_OK;
}

int hl_flow_touch(hl_flow_t *f, hl_err_t *err)
{
    return flow_check_input(f, err);
}

/* Something a timeout would lose: an answer, a draft, or a chosen language. */
static bool flow_has_progress(const hl_flow_t *f)
{
    return f->started || f->draft[0] || f->cur > 0;
}

int64_t hl_flow_deadline(const hl_flow_t *f)
{
    switch (f->state) {
    case HL_STATE_THANKS:
        return f->state_since_ms + (int64_t)hl_flow_thanks_s(f) * 1000;
    case HL_STATE_STILL_THERE:
        if (f->retry_at_ms) return f->retry_at_ms;
        return f->state_since_ms + (int64_t)f->timeouts.warn_s * f->time_scale * 1000;
    case HL_STATE_QUESTION:
        return f->last_input_ms + (int64_t)f->timeouts.idle_s * f->time_scale * 1000;
    case HL_STATE_START:
        if (flow_has_progress(f) || f->resp.lang != f->survey->langs[0])
            return f->last_input_ms + (int64_t)f->timeouts.idle_s * f->time_scale * 1000;
        return -1;
    }
    return -1;
}

/* The still-there warning ran out: keep what was answered as partial. */
static int flow_time_out(hl_flow_t *f, hl_err_t *err)
{
    int rc;
    char value[HL_VALUE_MAX];
    if (flow_keeps_draft(f) && flow_draft_value(f, value, NULL) == HL_OK) {
        /* A complete selection not yet confirmed with next is kept too. */
        flow_compute_shown(f, f->cur, value);
        rc = flow_commit(f, f->cur, value, HL_RESP_PARTIAL, f->draft_ms, err);
    } else {
        flow_compute_shown(f, -1, NULL);
        rc = flow_commit(f, -1, NULL, HL_RESP_PARTIAL, 0, err);
    }
    if (rc != HL_OK) {
        f->retry_at_ms = flow_now(f) + 1000;
        return rc;
    }
    flow_reset(f);
    return HL_OK;
}

int hl_flow_tick(hl_flow_t *f, hl_err_t *err)
{
    int64_t due = hl_flow_deadline(f);
    int64_t now = flow_now(f);
    if (due < 0 || now < due) return HL_OK;
    switch (f->state) {
    case HL_STATE_THANKS:
        flow_reset(f);
        return HL_OK;
    case HL_STATE_STILL_THERE:
        return flow_time_out(f, err);
    case HL_STATE_QUESTION:
    case HL_STATE_START:
        if (!flow_has_progress(f)) {
            flow_reset(f); /* only a language was chosen: back to the default quietly */
            return HL_OK;
        }
        f->state = HL_STATE_STILL_THERE;
        f->state_since_ms = now;
        f->retry_at_ms = 0;
        return HL_OK;
    }
    return HL_OK;
}

const char *hl_flow_value(const hl_flow_t *f, int i)
{
    if (i < 0 || (size_t)i >= f->survey->n_questions) return NULL;
    if (i == f->cur && f->draft_active) return f->draft[0] ? f->draft : NULL;
    return f->values[i][0] ? f->values[i] : NULL;
}

void hl_flow_set_time_scale(hl_flow_t *f, int scale)
{
    f->time_scale = scale < 1 ? 1 : scale > HL_FLOW_TIME_SCALE_MAX ? HL_FLOW_TIME_SCALE_MAX : scale;
}

int hl_flow_thanks_s(const hl_flow_t *f)
{
    int s = f->timeouts.thanks_s;
    return f->resp.followup[0] && s < HL_FLOW_THANKS_CODE_S ? HL_FLOW_THANKS_CODE_S : s;
}

bool hl_flow_answered(const hl_flow_t *f, int i)
{
    return i >= 0 && (size_t)i < f->survey->n_questions && f->values[i][0];
}

bool hl_flow_shown(const hl_flow_t *f, int i)
{
    const hl_survey_t *s = f->survey;
    if (i < 0 || (size_t)i >= s->n_questions) return false;
    const hl_question_t *q = &s->questions[i];
    if (q->show_if.kind == HL_COND_NONE) return true;
    int r = q->show_if.question;
    const char *rv = f->values[r][0] ? f->values[r] : NULL;
    if (rv && !hl_flow_shown(f, r)) rv = NULL;
    return hl_survey_cond_holds(s, q, rv);
}

void hl_flow_progress(const hl_flow_t *f, int *pos, int *total)
{
    int p = 0, t = 0;
    for (int i = 0; i < (int)f->survey->n_questions; i++) {
        if (!hl_flow_shown(f, i) || !hl_question_answerable(&f->survey->questions[i])) continue;
        t++;
        if (i <= f->cur) p++;
    }
    *pos = p;
    *total = t;
}
