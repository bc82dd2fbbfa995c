/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_powercut.c: power cuts, the SQLite way (issue 7): thousands of seeded
 * cuts during scripted kiosk sessions, each followed by a restart that must
 * find every acknowledged answer.
 *
 * The cuts come from the hl-crash VFS (tests/support/hl_crashvfs.h), which
 * keeps what each file held at its last sync and, at the chosen sync, drops,
 * keeps or garbles (per sector) what was written since, then ends the
 * process. A forked child plays one "boot" of a kiosk: it opens the store
 * through that VFS (recovery runs), registers a survey, and drives hl_flow
 * with a fake clock through a seeded script of respondents: answers, drafts
 * (multi, number keypad), back, skip, language switches, idle timeouts
 * (partial), "still there?" dismissed, and technician restarts (the store
 * closed and reopened, also mid-response). Its sink wraps hl_store_sink and
 * keeps a ledger in a side file, by plain write + fdatasync (never through
 * the crash VFS): before each save, the state the response will have if the
 * save commits ("I"); after the save returns HL_OK, that state as
 * acknowledged ("A"). The cut ends the child.
 *
 * The parent then reopens the folder with hl_store_open (recovery runs) and
 * checks, against the ledger of every boot so far:
 *   - the store opens; PRAGMA integrity_check (the file opened with sqlite3
 *     directly) says ok; no foreign key is broken;
 *   - every acknowledged response is there exactly once, with exactly its
 *     acknowledged answers (each question once, with its value), language,
 *     sequence number, and status (complete as acknowledged; one left in
 *     progress comes back partial, and hl_store_open counts it as recovered);
 *   - nothing else is stored: no response, answer or completion that was
 *     never acknowledged, except that the one save in flight at the cut may
 *     have landed - whole, never in part;
 *   - sequence numbers of new responses never go back.
 * A folder lives for LINEAGE boots (cuts) in a row, as a kiosk's disk does,
 * then a fresh one starts; lineages alternate between the flow test survey
 * and the bundled one.
 *
 * Environment: HL_POWERCUT_CUTS (default 300, the CI slice; tests/powercut.sh
 * runs 10,000), HL_POWERCUT_SEED (base seed, default 1), HL_POWERCUT_FROM
 * (first cut index; a failure names its cut and the lineage's first one to
 * replay from), HL_POWERCUT_TMP (folder for the data; default /dev/shm when
 * writable - the cuts are simulated, so a RAM disk loses nothing - else
 * $TMPDIR or /tmp). A failing folder is kept and named in the report.
 */
#include "hl_crashvfs.h"
#include "hl_flow.h"
#include "hl_store.h"
#include "hl_fixture.h"
#include "hl_test.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LINEAGE       12     /* boots (cuts) on one data folder before a fresh one */
#define DEFAULT_CUTS  300    /* the CI slice */
#define CHILD_MAX_OPS 200000 /* script steps a boot may take before the test calls it stuck */
#define PC_FAIL_SHOWN 20     /* failures described (and folders kept); later ones only counted */

#if defined(__SANITIZE_ADDRESS__)
/* The sanitizer build: a small quarantine of freed memory keeps this
 * process small, so that each of its thousands of forks copies (and each
 * child's exit tears down) fewer page tables. ASAN_OPTIONS still overrides. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "quarantine_size_mb=4:thread_local_quarantine_size_kb=64";
}
#endif

/* ---- Seeded randomness ------------------------------------------------------- */

static uint64_t mix64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

typedef struct pc_rng {
    uint64_t s; /* splitmix64 state */
} pc_rng_t;

static uint64_t rng_next(pc_rng_t *r)
{
    r->s += 0x9E3779B97F4A7C15ULL;
    return mix64(r->s);
}

/* Uniform in 0..n-1. */
static int rng_below(pc_rng_t *r, int n)
{
    return (int)(rng_next(r) % (uint64_t)n);
}

/* ---- A response's state, as the ledger writes it ------------------------------ */

/* What a response holds after a save: the unit the ledger records. */
typedef struct pc_state {
    char uuid[HL_UUID_LEN + 1];
    int64_t seq;                                    /* 0: not known yet (a new response) */
    int status;                                     /* hl_resp_status_t */
    int lang;                                       /* hl_lang_t */
    int n;                                          /* answers; 0: the response is absent */
    char qid[HL_MAX_QUESTIONS][HL_ITEM_ID_MAX + 1]; /* answered question ids */
    char val[HL_MAX_QUESTIONS][HL_VALUE_MAX];       /* their values */
} pc_state_t;

static void state_set(pc_state_t *s, const char *qid, const char *val)
{
    for (int i = 0; i < s->n; i++) {
        if (strcmp(s->qid[i], qid) != 0) continue;
        if (val) {
            snprintf(s->val[i], HL_VALUE_MAX, "%s", val);
        } else {
            s->n--;
            if (i != s->n) {
                memcpy(s->qid[i], s->qid[s->n], sizeof s->qid[i]);
                memcpy(s->val[i], s->val[s->n], sizeof s->val[i]);
            }
        }
        return;
    }
    if (!val || s->n == HL_MAX_QUESTIONS) return;
    snprintf(s->qid[s->n], sizeof s->qid[0], "%s", qid);
    snprintf(s->val[s->n], HL_VALUE_MAX, "%s", val);
    s->n++;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Joins "qid=value" items sorted by qid with ';' into out (malloc'd). *dup
 * (may be NULL) tells whether a question id appears twice. */
static char *answers_canonical(const char *const *qids, const char *const *vals, size_t n,
                               bool *dup)
{
    char **items = calloc(n ? n : 1, sizeof *items);
    size_t total = 1;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(qids[i]) + strlen(vals[i]) + 2;
        items[i] = malloc(len);
        snprintf(items[i], len, "%s=%s", qids[i], vals[i]);
        total += len;
    }
    qsort(items, n, sizeof *items, cmp_str);
    char *out = malloc(total);
    size_t at = 0;
    if (dup) *dup = false;
    for (size_t i = 0; i < n; i++) {
        if (dup && i > 0) {
            size_t a = strcspn(items[i - 1], "="), b = strcspn(items[i], "=");
            if (a == b && strncmp(items[i - 1], items[i], a) == 0) *dup = true;
        }
        at += (size_t)sprintf(out + at, "%s%s", i ? ";" : "", items[i]);
    }
    out[at] = '\0';
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
    return out;
}

static char *state_canonical(const pc_state_t *s)
{
    const char *q[HL_MAX_QUESTIONS], *v[HL_MAX_QUESTIONS];
    for (int i = 0; i < s->n; i++) {
        q[i] = s->qid[i];
        v[i] = s->val[i];
    }
    return answers_canonical(q, v, (size_t)s->n, NULL);
}

/* ---- The child: one boot of a kiosk until the power goes ------------------------ */

/* The sink the flow commits through: hl_store_sink plus the ledger. */
typedef struct pc_sink {
    hl_sink_t store; /* the real sink */
    int ledger_fd;   /* the side file (plain POSIX I/O) */
    pc_state_t cur;  /* the response under way as stored (n == 0: none) */
    pc_state_t next; /* scratch: its state if the save commits */
} pc_sink_t;

/* Appends one ledger line and makes it durable before going on. */
static void ledger_put(int fd, char kind, const pc_state_t *s)
{
    char *answers = state_canonical(s);
    size_t len = strlen(answers) + 128;
    char *line = malloc(len);
    int n = snprintf(line, len, "%c\t%s\t%lld\t%d\t%d\t%s\n", kind, s->uuid, (long long)s->seq,
                     s->status, s->lang, answers);
    if (write(fd, line, (size_t)n) != n || fdatasync(fd) != 0) _exit(3);
    free(line);
    free(answers);
}

static void ledger_error(int fd, const char *what, const char *msg)
{
    dprintf(fd, "E\t%s: %s\n", what, msg);
    fdatasync(fd);
}

static int pc_save(void *ctx, hl_response_t *resp, const hl_save_t *sv, hl_err_t *err)
{
    pc_sink_t *k = ctx;
    if (resp->seq == 0 && !sv->set_qid) return k->store.save(k->store.ctx, resp, sv, err);
    pc_state_t *nx = &k->next;
    if (resp->seq == 0) {
        memset(nx, 0, sizeof *nx);
    } else {
        *nx = k->cur;
        if (strcmp(nx->uuid, resp->uuid) != 0) {
            ledger_error(k->ledger_fd, "sink", "a save for a response the ledger does not know");
            _exit(3);
        }
    }
    snprintf(nx->uuid, sizeof nx->uuid, "%s", resp->uuid);
    nx->seq = resp->seq;
    nx->lang = (int)resp->lang;
    nx->status = (int)sv->status;
    if (sv->set_qid) state_set(nx, sv->set_qid, sv->set_value);
    for (size_t i = 0; i < sv->n_drop; i++)
        state_set(nx, sv->drop_qids[i], NULL);
    ledger_put(k->ledger_fd, 'I', nx);
    int rc = k->store.save(k->store.ctx, resp, sv, err);
    if (rc != HL_OK) {
        ledger_error(k->ledger_fd, "save", err ? err->msg : "?");
        _exit(3);
    }
    nx->seq = resp->seq;
    ledger_put(k->ledger_fd, 'A', nx);
    k->cur = *nx;
    if (nx->status != HL_RESP_IN_PROGRESS) k->cur.n = 0; /* finished: not under way */
    return HL_OK;
}

/* One boot's world. */
typedef struct pc_boot {
    const hl_survey_t *survey; /* what the kiosk runs */
    const char *data_dir;      /* the store's folder */
    pc_rng_t rng;              /* the script */
    hl_fakesys_t clock;        /* the fake clock (and UUIDs) */
    hl_store_t *st;
    pc_sink_t sink;
    hl_flow_t flow;
    bool flow_live; /* flow initialised */
    hl_err_t err;
} pc_boot_t;

static void boot_die(pc_boot_t *b, const char *what)
{
    ledger_error(b->sink.ledger_fd, what, b->err.msg);
    _exit(4);
}

/* Opens the store through the crash VFS and starts a flow on it. An
 * in-progress response left by a restart is recovered as partial: the
 * ledger records that like a save. */
static void boot_start(pc_boot_t *b)
{
    hl_store_opts_t o = {.vfs = HL_CRASHVFS_NAME};
    int64_t recovered = 0;
    bool pending = b->sink.cur.n > 0;
    if (pending) {
        b->sink.cur.status = HL_RESP_PARTIAL;
        ledger_put(b->sink.ledger_fd, 'I', &b->sink.cur);
    }
    if (hl_store_open(b->data_dir, &o, &b->st, &recovered, &b->err) != HL_OK) boot_die(b, "open");
    if (recovered != (pending ? 1 : 0)) {
        snprintf(b->err.msg, sizeof b->err.msg, "recovered %lld, expected %d", (long long)recovered,
                 pending ? 1 : 0);
        boot_die(b, "open");
    }
    if (pending) ledger_put(b->sink.ledger_fd, 'A', &b->sink.cur);
    b->sink.cur.n = 0;
    if (hl_store_use_survey(b->st, b->survey, "kiosk-pc", &b->err) != HL_OK)
        boot_die(b, "use_survey");
    b->sink.store = hl_store_sink(b->st);
    hl_timeouts_t t = {30, 10, 5};
    hl_sink_t sink = {pc_save, &b->sink};
    if (hl_flow_init(&b->flow, b->survey, &t, hl_fakesys_sys(&b->clock), sink, &b->err) != HL_OK)
        boot_die(b, "flow");
    b->flow_live = true;
}

/* A technician restart: the flow and the store closed cleanly, reopened. */
static void boot_restart(pc_boot_t *b)
{
    hl_flow_free(&b->flow);
    b->flow_live = false;
    hl_store_close(b->st);
    b->st = NULL;
    boot_start(b);
}

/* Moves the fake clock like the event loop: a tick at each deadline. */
static void boot_wait(pc_boot_t *b, int64_t ms)
{
    int64_t target = b->clock.mono_ms + ms;
    for (;;) {
        int64_t due = hl_flow_deadline(&b->flow);
        if (due < 0 || due > target) break;
        if (due > b->clock.mono_ms) hl_fakesys_advance(&b->clock, due - b->clock.mono_ms);
        if (hl_flow_tick(&b->flow, &b->err) != HL_OK) break;
    }
    if (target > b->clock.mono_ms) hl_fakesys_advance(&b->clock, target - b->clock.mono_ms);
}

/* Gives an answer to the question on screen, as a person would. */
static void boot_answer(pc_boot_t *b)
{
    hl_flow_t *f = &b->flow;
    const hl_question_t *q = &f->survey->questions[f->cur];
    char v[16];
    const char *one = v;
    switch (q->type) {
    case HL_Q_SMILEY:
    case HL_Q_CHOICE:
        one = q->options[rng_below(&b->rng, (int)q->n_options)].id;
        break;
    case HL_Q_STARS:
        snprintf(v, sizeof v, "%d", 1 + rng_below(&b->rng, 5));
        break;
    case HL_Q_NPS:
        snprintf(v, sizeof v, "%d", rng_below(&b->rng, 11));
        break;
    case HL_Q_YESNO:
        one = rng_below(&b->rng, 2) ? "yes" : "no";
        break;
    case HL_Q_MULTI: {
        if (rng_below(&b->rng, 2)) {
            int k = 1 + rng_below(&b->rng, q->max_choices);
            for (int i = 0; i < k; i++)
                (void)hl_flow_toggle(f, q->id, q->options[rng_below(&b->rng, (int)q->n_options)].id,
                                     &b->err);
        } else {
            const char *vals[HL_MAX_OPTIONS];
            size_t n = 0;
            for (size_t i = 0; i < q->n_options && (int)n < q->max_choices; i++)
                if (rng_below(&b->rng, 2)) vals[n++] = q->options[i].id;
            if (n == 0) vals[n++] = q->options[0].id;
            (void)hl_flow_answer(f, q->id, vals, n, &b->err);
        }
        if (rng_below(&b->rng, 10) < 8) (void)hl_flow_next(f, &b->err);
        return;
    }
    case HL_Q_NUMBER: {
        int digits = 1 + rng_below(&b->rng, q->max_digits);
        for (int i = 0; i < digits; i++)
            (void)hl_flow_key(f, q->id, (char)('0' + rng_below(&b->rng, 10)), &b->err);
        if (rng_below(&b->rng, 10) == 0) (void)hl_flow_key(f, q->id, '\b', &b->err);
        if (rng_below(&b->rng, 10) < 8) (void)hl_flow_next(f, &b->err);
        return;
    }
    default:
        return;
    }
    (void)hl_flow_answer(f, q->id, &one, 1, &b->err);
}

/* One scripted step of whoever stands at the kiosk. Refused steps (a
 * required question skipped, back on the first one) are part of the script. */
static void boot_step(pc_boot_t *b)
{
    hl_flow_t *f = &b->flow;
    if (f->state == HL_STATE_THANKS) {
        boot_wait(b, (int64_t)f->timeouts.thanks_s * 1000 + rng_below(&b->rng, 4000));
        return;
    }
    int r = rng_below(&b->rng, 1000);
    if (r < 50) { /* walks away: still there?, then partial */
        boot_wait(b, (int64_t)(f->timeouts.idle_s + f->timeouts.warn_s) * 1000 + 1000);
    } else if (r < 80) { /* hesitates, then carries on */
        boot_wait(b, (int64_t)f->timeouts.idle_s * 1000 + 500);
        (void)hl_flow_continue(f, &b->err);
    } else if (r < 150) {
        (void)hl_flow_back(f, &b->err);
    } else if (r < 200) {
        (void)hl_flow_skip(f, &b->err);
    } else if (r < 250) {
        hl_lang_t l = f->survey->langs[rng_below(&b->rng, (int)f->survey->n_langs)];
        (void)hl_flow_set_lang(f, l, &b->err);
    } else if (r < 275) {
        boot_restart(b);
        return;
    } else {
        boot_answer(b);
    }
    boot_wait(b, 200 + rng_below(&b->rng, 4000));
}

/* The child's whole life: runs the script until the crash VFS cuts it. */
static void child_run(const hl_survey_t *survey, const char *data_dir, const char *ledger,
                      uint64_t seed, const hl_crash_plan_t *plan)
{
    int fd = open(ledger, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) _exit(2);
    if (hl_crashvfs_register() != SQLITE_OK) _exit(2);
    hl_crash_plan_t p = *plan;
    p.report_fd = fd;
    pc_boot_t *b = calloc(1, sizeof *b);
    if (!b) _exit(2);
    b->survey = survey;
    b->data_dir = data_dir;
    b->rng.s = mix64(seed ^ 0xA5A5A5A5ULL);
    b->sink.ledger_fd = fd;
    hl_fakesys_init(&b->clock, 1790000000000LL + (int64_t)(seed % 1000000) * 60000,
                    rng_below(&b->rng, 4) != 0, mix64(seed) | 1);
    hl_crashvfs_arm(&p);
    boot_start(b);
    for (long i = 0; i < CHILD_MAX_OPS; i++)
        boot_step(b);
    ledger_error(fd, "script", "the cut never came");
    _exit(5);
}

/* ---- The parent: what the ledger says must be stored ------------------------------ */

/* One acknowledged response. */
typedef struct pc_entry {
    char uuid[HL_UUID_LEN + 1];
    int64_t seq;   /* 0: not known (a creation that landed without its ack) */
    int status;    /* as acknowledged; in progress turns partial at the next open */
    int lang;      /* hl_lang_t */
    char *answers; /* owned: canonical "qid=value;..." */
} pc_entry_t;

typedef struct pc_model {
    pc_entry_t *v; /* owned */
    size_t n, cap;
    int64_t max_seq; /* highest seq seen in this folder */
} pc_model_t;

/* One ledger line, parsed. */
typedef struct pc_line {
    char kind; /* 'I', 'A' */
    pc_entry_t e;
} pc_line_t;

static void model_free(pc_model_t *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->v[i].answers);
    free(m->v);
    memset(m, 0, sizeof *m);
}

static pc_entry_t *model_find(pc_model_t *m, const char *uuid)
{
    for (size_t i = m->n; i-- > 0;)
        if (strcmp(m->v[i].uuid, uuid) == 0) return &m->v[i];
    return NULL;
}

/* Puts e's state in the model (an empty answer set removes the response). */
static void model_apply(pc_model_t *m, const pc_entry_t *e)
{
    pc_entry_t *x = model_find(m, e->uuid);
    if (!e->answers[0]) {
        if (x) {
            free(x->answers);
            *x = m->v[--m->n];
        }
        return;
    }
    if (!x) {
        if (m->n == m->cap) {
            m->cap = m->cap ? m->cap * 2 : 64;
            m->v = realloc(m->v, m->cap * sizeof *m->v);
        }
        x = &m->v[m->n++];
        memset(x, 0, sizeof *x);
    }
    free(x->answers);
    *x = *e;
    x->answers = strdup(e->answers);
}

/* Parses "K\tuuid\tseq\tstatus\tlang\tanswers"; answers point into line. */
static bool line_parse(char *line, pc_line_t *out)
{
    char *f[6];
    int n = 0;
    for (char *p = line; n < 6; n++) {
        f[n] = p;
        char *tab = strchr(p, '\t');
        if (!tab) {
            n++;
            break;
        }
        *tab = '\0';
        p = tab + 1;
    }
    if (n != 6 || strlen(f[0]) != 1 || strlen(f[1]) != HL_UUID_LEN) return false;
    out->kind = f[0][0];
    snprintf(out->e.uuid, sizeof out->e.uuid, "%s", f[1]);
    out->e.seq = strtoll(f[2], NULL, 10);
    out->e.status = atoi(f[3]);
    out->e.lang = atoi(f[4]);
    out->e.answers = f[5];
    return true;
}

/* What one stored response looks like. */
typedef struct pc_row {
    char uuid[HL_UUID_LEN + 1];
    int64_t seq;
    int status;
    char lang[8];
    char *answers; /* owned canonical */
    bool dup;      /* a question answered twice */
} pc_row_t;

typedef struct pc_rows {
    pc_row_t *v; /* owned */
    size_t n, cap;
} pc_rows_t;

static int rows_add(void *ctx, const hl_row_t *row)
{
    pc_rows_t *r = ctx;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->v = realloc(r->v, r->cap * sizeof *r->v);
    }
    pc_row_t *x = &r->v[r->n++];
    memset(x, 0, sizeof *x);
    snprintf(x->uuid, sizeof x->uuid, "%s", row->uuid);
    x->seq = row->seq;
    x->status = (int)row->status;
    snprintf(x->lang, sizeof x->lang, "%s", row->lang);
    x->answers = answers_canonical(row->qids, row->values, row->n_answers, &x->dup);
    return HL_OK;
}

static void rows_free(pc_rows_t *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->v[i].answers);
    free(r->v);
    memset(r, 0, sizeof *r);
}

/* Whether the rows are exactly the model with `flight` (NULL: none)
 * applied, every in-progress response finished as partial. why gets the
 * first difference; *in_progress how many the open should have recovered. */
static bool rows_match(const pc_model_t *m, const pc_entry_t *flight, const pc_rows_t *rows,
                       int64_t *in_progress, char *why, size_t whylen)
{
    bool *seen = calloc(m->n + 1, sizeof *seen);
    size_t expected = m->n;
    const pc_entry_t *fx = NULL; /* the model's entry flight replaces */
    if (flight) {
        for (size_t i = 0; i < m->n; i++)
            if (strcmp(m->v[i].uuid, flight->uuid) == 0) fx = &m->v[i];
        if (fx && !flight->answers[0]) expected--;
        if (!fx && flight->answers[0]) expected++;
    }
    bool ok = true;
    *in_progress = 0;
    if (rows->n != expected) {
        snprintf(why, whylen, "%zu responses stored, %zu acknowledged", rows->n, expected);
        ok = false;
    }
    for (size_t r = 0; ok && r < rows->n; r++) {
        const pc_row_t *x = &rows->v[r];
        const pc_entry_t *e = NULL;
        size_t slot = m->n; /* seen[] index: m->n stands for a new flight entry */
        if (flight && strcmp(flight->uuid, x->uuid) == 0) {
            e = flight->answers[0] ? flight : NULL;
            if (fx) slot = (size_t)(fx - m->v);
        } else {
            for (size_t i = 0; i < m->n; i++)
                if (strcmp(m->v[i].uuid, x->uuid) == 0) {
                    e = &m->v[i];
                    slot = i;
                }
        }
        if (!e) {
            snprintf(why, whylen, "seq %lld (%s, %s) was never acknowledged", (long long)x->seq,
                     x->uuid, hl_resp_status_name((hl_resp_status_t)x->status));
            ok = false;
            break;
        }
        if (seen[slot]) {
            snprintf(why, whylen, "%s is stored twice", x->uuid);
            ok = false;
            break;
        }
        seen[slot] = true;
        int want = e->status == HL_RESP_IN_PROGRESS ? HL_RESP_PARTIAL : e->status;
        if (e->status == HL_RESP_IN_PROGRESS) (*in_progress)++;
        if (x->dup) {
            snprintf(why, whylen, "seq %lld answers a question twice: %s", (long long)x->seq,
                     x->answers);
            ok = false;
        } else if (x->status != want) {
            snprintf(why, whylen, "seq %lld is %s, acknowledged %s%s", (long long)x->seq,
                     hl_resp_status_name((hl_resp_status_t)x->status),
                     hl_resp_status_name((hl_resp_status_t)e->status),
                     x->status == HL_RESP_COMPLETE ? " (an unacknowledged completion)" : "");
            ok = false;
        } else if (strcmp(x->answers, e->answers) != 0) {
            snprintf(why, whylen, "seq %lld holds \"%s\", acknowledged \"%s\"", (long long)x->seq,
                     x->answers, e->answers);
            ok = false;
        } else if (strcmp(x->lang, hl_lang_code((hl_lang_t)e->lang)) != 0) {
            snprintf(why, whylen, "seq %lld is in %s, acknowledged %s", (long long)x->seq, x->lang,
                     hl_lang_code((hl_lang_t)e->lang));
            ok = false;
        } else if (e->seq != 0 && x->seq != e->seq) {
            snprintf(why, whylen, "%s has seq %lld, acknowledged %lld", x->uuid, (long long)x->seq,
                     (long long)e->seq);
            ok = false;
        }
    }
    free(seen);
    return ok;
}

/* Runs one SQL statement that yields one integer (or text "ok"). */
static bool sql_text(sqlite3 *db, const char *sql, char *out, size_t len)
{
    sqlite3_stmt *s = NULL;
    bool ok = sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK;
    out[0] = '\0';
    if (ok) {
        int rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            const unsigned char *t = sqlite3_column_text(s, 0);
            snprintf(out, len, "%s", t ? (const char *)t : "");
            /* integrity_check lists one problem per row: keep a second one too */
            if (sqlite3_step(s) == SQLITE_ROW) {
                size_t n = strlen(out);
                t = sqlite3_column_text(s, 0);
                snprintf(out + n, len - n, " | %s", t ? (const char *)t : "");
            }
        } else if (rc != SQLITE_DONE) {
            snprintf(out, len, "error: %s", sqlite3_errmsg(db));
            ok = false;
        }
    } else {
        snprintf(out, len, "error: %s", sqlite3_errmsg(db));
    }
    sqlite3_finalize(s);
    return ok;
}

/* ---- The run ----------------------------------------------------------------------- */

/* Why a cut's check failed, by kind, for the closing report. */
typedef enum pc_fail {
    PC_FAIL_CHILD = 0, /* the session died otherwise than by the cut, or reported an error */
    PC_FAIL_OPEN,      /* hl_store_open refused the folder */
    PC_FAIL_SOUND,     /* integrity_check, foreign keys or duplicate answers */
    PC_FAIL_CONTENT,   /* stored responses differ from the acknowledged ones */
    PC_FAIL_KINDS
} pc_fail_t;

/* Totals for the closing report. */
typedef struct pc_totals {
    long cuts[HL_CRASH_POLICY_COUNT];     /* cuts per policy */
    long failed;                          /* cuts whose check failed */
    long landed;                          /* cuts whose in-flight save reached the disk */
    long lost;                            /* cuts whose in-flight save did not */
    long idle;                            /* cuts with no save in flight */
    long unacked_complete;                /* completions that landed without their ack */
    long sectors, kept, dropped, garbled; /* unsynced sectors found by the cuts, and fates */
    long resized;                         /* file length changes undone or kept */
    long acked;                           /* saves acknowledged over the run */
    long recovered;                       /* responses recovered as partial by the checks */
    long max_sync;                        /* the latest sync a cut came at */
    long at_db;                           /* cuts at a sync of the database file (checkpoints) */
    long fails[PC_FAIL_KINDS];            /* failed cuts by kind */
    long fails_by_policy[HL_CRASH_POLICY_COUNT]; /* failed cuts by the cut's policy */
    long max_responses;                          /* most responses in one folder */
} pc_totals_t;

/* Parses "cut sync=.. policy=.. files=.. sectors=.. kept=.. dropped=.. garbled=.. ...". */
static void totals_add_cut(pc_totals_t *t, const char *line)
{
    long sync = 0, files = 0, sectors = 0, kept = 0, dropped = 0, garbled = 0, resized = 0;
    char at[16] = "", pol[16] = "";
    if (sscanf(line,
               "cut sync=%ld at=%15s policy=%15s files=%ld sectors=%ld kept=%ld dropped=%ld "
               "garbled=%ld resized=%ld",
               &sync, at, pol, &files, &sectors, &kept, &dropped, &garbled, &resized) == 9) {
        if (strcmp(at, "db") == 0) t->at_db++;
        t->sectors += sectors;
        t->kept += kept;
        t->dropped += dropped;
        t->garbled += garbled;
        t->resized += resized;
        if (sync > t->max_sync) t->max_sync = sync;
    }
}

/* The folder for the run's data: $HL_POWERCUT_TMP, /dev/shm, $TMPDIR or /tmp. */
static char *run_dir(void)
{
    const char *base = getenv("HL_POWERCUT_TMP");
    if (!base || !*base) {
        struct stat sb;
        if (stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) && access("/dev/shm", W_OK) == 0)
            base = "/dev/shm";
    }
    if (!base || !*base) return hl_test_tmpdir("powercut");
    size_t len = strlen(base) + 32;
    char *p = malloc(len);
    snprintf(p, len, "%s/hl-powercut-XXXXXX", base);
    if (!mkdtemp(p)) {
        perror("mkdtemp");
        abort();
    }
    return p;
}

/* The cut's plan from its seed: which sync, and what the power cut does. */
static hl_crash_plan_t plan_for(uint64_t seed)
{
    pc_rng_t r = {mix64(seed ^ 0x1234567ULL)};
    hl_crash_plan_t p = {0};
    int pol = rng_below(&r, 100);
    p.policy = pol < 15 ? HL_CRASH_KEEP : pol < 65 ? HL_CRASH_DROP : HL_CRASH_GARBLE;
    int span = rng_below(&r, 100);
    /* Mostly early (open, first respondents, restarts); some long enough
     * for SQLite's automatic checkpoint at 1000 WAL pages; some at the
     * database's own syncs, which only checkpoints make (restarts, or the
     * automatic one). */
    if (span < 12) {
        p.at = HL_CRASH_AT_DB;
        p.nth_sync = 1 + rng_below(&r, 3);
    } else {
        p.at = HL_CRASH_AT_ANY;
        p.nth_sync = span < 82   ? 1 + rng_below(&r, 40)
                     : span < 98 ? 1 + rng_below(&r, 120)
                                 : 250 + rng_below(&r, 1000);
    }
    p.seed = rng_next(&r);
    p.report_fd = -1;
    return p;
}

/* Reopens data_dir like a restarted kiosk and checks it against the model
 * (m, plus flight: the save in flight, NULL for none). On success the model
 * takes what the open did (flight landed or not, in progress -> partial) and
 * *landed tells which. On failure why says what and *kind which kind. */
static bool verify_folder(const char *data_dir, pc_model_t *m, const pc_entry_t *flight,
                          bool *landed, pc_totals_t *t, char *why, size_t whylen, pc_fail_t *kind)
{
    hl_store_t *st = NULL;
    hl_err_t err = {0};
    int64_t recovered = -1;
    *landed = false;
    if (hl_store_open(data_dir, NULL, &st, &recovered, &err) != HL_OK) {
        snprintf(why, whylen, "hl_store_open after the cut: %s", err.msg);
        *kind = PC_FAIL_OPEN;
        return false;
    }
    bool ok = true;
    char dbpath[4200], res[512];
    snprintf(dbpath, sizeof dbpath, "%s/%s", data_dir, HL_STORE_FILE);
    sqlite3 *db = NULL;
    *kind = PC_FAIL_SOUND;
    if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(why, whylen, "sqlite3_open_v2: %s", db ? sqlite3_errmsg(db) : "?");
        ok = false;
    } else if (!sql_text(db, "PRAGMA integrity_check", res, sizeof res) || strcmp(res, "ok")) {
        snprintf(why, whylen, "integrity_check: %s", res);
        ok = false;
    } else if (!sql_text(db, "PRAGMA foreign_key_check", res, sizeof res) || res[0]) {
        snprintf(why, whylen, "foreign_key_check: %s", res);
        ok = false;
    } else if (!sql_text(db,
                         "SELECT count(*) FROM (SELECT 1 FROM answers GROUP BY seq, qid"
                         " HAVING count(*) > 1)",
                         res, sizeof res) ||
               strcmp(res, "0") != 0) {
        snprintf(why, whylen, "answers stored twice: %s", res);
        ok = false;
    }
    sqlite3_close(db);
    pc_rows_t rows = {0};
    if (ok && hl_store_foreach(st, NULL, 0, rows_add, &rows, &err) != HL_OK) {
        snprintf(why, whylen, "hl_store_foreach: %s", err.msg);
        ok = false;
    }
    if (ok) {
        /* The acknowledged state, or it with the save in flight: the rows
         * and the count of responses the open recovered must both agree. */
        char why_acked[512] = "", why_flight[512] = "";
        int64_t want = 0;
        bool match = rows_match(m, NULL, &rows, &want, why_acked, sizeof why_acked);
        if (match && recovered != want) {
            snprintf(why_acked, sizeof why_acked,
                     "hl_store_open recovered %lld responses, %lld were in progress",
                     (long long)recovered, (long long)want);
            match = false;
        }
        if (!match && flight) {
            match = rows_match(m, flight, &rows, &want, why_flight, sizeof why_flight);
            if (match && recovered != want) {
                snprintf(why_flight, sizeof why_flight,
                         "hl_store_open recovered %lld responses, %lld were in progress",
                         (long long)recovered, (long long)want);
                match = false;
            }
            *landed = match;
        }
        if (!match) {
            snprintf(why, whylen, "%s%s%s", why_acked, flight ? "; with the save in flight: " : "",
                     why_flight);
            *kind = PC_FAIL_CONTENT;
            ok = false;
        }
    }
    if (ok) {
        if (*landed) {
            pc_entry_t *old = model_find(m, flight->uuid);
            if (flight->status == HL_RESP_COMPLETE && (!old || old->status != HL_RESP_COMPLETE))
                t->unacked_complete++;
            model_apply(m, flight);
        }
        /* What the open did: every response in progress is partial now;
         * seqs are known from the rows. */
        for (size_t i = 0; i < m->n; i++)
            if (m->v[i].status == HL_RESP_IN_PROGRESS) m->v[i].status = HL_RESP_PARTIAL;
        for (size_t r = 0; r < rows.n; r++) {
            pc_entry_t *e = model_find(m, rows.v[r].uuid);
            if (e) e->seq = rows.v[r].seq;
            if (rows.v[r].seq > m->max_seq) m->max_seq = rows.v[r].seq;
        }
        t->recovered += recovered;
        if ((long)m->n > t->max_responses) t->max_responses = (long)m->n;
    }
    rows_free(&rows);
    hl_store_close(st);
    return ok;
}

static bool copy_file(const char *from, const char *to)
{
    size_t len = 0;
    char *data = hl_test_read_file(from, &len);
    if (!data) return false;
    FILE *f = fopen(to, "wb");
    bool ok = f && fwrite(data, 1, len, f) == len;
    if (f) ok = fclose(f) == 0 && ok;
    free(data);
    return ok;
}

/* When hl_store_open refused a folder: would SQLite itself have recovered
 * it? Tried on a copy (the folder stays as the cut left it): SQLite opens it
 * read-write (rolling back a hot journal, replaying the WAL), checks it and
 * checkpoints; then the store and the ledger check run on the copy. Appends
 * the verdict to why. */
static void diagnose_refusal(const char *dir, const char *data_dir, pc_model_t *m,
                             const pc_entry_t *flight, char *why, size_t whylen)
{
    char copy[4200], from[4300], to[4300];
    snprintf(copy, sizeof copy, "%s/sqlite-recovered", dir);
    if (mkdir(copy, 0700) != 0) return;
    static const char *const files[] = {HL_STORE_FILE, HL_STORE_FILE "-wal",
                                        HL_STORE_FILE "-journal"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(from, sizeof from, "%s/%s", data_dir, files[i]);
        snprintf(to, sizeof to, "%s/%s", copy, files[i]);
        (void)copy_file(from, to);
    }
    snprintf(to, sizeof to, "%s/%s", copy, HL_STORE_FILE);
    sqlite3 *db = NULL;
    char res[512] = "?";
    if (sqlite3_open_v2(to, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
        (void)sql_text(db, "PRAGMA integrity_check", res, sizeof res);
        sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    } else {
        snprintf(res, sizeof res, "%s", db ? sqlite3_errmsg(db) : "cannot open");
    }
    sqlite3_close(db);
    char why2[512] = "";
    bool landed = false;
    pc_totals_t scratch = {0};
    pc_fail_t kind;
    bool ok = strcmp(res, "ok") == 0 &&
              verify_folder(copy, m, flight, &landed, &scratch, why2, sizeof why2, &kind);
    size_t n = strlen(why);
    snprintf(why + n, whylen - n,
             " [sqlite3 itself opens it: integrity_check %s; after that recovery the store %s%s]",
             res,
             ok ? "opens it and holds every acknowledged answer" : "check fails: ", ok ? "" : why2);
}

/* One cut: the child boots and dies; the parent checks. Returns false when
 * the check failed (the folder is then kept and the lineage ends). */
static bool run_cut(long cut, uint64_t seed, const hl_survey_t *survey, const char *dir,
                    const char *data_dir, pc_model_t *m, pc_totals_t *t, long lineage_first)
{
    char ledger[4096];
    snprintf(ledger, sizeof ledger, "%s/ledger.txt", dir);
    hl_crash_plan_t plan = plan_for(seed);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        hl_test_fail(__FILE__, __LINE__, "fork: %s", strerror(errno));
        return false;
    }
    if (pid == 0) child_run(survey, data_dir, ledger, seed, &plan);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    t->cuts[plan.policy]++;

    char why[2048] = "";
    bool ok = true;
    pc_fail_t kind = PC_FAIL_CHILD;
    char *text = hl_test_read_file(ledger, NULL);
    pc_line_t flight = {0};
    bool in_flight = false;
    const char *error_line = NULL;
    /* Replay the ledger: acknowledged states into the model; the last
     * intent without its ack is the save in flight. */
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        if (strncmp(line, "cut ", 4) == 0) {
            totals_add_cut(t, line);
            continue;
        }
        if (line[0] == 'E') {
            error_line = line;
            continue;
        }
        pc_line_t l;
        if (!line_parse(line, &l)) {
            if (ok) snprintf(why, sizeof why, "unreadable ledger line \"%s\"", line);
            ok = false;
            continue;
        }
        if (l.kind == 'I') {
            flight = l;
            in_flight = true;
        } else if (l.kind == 'A') {
            pc_entry_t *old = model_find(m, l.e.uuid);
            if (ok && !old && l.e.answers[0] && l.e.seq <= m->max_seq) {
                snprintf(why, sizeof why, "new response %s got seq %lld after seq %lld", l.e.uuid,
                         (long long)l.e.seq, (long long)m->max_seq);
                kind = PC_FAIL_CONTENT;
                ok = false;
            }
            if (l.e.seq > m->max_seq) m->max_seq = l.e.seq;
            model_apply(m, &l.e);
            in_flight = false;
            t->acked++;
        }
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != HL_CRASHVFS_EXIT) {
        snprintf(why, sizeof why, "the child %s %d instead of being cut%s%s",
                 WIFEXITED(status) ? "exited with" : "died of signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), error_line ? ": " : "",
                 error_line ? error_line : "");
        kind = PC_FAIL_CHILD;
        ok = false;
    } else if (error_line) {
        snprintf(why, sizeof why, "the child reported: %s", error_line);
        kind = PC_FAIL_CHILD;
        ok = false;
    }
    if (ok) {
        bool landed = false;
        const pc_entry_t *fl = in_flight ? &flight.e : NULL;
        ok = verify_folder(data_dir, m, fl, &landed, t, why, sizeof why, &kind);
        if (ok && !in_flight) t->idle++;
        if (ok && in_flight && landed) t->landed++;
        if (ok && in_flight && !landed) t->lost++;
        if (!ok && kind == PC_FAIL_OPEN) diagnose_refusal(dir, data_dir, m, fl, why, sizeof why);
    }
    free(text);
    if (!ok) {
        t->failed++;
        t->fails[kind]++;
        t->fails_by_policy[plan.policy]++;
        if (t->failed <= PC_FAIL_SHOWN) {
            hl_test_fail(__FILE__, __LINE__,
                         "cut %ld (seed %llu, %s sync %ld, %s; replay with HL_POWERCUT_FROM=%ld "
                         "HL_POWERCUT_CUTS=%ld): %s; folder kept: %s",
                         cut, (unsigned long long)seed,
                         plan.at == HL_CRASH_AT_DB ? "database" : "any", plan.nth_sync,
                         hl_crash_policy_name(plan.policy), lineage_first, cut - lineage_first + 1,
                         why, dir);
        }
    }
    return ok;
}

static void test_power_cuts_keep_every_acknowledged_answer_exactly_once(void)
{
    /* Speed only: a heap that never shrinks spares each fork and exit the
     * TLB flushes of brk/munmap (the costliest thing here in a VM). */
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    long cuts = hl_fixture_env_long("HL_POWERCUT_CUTS", DEFAULT_CUTS);
    long from = hl_fixture_env_long("HL_POWERCUT_FROM", 0);
    uint64_t base = (uint64_t)hl_fixture_env_long("HL_POWERCUT_SEED", 1);
    hl_survey_t *surveys[2] = {NULL, NULL};
    hl_diags_t d = {0};
    if (hl_survey_load_file(hl_test_data("flow/survey.json"), &surveys[0], &d) != HL_OK ||
        hl_survey_load_file(HL_SOURCE_DIR "/assets/surveys/sipas-mot-cua.json", &surveys[1], &d) !=
            HL_OK) {
        hl_diags_print(&d, stderr);
        hl_diags_free(&d);
        hl_test_fail(__FILE__, __LINE__, "the surveys do not load");
        return;
    }
    hl_diags_free(&d);

    pc_totals_t t = {0};
    pc_model_t m = {0};
    char *dir = NULL;
    char data_dir[4096] = "";
    long lineage_first = from;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long cut = from; cut < from + cuts; cut++) {
        if (!dir || cut % LINEAGE == 0) {
            if (dir) hl_test_rmtree(dir);
            free(dir);
            model_free(&m);
            dir = run_dir();
            snprintf(data_dir, sizeof data_dir, "%s/data", dir);
            lineage_first = cut - cut % LINEAGE;
            if (lineage_first < from) lineage_first = from;
        }
        uint64_t seed = mix64(base * 0x100000001B3ULL + (uint64_t)cut);
        const hl_survey_t *s = surveys[(cut / LINEAGE) % 2];
        if (!run_cut(cut, seed, s, dir, data_dir, &m, &t, lineage_first)) {
            /* The folder is kept for a look (the first few), the lineage
             * ends: the next cut starts a fresh one. */
            if (t.failed > PC_FAIL_SHOWN) hl_test_rmtree(dir);
            free(dir);
            dir = NULL;
            model_free(&m);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (dir) hl_test_rmtree(dir);
    free(dir);
    model_free(&m);
    hl_survey_free(surveys[0]);
    hl_survey_free(surveys[1]);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    double cpu_self = (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec) +
                      (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec) / 1e6;
    double cpu_kids = (double)(kids.ru_utime.tv_sec + kids.ru_stime.tv_sec) +
                      (double)(kids.ru_utime.tv_usec + kids.ru_stime.tv_usec) / 1e6;
    long total = t.cuts[0] + t.cuts[1] + t.cuts[2];
    printf("  powercut: %ld cuts (keep %ld, drop %ld, garble %ld) in %.1f s (CPU: checks %.1f s, "
           "sessions %.1f s)\n",
           total, t.cuts[HL_CRASH_KEEP], t.cuts[HL_CRASH_DROP], t.cuts[HL_CRASH_GARBLE], secs,
           cpu_self, cpu_kids);
    printf("  powercut: %ld failed (keep %ld, drop %ld, garble %ld): store refused to open %ld, "
           "unsound file %ld, content %ld, session %ld\n",
           t.failed, t.fails_by_policy[HL_CRASH_KEEP], t.fails_by_policy[HL_CRASH_DROP],
           t.fails_by_policy[HL_CRASH_GARBLE], t.fails[PC_FAIL_OPEN], t.fails[PC_FAIL_SOUND],
           t.fails[PC_FAIL_CONTENT], t.fails[PC_FAIL_CHILD]);
    printf("  powercut: save in flight landed %ld, lost %ld, none %ld; unacknowledged "
           "completions landed %ld; %ld saves acknowledged; %ld responses recovered as partial\n",
           t.landed, t.lost, t.idle, t.unacked_complete, t.acked, t.recovered);
    printf("  powercut: unsynced sectors %ld (kept %ld, dropped %ld, garbled %ld), %ld length "
           "changes; latest cut at sync %ld; %ld cuts at a database sync (checkpoint); up to %ld "
           "responses per folder\n",
           t.sectors, t.kept, t.dropped, t.garbled, t.resized, t.max_sync, t.at_db,
           t.max_responses);
    CHECK_INT(t.failed, 0);
    CHECK_INT(total, cuts);
}

/* ---- The crash VFS itself ------------------------------------------------------------ */

/* A raw file opened through the crash VFS as a main database. */
typedef struct raw_file {
    sqlite3_vfs *vfs;
    sqlite3_file *f; /* owned: vfs->szOsFile bytes */
    char path[4096];
} raw_file_t;

static bool raw_open(raw_file_t *r, const char *dir, const char *name)
{
    if (hl_crashvfs_register() != SQLITE_OK) return false;
    r->vfs = sqlite3_vfs_find(HL_CRASHVFS_NAME);
    r->f = calloc(1, (size_t)r->vfs->szOsFile);
    snprintf(r->path, sizeof r->path, "%s/%s", dir, name);
    int out = 0;
    return r->vfs->xOpen(r->vfs, r->path, r->f,
                         SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE,
                         &out) == SQLITE_OK;
}

static void raw_close(raw_file_t *r)
{
    if (r->f && r->f->pMethods) r->f->pMethods->xClose(r->f);
    free(r->f);
    r->f = NULL;
    if (r->vfs) r->vfs->xDelete(r->vfs, r->path, 0); /* and its track */
}

static void raw_fill(raw_file_t *r, char c, int64_t off, int n)
{
    char *buf = malloc((size_t)n);
    memset(buf, c, (size_t)n);
    if (r->f->pMethods->xWrite(r->f, buf, n, off) != SQLITE_OK)
        hl_test_fail(__FILE__, __LINE__, "xWrite");
    free(buf);
}

static void raw_apply(hl_crash_policy_t pol, uint64_t seed, hl_crash_stats_t *st)
{
    hl_crash_plan_t p = {.nth_sync = 0, .policy = pol, .seed = seed, .report_fd = -1};
    hl_crashvfs_arm(&p);
    hl_crashvfs_apply(st);
    hl_crashvfs_disarm();
}

static void test_crashvfs_drop_leaves_each_file_as_of_its_last_sync(void)
{
    char *dir = hl_test_tmpdir("crashvfs");
    raw_file_t r = {0};
    CHECK(raw_open(&r, dir, "a.db"));
    raw_fill(&r, 'a', 0, 3000);
    CHECK_INT(r.f->pMethods->xSync(r.f, SQLITE_SYNC_FULL), SQLITE_OK);
    raw_fill(&r, 'b', 1000, 4000); /* overwrites and extends */
    hl_crash_stats_t st;
    raw_apply(HL_CRASH_DROP, 1, &st);
    size_t len = 0;
    char *got = hl_test_read_file(r.path, &len);
    CHECK_INT(len, 3000);
    bool all_a = got != NULL;
    for (size_t i = 0; got && i < len; i++)
        all_a = all_a && got[i] == 'a';
    CHECK(all_a);
    CHECK_INT(st.dropped, st.sectors);
    CHECK_INT(st.sectors, 9); /* bytes 1000..4999: sectors 1..9 */
    CHECK_INT(st.resized, 1);
    free(got);

    /* A truncation not yet synced is undone too. */
    CHECK_INT(r.f->pMethods->xTruncate(r.f, 100), SQLITE_OK);
    raw_apply(HL_CRASH_DROP, 2, &st);
    got = hl_test_read_file(r.path, &len);
    CHECK_INT(len, 3000);
    CHECK(got && got[2999] == 'a' && got[100] == 'a');
    free(got);
    raw_close(&r);
    hl_crashvfs_forget();
    hl_test_rmtree(dir);
    free(dir);
}

static void test_crashvfs_keep_writes_everything_out(void)
{
    char *dir = hl_test_tmpdir("crashvfs");
    raw_file_t r = {0};
    CHECK(raw_open(&r, dir, "k.db"));
    raw_fill(&r, 'a', 0, 3000);
    CHECK_INT(r.f->pMethods->xSync(r.f, SQLITE_SYNC_FULL), SQLITE_OK);
    raw_fill(&r, 'b', 1000, 4000);
    hl_crash_stats_t st;
    raw_apply(HL_CRASH_KEEP, 1, &st);
    size_t len = 0;
    char *got = hl_test_read_file(r.path, &len);
    CHECK_INT(len, 5000);
    CHECK(got && got[999] == 'a' && got[1000] == 'b' && got[4999] == 'b');
    CHECK_INT(st.kept, st.sectors);
    free(got);
    raw_close(&r);
    hl_crashvfs_forget();
    hl_test_rmtree(dir);
    free(dir);
}

static void test_crashvfs_garble_touches_only_bytes_written_since_the_sync(void)
{
    char *dir = hl_test_tmpdir("crashvfs");
    long garbled = 0, kept = 0, dropped = 0;
    for (uint64_t seed = 1; seed <= 60; seed++) {
        char name[32];
        snprintf(name, sizeof name, "g%llu.db", (unsigned long long)seed);
        raw_file_t r = {0};
        CHECK(raw_open(&r, dir, name));
        raw_fill(&r, 'a', 0, 4096);
        CHECK_INT(r.f->pMethods->xSync(r.f, SQLITE_SYNC_FULL), SQLITE_OK);
        raw_fill(&r, 'b', 1100, 1800); /* bytes 1100..2899, sectors 2..5, unaligned */
        hl_crash_stats_t st;
        raw_apply(HL_CRASH_GARBLE, seed, &st);
        garbled += st.garbled;
        kept += st.kept;
        dropped += st.dropped;
        CHECK_INT(st.sectors, 4);
        size_t len = 0;
        char *got = hl_test_read_file(r.path, &len);
        CHECK_INT(len, 4096);
        bool outside_same = got != NULL;
        for (size_t i = 0; got && i < len; i++)
            if ((i < 1100 || i >= 2900) && got[i] != 'a') outside_same = false;
        CHECK(outside_same);
        free(got);
        raw_close(&r);
    }
    CHECK(garbled > 0 && kept > 0 && dropped > 0);
    hl_crashvfs_forget();
    hl_test_rmtree(dir);
    free(dir);
}

static void test_crashvfs_cuts_the_process_at_the_nth_sync(void)
{
    char *dir = hl_test_tmpdir("crashvfs");
    char report[4096];
    snprintf(report, sizeof report, "%s/report", dir);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(report, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        raw_file_t r = {0};
        if (fd < 0 || !raw_open(&r, dir, "n.db")) _exit(2);
        hl_crash_plan_t p = {.nth_sync = 3, .policy = HL_CRASH_DROP, .seed = 9, .report_fd = fd};
        hl_crashvfs_arm(&p);
        for (int i = 0; i < 5; i++) {
            raw_fill(&r, (char)('0' + i), i * 100, 100);
            r.f->pMethods->xSync(r.f, SQLITE_SYNC_FULL);
        }
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK_INT(WEXITSTATUS(status), HL_CRASHVFS_EXIT);
    size_t len = 0;
    char path[4200];
    snprintf(path, sizeof path, "%s/n.db", dir);
    char *got = hl_test_read_file(path, &len);
    CHECK_INT(len, 200); /* two syncs made it; the third write was lost */
    CHECK(got && got[0] == '0' && got[199] == '1');
    free(got);
    char *rep = hl_test_read_file(report, NULL);
    CHECK_CONTAINS(rep, "cut sync=3 at=db policy=drop files=1 sectors=1");
    free(rep);
    hl_test_rmtree(dir);
    free(dir);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_crashvfs_drop_leaves_each_file_as_of_its_last_sync),
    HL_TEST(test_crashvfs_keep_writes_everything_out),
    HL_TEST(test_crashvfs_garble_touches_only_bytes_written_since_the_sync),
    HL_TEST(test_crashvfs_cuts_the_process_at_the_nth_sync),
    HL_TEST(test_power_cuts_keep_every_acknowledged_answer_exactly_once),
};

HL_TEST_MAIN(tests)
