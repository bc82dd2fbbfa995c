/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_script.h: scripted sessions: a text file of steps that drives the flow
 * with a fake clock, for headless runs, tests and demos.
 *
 *     # comment (also after a step)
 *     lang en
 *     answer QUESTION_ID VALUE [VALUE...]   option ids, a number, digits, or a text
 *     answer comment "Nhanh, gọn \"lắm\"\nCảm ơn"   a quoted word: blanks and # kept;
 *                                           \" a quote, \\ a backslash, \n a line break
 *     next | back | skip | continue          continue dismisses "still there?"
 *     wait MS                               advance the clock, firing timeouts
 *     expect state start|question QID|still_there|thanks
 *
 * Words are separated by blanks; a word that starts with '"' is quoted and
 * runs to the next unescaped '"' (every verb's words, the screen's too).
 * Like multi and number answers, a text answer is the draft until next.
 * Parsing checks the syntax of every line up front (HL_ERR_USAGE with
 * FILE:LINE), the screen's steps included. Running stops at the first failed
 * expect or step the kiosk
 * would not allow (HL_ERR_STATE or HL_ERR_USAGE, *failed_line set), or at a
 * storage failure (its own code). Steps whose verb is not one of the above
 * go to an extension (the screen adds tap, shot, size) or are a syntax error
 * when there is none.
 */
#ifndef HL_SCRIPT_H
#define HL_SCRIPT_H

#include "hl_err.h"
#include "hl_flow.h"
#include "hl_sys.h"

#include <stddef.h>
#include <stdio.h>

#define HL_SCRIPT_MAX_ARGS    24                       /* words on one line, verb included */
#define HL_SCRIPT_MAX_WAIT_MS (7LL * 24 * 3600 * 1000) /* one week */

typedef struct hl_script_step {
    int line;                       /* 1-based line in the file */
    int argc;                       /* words, verb included */
    char *argv[HL_SCRIPT_MAX_ARGS]; /* point into the script's text buffer */
} hl_script_step_t;

typedef struct hl_script {
    char *file;              /* owned: name used in messages */
    char *text;              /* owned: the file's text, split into words in place */
    hl_script_step_t *steps; /* owned */
    size_t n_steps;
} hl_script_t;

/* What an extension (the screen) adds to scripts: its verbs and their syntax. */
typedef struct hl_script_ext {
    const char *const *verbs; /* NULL-terminated verbs the extension handles */
    /* Checks one of those steps at load time: NULL when fine, else the problem. */
    const char *(*check)(void *ctx, const hl_script_step_t *step);
    void *ctx; /* passed to check; not owned */
} hl_script_ext_t;

/* Parses a script; ext (may be NULL) adds verbs. */
int hl_script_parse(const char *name, const char *text, size_t len, const hl_script_ext_t *ext,
                    hl_script_t *out, hl_err_t *err);
int hl_script_load_file(const char *path, const hl_script_ext_t *ext, hl_script_t *out,
                        hl_err_t *err);
void hl_script_free(hl_script_t *s);

typedef struct hl_script_runner {
    hl_flow_t *flow;     /* driven; not owned */
    hl_fakesys_t *clock; /* the flow's clock, advanced by wait; not owned */
    /* Handles verbs listed in extra_verbs; may be NULL. */
    int (*ext)(void *ctx, const hl_script_step_t *step, hl_err_t *err);
    void *ext_ctx;
    /* Called with ext_ctx by each wait: before the clock moves, after each
     * timeout it fires, and at its end (the screen's own timers, such as
     * the technician menu's idle close, and its touch guard, which dates a
     * new screen from when the screen first sees it); may be NULL. */
    void (*tick)(void *ctx);
    FILE *trace; /* each step echoed here when not NULL */
} hl_script_runner_t;

/* Runs every step; on failure *failed_line (may be NULL) is the step's line
 * and err's message starts with "FILE:LINE: ". */
int hl_script_run(hl_script_runner_t *r, const hl_script_t *s, int *failed_line, hl_err_t *err);

/* Advances the clock by ms, calling hl_flow_tick at each deadline on the way
 * (as the kiosk's event loop would) and r->tick as said above. */
int hl_script_wait(hl_script_runner_t *r, int64_t ms, hl_err_t *err);

#endif
