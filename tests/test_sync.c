/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_sync.c: the network sync (firmware/sync/hl_sync.c, hl_syncw.c) and
 * the `hailong sync` command, against the HTTPS test receiver
 * (tests/support/sync_receiver.py, started through hl_receiver.h with a
 * test CA made by openssl).
 *
 * The promise under test: every finished response reaches the receiver
 * exactly once (its own SQLite keeps them unique by UUID, and each stored
 * body must equal the kiosk's JSON Lines row byte for byte), and the kiosk
 * then has nothing pending, whatever the receiver or the network does: 500s,
 * 503 with Retry-After, answers slower than the timeout, connections reset
 * mid-body, a batch stored and the connection dropped before the answer,
 * garbage answers, a restart of the kiosk by SIGKILL at random moments.
 * A wrong or expired certificate, a pin mismatch and plain http send
 * nothing; a wrong token stops the retries, is reported, and the stop holds
 * across a restart until the config changes. Responses stored while the
 * network is down go when it returns, oldest first.
 * The protocol pieces (Retry-After, back-off, batch id, reply parsing,
 * status classes) are tested without a network first.
 */
#include "hl_bundle.h"
#include "hl_fixture.h"
#include "hl_platform.h"
#include "hl_receiver.h"
#include "hl_sync.h"
#include "hl_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sqlite3.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- Fixture: a store with n finished responses ----------------------------------- */

typedef struct fixture {
    char *dir;      /* test folder (store in dir/data, receiver in dir) */
    char data[600]; /* the kiosk's data folder */
    char certs[600];
    hl_fakesys_t clock;
    hl_survey_t survey;
    hl_question_t q[2];
    char src[64];
    hl_receiver_t r;   /* the receiver (fixture_serve) */
    hl_sync_cfg_t cfg; /* the kiosk's sync config for it */
    hl_sync_t *s;      /* the sync and the store pushed from (fixture_push) */
    hl_store_t *st;
} fixture_t;

static void fixture_init(fixture_t *f, const char *tag)
{
    memset(f, 0, sizeof *f);
    f->dir = hl_test_tmpdir(tag);
    snprintf(f->data, sizeof f->data, "%s/data", f->dir);
    snprintf(f->certs, sizeof f->certs, "%s/certs", f->dir);
    CHECK_INT(hl_receiver_certs(f->certs), 0);
    hl_fakesys_init(&f->clock, 1790000000000LL, true, 7);
    snprintf(f->survey.id, sizeof f->survey.id, "sync-test");
    f->survey.version = 1;
    snprintf(f->q[0].id, sizeof f->q[0].id, "overall");
    snprintf(f->q[1].id, sizeof f->q[1].id, "comment");
    f->q[0].show_if.question = f->q[1].show_if.question = -1;
    f->survey.questions = f->q;
    f->survey.n_questions = 2;
    snprintf(f->src, sizeof f->src, "{\"id\": \"sync-test\", \"version\": 1}");
    f->survey.source = f->src;
    f->survey.source_len = strlen(f->src);
    snprintf(f->survey.sha256, sizeof f->survey.sha256, "%064d", 7);
}

static void fixture_free(fixture_t *f)
{
    hl_fixture_rm(f->dir);
}

static hl_sync_cfg_t sync_cfg(const fixture_t *f, const hl_receiver_t *r);
static hl_sync_t *sync_new(fixture_t *f, const hl_sync_cfg_t *cfg);
static hl_store_t *open_store(fixture_t *f);
static void add_responses(fixture_t *f, int n);
static void expect_receiver_equals_kiosk(fixture_t *f, const hl_receiver_t *r, size_t expected);

/* fixture_init with n responses stored (none when 0) and the receiver
 * started with ro (NULL: its defaults); f->cfg is the kiosk's config for it. */
static void fixture_serve(fixture_t *f, const char *tag, int n, const hl_receiver_opts_t *ro)
{
    fixture_init(f, tag);
    if (n > 0) add_responses(f, n);
    CHECK_INT(hl_receiver_start(f->dir, ro, &f->r), 0);
    f->cfg = sync_cfg(f, &f->r);
}

/* The sync of f->cfg, and the store it pushes from. */
static void fixture_push(fixture_t *f)
{
    f->s = sync_new(f, &f->cfg);
    f->st = open_store(f);
}

/* Frees the sync and closes the store (each when there is one). */
static void fixture_unpush(fixture_t *f)
{
    hl_sync_free(f->s);
    hl_store_close(f->st);
    f->s = NULL;
    f->st = NULL;
}

/* Frees the sync, closes the store, checks that the receiver holds exactly
 * the kiosk's expected responses (expected < 0: not checked), stops the
 * receiver and removes the folder. */
static void fixture_end(fixture_t *f, long expected)
{
    fixture_unpush(f);
    if (expected >= 0) expect_receiver_equals_kiosk(f, &f->r, (size_t)expected);
    hl_receiver_stop(&f->r);
    fixture_free(f);
}

/* Stores n more finished responses (every 7th partial) in one batch; their
 * comments hold Vietnamese, quotes, a backslash and a line break. */
static void add_responses(fixture_t *f, int n)
{
    hl_store_t *st = NULL;
    hl_err_t err = {0};
    hl_sys_t sys = hl_fakesys_sys(&f->clock);
    if (hl_store_open(f->data, NULL, &st, NULL, &err) != HL_OK ||
        hl_store_use_survey(st, &f->survey, "kiosk-sync", &err) != HL_OK ||
        hl_store_batch_begin(st, &err) != HL_OK) {
        hl_test_fail(__FILE__, __LINE__, "store: %s", err.msg);
        hl_store_close(st);
        return;
    }
    for (int i = 0; i < n; i++) {
        hl_response_t r = {.lang = HL_LANG_VI, .clock_trusted = true};
        hl_uuid_new(&sys, r.uuid);
        r.started_utc_ms = f->clock.utc_ms;
        char comment[96];
        snprintf(comment, sizeof comment, "Rất hài lòng \"số %d\" \\ ổn\ncảm ơn", i);
        hl_save_t a = {.set_qid = "overall", .set_value = "satisfied", .set_ms = 1200};
        hl_save_t b = {.set_qid = "comment", .set_value = comment, .set_ms = 4100};
        hl_save_t fin = {.status = i % 7 == 6 ? HL_RESP_PARTIAL : HL_RESP_COMPLETE,
                         .finished_utc_ms = f->clock.utc_ms + 5000};
        if (hl_store_save(st, &r, &a, &err) != HL_OK || hl_store_save(st, &r, &b, &err) != HL_OK ||
            hl_store_save(st, &r, &fin, &err) != HL_OK) {
            hl_test_fail(__FILE__, __LINE__, "save: %s", err.msg);
            break;
        }
        hl_fakesys_advance(&f->clock, 30000);
    }
    if (hl_store_batch_end(st, &err) != HL_OK) hl_test_fail(__FILE__, __LINE__, "%s", err.msg);
    hl_store_close(st);
}

static hl_store_t *open_store(fixture_t *f)
{
    hl_store_t *st = NULL;
    hl_err_t err = {0};
    if (hl_store_open(f->data, NULL, &st, NULL, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "store: %s", err.msg);
    return st;
}

static hl_sync_cfg_t sync_cfg(const fixture_t *f, const hl_receiver_t *r)
{
    hl_sync_cfg_t c = {/* Timeouts far above what a loaded machine needs: a test that wants one
                        * to expire sets its own below a slow server's delay. */
                       .enabled = true,
                       .interval_s = 60,
                       .batch = 500,
                       .connect_timeout_s = 30,
                       .timeout_s = 30};
    snprintf(c.url, sizeof c.url, "%.500s", r->url);
    snprintf(c.token, sizeof c.token, "kiosk-token-1");
    snprintf(c.ca_file, sizeof c.ca_file, "%.240s/ca.pem", f->certs);
    return c;
}

/* The free space the tests' syncs report (hl_sync_opts_t.free_bytes). */
#define TEST_FREE_BYTES 5123456789LL
static long long test_free_bytes(const char *path)
{
    (void)path;
    return TEST_FREE_BYTES;
}

/* The kiosk the tests' syncs report: survey sync-test v1, officer nva, started 90 s before the
 * fixture's clock. */
static hl_sync_kiosk_t test_kiosk(fixture_t *f)
{
    hl_sync_kiosk_t k = {.started_mono_ms = f->clock.mono_ms - 90000,
                         .has_survey = true,
                         .survey_version = 1,
                         .officer_id = "nva"};
    snprintf(k.survey_id, sizeof k.survey_id, "%s", f->survey.id);
    snprintf(k.survey_sha256, sizeof k.survey_sha256, "%s", f->survey.sha256);
    return k;
}

static hl_sync_t *sync_new(fixture_t *f, const hl_sync_cfg_t *cfg)
{
    hl_sync_t *s = NULL;
    hl_err_t err = {0};
    hl_sync_kiosk_t k = test_kiosk(f);
    hl_sync_opts_t o = {.cfg = cfg,
                        .kiosk_id = "kiosk-sync",
                        .software_version = "test",
                        .sys = hl_fakesys_sys(&f->clock),
                        .backoff_base_ms = 20,
                        .backoff_cap_ms = 200,
                        .kiosk = &k,
                        .data_dir = f->data,
                        .free_bytes = test_free_bytes};
    if (hl_sync_new(&o, &s, &err) != HL_OK) hl_test_fail(__FILE__, __LINE__, "%s", err.msg);
    return s;
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

typedef struct pump_result {
    int rounds, delivered_rounds, retries, stops;
    long long delivered;
    char last_error[512];
} pump_result_t;

/* Pushes and records until nothing is pending (a heartbeat answered), a
 * stop, or max_rounds; sleeps the back-off between failures (capped small by
 * sync_new). */
static pump_result_t pump(hl_sync_t *s, hl_store_t *st, int max_rounds)
{
    pump_result_t p = {0};
    for (; p.rounds < max_rounds; p.rounds++) {
        hl_sync_outcome_t out;
        hl_err_t err = {0};
        if (hl_sync_push(s, st, &out, &err) != HL_OK) {
            hl_test_fail(__FILE__, __LINE__, "push: %s", err.msg);
            break;
        }
        if (hl_sync_commit(s, st, &out, &err) != HL_OK) {
            hl_test_fail(__FILE__, __LINE__, "commit: %s", err.msg);
            break;
        }
        if (out.verdict == HL_SYNC_IDLE) break; /* nothing pending: the heartbeat was answered */
        p.delivered += (long long)out.n_delivered;
        if (out.verdict == HL_SYNC_DELIVERED) p.delivered_rounds++;
        if (out.verdict != HL_SYNC_DELIVERED)
            snprintf(p.last_error, sizeof p.last_error, "%s", out.error);
        if (out.verdict == HL_SYNC_RETRY) {
            p.retries++;
            sleep_ms(out.next_in_ms > 300 ? 300 : out.next_in_ms);
        }
        if (out.verdict == HL_SYNC_STOP) {
            p.stops++;
            break;
        }
    }
    return p;
}

static int64_t pending_of(fixture_t *f)
{
    hl_store_t *st = NULL;
    hl_err_t err = {0};
    hl_store_opts_t ro = {.read_only = true};
    hl_store_sync_t ss = {0};
    if (hl_store_open(f->data, &ro, &st, NULL, &err) != HL_OK ||
        hl_store_sync_state(st, &ss, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "sync state: %s", err.msg);
    hl_store_close(st);
    return ss.pending;
}

/* ---- Comparing the kiosk with the receiver ------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Splits text into its lines (in place), sorted; returns the count. */
static size_t lines_sorted(char *text, char ***out)
{
    size_t n = 0, cap = 1024;
    char **v = malloc(cap * sizeof *v);
    for (char *p = text; p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = '\0';
        if (*p) {
            if (n == cap) v = realloc(v, (cap *= 2) * sizeof *v);
            v[n++] = p;
        }
        p = nl ? nl + 1 : NULL;
    }
    qsort(v, n, sizeof *v, cmp_str);
    *out = v;
    return n;
}

/* The receiver holds exactly the kiosk's finished responses, each once,
 * each byte-identical to the kiosk's JSON Lines row; and nothing is
 * pending. */
static void expect_receiver_equals_kiosk(fixture_t *f, const hl_receiver_t *r, size_t expected)
{
    char path[700];
    snprintf(path, sizeof path, "%s/kiosk.jsonl", f->dir);
    hl_store_t *st = NULL;
    hl_err_t err = {0};
    hl_store_opts_t ro = {.read_only = true};
    if (hl_store_open(f->data, &ro, &st, NULL, &err) != HL_OK ||
        hl_export_jsonl(st, NULL, path, NULL, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "kiosk export: %s", err.msg);
    hl_store_close(st);
    char *mine = hl_test_read_file(path, NULL);
    char *theirs = hl_receiver_dump(r);
    CHECK(mine && theirs);
    if (!mine || !theirs) {
        free(mine);
        free(theirs);
        return;
    }
    char **a, **b;
    size_t na = lines_sorted(mine, &a), nb = lines_sorted(theirs, &b);
    CHECK_INT(na, expected);
    CHECK_INT(nb, na);
    size_t diff = 0;
    for (size_t i = 0; i < na && i < nb; i++)
        if (strcmp(a[i], b[i]) != 0 && diff++ == 0)
            hl_test_fail(__FILE__, __LINE__, "first difference:\n kiosk    %s\n receiver %s", a[i],
                         b[i]);
    CHECK_INT(diff, 0);
    hl_receiver_stats_t rs = {0};
    CHECK_INT(hl_receiver_stats(r, &rs), 0);
    CHECK_INT(rs.stored, (long)expected);
    CHECK_INT(pending_of(f), 0);
    free(a);
    free(b);
    free(mine);
    free(theirs);
}

/* ---- Protocol pieces -------------------------------------------------------------------- */

static void test_retry_after_takes_seconds_or_an_http_date_and_is_capped(void)
{
    int64_t now = 784111777000LL; /* Sun, 06 Nov 1994 08:49:37 GMT */
    CHECK_INT(hl_sync_retry_after_ms("120", now), 120000);
    CHECK_INT(hl_sync_retry_after_ms(" 0 ", now), 0);
    CHECK_INT(hl_sync_retry_after_ms("Sun, 06 Nov 1994 08:49:47 GMT", now), 10000);
    CHECK_INT(hl_sync_retry_after_ms("Sun, 06 Nov 1994 08:49:07 GMT", now), 0); /* past */
    CHECK_INT(hl_sync_retry_after_ms("99999999", now), HL_SYNC_RETRY_AFTER_CAP);
    CHECK_INT(hl_sync_retry_after_ms("", now), -1);
    CHECK_INT(hl_sync_retry_after_ms(NULL, now), -1);
    CHECK_INT(hl_sync_retry_after_ms("12s", now), -1);
    CHECK_INT(hl_sync_retry_after_ms("-5", now), -1);
    CHECK_INT(hl_sync_retry_after_ms("Sun, 06 Foo 1994 08:49:47 GMT", now), -1);
    CHECK_INT(hl_sync_retry_after_ms("Sun, 06 Nov 1994 08:49:47 CET", now), -1);
}

static void test_backoff_doubles_with_jitter_up_to_the_cap(void)
{
    for (uint32_t rnd = 0; rnd < 50000; rnd += 997) {
        int64_t prev_hi = 0;
        for (int n = 1; n <= 12; n++) {
            int64_t step = 1000LL << (n - 1);
            if (step > 60000) step = 60000;
            int64_t d = hl_sync_backoff_ms(n, rnd * 2654435761u, 1000, 60000);
            CHECK(d >= step / 2 && d <= step);
            CHECK(step >= prev_hi);
            prev_hi = step;
        }
    }
    /* Jitter spreads retries: not every kiosk comes back at the same moment. */
    CHECK(hl_sync_backoff_ms(5, 1, 1000, 60000) != hl_sync_backoff_ms(5, 7777, 1000, 60000));
}

static void test_batch_id_depends_on_the_responses_and_their_order(void)
{
    char u[2][HL_UUID_LEN + 1] = {"11111111-1111-4111-8111-111111111111",
                                  "22222222-2222-4222-8222-222222222222"};
    char r[2][HL_UUID_LEN + 1];
    memcpy(r[0], u[1], sizeof r[0]);
    memcpy(r[1], u[0], sizeof r[1]);
    char a[33], b[33], c[33], d[33];
    hl_sync_batch_id((const char(*)[HL_UUID_LEN + 1]) u, 2, a);
    hl_sync_batch_id((const char(*)[HL_UUID_LEN + 1]) u, 2, b);
    hl_sync_batch_id((const char(*)[HL_UUID_LEN + 1]) r, 2, c);
    hl_sync_batch_id((const char(*)[HL_UUID_LEN + 1]) u, 1, d);
    CHECK_STR(a, b);
    CHECK(strcmp(a, c) != 0);
    CHECK(strcmp(a, d) != 0);
    CHECK_INT(strlen(a), HL_SYNC_BATCH_ID_LEN);
    CHECK_INT(strspn(a, "0123456789abcdef"), HL_SYNC_BATCH_ID_LEN);
}

static void test_reply_names_accepted_and_duplicate_responses_of_the_batch(void)
{
    char u[3][HL_UUID_LEN + 1] = {"11111111-1111-4111-8111-111111111111",
                                  "22222222-2222-4222-8222-222222222222",
                                  "33333333-3333-4333-8333-333333333333"};
    const char *body = "{\"accepted\": [\"33333333-3333-4333-8333-333333333333\"],"
                       " \"duplicate\": [\"11111111-1111-4111-8111-111111111111\","
                       " \"99999999-9999-4999-8999-999999999999\"], \"note\": 1}";
    bool named[3];
    size_t n = 9;
    hl_err_t err = {0};
    CHECK_INT(hl_sync_parse_reply(body, strlen(body), (const char(*)[HL_UUID_LEN + 1]) u, 3, named,
                                  &n, &err),
              HL_OK);
    CHECK_INT(n, 2);
    CHECK(named[0] && !named[1] && named[2]);
}

static void test_reply_that_is_not_the_protocol_delivers_nothing(void)
{
    char u[1][HL_UUID_LEN + 1] = {"11111111-1111-4111-8111-111111111111"};
    const char *bad[] = {
        "",
        "<html>502 Bad Gateway</html>",
        "[\"11111111-1111-4111-8111-111111111111\"]",
        "{\"accepted\": [\"11111111-1111-4111-8111-111111111111\"]}",
        "{\"accepted\": \"11111111-1111-4111-8111-111111111111\", \"duplicate\": []}",
        "{\"accepted\": [\"11111111-1111-4111-8111-111111111111\", 5], \"duplicate\": []}",
        "{\"accepted\": [], \"accepted\": [], \"duplicate\": []}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bool named[1] = {true};
        size_t n = 9;
        hl_err_t err = {0};
        CHECK_INT(hl_sync_parse_reply(bad[i], strlen(bad[i]), (const char(*)[HL_UUID_LEN + 1]) u, 1,
                                      named, &n, &err),
                  HL_ERR_INVALID);
        CHECK_INT(n, 0);
        CHECK(!named[0]);
        CHECK(err.msg[0] != '\0');
    }
}

static void test_refusals_stop_and_failures_retry(void)
{
    long stop[] = {400, 401, 403, 404, 405, 410, 301, 302, 307, 308};
    long retry[] = {408, 409, 413, 425, 429, 500, 502, 503, 504, 599, 204, 202};
    for (size_t i = 0; i < sizeof stop / sizeof stop[0]; i++)
        CHECK_INT(hl_sync_classify_status(stop[i]), HL_SYNC_STOP);
    for (size_t i = 0; i < sizeof retry / sizeof retry[0]; i++)
        CHECK_INT(hl_sync_classify_status(retry[i]), HL_SYNC_RETRY);
}

static void test_fingerprint_follows_where_and_as_whom_the_kiosk_sends(void)
{
    hl_sync_cfg_t a = {.enabled = true, .url = "https://a/x", .token = "t1", .interval_s = 60};
    hl_sync_cfg_t b = a;
    char fa[65], fb[65];
    hl_sync_fingerprint(&a, fa);
    b.interval_s = 300;
    b.batch = 7;
    hl_sync_fingerprint(&b, fb);
    CHECK_STR(fa, fb); /* timing is not identity */
    const char *fields[] = {"url", "token", "ca_file", "pin", "insecure"};
    for (size_t i = 0; i < 5; i++) {
        b = a;
        if (i == 0) snprintf(b.url, sizeof b.url, "https://b/x");
        if (i == 1) snprintf(b.token, sizeof b.token, "t2");
        if (i == 2) snprintf(b.ca_file, sizeof b.ca_file, "/etc/ca.pem");
        if (i == 3) snprintf(b.pin, sizeof b.pin, "sha256//x");
        if (i == 4) b.allow_insecure_http = true;
        hl_sync_fingerprint(&b, fb);
        if (!strcmp(fa, fb)) hl_test_fail(__FILE__, __LINE__, "%s does not change it", fields[i]);
    }
}

static void test_plain_http_and_an_unreadable_ca_file_are_refused_before_any_request(void)
{
    fixture_t f;
    fixture_init(&f, "sync-refuse");
    hl_sync_cfg_t c = {.enabled = true,
                       .url = "http://127.0.0.1:9/v1/responses",
                       .token = "t",
                       .interval_s = 60,
                       .batch = 10,
                       .connect_timeout_s = 1,
                       .timeout_s = 1};
    hl_sync_t *s = NULL;
    hl_err_t err = {0};
    hl_sync_opts_t o = {.cfg = &c, .kiosk_id = "k", .sys = hl_fakesys_sys(&f.clock)};
    CHECK_INT(hl_sync_new(&o, &s, &err), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "https://");
    CHECK(s == NULL);
    snprintf(c.url, sizeof c.url, "https://127.0.0.1:9/v1/responses");
    snprintf(c.ca_file, sizeof c.ca_file, "%s/missing.pem", f.dir);
    CHECK_INT(hl_sync_new(&o, &s, &err), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "missing.pem");
    /* A FIFO there is refused at once (libcurl would block on it for ever). */
    snprintf(c.ca_file, sizeof c.ca_file, "%s/fifo.pem", f.dir);
    CHECK_INT(mkfifo(c.ca_file, 0644), 0);
    alarm(120); /* a watchdog: a hang fails instead of hanging the suite */
    CHECK_INT(hl_sync_new(&o, &s, &err), HL_ERR_USAGE);
    alarm(0);
    CHECK_CONTAINS(err.msg, "FIFO");
    c.enabled = false;
    CHECK_INT(hl_sync_new(&o, &s, &err), HL_ERR_USAGE);
    fixture_free(&f);
}

/* ---- Protocol version 2 pieces: the status, assignments ----------------------------------- */

/* An answer's body carrying an assignment: {"accepted": [], "duplicate": [],
 * "assignment": <assignment>} (malloc'd). */
static char *answer_with(const char *assignment)
{
    size_t n = strlen(assignment) + 64;
    char *t = malloc(n);
    snprintf(t, n, "{\"accepted\": [], \"duplicate\": [], \"assignment\": %s}", assignment);
    return t;
}

/* hl_sync_parse_assignment of an answer carrying assignment, for a kiosk
 * whose last assignment is last_id. */
static void parse_assignment(const char *assignment, int64_t last_id, hl_sync_assignment_t *a)
{
    char *body = answer_with(assignment);
    hl_sync_parse_assignment(body, strlen(body), last_id, a);
    free(body);
}

static void test_a_heartbeat_batch_id_is_the_hash_of_nothing(void)
{
    char id[HL_SYNC_BATCH_ID_LEN + 1];
    hl_sync_batch_id(NULL, 0, id);
    CHECK_STR(id, "e3b0c44298fc1c149afbf4c8996fb924");
}

static void test_status_holds_every_field_with_null_for_what_is_unknown(void)
{
    hl_sync_kiosk_t k = {.has_survey = true, .survey_version = 3, .officer_id = "nguyen-van-a"};
    snprintf(k.survey_id, sizeof k.survey_id, "mot-cua");
    memset(k.survey_sha256, 'a', 64);
    hl_store_sync_t ss = {.pending = 12,
                          .oldest_pending_utc_ms = 1796544000000LL - 109500,
                          .last_export_utc_ms = 1796544000000LL - 86400000LL * 5,
                          .assign = {.state = HL_ASSIGN_FAILED, .id = 17}};
    /* A last error longer than 512 bytes, with a byte that is not UTF-8. */
    memset(ss.last_error, 'e', sizeof ss.last_error - 1);
    memcpy(ss.last_error, "lỗi \xff ", 8);
    snprintf(ss.assign.error, sizeof ss.assign.error, "the survey does not pass hailong check");
    hl_sync_status_in_t in = {.software = "0.9.0",
                              .now_utc_ms = 1796544000000LL, /* 2026-12-06T08:00:00Z */
                              .clock_trusted = true,
                              .uptime_s = 86400,
                              .interval_s = 60,
                              .kiosk = &k,
                              .store = &ss,
                              .disk_free_bytes = TEST_FREE_BYTES};
    hl_fdbuf_t o = {.fd = -1, .limit = 1 << 20};
    CHECK(hl_fdbuf_put(&o, "{", 1));
    CHECK(hl_sync_put_status(&o, &in));
    CHECK(hl_fdbuf_put(&o, "}", 1));
    json_error_t je;
    json_t *root = json_loadb(o.buf, o.len, JSON_REJECT_DUPLICATES, &je);
    json_t *st = json_object_get(root, "status");
    CHECK(json_is_object(st));
    CHECK_INT(json_integer_value(json_object_get(st, "protocol")), 2);
    CHECK_STR(json_string_value(json_object_get(st, "software")), "0.9.0");
    CHECK_STR(json_string_value(json_object_get(st, "time")), "2026-12-06T08:00:00.000Z");
    CHECK(json_is_true(json_object_get(st, "clock_trusted")));
    CHECK_INT(json_integer_value(json_object_get(st, "uptime_s")), 86400);
    CHECK_INT(json_integer_value(json_object_get(st, "interval_s")), 60);
    json_t *sv = json_object_get(st, "survey");
    CHECK_STR(json_string_value(json_object_get(sv, "id")), "mot-cua");
    CHECK_INT(json_integer_value(json_object_get(sv, "version")), 3);
    CHECK_INT(json_string_length(json_object_get(sv, "sha256")), 64);
    json_t *as = json_object_get(st, "assignment");
    CHECK_INT(json_integer_value(json_object_get(as, "id")), 17);
    CHECK_STR(json_string_value(json_object_get(as, "state")), "failed");
    CHECK_CONTAINS(json_string_value(json_object_get(as, "error")), "hailong check");
    CHECK_INT(json_integer_value(json_object_get(st, "pending")), 12);
    CHECK_STR(json_string_value(json_object_get(st, "oldest_pending")), "2026-12-06T07:58:10.500Z");
    CHECK_INT(json_integer_value(json_object_get(st, "disk_free_bytes")), TEST_FREE_BYTES);
    const char *le = json_string_value(json_object_get(st, "last_error"));
    CHECK(le && strlen(le) <= 512 && strlen(le) > 500);
    CHECK(le && !strncmp(le, "lỗi ? ", 8)); /* valid UTF-8: the stray byte is a '?' */
    CHECK_STR(json_string_value(json_object_get(st, "last_usb_export")),
              "2026-12-01T08:00:00.000Z");
    CHECK_STR(json_string_value(json_object_get(st, "officer_id")), "nguyen-van-a");
    CHECK_INT(json_object_size(st), 14);
    json_decref(root);

    /* Nothing known: null where the protocol allows it. */
    hl_store_sync_t none = {.oldest_pending_utc_ms = -1, .last_export_utc_ms = -1};
    hl_sync_kiosk_t nobody = {0};
    in = (hl_sync_status_in_t){
        .now_utc_ms = 0, .kiosk = &nobody, .store = &none, .disk_free_bytes = -1};
    o.len = 0;
    CHECK(hl_fdbuf_put(&o, "{", 1));
    CHECK(hl_sync_put_status(&o, &in));
    CHECK(hl_fdbuf_put(&o, "}", 1));
    root = json_loadb(o.buf, o.len, JSON_REJECT_DUPLICATES, &je);
    st = json_object_get(root, "status");
    const char *nulls[] = {"survey",     "assignment",      "oldest_pending", "disk_free_bytes",
                           "last_error", "last_usb_export", "officer_id"};
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        if (!json_is_null(json_object_get(st, nulls[i])))
            hl_test_fail(__FILE__, __LINE__, "status.%s is not null", nulls[i]);
    CHECK(json_is_false(json_object_get(st, "clock_trusted")));
    CHECK_INT(json_integer_value(json_object_get(st, "pending")), 0);
    json_decref(root);
    free(o.buf);
}

static void test_an_assignment_is_new_only_with_another_id_and_something_to_install(void)
{
    char *text = hl_fixture_survey_text("giao", 3, NULL), sha[65];
    hl_fixture_sha256_hex(text, sha);
    hl_sync_assignment_t a = {0};
    /* No member, or null: nothing assigned. */
    const char *plain = "{\"accepted\": [], \"duplicate\": []}";
    hl_sync_parse_assignment(plain, strlen(plain), -1, &a);
    CHECK_INT(a.kind, HL_SYNC_ASSIGN_NONE);
    parse_assignment("null", -1, &a);
    CHECK_INT(a.kind, HL_SYNC_ASSIGN_NONE);
    /* The id alone (the kiosk reported on it), or the id it handled already. */
    parse_assignment("{\"id\": 17}", -1, &a);
    CHECK_INT(a.kind, HL_SYNC_ASSIGN_SAME);
    char *full =
        hl_fixture_assignment(17, sha, text, "[{\"id\": \"nva\", \"name\": \"Nguyễn Văn A\"}]");
    parse_assignment(full, 17, &a);
    CHECK_INT(a.kind, HL_SYNC_ASSIGN_SAME);
    CHECK(a.survey == NULL && a.officers == NULL);
    /* A new one with both: checked, waiting, with the text as sent and the
     * officers as compact JSON of id and name only. */
    free(full);
    full = hl_fixture_assignment(18, sha, text,
                                 "[{\"id\": \"nva\", \"name\": \"Nguyễn Văn A\", \"rank\": 3}]");
    parse_assignment(full, 17, &a);
    CHECK_INT(a.kind, HL_SYNC_ASSIGN_NEW);
    CHECK_INT(a.id, 18);
    CHECK_INT(a.state, HL_ASSIGN_WAITING);
    CHECK_STR(a.error, "");
    CHECK_STR(a.survey, text);
    CHECK_INT(a.survey_len, strlen(text));
    CHECK_STR(a.officers, "[{\"id\":\"nva\",\"name\":\"Nguyễn Văn A\"}]");
    /* Officers only; an empty list (no officers) is one too. */
    parse_assignment("{\"id\": 19, \"officers\": []}", 18, &a);
    CHECK_INT(a.kind, HL_SYNC_ASSIGN_NEW);
    CHECK_INT(a.state, HL_ASSIGN_WAITING);
    CHECK(a.survey == NULL);
    CHECK_STR(a.officers, "[]");
    /* Not an object with a whole number id: the server's fault, nothing recorded. */
    const char *bad[] = {"[1]",           "\"17\"",      "{\"survey\": \"x\"}", "{\"id\": \"17\"}",
                         "{\"id\": 1.5}", "{\"id\": -3}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        parse_assignment(bad[i], -1, &a);
        CHECK_INT(a.kind, HL_SYNC_ASSIGN_BAD);
        CHECK_CONTAINS(a.error, "\"assignment\"");
    }
    hl_sync_assignment_free(&a);
    free(full);
    free(text);
}

/* parse_assignment of a new assignment expecting it refused with a message
 * holding want. */
static void expect_assignment_refused(const char *tag, const char *assignment, const char *want)
{
    hl_sync_assignment_t a = {0};
    parse_assignment(assignment, 1, &a);
    if (a.kind != HL_SYNC_ASSIGN_NEW || a.state != HL_ASSIGN_FAILED || !strstr(a.error, want))
        hl_test_fail(__FILE__, __LINE__, "%s: kind %d state %d: \"%s\", expected to hold \"%s\"",
                     tag, a.kind, a.state, a.error, want);
    CHECK(a.survey == NULL && a.officers == NULL);
    hl_sync_assignment_free(&a);
}

static void test_an_assignment_is_refused_with_why_when_a_check_fails(void)
{
    char *text = hl_fixture_survey_text("giao", 3, NULL), sha[65];
    hl_fixture_sha256_hex(text, sha);
    char other[65];
    memcpy(other, sha, 65);
    other[0] = other[0] == 'a' ? 'b' : 'a';
    char *j = hl_fixture_assignment(2, other, text, NULL);
    expect_assignment_refused("another hash", j, "SHA-256");
    free(j);
    j = hl_fixture_assignment(2, NULL, text, NULL);
    expect_assignment_refused("no hash", j, "survey_sha256");
    free(j);
    j = hl_fixture_assignment(2, "xyz", text, NULL);
    expect_assignment_refused("a short hash", j, "64 hex digits");
    free(j);
    expect_assignment_refused("not a string", "{\"id\": 2, \"survey\": {\"id\": \"x\"}}",
                              "not the survey file's text");
    /* A text that is not a survey at all, and one that breaks a rule. */
    const char *junk = "not json";
    hl_fixture_sha256_hex(junk, other);
    j = hl_fixture_assignment(2, other, junk, NULL);
    expect_assignment_refused("junk", j, "does not pass hailong check");
    free(j);
    char *broken =
        hl_fixture_survey_text("Giao Sai", 3, NULL); /* an id with capitals and a space */
    hl_fixture_sha256_hex(broken, other);
    j = hl_fixture_assignment(2, other, broken, NULL);
    expect_assignment_refused("a broken survey", j, "does not pass hailong check");
    free(j);
    free(broken);
    /* Pictures and recordings come by USB stick. */
    char *pic = hl_fixture_survey_text(
        "giao", 4,
        ", {\"id\": \"intro\", \"type\": \"note\", \"text\": {\"vi\": \"Chào\", "
        "\"en\": \"Hello\"}, \"body\": {\"vi\": \"Chào\", \"en\": \"Hello\"},"
        " \"image\": \"pics/a.png\"}");
    hl_fixture_sha256_hex(pic, other);
    j = hl_fixture_assignment(2, other, pic, NULL);
    expect_assignment_refused("a picture", j, "install it from a USB stick");
    free(j);
    free(pic);
    /* Larger than a survey file may be; a NUL inside. */
    char *huge = malloc(HL_MAX_FILE_BYTES + 2);
    memset(huge, ' ', HL_MAX_FILE_BYTES + 1);
    huge[HL_MAX_FILE_BYTES + 1] = '\0';
    hl_fixture_sha256_hex(huge, other);
    j = hl_fixture_assignment(2, other, huge, NULL);
    expect_assignment_refused("too large", j, "at most");
    free(j);
    free(huge);
    j = hl_fixture_assignment(2, sha, NULL, NULL);
    size_t n = strlen(j);
    char *nul = malloc(n + 64);
    snprintf(nul, n + 64, "{\"id\": 2, \"survey_sha256\": \"%s\", \"survey\": \"a\\u0000b\"}", sha);
    expect_assignment_refused("a NUL", nul, "NUL");
    free(nul);
    free(j);
    /* Officers the config could not hold; the survey is not installed
     * without them. */
    const struct {
        const char *tag, *officers, *want;
    } off[] = {
        {"not a list", "{\"id\": \"nva\"}", "not a list"},
        {"no name", "[{\"id\": \"nva\"}]", "\"id\" and \"name\""},
        {"a capital in an id", "[{\"id\": \"Nva\", \"name\": \"A\"}]", "officer id"},
        {"twice", "[{\"id\": \"a\", \"name\": \"A\"}, {\"id\": \"a\", \"name\": \"B\"}]",
         "listed twice"},
        {"a line break", "[{\"id\": \"a\", \"name\": \"A\\nB\"}]", "one line"},
    };
    for (size_t i = 0; i < sizeof off / sizeof off[0]; i++) {
        j = hl_fixture_assignment(2, sha, text, off[i].officers);
        expect_assignment_refused(off[i].tag, j, off[i].want);
        free(j);
    }
    char many[4096] = "[";
    for (int i = 0; i <= HL_MAX_OFFICERS; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many),
                 "%s{\"id\": \"o%d\", \"name\": \"O\"}", i ? ", " : "", i);
    strcat(many, "]");
    j = hl_fixture_assignment(2, NULL, NULL, many);
    expect_assignment_refused("too many", j, "at most");
    free(j);
    free(text);
}

/* ---- Against the receiver -------------------------------------------------------------- */

static void test_push_delivers_every_response_once_in_batches(void)
{
    fixture_t f;
    hl_receiver_opts_t ro = {.token = "kiosk-token-1"};
    fixture_serve(&f, "sync-basic", 1203, &ro);
    fixture_push(&f);
    CHECK_INT(pending_of(&f), 1203);
    pump_result_t p = pump(f.s, f.st, 20);
    CHECK_INT(p.delivered, 1203);
    CHECK_INT(p.delivered_rounds, 3); /* 500 + 500 + 203 */
    CHECK_INT(p.retries, 0);
    hl_store_sync_t ss = {0};
    hl_err_t err = {0};
    CHECK_INT(hl_store_sync_state(f.st, &ss, &err), HL_OK);
    CHECK_INT(ss.delivered, 1203);
    CHECK(ss.last_success_utc_ms > 0);
    CHECK_STR(ss.last_error, "");
    /* Nothing new: the next push is a heartbeat, answered with the two empty lists. */
    hl_receiver_stats_t rs = {0};
    CHECK_INT(hl_receiver_stats(&f.r, &rs), 0);
    long before = rs.requests;
    hl_sync_outcome_t out;
    CHECK_INT(hl_sync_push(f.s, f.st, &out, &err), HL_OK);
    CHECK_INT(out.verdict, HL_SYNC_IDLE);
    CHECK(out.heartbeat);
    CHECK_INT(out.n_sent, 0);
    CHECK_STR(out.batch_id, "e3b0c44298fc1c149afbf4c8996fb924");
    CHECK_INT(hl_receiver_stats(&f.r, &rs), 0);
    CHECK_INT(rs.requests, before + 1);
    CHECK_INT(rs.stored, 1203);
    fixture_end(&f, 1203);
}

static void test_every_request_carries_the_chain_head_signed_by_the_device_key(void)
{
    fixture_t f;
    hl_receiver_opts_t ro = {.token = "kiosk-token-1"};
    fixture_serve(&f, "sync-head", 7, &ro);
    f.cfg.batch = 3;
    fixture_push(&f);
    hl_devkey_t key, other;
    hl_test_devkey(&key, 7);
    hl_test_devkey(&other, 8);
    hl_err_t err = {0};
    CHECK_INT(hl_store_set_signer(f.st, &key, &err), HL_OK);
    pump_result_t p = pump(f.s, f.st, 20);
    CHECK_INT(p.delivered, 7);
    int64_t head_seq = 0;
    char head[HL_CHAIN_HEX + 1];
    CHECK_INT(hl_store_chain_head(f.st, &head_seq, head, &err), HL_OK);
    fixture_unpush(&f);
    /* Four requests (3 + 3 + 1, then the heartbeat), each with the head,
     * signed: a server checks it with the kiosk's registered public key. */
    sqlite3 *db = NULL;
    CHECK_INT(sqlite3_open_v2(f.r.db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    CHECK_INT(sqlite3_prepare_v2(db, "SELECT kiosk_id, seq, chain, signature, key FROM heads", -1,
                                 &q, NULL),
              SQLITE_OK);
    int n = 0;
    while (q && sqlite3_step(q) == SQLITE_ROW) {
        const char *kiosk = (const char *)sqlite3_column_text(q, 0);
        int64_t seq = sqlite3_column_int64(q, 1);
        const char *chain = (const char *)sqlite3_column_text(q, 2);
        const char *sig = (const char *)sqlite3_column_text(q, 3);
        const char *fpr = (const char *)sqlite3_column_text(q, 4);
        CHECK_STR(kiosk, "kiosk-sync");
        CHECK_INT(seq, head_seq);
        CHECK_STR(chain, head);
        CHECK_STR(fpr, key.fingerprint);
        CHECK(sig && hl_devkey_verify_chain(&key, kiosk, seq, chain, sig));
        CHECK(sig && !hl_devkey_verify_chain(&other, kiosk, seq, chain, sig));
        CHECK(sig && !hl_devkey_verify_chain(&key, kiosk, seq - 1, chain, sig));
        n++;
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    CHECK_INT(n, 4);
    hl_devkey_free(&key);
    hl_devkey_free(&other);
    fixture_end(&f, -1);
}

static void test_ten_thousand_responses_arrive_once_through_a_misbehaving_server(void)
{
    fixture_t f;
    hl_receiver_opts_t ro = {.token = "kiosk-token-1", .chaos = 0.3, .seed = 42, .slow_s = 4};
    fixture_serve(&f, "sync-chaos", 10000, &ro);
    f.cfg.timeout_s = 3; /* below the slow answers' 4 s, above a busy machine's normal answer */
    fixture_push(&f);
    pump_result_t p = pump(f.s, f.st, 400);
    CHECK_INT(p.stops, 0);
    CHECK(p.retries > 0); /* the chaos happened */
    hl_receiver_stats_t rs = {0};
    CHECK_INT(hl_receiver_stats(&f.r, &rs), 0);
    CHECK(rs.resent > 0); /* some batches were stored, then not confirmed, then sent again */
    fprintf(stderr, "  chaos: %d rounds, %d retries, %ld requests, %ld responses resent\n",
            p.rounds, p.retries, rs.requests, rs.resent);
    fixture_end(&f, 10000);
}

/* One push against a receiver serving cert (or plain) with cfg changes:
 * the verdict and message, and how many requests reached the receiver. */
static void expect_refused(const char *tag, const char *cert, const char *pin, const char *msg)
{
    fprintf(stderr, "  case %s\n", tag); /* names the case of any failure below */
    fixture_t f;
    hl_receiver_opts_t ro = {.cert = cert};
    fixture_serve(&f, tag, 20, &ro);
    if (pin) snprintf(f.cfg.pin, sizeof f.cfg.pin, "%s", pin);
    fixture_push(&f);
    hl_sync_outcome_t out;
    hl_err_t err = {0};
    CHECK_INT(hl_sync_push(f.s, f.st, &out, &err), HL_OK);
    CHECK_INT(out.verdict, HL_SYNC_RETRY);
    CHECK_INT(out.n_delivered, 0);
    CHECK_CONTAINS(out.error, msg);
    CHECK_INT(hl_sync_commit(f.s, f.st, &out, &err), HL_OK);
    hl_store_sync_t ss = {0};
    CHECK_INT(hl_store_sync_state(f.st, &ss, &err), HL_OK);
    CHECK_INT(ss.pending, 20);
    CHECK_CONTAINS(ss.last_error, msg);
    hl_receiver_stats_t rs = {0};
    CHECK_INT(hl_receiver_stats(&f.r, &rs), 0);
    CHECK_INT(rs.requests, 0); /* nothing reached the server */
    CHECK_INT(rs.stored, 0);
    fixture_end(&f, -1);
}

/* A certificate the kiosk must not trust: from another CA, for another
 * host name, expired. */
static void test_a_certificate_from_another_ca_for_another_host_or_expired_sends_nothing(void)
{
    static const struct {
        const char *tag, *cert;
    } certs[] = {
        {"sync-rogue", "rogue"}, {"sync-wrongname", "wrongname"}, {"sync-expired", "expired"}};
    for (size_t i = 0; i < sizeof certs / sizeof certs[0]; i++)
        expect_refused(certs[i].tag, certs[i].cert, NULL, "not trusted");
}

/* The first line of a pin file in the fixture's certificates. */
static void read_pin(const fixture_t *f, const char *name, char *out, size_t size)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", f->certs, name);
    char *t = hl_test_read_file(path, NULL);
    snprintf(out, size, "%.*s", t ? (int)strcspn(t, "\r\n") : 0, t ? t : "");
    free(t);
    CHECK(strncmp(out, "sha256//", 8) == 0);
}

static void test_a_pin_mismatch_sends_nothing_and_a_backup_pin_works(void)
{
    /* A pin of an unrelated key only. */
    expect_refused("sync-pin-bad", NULL, "sha256//GMNuGaOnZKrno5y1drPufki5UDbc2soZJOYQISHKGyA=",
                   "does not match sync.pin");

    fixture_t f;
    fixture_init(&f, "sync-pin-ok");
    char other[200], good[200];
    read_pin(&f, "other.pin", other, sizeof other);
    read_pin(&f, "server.pin", good, sizeof good);
    add_responses(&f, 30);
    hl_receiver_t r = {0};
    CHECK_INT(hl_receiver_start(f.dir, NULL, &r), 0);
    hl_sync_cfg_t cfg = sync_cfg(&f, &r);
    snprintf(cfg.pin, sizeof cfg.pin, "%s;%s", other, good); /* the server's pin second */
    hl_sync_t *s = sync_new(&f, &cfg);
    hl_store_t *st = open_store(&f);
    pump_result_t p = pump(s, st, 5);
    CHECK_INT(p.delivered, 30);
    hl_sync_free(s);
    hl_store_close(st);
    expect_receiver_equals_kiosk(&f, &r, 30);
    hl_receiver_stop(&r);
    fixture_free(&f);
}

static void test_plain_http_works_only_when_the_config_allows_it(void)
{
    fixture_t f;
    fixture_init(&f, "sync-http");
    add_responses(&f, 10);
    hl_receiver_t r = {0};
    hl_receiver_opts_t ro = {.plain = true};
    CHECK_INT(hl_receiver_start(f.dir, &ro, &r), 0);
    CHECK(strncmp(r.url, "http://", 7) == 0);
    hl_sync_cfg_t cfg = sync_cfg(&f, &r);
    hl_sync_t *s = NULL;
    hl_err_t err = {0};
    hl_sync_opts_t o = {.cfg = &cfg, .kiosk_id = "kiosk-sync", .sys = hl_fakesys_sys(&f.clock)};
    CHECK_INT(hl_sync_new(&o, &s, &err), HL_ERR_USAGE);
    hl_receiver_stats_t rs = {0};
    CHECK_INT(hl_receiver_stats(&r, &rs), 0);
    CHECK_INT(rs.requests, 0);
    cfg.allow_insecure_http = true;
    s = sync_new(&f, &cfg);
    hl_store_t *st = open_store(&f);
    CHECK_INT(pump(s, st, 5).delivered, 10);
    hl_sync_free(s);
    hl_store_close(st);
    expect_receiver_equals_kiosk(&f, &r, 10);
    hl_receiver_stop(&r);
    fixture_free(&f);
}

/* The wake hook of the worker tests: counts calls. */
static void count_wake(void *ctx)
{
    atomic_int *n = ctx;
    atomic_fetch_add(n, 1);
}

/* Runs a worker, committing its outcomes as the event loop would: until
 * pending reaches 0 (when until_empty), else for ms and at least until the
 * worker reports itself stopped (a busy machine can start it late). ms counts
 * 10 ms naps, so a loaded machine stretches it; HL_WORKER_MAX_MS bounds the
 * whole against a hang. */
#define HL_WORKER_MAX_MS 300000
static void run_worker(fixture_t *f, const hl_sync_cfg_t *cfg, hl_store_t *st, int ms,
                       bool until_empty, hl_syncw_info_t *info)
{
    atomic_int wakes = 0;
    hl_syncw_t *w = NULL;
    hl_err_t err = {0};
    hl_syncw_opts_t o = {.sync = {.cfg = cfg,
                                  .kiosk_id = "kiosk-sync",
                                  .software_version = "test",
                                  .sys = hl_fakesys_sys(&f->clock),
                                  .backoff_base_ms = 20,
                                  .backoff_cap_ms = 200},
                         .data_dir = f->data,
                         .wake = count_wake,
                         .wake_ctx = &wakes};
    /* The worker waits in real time: its back-off and Retry-After run for real. */
    o.sync.sys = hl_platform_sys();
    if (hl_syncw_start(&o, &w, &err) != HL_OK) {
        hl_test_fail(__FILE__, __LINE__, "worker: %s", err.msg);
        return;
    }
    for (int t = 0; t < HL_WORKER_MAX_MS; t += 10) {
        if (hl_syncw_commit(w, st, &err) != HL_OK)
            hl_test_fail(__FILE__, __LINE__, "commit: %s", err.msg);
        hl_store_sync_t ss = {0};
        if (until_empty && hl_store_sync_state(st, &ss, &err) == HL_OK && ss.pending == 0) break;
        hl_syncw_info_t now;
        hl_syncw_info(w, &now);
        if (!until_empty && t >= ms && now.stopped) break;
        sleep_ms(10);
    }
    if (info) hl_syncw_info(w, info);
    hl_syncw_stop(w);
}

/* The statuses the receiver got, as a JSON array (see hl_receiver_statuses). */
static json_t *statuses_of(const fixture_t *f)
{
    json_t *a = hl_receiver_statuses(&f->r);
    CHECK(json_is_array(a));
    return a;
}

static void test_every_request_carries_the_status_and_a_heartbeat_goes_when_nothing_is_pending(void)
{
    fixture_t f;
    hl_receiver_opts_t ro = {.token = "kiosk-token-1"};
    fixture_serve(&f, "sync-status", 7, &ro);
    f.cfg.batch = 5;
    fixture_push(&f);
    hl_err_t err = {0};
    hl_store_sync_t before = {0};
    CHECK_INT(hl_store_sync_state(f.st, &before, &err), HL_OK);
    CHECK_INT(hl_store_record_export(f.st, 1796000000000LL, 1, 2, 2, "stick", "HAILONG/x", &err),
              HL_OK);
    pump_result_t p = pump(f.s, f.st, 10);
    CHECK_INT(p.delivered, 7);
    CHECK_INT(p.rounds, 2); /* 5 + 2, then the heartbeat (the round that ends the pump) */
    json_t *all = statuses_of(&f);
    CHECK_INT(json_array_size(all), 3);
    const int pending[] = {7, 2, 0}, sent[] = {5, 2, 0};
    for (size_t i = 0; i < json_array_size(all) && i < 3; i++) {
        json_t *st = json_object_get(json_array_get(all, i), "status");
        CHECK_INT(json_integer_value(json_object_get(json_array_get(all, i), "n")), sent[i]);
        CHECK_INT(json_integer_value(json_object_get(st, "protocol")), 2);
        CHECK_STR(json_string_value(json_object_get(st, "software")), "test");
        char now[32];
        hl_time_iso8601_ms(f.clock.utc_ms, now);
        CHECK_STR(json_string_value(json_object_get(st, "time")), now);
        CHECK(json_is_true(json_object_get(st, "clock_trusted")));
        CHECK_INT(json_integer_value(json_object_get(st, "uptime_s")), 90);
        CHECK_INT(json_integer_value(json_object_get(st, "interval_s")), 60);
        json_t *sv = json_object_get(st, "survey");
        CHECK_STR(json_string_value(json_object_get(sv, "id")), "sync-test");
        CHECK_INT(json_integer_value(json_object_get(sv, "version")), 1);
        CHECK_STR(json_string_value(json_object_get(sv, "sha256")), f.survey.sha256);
        CHECK(json_is_null(json_object_get(st, "assignment")));
        CHECK_INT(json_integer_value(json_object_get(st, "pending")), pending[i]);
        char oldest[32];
        hl_time_iso8601_ms(before.oldest_pending_utc_ms + (i ? 5 * 30000 : 0), oldest);
        if (pending[i])
            CHECK_STR(json_string_value(json_object_get(st, "oldest_pending")), oldest);
        else
            CHECK(json_is_null(json_object_get(st, "oldest_pending")));
        CHECK_INT(json_integer_value(json_object_get(st, "disk_free_bytes")), TEST_FREE_BYTES);
        CHECK(json_is_null(json_object_get(st, "last_error")));
        CHECK_STR(json_string_value(json_object_get(st, "last_usb_export")),
                  "2026-11-30T00:53:20.000Z");
        CHECK_STR(json_string_value(json_object_get(st, "officer_id")), "nva");
    }
    json_decref(all);
    /* The heartbeat's answer counts as a success; the kiosk's new officer
     * shows in the next status. */
    hl_store_sync_t ss = {0};
    CHECK_INT(hl_store_sync_state(f.st, &ss, &err), HL_OK);
    CHECK_INT(ss.last_success_utc_ms, f.clock.utc_ms);
    hl_sync_kiosk_t k = test_kiosk(&f);
    snprintf(k.officer_id, sizeof k.officer_id, "ttb");
    hl_sync_set_kiosk(f.s, &k);
    hl_fakesys_advance(&f.clock, 60000);
    hl_sync_outcome_t out;
    CHECK_INT(hl_sync_push(f.s, f.st, &out, &err), HL_OK);
    CHECK_INT(out.verdict, HL_SYNC_IDLE);
    all = statuses_of(&f);
    json_t *last = json_object_get(json_array_get(all, json_array_size(all) - 1), "status");
    CHECK_STR(json_string_value(json_object_get(last, "officer_id")), "ttb");
    CHECK_INT(json_integer_value(json_object_get(last, "uptime_s")), 150);
    json_decref(all);
    fixture_end(&f, 7);
}

static void test_a_refused_heartbeat_is_an_error_and_never_stops_the_sync(void)
{
    /* A version 1 server that refuses an empty batch, and a wrong token. */
    const char *modes[] = {"refuse-empty", NULL};
    for (int m = 0; m < 2; m++) {
        fixture_t f;
        hl_receiver_opts_t ro = {.token = "kiosk-token-1", .mode = modes[m]};
        fixture_serve(&f, "sync-hb", 0, &ro);
        if (m == 1) snprintf(f.cfg.token, sizeof f.cfg.token, "a-wrong-token");
        fixture_push(&f);
        hl_sync_outcome_t out;
        hl_err_t err = {0};
        CHECK_INT(hl_sync_push(f.s, f.st, &out, &err), HL_OK);
        CHECK(out.heartbeat);
        CHECK_INT(out.verdict, HL_SYNC_RETRY);
        CHECK_INT(out.http_status, m == 0 ? 400 : 401);
        CHECK_INT(out.next_in_ms, 60000); /* the interval: neither a stop nor a back-off */
        CHECK_CONTAINS(out.error, "heartbeat");
        CHECK_CONTAINS(out.error, m == 0 ? "version 1" : "sync.token");
        CHECK_INT(hl_sync_commit(f.s, f.st, &out, &err), HL_OK);
        hl_store_sync_t ss = {0};
        CHECK_INT(hl_store_sync_state(f.st, &ss, &err), HL_OK);
        CHECK_CONTAINS(ss.last_error, "heartbeat");
        CHECK_STR(ss.stopped_fingerprint, "");
        /* Batches go on as before: a response finished now is delivered by
         * the version 1 server (the wrong token stops at its first batch). */
        hl_store_close(f.st);
        add_responses(&f, 3);
        f.st = open_store(&f);
        CHECK_INT(hl_sync_push(f.s, f.st, &out, &err), HL_OK);
        CHECK_INT(hl_sync_commit(f.s, f.st, &out, &err), HL_OK);
        CHECK_INT(out.verdict, m == 0 ? HL_SYNC_DELIVERED : HL_SYNC_STOP);
        CHECK_INT(hl_store_sync_state(f.st, &ss, &err), HL_OK);
        CHECK_INT(ss.pending, m == 0 ? 0 : 3);
        fixture_end(&f, -1);
    }
    /* The worker with nothing pending and a version 1 server: it keeps sending. */
    fixture_t f;
    hl_receiver_opts_t ro = {.mode = "refuse-empty"};
    fixture_serve(&f, "sync-hb-worker", 0, &ro);
    f.cfg.interval_s = 1;
    f.st = open_store(&f);
    hl_syncw_t *w = NULL;
    hl_err_t err = {0};
    hl_syncw_opts_t o = {
        .sync = {.cfg = &f.cfg, .kiosk_id = "kiosk-sync", .sys = hl_platform_sys()},
        .data_dir = f.data};
    CHECK_INT(hl_syncw_start(&o, &w, &err), HL_OK);
    hl_syncw_info_t info = {0};
    for (int t = 0; w && t < HL_WORKER_MAX_MS && info.rounds < 3; t += 10) {
        if (hl_syncw_commit(w, f.st, &err) != HL_OK)
            hl_test_fail(__FILE__, __LINE__, "commit: %s", err.msg);
        hl_syncw_info(w, &info);
        sleep_ms(10);
    }
    CHECK(info.rounds >= 3); /* a heartbeat every interval, refused each time */
    CHECK(!info.stopped);
    CHECK(info.last_heartbeat);
    CHECK_INT(info.last_verdict, HL_SYNC_RETRY);
    hl_syncw_stop(w);
    hl_store_sync_t ss = {0};
    CHECK_INT(hl_store_sync_state(f.st, &ss, &err), HL_OK);
    CHECK_STR(ss.stopped_fingerprint, "");
    CHECK_CONTAINS(ss.last_error, "heartbeat");
    fixture_end(&f, -1);
}

static void test_an_assignment_is_recorded_waiting_with_its_answer_and_reported_back(void)
{
    fixture_t f;
    fixture_init(&f, "sync-assign");
    char *text = hl_fixture_survey_text("giao", 3, NULL), sha[65];
    hl_fixture_sha256_hex(text, sha);
    char *a =
        hl_fixture_assignment(17, sha, text, "[{\"id\": \"nva\", \"name\": \"Nguyễn Văn A\"}]");
    char *file = hl_test_write_file(f.dir, "assignment.json", a);
    hl_receiver_opts_t ro = {.assignment_file = file};
    CHECK_INT(hl_receiver_start(f.dir, &ro, &f.r), 0);
    f.cfg = sync_cfg(&f, &f.r);
    fixture_push(&f);
    hl_sync_outcome_t out;
    hl_err_t err = {0};
    /* A heartbeat's answer brings it: checked, recorded waiting with the answer. */
    CHECK_INT(hl_sync_push(f.s, f.st, &out, &err), HL_OK);
    CHECK_INT(out.verdict, HL_SYNC_IDLE);
    CHECK_INT(out.assignment.kind, HL_SYNC_ASSIGN_NEW);
    CHECK_INT(out.assignment.state, HL_ASSIGN_WAITING);
    CHECK_INT(hl_sync_commit(f.s, f.st, &out, &err), HL_OK);
    hl_store_assign_t as;
    CHECK_INT(hl_store_assign_get(f.st, &as, &err), HL_OK);
    CHECK_INT(as.id, 17);
    CHECK_INT(as.state, HL_ASSIGN_WAITING);
    char *stored = NULL, *officers = NULL;
    size_t len = 0;
    CHECK_INT(hl_store_assign_payload(f.st, 17, &stored, &len, &officers, &err), HL_OK);
    CHECK_STR(stored, text);
    CHECK_STR(officers, "[{\"id\":\"nva\",\"name\":\"Nguyễn Văn A\"}]");
    free(stored);
    free(officers);
    /* The next request reports it; the server then sends the id alone. */
    CHECK_INT(hl_sync_push(f.s, f.st, &out, &err), HL_OK);
    CHECK_INT(out.assignment.kind, HL_SYNC_ASSIGN_SAME);
    CHECK_INT(hl_sync_commit(f.s, f.st, &out, &err), HL_OK);
    json_t *all = statuses_of(&f);
    json_t *st = json_object_get(json_array_get(all, 1), "status");
    json_t *rep = json_object_get(st, "assignment");
    CHECK_INT(json_integer_value(json_object_get(rep, "id")), 17);
    CHECK_STR(json_string_value(json_object_get(rep, "state")), "waiting");
    CHECK(json_is_null(json_object_get(rep, "error")));
    json_decref(all);
    /* The kiosk installed it: the state says so in the next status. */
    CHECK_INT(hl_store_assign_done(f.st, 17, HL_ASSIGN_INSTALLED, NULL, f.clock.utc_ms, &err),
              HL_OK);
    CHECK_INT(hl_sync_push(f.s, f.st, &out, &err), HL_OK);
    CHECK_INT(hl_sync_commit(f.s, f.st, &out, &err), HL_OK);
    /* A new one damaged on the way: recorded failed with why, reported so. */
    free(a);
    a = hl_fixture_assignment(18, sha, "{\"id\": \"giao\"}", NULL);
    free(hl_test_write_file(f.dir, "assignment.json", a));
    CHECK_INT(hl_sync_push(f.s, f.st, &out, &err), HL_OK);
    CHECK_INT(out.assignment.kind, HL_SYNC_ASSIGN_NEW);
    CHECK_INT(out.assignment.state, HL_ASSIGN_FAILED);
    CHECK_INT(hl_sync_commit(f.s, f.st, &out, &err), HL_OK);
    CHECK_INT(hl_sync_push(f.s, f.st, &out, &err), HL_OK);
    CHECK_INT(hl_sync_commit(f.s, f.st, &out, &err), HL_OK);
    all = statuses_of(&f);
    CHECK_INT(json_array_size(all), 5);
    const char *states[] = {NULL, "waiting", "installed", "installed", "failed"};
    for (size_t i = 1; i < json_array_size(all) && i < 5; i++) {
        rep = json_object_get(json_object_get(json_array_get(all, i), "status"), "assignment");
        CHECK_STR(json_string_value(json_object_get(rep, "state")), states[i]);
    }
    CHECK_CONTAINS(json_string_value(json_object_get(rep, "error")), "SHA-256");
    json_decref(all);
    /* The command line shows it. */
    fixture_unpush(&f);
    free(file);
    free(a);
    free(text);
    fixture_end(&f, -1);
}

static void test_wrong_token_stops_retries_until_the_config_changes(void)
{
    fixture_t f;
    hl_receiver_opts_t ro = {.token = "the-right-token"};
    fixture_serve(&f, "sync-token", 40, &ro);
    snprintf(f.cfg.token, sizeof f.cfg.token, "a-wrong-token");
    f.cfg.interval_s = 5;
    fixture_push(&f);
    pump_result_t p = pump(f.s, f.st, 5);
    CHECK_INT(p.stops, 1);
    CHECK_INT(p.rounds, 0); /* stopped at the first answer */
    CHECK_CONTAINS(p.last_error, "401");
    CHECK_CONTAINS(p.last_error, "sync.token");
    CHECK(!strstr(p.last_error, "a-wrong-token"));
    hl_store_sync_t ss = {0};
    hl_err_t err = {0};
    CHECK_INT(hl_store_sync_state(f.st, &ss, &err), HL_OK);
    CHECK_STR(ss.stopped_fingerprint, hl_sync_config_fingerprint(f.s));
    CHECK_INT(ss.pending, 40);
    hl_sync_free(f.s);
    f.s = NULL;

    /* A worker started again with the same config (a restart) sends nothing. */
    hl_syncw_info_t info;
    run_worker(&f, &f.cfg, f.st, 1500, false, &info);
    CHECK(info.stopped);
    hl_receiver_stats_t rs = {0};
    CHECK_INT(hl_receiver_stats(&f.r, &rs), 0);
    CHECK_INT(rs.requests, 1);

    /* The technician fixes the token: the worker delivers at once. */
    snprintf(f.cfg.token, sizeof f.cfg.token, "the-right-token");
    run_worker(&f, &f.cfg, f.st, 20000, true, &info);
    CHECK(!info.stopped);
    CHECK_INT(hl_store_sync_state(f.st, &ss, &err), HL_OK);
    CHECK_STR(ss.stopped_fingerprint, "");
    CHECK_STR(ss.last_error, "");
    fixture_end(&f, 40);
}

static void test_retry_after_of_a_busy_server_is_honoured(void)
{
    const char *modes[] = {"503", "429"};
    for (int m = 0; m < 2; m++) {
        fixture_t f;
        hl_receiver_opts_t ro = {.mode = modes[m], .retry_after_s = 7};
        fixture_serve(&f, "sync-busy", 5, &ro);
        fixture_push(&f);
        hl_sync_outcome_t out;
        hl_err_t err = {0};
        CHECK_INT(hl_sync_push(f.s, f.st, &out, &err), HL_OK);
        CHECK_INT(out.verdict, HL_SYNC_RETRY);
        CHECK_INT(out.http_status, atoi(modes[m]));
        CHECK_INT(out.retry_after_ms, 7000);
        CHECK(out.next_in_ms >= 7000); /* more than the 20..200 ms back-off of sync_new */
        CHECK_CONTAINS(out.error, "busy");
        fixture_end(&f, -1);
    }
}

static void test_a_server_naming_part_of_a_batch_gets_the_rest_again(void)
{
    const char *modes[] = {"partial", "upper"};
    for (int m = 0; m < 2; m++) {
        fixture_t f;
        hl_receiver_opts_t ro = {.mode = modes[m]};
        fixture_serve(&f, "sync-partial", 333, &ro);
        f.cfg.batch = 100;
        fixture_push(&f);
        pump_result_t p = pump(f.s, f.st, 100);
        CHECK_INT(p.retries, 0);
        CHECK_INT(p.delivered, 333);
        hl_receiver_stats_t rs = {0};
        CHECK_INT(hl_receiver_stats(&f.r, &rs), 0);
        if (m == 0) CHECK(rs.resent > 0);    /* the unnamed halves went again */
        if (m == 1) CHECK_INT(rs.resent, 0); /* ids named in upper case count */
        fixture_end(&f, 333);
    }
}

static void test_worker_delivers_each_once_through_a_misbehaving_server(void)
{
    fixture_t f;
    hl_receiver_opts_t ro = {.chaos = 0.3, .seed = 9, .slow_s = 4, .retry_after_s = 1};
    fixture_serve(&f, "sync-worker-chaos", 3000, &ro);
    f.cfg.timeout_s = 3; /* below the slow answers' 4 s, above a busy machine's normal answer */
    f.st = open_store(&f);
    hl_syncw_info_t info;
    run_worker(&f, &f.cfg, f.st, 120000, true, &info);
    hl_receiver_stats_t rs = {0};
    CHECK_INT(hl_receiver_stats(&f.r, &rs), 0);
    CHECK(rs.requests > 6); /* 6 batches, and failures retried after a back-off */
    fixture_end(&f, 3000);
}

/* Holds 127.0.0.1:port bound but not listening (connections are refused)
 * while the receiver is down, so no other program running beside the test
 * (another test's server or client) takes the port before the receiver
 * comes back on it. Returns the socket, -1 when it cannot. */
static int hold_port(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
                    bind(fd, (struct sockaddr *)&a, sizeof a) != 0)) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static void test_responses_stored_while_the_network_is_down_go_later_oldest_first(void)
{
    fixture_t f;
    fixture_init(&f, "sync-down");
    hl_receiver_t r = {0};
    CHECK_INT(hl_receiver_start(f.dir, NULL, &r), 0);
    int port = r.port;
    hl_receiver_stop(&r); /* the network goes down */
    int held = hold_port(port);
    CHECK(held >= 0);
    add_responses(&f, 300);
    hl_sync_cfg_t cfg = sync_cfg(&f, &r);
    cfg.batch = 64;
    hl_sync_t *s = sync_new(&f, &cfg);
    hl_store_t *st = open_store(&f);
    hl_sync_outcome_t out;
    hl_err_t err = {0};
    CHECK_INT(hl_sync_push(s, st, &out, &err), HL_OK);
    CHECK_INT(out.verdict, HL_SYNC_RETRY);
    CHECK_CONTAINS(out.error, "cannot connect");
    CHECK(out.next_in_ms > 0);
    CHECK_INT(hl_sync_commit(s, st, &out, &err), HL_OK);
    hl_store_close(st);
    add_responses(&f, 200); /* more while it is down */
    hl_receiver_opts_t ro = {.port = port};
    close(held);
    CHECK_INT(hl_receiver_start(f.dir, &ro, &r), 0); /* back */
    st = open_store(&f);
    pump_result_t p = pump(s, st, 50);
    CHECK_INT(p.delivered, 500);
    hl_sync_free(s);
    hl_store_close(st);
    /* Arrival order is sequence order. */
    char *dump = hl_receiver_dump(&r);
    long last = 0, n = 0;
    for (char *q = dump ? strstr(dump, "\"seq\":") : NULL; q; q = strstr(q + 1, "\"seq\":")) {
        long seq = strtol(q + 6, NULL, 10);
        if (seq <= last) hl_test_fail(__FILE__, __LINE__, "seq %ld arrived after %ld", seq, last);
        last = seq;
        n++;
    }
    CHECK_INT(n, 500);
    free(dump);
    expect_receiver_equals_kiosk(&f, &r, 500);
    hl_receiver_stop(&r);
    fixture_free(&f);
}

static void test_worker_drains_a_backlog_and_stops_promptly_mid_request(void)
{
    fixture_t f;
    fixture_serve(&f, "sync-worker", 2500, NULL);
    f.st = open_store(&f);
    hl_syncw_info_t info;
    run_worker(&f, &f.cfg, f.st, 60000, true, &info);
    CHECK_INT(info.failures, 0);
    fixture_unpush(&f);
    expect_receiver_equals_kiosk(&f, &f.r, 2500);
    hl_receiver_stop(&f.r);

    /* A server that takes 10 minutes to answer: stopping the kiosk does not
     * wait for it (the request is cut; the responses stay pending). The stop
     * comes once the server has the batch, so the request is surely in
     * flight; a stop that waited for the answer would take 600 s. */
    add_responses(&f, 10);
    hl_receiver_stats_t before = {0};
    hl_receiver_opts_t ro = {.mode = "slow", .slow_s = 600};
    CHECK_INT(hl_receiver_start(f.dir, &ro, &f.r), 0);
    CHECK_INT(hl_receiver_stats(&f.r, &before), 0);
    f.cfg = sync_cfg(&f, &f.r);
    f.cfg.timeout_s = 600;
    hl_syncw_t *w = NULL;
    hl_err_t err = {0};
    atomic_int wakes = 0;
    hl_syncw_opts_t o = {
        .sync = {.cfg = &f.cfg, .kiosk_id = "kiosk-sync", .sys = hl_fakesys_sys(&f.clock)},
        .data_dir = f.data,
        .wake = count_wake,
        .wake_ctx = &wakes};
    CHECK_INT(hl_syncw_start(&o, &w, &err), HL_OK);
    for (;;) { /* however slowly the worker starts on a busy machine */
        hl_receiver_stats_t now = {0};
        if (hl_receiver_stats(&f.r, &now) != 0 || now.requests > before.requests) break;
        sleep_ms(10);
    }
    hl_syncw_info(w, &info);
    CHECK(info.pushing);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    hl_syncw_stop(w);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double took = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    fprintf(stderr, "  the worker stopped %.2f s after the request was in flight\n", took);
    CHECK(took < 300.0); /* half the server's 600 s: no load can make a prompt stop this slow */
    CHECK_INT(pending_of(&f), 10);
    fixture_end(&f, -1);
}

/* ---- The command line and a kiosk killed mid-push ------------------------------------ */

static char *write_config(fixture_t *f, const hl_receiver_t *r, const char *extra, int timeout_s)
{
    char text[2048];
    snprintf(text, sizeof text,
             "{\"kiosk_id\": \"kiosk-sync\",\n"
             " \"sync\": {\"url\": \"%s\", \"token\": \"kiosk-token-1\",\n"
             "          \"ca_file\": \"%s/ca.pem\", \"batch\": 20, \"timeout_s\": %d%s}}\n",
             r->url, f->certs, timeout_s, extra ? extra : "");
    return hl_test_write_file(f->dir, "hailong.json", text);
}

/* Runs `hailong --data-dir DATA --config config ARGS` and checks its exit
 * code and that stdout and stderr hold out_has and err_has (NULL: not
 * checked); o and e (NULL: discarded) take them for more checks. */
#define RUN_CLI(f, config, o, e, code, out_has, err_has, ...)                                      \
    hl_fixture_expect(__FILE__, __LINE__,                                                          \
                      (const char *const[]){HL_BIN, "--data-dir", (f)->data, "--config", config,   \
                                            __VA_ARGS__, NULL},                                    \
                      NULL, code, out_has, err_has, o, e)

/* `hailong sync --status --json` of f with config, parsed (NULL: not JSON). */
static json_t *sync_status(fixture_t *f, const char *config)
{
    char *out = NULL;
    RUN_CLI(f, config, &out, NULL, 0, NULL, NULL, "sync", "--status", "--json");
    json_error_t je;
    json_t *j = json_loads(out ? out : "", 0, &je);
    CHECK(j != NULL);
    free(out);
    return j;
}

static void test_sync_command_pushes_everything_and_status_reports_it(void)
{
    fixture_t f;
    hl_receiver_opts_t ro = {.token = "kiosk-token-1"};
    fixture_serve(&f, "sync-cli", 120, &ro);
    char *config = write_config(&f, &f.r, NULL, 30);
    json_t *j = sync_status(&f, config);
    CHECK_INT(json_integer_value(json_object_get(j, "pending")), 120);
    CHECK(json_is_null(json_object_get(j, "last_success_at")));
    CHECK(json_is_true(json_object_get(j, "configured")));
    CHECK(json_is_null(json_object_get(j, "assignment"))); /* none from the centre */
    json_decref(j);

    char *out = NULL, *errout = NULL;
    RUN_CLI(&f, config, &out, NULL, 0, "delivered 120 responses", NULL, "sync", "--once");
    CHECK_CONTAINS(out, "nothing pending");
    free(out);
    RUN_CLI(&f, config, &out, NULL, 0, "pending        0", NULL, "sync", "--status");
    CHECK_CONTAINS(out, "delivered      120");
    CHECK(!strstr(out, "kiosk-token-1"));
    free(out);
    expect_receiver_equals_kiosk(&f, &f.r, 120);

    /* The server goes away, more responses come: exit 1 with the reason. */
    hl_receiver_stop(&f.r);
    add_responses(&f, 5);
    RUN_CLI(&f, config, NULL, &errout, 1, NULL, "cannot connect", "sync", "--once");
    CHECK_CONTAINS(errout, "5 responses still pending");
    CHECK(!strstr(errout, "kiosk-token-1"));
    free(errout);
    j = sync_status(&f, config);
    CHECK_INT(json_integer_value(json_object_get(j, "pending")), 5);
    CHECK_CONTAINS(json_string_value(json_object_get(j, "last_error")), "cannot connect");
    CHECK(json_is_string(json_object_get(j, "last_success_at")));
    json_decref(j);

    /* Usage and a config without a sync section. */
    RUN_CLI(&f, config, NULL, NULL, 2, NULL, NULL, "sync");
    char *bare = hl_test_write_file(f.dir, "bare.json", "{\"kiosk_id\": \"kiosk-sync\"}\n");
    RUN_CLI(&f, bare, NULL, NULL, 1, NULL, "no \"sync\" section", "sync", "--once");
    free(bare);
    free(config);
    fixture_end(&f, -1);
}

static void test_sync_command_sends_the_status_and_records_an_assignment_for_the_kiosk(void)
{
    fixture_t f;
    fixture_init(&f, "sync-cli-v2");
    add_responses(&f, 2);
    char *text = hl_fixture_survey_text("giao", 3, NULL), sha[65];
    hl_fixture_sha256_hex(text, sha);
    char *a = hl_fixture_assignment(5, sha, text, NULL);
    char *file = hl_test_write_file(f.dir, "assignment.json", a);
    hl_receiver_opts_t ro = {.token = "kiosk-token-1", .assignment_file = file};
    CHECK_INT(hl_receiver_start(f.dir, &ro, &f.r), 0);
    char *config = write_config(&f, &f.r, NULL, 30);
    char *out = NULL;
    RUN_CLI(&f, config, &out, NULL, 0, "delivered 2 responses", NULL, "sync", "--once");
    CHECK_CONTAINS(out, "assignment 5 received");
    free(out);
    /* Nothing pending: a heartbeat, its answer naming the assignment alone. */
    RUN_CLI(&f, config, &out, NULL, 0, "nothing pending", NULL, "sync", "--once");
    free(out);
    json_t *all = statuses_of(&f);
    CHECK_INT(json_array_size(all), 2);
    const int sent[] = {2, 0};
    for (size_t i = 0; i < json_array_size(all) && i < 2; i++) {
        json_t *st = json_object_get(json_array_get(all, i), "status");
        CHECK_INT(json_integer_value(json_object_get(json_array_get(all, i), "n")), sent[i]);
        CHECK_INT(json_integer_value(json_object_get(st, "protocol")), 2);
        CHECK(json_is_object(json_object_get(st, "survey"))); /* the config's (bundled) survey */
        CHECK(json_integer_value(json_object_get(st, "disk_free_bytes")) > 0);
        CHECK(json_integer_value(json_object_get(st, "uptime_s")) >= 0);
        CHECK(json_is_null(json_object_get(st, "officer_id")));
    }
    json_t *rep = json_object_get(json_object_get(json_array_get(all, 1), "status"), "assignment");
    CHECK_INT(json_integer_value(json_object_get(rep, "id")), 5);
    CHECK_STR(json_string_value(json_object_get(rep, "state")), "waiting");
    json_decref(all);
    /* The status shows it; the kiosk installs it when it runs. */
    RUN_CLI(&f, config, &out, NULL, 0, "assignment     5 waiting", NULL, "sync", "--status");
    free(out);
    json_t *j = sync_status(&f, config);
    json_t *ja = json_object_get(j, "assignment");
    CHECK_INT(json_integer_value(json_object_get(ja, "id")), 5);
    CHECK_STR(json_string_value(json_object_get(ja, "state")), "waiting");
    CHECK(json_is_null(json_object_get(ja, "error")));
    CHECK(json_is_null(json_object_get(ja, "done_at")));
    json_decref(j);
    free(config);
    free(file);
    free(a);
    free(text);
    fixture_end(&f, 2);
}

static void test_sync_benchmark_prints_one_json_line(void)
{
    fixture_t f;
    fixture_init(&f, "sync-bench");
    hl_receiver_t r = {0};
    CHECK_INT(hl_receiver_start(f.dir, NULL, &r), 0);
    char *config = write_config(&f, &r, NULL, 30);
    char *out = NULL, *errout = NULL;
    const char *emu = getenv("HL_TEST_EMULATOR");
    if (emu && *emu) {
        /* The benchmark runs each kiosk by exec of its own /proc/self/exe:
         * under qemu user mode without binfmt_misc an arm64 program cannot
         * exec another (the exec fails with ENOEXEC). */
        printf("  skipped under %s: bench sync re-execs itself\n", emu);
    } else {
        const char *argv[] = {HL_BENCH_BIN, "--data-dir",  f.data, "--config", config,
                              "sync",       "--responses", "200",  NULL};
        CHECK_INT(hl_test_run(argv, NULL, &out, &errout), 0);
        json_error_t je;
        json_t *j = json_loads(out ? out : "", 0, &je); /* exactly one JSON value on stdout */
        CHECK(j != NULL);
        CHECK(json_number_value(json_object_get(j, "responses_per_s")) > 0);
        CHECK(json_number_value(json_object_get(j, "peak_rss_mb")) > 0);
        CHECK(json_number_value(json_object_get(j, "small_peak_rss_mb")) > 0);
        CHECK_INT(json_integer_value(json_object_get(j, "batch")), 20);
        json_decref(j);
        free(out);
        free(errout);
    }
    /* Without a sync section it says how to get a server. */
    char *bare = hl_test_write_file(f.dir, "bare.json", "{\"kiosk_id\": \"kiosk-sync\"}\n");
    const char *argv2[] = {HL_BENCH_BIN, "--data-dir",  f.data, "--config", bare,
                           "sync",       "--responses", "20",   NULL};
    CHECK_INT(hl_test_run(argv2, NULL, &out, &errout), 1);
    CHECK_CONTAINS(errout, "bench_sync.sh");
    free(out);
    free(errout);
    free(bare);
    free(config);
    hl_receiver_stop(&r);
    fixture_free(&f);
}

/* Starts argv; returns the pid. */
static pid_t spawn(const char *const *argv)
{
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        hl_test_execv(argv);
        _exit(127);
    }
    return pid;
}

static void test_a_kiosk_killed_mid_push_again_and_again_still_delivers_each_once(void)
{
    fixture_t f;
    fixture_init(&f, "sync-kill");
    add_responses(&f, 1500);
    hl_receiver_t r = {0};
    /* Each answer comes 50 ms after the batch is stored: a kill often lands
     * between the two, the classic duplicate case. The receiver's gate (the
     * hold file) answers no batch past a chosen request of the round, so a
     * run cannot push everything and end before its kill, however slowly
     * this test runs next to it: every kill lands. */
    char hold[600];
    snprintf(hold, sizeof hold, "%s/hold", f.dir);
    hl_receiver_opts_t ro = {
        .token = "kiosk-token-1", .mode = "slow", .slow_s = 0.05, .hold_file = hold};
    CHECK_INT(hl_receiver_start(f.dir, &ro, &r), 0);
    /* The kiosk waits for a held answer longer than the test can take. */
    char *config = write_config(&f, &r, NULL, 600);
    char *script = hl_test_write_file(f.dir, "push.txt", "sync 120\n");
    unsigned seed = 12345;
    int kills = 0;
    for (int round = 0; round < 8; round++) {
        /* Alternate the command line and the running kiosk's worker thread. */
        const char *once[] = {HL_BIN, "--data-dir", f.data,   "--config",
                              config, "sync",       "--once", NULL};
        const char *run[] = {HL_BIN, "--data-dir", f.data,     "--config", config,
                             "run",  "--headless", "--script", script,     NULL};
        hl_receiver_stats_t before = {0};
        CHECK_INT(hl_receiver_stats(&r, &before), 0);
        /* This round's requests past the first 1 to 4 are stored, not answered. */
        seed = seed * 1103515245u + 12345u;
        char gate[32];
        snprintf(gate, sizeof gate, "%ld\n", before.requests + 1 + (long)((seed >> 16) % 4));
        free(hl_test_write_file(f.dir, "hold", gate));
        pid_t pid = spawn(round % 2 ? run : once);
        /* Wait for the push to reach the server (however slowly the program
         * starts on a busy machine), then kill it a random moment later. */
        bool ended = false;
        for (;;) {
            hl_receiver_stats_t now = {0};
            if (hl_receiver_stats(&r, &now) == 0 && now.requests > before.requests) break;
            if (waitpid(pid, NULL, WNOHANG) == pid) {
                ended = true;
                break;
            }
            sleep_ms(20);
        }
        if (ended) {
            hl_test_fail(__FILE__, __LINE__, "round %d: the push ended before reaching the server",
                         round);
            break;
        }
        seed = seed * 1103515245u + 12345u;
        sleep_ms((seed >> 16) % 250);
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) kills++; /* died mid-run */
    }
    CHECK_INT(kills, 8);
    unlink(hold); /* answer everything again */
    hl_receiver_stats_t rs = {0};
    CHECK_INT(hl_receiver_stats(&r, &rs), 0);
    CHECK(rs.stored > 0 && rs.stored < 1500); /* the kills came during the push */
    fprintf(stderr, "  killed %d times; receiver had %ld of 1500 before the last run\n", kills,
            rs.stored);
    /* A last uninterrupted run of the kiosk finishes the job. */
    char *out = NULL, *errout = NULL;
    const char *argv[] = {HL_BIN, "--data-dir", f.data,     "--config", config,
                          "run",  "--headless", "--script", script,     NULL};
    int rc = hl_test_run(argv, NULL, &out, &errout);
    if (rc != 0) hl_test_fail(__FILE__, __LINE__, "last run: %d: %s", rc, errout ? errout : "");
    free(out);
    free(errout);
    /* The store survived the kills. */
    hl_store_t *st = open_store(&f);
    hl_store_close(st);
    expect_receiver_equals_kiosk(&f, &r, 1500);
    hl_receiver_stop(&r);
    free(config);
    free(script);
    fixture_free(&f);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_retry_after_takes_seconds_or_an_http_date_and_is_capped),
    HL_TEST(test_backoff_doubles_with_jitter_up_to_the_cap),
    HL_TEST(test_batch_id_depends_on_the_responses_and_their_order),
    HL_TEST(test_reply_names_accepted_and_duplicate_responses_of_the_batch),
    HL_TEST(test_reply_that_is_not_the_protocol_delivers_nothing),
    HL_TEST(test_refusals_stop_and_failures_retry),
    HL_TEST(test_fingerprint_follows_where_and_as_whom_the_kiosk_sends),
    HL_TEST(test_plain_http_and_an_unreadable_ca_file_are_refused_before_any_request),
    HL_TEST(test_a_heartbeat_batch_id_is_the_hash_of_nothing),
    HL_TEST(test_status_holds_every_field_with_null_for_what_is_unknown),
    HL_TEST(test_an_assignment_is_new_only_with_another_id_and_something_to_install),
    HL_TEST(test_an_assignment_is_refused_with_why_when_a_check_fails),
    HL_TEST(test_push_delivers_every_response_once_in_batches),
    HL_TEST(test_every_request_carries_the_chain_head_signed_by_the_device_key),
    HL_TEST(test_every_request_carries_the_status_and_a_heartbeat_goes_when_nothing_is_pending),
    HL_TEST(test_a_refused_heartbeat_is_an_error_and_never_stops_the_sync),
    HL_TEST(test_an_assignment_is_recorded_waiting_with_its_answer_and_reported_back),
    HL_TEST(test_ten_thousand_responses_arrive_once_through_a_misbehaving_server),
    HL_TEST(test_a_certificate_from_another_ca_for_another_host_or_expired_sends_nothing),
    HL_TEST(test_a_pin_mismatch_sends_nothing_and_a_backup_pin_works),
    HL_TEST(test_plain_http_works_only_when_the_config_allows_it),
    HL_TEST(test_wrong_token_stops_retries_until_the_config_changes),
    HL_TEST(test_retry_after_of_a_busy_server_is_honoured),
    HL_TEST(test_a_server_naming_part_of_a_batch_gets_the_rest_again),
    HL_TEST(test_worker_delivers_each_once_through_a_misbehaving_server),
    HL_TEST(test_responses_stored_while_the_network_is_down_go_later_oldest_first),
    HL_TEST(test_worker_drains_a_backlog_and_stops_promptly_mid_request),
    HL_TEST(test_sync_command_pushes_everything_and_status_reports_it),
    HL_TEST(test_sync_command_sends_the_status_and_records_an_assignment_for_the_kiosk),
    HL_TEST(test_a_kiosk_killed_mid_push_again_and_again_still_delivers_each_once),
    HL_TEST(test_sync_benchmark_prints_one_json_line),
};

HL_TEST_MAIN(tests)
