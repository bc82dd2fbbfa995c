/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * srv_web_labels.c: the survey's own words on the dashboard's pages: a
 * question's text, an answer's label, in the page's language (the survey's
 * first language when it lacks that one), instead of their ids.
 *
 * The web role reads no table: hailong.web_survey (005-web.sql) gives the
 * newest registered version of a survey a unit answered, for a session that
 * may see the unit. Its body is parsed with the kiosk's own loader
 * (hl_survey_load_text) once per version (sha256) and kept in a small cache
 * (SURVEYS_MAX entries, the least recently used one without a reader
 * replaced) that the daemon's threads share under a mutex: a page holds the
 * surveys it shows (srv_web_survey_get) and gives them back at its end
 * (srv_web_survey_put); a survey parsed while every entry is held is the
 * page's own and freed when given back. A survey the database does not give
 * (unknown, not allowed) or that does not load: ids are shown, as before.
 */
#include "hl_sys.h"
#include "srv_web_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SURVEYS_MAX 16 /* parsed surveys kept */

/* One parsed survey in the cache. */
typedef struct survey_slot {
    hl_survey_t *s; /* NULL: the slot is free */
    int readers;    /* pages holding it: never replaced while > 0 */
    uint64_t used;  /* the cache's tick when last given out */
} survey_slot_t;

struct srv_web_surveys {
    pthread_mutex_t mu;              /* guards everything below */
    survey_slot_t slot[SURVEYS_MAX]; /* the parsed surveys */
    uint64_t tick;                   /* counts hand-outs (least recently used) */
};

srv_web_surveys_t *srv_web_surveys_new(void)
{
    srv_web_surveys_t *c = calloc(1, sizeof *c);
    if (c && pthread_mutex_init(&c->mu, NULL)) {
        free(c);
        return NULL;
    }
    return c;
}

void srv_web_surveys_free(srv_web_surveys_t *c)
{
    if (!c) return;
    for (size_t i = 0; i < SURVEYS_MAX; i++)
        hl_survey_free(c->slot[i].s);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* The slot of the newest-used survey of id, or of sha256 (either NULL). */
static survey_slot_t *find(srv_web_surveys_t *c, const char *id, const char *sha256)
{
    survey_slot_t *best = NULL;
    for (size_t i = 0; i < SURVEYS_MAX; i++) {
        survey_slot_t *x = &c->slot[i];
        if (!x->s || (id && strcmp(x->s->id, id)) || (sha256 && strcmp(x->s->sha256, sha256)))
            continue;
        if (!best || x->used > best->used) best = x;
    }
    return best;
}

static const hl_survey_t *hold(srv_web_surveys_t *c, survey_slot_t *x)
{
    x->readers++;
    x->used = ++c->tick;
    return x->s;
}

/* Puts s in the cache (held once) or, when every slot is held, leaves it the
 * caller's; returns s or the same version already there (s then freed). */
static const hl_survey_t *keep(srv_web_surveys_t *c, hl_survey_t *s)
{
    pthread_mutex_lock(&c->mu);
    survey_slot_t *x = find(c, NULL, s->sha256); /* another page parsed it meanwhile */
    if (x) {
        const hl_survey_t *held = hold(c, x);
        pthread_mutex_unlock(&c->mu);
        hl_survey_free(s);
        return held;
    }
    for (size_t i = 0; i < SURVEYS_MAX; i++) {
        survey_slot_t *y = &c->slot[i];
        if (!y->s) {
            x = y;
            break;
        }
        if (!y->readers && (!x || y->used < x->used)) x = y;
    }
    const hl_survey_t *held = s;
    if (x) {
        hl_survey_free(x->s);
        *x = (survey_slot_t){.s = s};
        held = hold(c, x);
    }
    pthread_mutex_unlock(&c->mu);
    return held;
}

const hl_survey_t *srv_web_survey_get(srv_web_req_t *q, const char *unit, const char *survey_id)
{
    srv_web_surveys_t *c = q->surveys;
    if (!c) return NULL;
    char have[65] = "";
    pthread_mutex_lock(&c->mu);
    survey_slot_t *x = find(c, survey_id, NULL);
    if (x) hl_fmt(have, sizeof have, "%s", x->s->sha256);
    pthread_mutex_unlock(&c->mu);
    const char *v[] = {q->who.token_hash, q->now, unit, survey_id, have};
    PGresult *r = srv_web_query(
        q, "SELECT sha256, body FROM hailong.web_survey($1::bytea, $2::timestamptz, $3, $4, $5)", 5,
        v);
    if (!r || PQntuples(r) != 1) {
        PQclear(r);
        return NULL;
    }
    const hl_survey_t *got = NULL;
    if (PQgetisnull(r, 0, 1)) { /* the version cached: still there? */
        pthread_mutex_lock(&c->mu);
        x = find(c, NULL, PQgetvalue(r, 0, 0));
        if (x) got = hold(c, x);
        pthread_mutex_unlock(&c->mu);
        if (got) {
            PQclear(r);
            return got;
        }
        /* replaced meanwhile: ask for the body */
        PQclear(r);
        v[4] = "";
        r = srv_web_query(
            q,
            "SELECT sha256, body FROM hailong.web_survey($1::bytea, $2::timestamptz, $3, $4, $5)",
            5, v);
        if (!r || PQntuples(r) != 1 || PQgetisnull(r, 0, 1)) {
            PQclear(r);
            return NULL;
        }
    }
    hl_survey_t *s = NULL;
    hl_diags_t diags = {0};
    const char *body = PQgetvalue(r, 0, 1);
    int rc = hl_survey_load_text(survey_id, body, (size_t)PQgetlength(r, 0, 1), &s, &diags);
    hl_diags_free(&diags);
    PQclear(r);
    if (rc != HL_OK || !s) return NULL;
    return keep(c, s);
}

void srv_web_survey_put(srv_web_req_t *q, const hl_survey_t *s)
{
    srv_web_surveys_t *c = q->surveys;
    if (!s || !c) return;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < SURVEYS_MAX; i++)
        if (c->slot[i].s == s) {
            c->slot[i].readers--;
            pthread_mutex_unlock(&c->mu);
            return;
        }
    pthread_mutex_unlock(&c->mu);
    hl_survey_free((hl_survey_t *)s); /* not cached: the page's own */
}

/* The page's language for survey texts. */
static hl_lang_t lang_of(const srv_web_req_t *q)
{
    return q->en ? HL_LANG_EN : HL_LANG_VI;
}

const char *srv_web_question_text(const srv_web_req_t *q, const hl_survey_t *s, const char *qid)
{
    int i = s ? hl_survey_find_question(s, qid) : -1;
    if (i < 0) return qid;
    const char *t = hl_text_get(&s->questions[i].text, lang_of(q));
    return *t ? t : qid;
}

const char *srv_web_answer_text(const srv_web_req_t *q, const hl_survey_t *s, const char *qid,
                                const char *value)
{
    int i = s ? hl_survey_find_question(s, qid) : -1;
    if (i < 0) return value;
    const hl_question_t *qq = &s->questions[i];
    if (qq->type == HL_Q_YESNO) {
        if (!strcmp(value, "yes")) return srv_web_tr(q, "Có", "Yes");
        if (!strcmp(value, "no")) return srv_web_tr(q, "Không", "No");
        return value;
    }
    int o = hl_question_find_option(qq, value);
    if (o < 0) return value;
    const char *t = hl_text_get(&qq->options[o].label, lang_of(q));
    return *t ? t : value;
}
