/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_script.c: parsing and running scripted sessions (hl_script.h).
 *
 * The parser splits the file into words in one owned buffer and validates
 * every line before anything runs, so a typo on line 40 is reported before
 * line 1 touches the database. The runner maps each verb onto one flow event.
 */
#include "hl_script.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const core_verbs[] = {"lang",     "answer", "next",   "back", "skip",
                                         "continue", "wait",   "expect", NULL};

static bool verb_in(const char *verb, const char *const *list)
{
    for (size_t i = 0; list && list[i]; i++)
        if (strcmp(verb, list[i]) == 0) return true;
    return false;
}

static bool parse_ms(const char *s, int64_t *out)
{
    if (!*s) return false;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9') return false;
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno || v > HL_SCRIPT_MAX_WAIT_MS) return false;
    *out = v;
    return true;
}

/* Splits one line (NUL-terminated, changed in place) into st's words:
 * blanks (space, tab, CR) separate words, '#' outside quotes starts a
 * comment, and a word that starts with '"' runs to the next unescaped '"'
 * (blanks and '#' included; \" is a quote, \\ a backslash, \n a line
 * break). NULL when fine, else the problem. */
_Static_assert(HL_SCRIPT_MAX_ARGS == 24, "the message below names the limit");
static const char *split_words(char *p, hl_script_step_t *st)
{
    for (;;) {
        p += strspn(p, " \t\r");
        if (!*p || *p == '#') return NULL;
        if (st->argc == HL_SCRIPT_MAX_ARGS) return "too many words (at most 24)";
        if (*p != '"') {
            st->argv[st->argc++] = p;
            p += strcspn(p, " \t\r#");
            if (*p == '#') {
                *p = '\0';
                return NULL;
            }
            if (*p) *p++ = '\0';
            continue;
        }
        char *w = ++p, *o = p; /* unescaped in place: never longer */
        for (;; p++) {
            if (!*p) return "a quoted word has no closing quote (\")";
            if (*p == '"') break;
            if (*p == '\\') {
                p++;
                if (*p == 'n')
                    *o++ = '\n';
                else if (*p == '"' || *p == '\\')
                    *o++ = *p;
                else
                    return "in quotes, a backslash is followed by \", \\ or n";
            } else {
                *o++ = *p;
            }
        }
        p++;
        if (*p && !strchr(" \t\r#", *p)) return "a closing quote must end its word";
        *o = '\0';
        st->argv[st->argc++] = w;
        if (*p == '#') return NULL;
        if (*p) p++;
    }
}

/* Syntax of one core step; returns NULL when fine, else the problem. */
static const char *check_core_step(const hl_script_step_t *st)
{
    const char *v = st->argv[0];
    int n = st->argc - 1;
    if (!strcmp(v, "lang")) {
        hl_lang_t l;
        if (n != 1) return "lang takes one language code: lang vi|en";
        if (!hl_lang_parse(st->argv[1], &l)) return "unknown language code (known: vi, en)";
    } else if (!strcmp(v, "answer")) {
        if (n < 2) return "answer takes a question id and at least one value";
    } else if (!strcmp(v, "wait")) {
        int64_t ms;
        if (n != 1 || !parse_ms(st->argv[1], &ms))
            return "wait takes milliseconds: a whole number from 0 to 604800000";
    } else if (!strcmp(v, "expect")) {
        if (n < 2 || strcmp(st->argv[1], "state") != 0)
            return "expect takes: expect state start|question QID|still_there|thanks";
        const char *what = st->argv[2];
        if (!strcmp(what, "question")) {
            if (n != 3) return "expect state question takes a question id";
        } else if (strcmp(what, "start") && strcmp(what, "still_there") && strcmp(what, "thanks")) {
            return "unknown state (start, question QID, still_there, thanks)";
        } else if (n != 2) {
            return "too many words after the state";
        }
    } else if (n != 0) {
        return "this step takes no arguments";
    }
    return NULL;
}

int hl_script_parse(const char *name, const char *text, size_t len, const hl_script_ext_t *ext,
                    hl_script_t *out, hl_err_t *err)
{
    memset(out, 0, sizeof *out);
    out->file = strdup(name ? name : "-");
    out->text = malloc(len + 1);
    size_t cap = 16;
    out->steps = malloc(cap * sizeof *out->steps);
    if (!out->file || !out->text || !out->steps) {
        hl_script_free(out);
        return hl_err_set(err, HL_ERR_NOMEM, "out of memory reading script %s", name);
    }
    memcpy(out->text, text, len);
    out->text[len] = '\0';
    if (strlen(out->text) != len) {
        hl_script_free(out);
        return hl_err_set(err, HL_ERR_USAGE, "%s: the script contains a NUL byte", name);
    }
    int line = 0;
    char *p = out->text;
    while (*p) {
        line++;
        char *eol = strchr(p, '\n');
        char *next = eol ? eol + 1 : p + strlen(p);
        if (eol) *eol = '\0';
        hl_script_step_t st = {.line = line};
        const char *bad = split_words(p, &st);
        if (bad) {
            int rc = hl_err_set(err, HL_ERR_USAGE, "%s:%d: %s", name, line, bad);
            hl_script_free(out);
            return rc;
        }
        p = next;
        if (st.argc == 0) continue;
        const char *problem = NULL;
        char known[256];
        if (verb_in(st.argv[0], core_verbs)) {
            problem = check_core_step(&st);
        } else if (ext && verb_in(st.argv[0], ext->verbs)) {
            problem = ext->check ? ext->check(ext->ctx, &st) : NULL;
        } else {
            size_t n = (size_t)snprintf(known, sizeof known, "unknown step (known:");
            for (size_t i = 0; core_verbs[i] && n < sizeof known; i++)
                n += (size_t)snprintf(known + n, sizeof known - n, " %s", core_verbs[i]);
            for (size_t i = 0; ext && ext->verbs && ext->verbs[i] && n < sizeof known; i++)
                n += (size_t)snprintf(known + n, sizeof known - n, " %s", ext->verbs[i]);
            if (n < sizeof known) snprintf(known + n, sizeof known - n, ")");
            problem = known;
        }
        if (problem) {
            int rc =
                hl_err_set(err, HL_ERR_USAGE, "%s:%d: %s: %s", name, line, st.argv[0], problem);
            hl_script_free(out);
            return rc;
        }
        if (out->n_steps == cap) {
            cap *= 2;
            hl_script_step_t *grown = realloc(out->steps, cap * sizeof *grown);
            if (!grown) {
                hl_script_free(out);
                return hl_err_set(err, HL_ERR_NOMEM, "out of memory reading script %s", name);
            }
            out->steps = grown;
        }
        out->steps[out->n_steps++] = st;
    }
    return HL_OK;
}

int hl_script_load_file(const char *path, const hl_script_ext_t *ext, hl_script_t *out,
                        hl_err_t *err)
{
    memset(out, 0, sizeof *out);
    /* Never blocks on a FIFO or a device (hl_file_read). */
    char *buf = NULL;
    size_t n = 0;
    hl_err_t why = {0};
    int frc = hl_file_read(NULL, path, (size_t)HL_MAX_FILE_BYTES * 4, 0, &buf, &n, &why);
    if (frc != HL_OK)
        return hl_err_set(err,
                          frc == HL_ERR_INVALID     ? HL_ERR_USAGE
                          : frc == HL_ERR_NOT_FOUND ? HL_ERR_IO
                                                    : frc,
                          "script %s: %s", path, why.msg);
    int rc = hl_script_parse(path, buf, n, ext, out, err);
    free(buf);
    return rc;
}

void hl_script_free(hl_script_t *s)
{
    free(s->file);
    free(s->text);
    free(s->steps);
    memset(s, 0, sizeof *s);
}

int hl_script_wait(hl_script_runner_t *r, int64_t ms, hl_err_t *err)
{
    int64_t target = r->clock->mono_ms + ms;
    /* The screen sees the steps before the clock moves (its touch guard
     * dates a new screen from then), and each timeout when it fires. */
    if (r->tick) r->tick(r->ext_ctx);
    for (;;) {
        int64_t due = hl_flow_deadline(r->flow);
        if (due < 0 || due > target) break;
        if (due > r->clock->mono_ms) hl_fakesys_advance(r->clock, due - r->clock->mono_ms);
        int rc = hl_flow_tick(r->flow, err);
        if (rc != HL_OK) return rc;
        if (r->tick) r->tick(r->ext_ctx);
    }
    if (target > r->clock->mono_ms) hl_fakesys_advance(r->clock, target - r->clock->mono_ms);
    if (r->tick) r->tick(r->ext_ctx);
    return HL_OK;
}

static int run_expect(hl_script_runner_t *r, const hl_script_step_t *st, hl_err_t *err)
{
    const hl_flow_t *f = r->flow;
    const char *want = st->argv[2];
    const char *have = hl_state_name(f->state);
    const char *cur = f->survey->questions[f->cur].id;
    if (!strcmp(want, "question")) {
        if (f->state == HL_STATE_QUESTION && !strcmp(cur, st->argv[3])) return HL_OK;
        if (f->state == HL_STATE_QUESTION)
            return hl_err_set(err, HL_ERR_STATE,
                              "expected question %s, but question %s is on "
                              "screen",
                              st->argv[3], cur);
        return hl_err_set(err, HL_ERR_STATE, "expected question %s, but the state is %s",
                          st->argv[3], have);
    }
    if (!strcmp(want, have)) return HL_OK;
    if (f->state == HL_STATE_QUESTION)
        return hl_err_set(err, HL_ERR_STATE, "expected state %s, but the state is question %s",
                          want, cur);
    return hl_err_set(err, HL_ERR_STATE, "expected state %s, but the state is %s", want, have);
}

static int run_step(hl_script_runner_t *r, const hl_script_step_t *st, hl_err_t *err)
{
    const char *v = st->argv[0];
    if (!strcmp(v, "answer"))
        return hl_flow_answer(r->flow, st->argv[1], (const char *const *)&st->argv[2],
                              (size_t)st->argc - 2, err);
    if (!strcmp(v, "next")) return hl_flow_next(r->flow, err);
    if (!strcmp(v, "back")) return hl_flow_back(r->flow, err);
    if (!strcmp(v, "skip")) return hl_flow_skip(r->flow, err);
    if (!strcmp(v, "continue")) return hl_flow_continue(r->flow, err);
    if (!strcmp(v, "lang")) {
        hl_lang_t l = HL_LANG_VI;
        hl_lang_parse(st->argv[1], &l);
        return hl_flow_set_lang(r->flow, l, err);
    }
    if (!strcmp(v, "wait")) {
        int64_t ms = 0;
        parse_ms(st->argv[1], &ms);
        return hl_script_wait(r, ms, err);
    }
    if (!strcmp(v, "expect")) return run_expect(r, st, err);
    if (r->ext) return r->ext(r->ext_ctx, st, err);
    return hl_err_set(err, HL_ERR_USAGE, "no handler for step \"%s\"", v);
}

int hl_script_run(hl_script_runner_t *r, const hl_script_t *s, int *failed_line, hl_err_t *err)
{
    for (size_t i = 0; i < s->n_steps; i++) {
        const hl_script_step_t *st = &s->steps[i];
        if (r->trace) {
            fprintf(r->trace, "%s:%d:", s->file, st->line);
            for (int a = 0; a < st->argc; a++)
                fprintf(r->trace, " %s", st->argv[a]);
            fputc('\n', r->trace);
        }
        int rc = run_step(r, st, err);
        if (rc != HL_OK) {
            if (failed_line) *failed_line = st->line;
            hl_err_wrap(err, "%s:%d: %s", s->file, st->line, st->argv[0]);
            return rc;
        }
    }
    return HL_OK;
}
