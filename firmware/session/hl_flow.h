/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_flow.h: the session flow: one citizen at a time through one survey.
 *
 * A state machine driven by events (answer, next, back, skip, continue,
 * language, tick) and an injected clock. It never draws and never blocks on
 * anything but the sink's single commit. The screen calls an event function
 * when a person acts and hl_flow_tick when hl_flow_deadline says a timeout
 * is due, and sleeps in between.
 *
 * Rules (see README "Session flow"):
 * - The start state shows the first question: answering it starts a response.
 * - smiley/stars/choice/nps/yesno move on once answered; multi, number and
 *   text hold a draft that next commits. Back keeps answers; answering again
 *   replaces. show_if is re-evaluated on every change and answers to hidden
 *   questions are dropped in the same transaction.
 * - Idle: after idle_s without input, "still there?" for warn_s (any input
 *   dismisses it), then the response is finished as partial and the flow
 *   returns to the start. Every input, even one refused, restarts the timer.
 * - A note (a page to read) takes no answer: next moves past it storing
 *   nothing, back returns to it, show_if may hide it. Reading notes starts
 *   no response: the first answer does; a citizen who reads and walks away
 *   leaves nothing stored (the idle timeout returns to the start as on any
 *   screen).
 * - A contact question (a phone number on the keypad) is always optional;
 *   a number is stored only with next (back and the idle timeout drop a
 *   number typed: the citizen did not give it); once given it is never
 *   shown again: coming back, the keypad is empty, next keeps the number,
 *   a new one replaces it and skip removes it.
 * - A response that finishes complete with a text or contact answer gets a
 *   follow-up code (save.followup_seed from the random source; the store
 *   picks the code), in f->resp.followup while the thanks screen shows.
 * - After the last question: thanks for thanks_s (at least
 *   HL_FLOW_THANKS_CODE_S with a follow-up code: time to write it down);
 *   input is ignored.
 * - Nothing moves on unless the sink committed it.
 * - Fair counting (hl_flow_set_fairness): the save that creates a response
 *   carries save.suspect "min_interval" when it starts within min_interval
 *   of the previous response's finish, or "max_per_hour" when max_per_hour
 *   responses already started in the hour before it. The response is
 *   stored all the same; the history is the flow's memory (monotonic clock),
 *   so it starts afresh at init.
 */
#ifndef HL_FLOW_H
#define HL_FLOW_H

#include "hl_config.h"
#include "hl_err.h"
#include "hl_response.h"
#include "hl_survey.h"
#include "hl_sys.h"

typedef enum hl_state {
    HL_STATE_START = 0,   /* first question on screen, no response yet */
    HL_STATE_QUESTION,    /* a response is under way; question `cur` on screen */
    HL_STATE_STILL_THERE, /* idle warning over the current question */
    HL_STATE_THANKS       /* response complete; input ignored until it times out */
} hl_state_t;

/* "start", "question", "still_there", "thanks". */
const char *hl_state_name(hl_state_t s);

typedef struct hl_flow {
    const hl_survey_t *survey; /* not owned; outlives the flow */
    hl_timeouts_t timeouts;    /* copied at init */
    hl_sys_t sys;              /* copied at init */
    hl_sink_t sink;            /* copied at init */
    hl_state_t state;
    int cur;                      /* question on screen (0 in START) */
    hl_response_t resp;           /* the response under way (seq 0 when none stored) */
    bool started;                 /* a response exists (first answer committed) */
    char (*values)[HL_VALUE_MAX]; /* owned: committed value per question, "" = none */
    char draft[HL_VALUE_MAX];     /* uncommitted multi/number value for `cur`, "" = none */
    bool draft_active;            /* `cur` is a multi/number question: draft is what is shown */
    int64_t draft_ms;             /* mono time of the last change to the draft */
    int64_t last_input_ms;        /* mono time of the last input */
    int64_t state_since_ms;       /* mono time the current state began */
    int64_t retry_at_ms;          /* mono time to retry a failed timeout commit, 0 = none */
    int last_rc;                  /* result of the last commit (HL_OK or a store code) */
    int64_t n_complete;           /* responses finished as complete since init */
    int64_t n_partial;            /* responses finished as partial since init */
    bool *shown;                  /* owned scratch: question shown, per question */
    const char **drops;           /* owned scratch: question ids to drop in one save */
    int64_t fair_min_interval_ms; /* fair counting: min gap from the last finish, 0 = off */
    int fair_max_per_hour;        /* fair counting: starts allowed per hour, 0 = off */
    int64_t *fair_starts;         /* owned ring: mono start times of the latest responses */
    int fair_cap;                 /* capacity of fair_starts */
    int fair_n;                   /* entries held in fair_starts (<= fair_cap) */
    int fair_head;                /* index the next start time is written at */
    int64_t fair_last_finish_ms;  /* mono time the previous response finished, -1 = none */
    int time_scale;               /* idle and warning times multiplied by this for the
                                     response under way (1; 3 once speech or the keys are
                                     used); back to 1 when the flow returns to the start */
} hl_flow_t;

/* Sets up the flow on the start state in the survey's default language. */
int hl_flow_init(hl_flow_t *f, const hl_survey_t *s, const hl_timeouts_t *t, hl_sys_t sys,
                 hl_sink_t sink, hl_err_t *err);
void hl_flow_free(hl_flow_t *f);

/* Sets the fair counting rules (config "fairness"): a response that starts
 * less than min_interval_ms after the previous one finished, or after
 * max_per_hour responses started within the hour before it, is flagged
 * suspect; 0 turns a rule off. Called after hl_flow_init, before the first
 * event; may grow the ring of start times (HL_ERR_NOMEM), never per event.
 * HL_ERR_USAGE for negative values. */
#define HL_FAIR_HOUR_MAX 10000 /* largest max_per_hour (config range) */
int hl_flow_set_fairness(hl_flow_t *f, int64_t min_interval_ms, int max_per_hour, hl_err_t *err);

/* Events. Each returns HL_OK; HL_ERR_STATE or HL_ERR_USAGE when the step is
 * not allowed now (err says why; nothing changed); or the sink's code when the
 * commit failed (nothing changed, the same step may be retried). */
int hl_flow_answer(hl_flow_t *f, const char *qid, const char *const *vals, size_t n, hl_err_t *err);
int hl_flow_next(hl_flow_t *f, hl_err_t *err);

/* Screen input for draft questions: toggle one option of the current multi
 * question (refused beyond max_choices), or type on the current number
 * question's keypad (key '0'..'9', or '\b' to delete the last digit; refused
 * beyond max_digits). The draft may be incomplete; next checks it. */
int hl_flow_toggle(hl_flow_t *f, const char *qid, const char *oid, hl_err_t *err);
int hl_flow_key(hl_flow_t *f, const char *qid, char key, hl_err_t *err);
/* The current text question's draft, whole: the keyboard's text after each
 * key (UTF-8 NFC, at most the question's max_chars; refused otherwise with
 * HL_ERR_STATE, the draft unchanged; NULL or "" empties it). Next commits
 * it with spaces and line breaks trimmed at both ends; a blank draft is no
 * answer (an optional question left unanswered, a required one refused).
 * Back and the idle timeout keep a non-blank draft as number drafts are
 * kept (stored then, trimmed). */
int hl_flow_set_text(hl_flow_t *f, const char *qid, const char *text, hl_err_t *err);
int hl_flow_back(hl_flow_t *f, hl_err_t *err);
int hl_flow_skip(hl_flow_t *f, hl_err_t *err);
int hl_flow_continue(hl_flow_t *f, hl_err_t *err);
int hl_flow_set_lang(hl_flow_t *f, hl_lang_t lang, hl_err_t *err);

/* A sign of life that changes nothing else (Listen, Aa, the volume): the
 * idle timer restarts and "still there?" goes away. HL_ERR_STATE on the
 * thanks screen, where input is ignored. */
int hl_flow_touch(hl_flow_t *f, hl_err_t *err);

/* Applies the timeouts that are due at the current clock. */
int hl_flow_tick(hl_flow_t *f, hl_err_t *err);

/* Monotonic ms at which hl_flow_tick has work, or -1 when nothing is due
 * (the start screen in the default language waits for a touch forever). */
int64_t hl_flow_deadline(const hl_flow_t *f);

/* The value shown for question i: the draft for the current multi/number/
 * text/contact, else the committed answer, else NULL. */
const char *hl_flow_value(const hl_flow_t *f, int i);

/* More time for this response (EN 301 549, Section 508: a citizen using
 * speech or the tactile keys needs it): the idle and "still there?" times
 * are multiplied by scale (1..HL_FLOW_TIME_SCALE_MAX) until the flow
 * returns to the start. The next deadline moves at once. */
#define HL_FLOW_TIME_SCALE_MAX 10
void hl_flow_set_time_scale(hl_flow_t *f, int scale);

/* How long the thanks screen stays: thanks_s, or HL_FLOW_THANKS_CODE_S
 * when it shows a follow-up code and thanks_s is shorter. */
#define HL_FLOW_THANKS_CODE_S 20
int hl_flow_thanks_s(const hl_flow_t *f);

/* Whether question i has a committed answer (for a contact question, whose
 * value hl_flow_value no longer gives once the citizen left it). */
bool hl_flow_answered(const hl_flow_t *f, int i);

/* Whether question i is shown with the answers given so far. */
bool hl_flow_shown(const hl_flow_t *f, int i);

/* Position of the current question among the shown ones (1-based) and their
 * count, for a progress indicator. Notes are not counted (nothing to
 * answer): on a note, pos is the number of questions before it. */
void hl_flow_progress(const hl_flow_t *f, int *pos, int *total);

#endif
