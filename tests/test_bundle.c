/*
 * test_bundle.c: the JSON Lines export and the signed result bundle
 * (firmware/core/hl_bundle.c), and the `hailong export --format
 * jsonl|bundle` and `hailong verify-export` commands.
 *
 * JSON Lines is read back with jansson: every field, Vietnamese text,
 * quotes, backslashes, line breaks and control characters survive. A bundle
 * has its folder layout, one CSV per survey equal to the CSV export, and a
 * manifest whose figures and hashes match; verification passes, and fails
 * naming the file for one changed byte in any file, a truncated, missing or
 * added file, an edited manifest and a wrong key. Symlinks planted on the
 * "stick" are not followed; a full medium (a small tmpfs, as root) fails with
 * HL_ERR_FULL and leaves no manifest and no temporary file.
 */
#include "hl_bundle.h"
#include "hl_export.h"
#include "hl_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* A survey built by hand: only ids, version and hash matter to the store. */
typedef struct test_survey {
    hl_survey_t s;                     /* points into the fields below */
    hl_question_t q[HL_MAX_QUESTIONS]; /* questions */
    char src[128];                     /* stands for the JSON file */
} test_survey_t;

static void survey_make(test_survey_t *t, const char *id, int64_t version, const char *const *qids,
                        size_t n)
{
    memset(t, 0, sizeof *t);
    snprintf(t->s.id, sizeof t->s.id, "%s", id);
    t->s.version = version;
    for (size_t i = 0; i < n; i++) {
        snprintf(t->q[i].id, sizeof t->q[i].id, "%s", qids[i]);
        t->q[i].show_if.question = -1;
    }
    t->s.questions = t->q;
    t->s.n_questions = n;
    snprintf(t->src, sizeof t->src, "{\"id\": \"%s\", \"version\": %lld, \"n\": %zu}", id,
             (long long)version, n);
    t->s.source = t->src;
    t->s.source_len = strlen(t->src);
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = t->src; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    snprintf(t->s.sha256, sizeof t->s.sha256, "%016llx%048d", (unsigned long long)h, 0);
}

static void resp_init(hl_response_t *r, int n)
{
    memset(r, 0, sizeof *r);
    snprintf(r->uuid, sizeof r->uuid, "00000000-0000-4000-8000-%012d", n);
    r->started_utc_ms = 1700000000000LL + n * 60000LL + 123; /* 2023-11-14T22:14:20.123Z + n min */
    r->clock_trusted = true;
}

static void save_ms(hl_store_t *st, hl_response_t *r, const char *qid, const char *val, int64_t ms)
{
    hl_save_t s = {.set_qid = qid, .set_value = val, .set_ms = ms};
    hl_err_t err = {0};
    if (hl_store_save(st, r, &s, &err) != HL_OK) hl_test_fail(__FILE__, __LINE__, "%s", err.msg);
}

static void finish(hl_store_t *st, hl_response_t *r, hl_resp_status_t status)
{
    hl_save_t s = {.status = status, .finished_utc_ms = r->started_utc_ms + 61500};
    hl_err_t err = {0};
    if (hl_store_save(st, r, &s, &err) != HL_OK) hl_test_fail(__FILE__, __LINE__, "%s", err.msg);
}

static hl_store_t *store_new(const char *dir, const test_survey_t *t)
{
    hl_store_t *st = NULL;
    hl_err_t err = {0};
    if (hl_store_open(dir, NULL, &st, NULL, &err) != HL_OK ||
        (t && hl_store_use_survey(st, &t->s, "kiosk-01", &err) != HL_OK)) {
        hl_test_fail(__FILE__, __LINE__, "store: %s", err.msg);
        hl_store_close(st);
        return NULL;
    }
    return st;
}

static char *path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Entries of dir other than . and .. (-1 when it cannot be opened); hidden
 * counts those starting with '.'. */
static int entries(const char *dir, int *hidden)
{
    int n = 0;
    if (hidden) *hidden = 0;
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        n++;
        if (hidden && e->d_name[0] == '.') (*hidden)++;
    }
    closedir(d);
    return n;
}

static const char *const qids[] = {"q_service", "q_staff", "q_note"};
static const char *const qids2[] = {"q_wait"};
#define CREATED_MS 1700000000000LL /* 2023-11-14T22:13:20Z */
#define NOTE       "Cán bộ \"rất\" nhiệt tình\\ C:\\tmp\r\nline two\nthree\ttab\x01\x1f end"
#define COUNTER    "Quầy \"3\", tầng 1"

/* Two surveys, three responses: a complete one with tricky text, one in
 * progress with an untrusted clock in English, one of another survey. */
static hl_store_t *store_fill(const char *dir)
{
    test_survey_t sv, sv2;
    survey_make(&sv, "svc", 1, qids, 3);
    survey_make(&sv2, "wait", 3, qids2, 1);
    hl_store_t *st = store_new(dir, &sv);
    if (!st) return NULL;
    hl_response_t r;
    hl_err_t err = {0};
    /* Response 1 served by an officer at a counter; nobody on duty after. */
    if (hl_store_set_duty(st, "off_7", COUNTER, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "%s", err.msg);
    resp_init(&r, 1);
    save_ms(st, &r, "q_service", "very_satisfied", 1500);
    save_ms(st, &r, "q_note", NOTE, 42000);
    finish(st, &r, HL_RESP_COMPLETE);
    if (hl_store_set_duty(st, NULL, NULL, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "%s", err.msg);
    resp_init(&r, 2);
    r.lang = HL_LANG_EN;
    r.clock_trusted = false;
    save_ms(st, &r, "q_staff", "a|c", 900);
    if (hl_store_use_survey(st, &sv2.s, "kiosk-01", &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "%s", err.msg);
    resp_init(&r, 3);
    save_ms(st, &r, "q_wait", "5", 10);
    finish(st, &r, HL_RESP_PARTIAL);
    return st;
}

/* The export key of the tests' secret "s3cret". */
static void key_init(unsigned char key[HL_BUNDLE_KEY_LEN])
{
    hl_bundle_key_from_secret("s3cret\n", 7, key);
}

static void sha256_hex(const char *data, size_t len, char out[65])
{
    unsigned char d[32];
    unsigned int n = 0;
    EVP_Digest(data, len, d, &n, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* ---- JSON Lines ------------------------------------------------------------ */

static void test_jsonl_round_trips_every_field_and_tricky_text(void)
{
    char *dir = hl_test_tmpdir("bundle");
    hl_store_t *st = store_fill(dir);
    char *out = path_in(dir, "all.jsonl");
    hl_jsonl_result_t res;
    hl_err_t err = {0};
    CHECK_INT(hl_export_jsonl(st, NULL, out, &res, &err), HL_OK);
    CHECK_INT(res.rows, 3);
    CHECK_INT(res.seq_first, 1);
    CHECK_INT(res.seq_last, 3);
    size_t len = 0;
    char *text = hl_test_read_file(out, &len);
    CHECK_INT(res.bytes, (long long)len);
    CHECK(text && !strchr(text, '\r')); /* CR inside values is escaped; lines end in LF */
    int lines = 0;
    for (size_t i = 0; text && i < len; i++)
        lines += text[i] == '\n';
    CHECK_INT(lines, 3);
    /* suspect sits after status; officer_id and counter after clock_trusted,
     * null when nobody was on duty; chain and prev_chain after counter, null
     * while in progress or not chained (no chain key set here). */
    CHECK_CONTAINS(text, "\"status\":\"complete\",\"suspect\":null,\"clock_trusted\":true,"
                         "\"officer_id\":\"off_7\",\"counter\":"
                         "\"Quầy \\\"3\\\", tầng 1\",\"chain\":null,\"prev_chain\":null,"
                         "\"answers\":{");
    CHECK_CONTAINS(text, "\"clock_trusted\":false,\"officer_id\":null,\"counter\":null,"
                         "\"chain\":null,\"prev_chain\":null,\"answers\":{");
    CHECK(text && len && text[len - 1] == '\n');

    char *line = text;
    json_t *row[3] = {NULL, NULL, NULL};
    for (int i = 0; i < 3 && line; i++) {
        char *nl = strchr(line, '\n');
        json_error_t je;
        row[i] = nl ? json_loadb(line, (size_t)(nl - line), JSON_REJECT_DUPLICATES, &je) : NULL;
        if (!row[i]) hl_test_fail(__FILE__, __LINE__, "line %d: %s", i + 1, je.text);
        line = nl ? nl + 1 : NULL;
    }
    if (row[0] && row[1] && row[2]) {
        json_t *a = row[0];
        CHECK_INT(json_object_size(a), 17);
        CHECK_STR(json_string_value(json_object_get(a, "response_id")),
                  "00000000-0000-4000-8000-000000000001");
        CHECK_INT(json_integer_value(json_object_get(a, "seq")), 1);
        CHECK_STR(json_string_value(json_object_get(a, "kiosk_id")), "kiosk-01");
        CHECK_STR(json_string_value(json_object_get(a, "survey_id")), "svc");
        CHECK_INT(json_integer_value(json_object_get(a, "survey_version")), 1);
        CHECK_INT(strlen(json_string_value(json_object_get(a, "survey_sha256"))), 64);
        CHECK_STR(json_string_value(json_object_get(a, "language")), "vi");
        CHECK_STR(json_string_value(json_object_get(a, "started_at")), "2023-11-14T22:14:20.123Z");
        CHECK_STR(json_string_value(json_object_get(a, "finished_at")), "2023-11-14T22:15:21.623Z");
        CHECK_STR(json_string_value(json_object_get(a, "status")), "complete");
        CHECK(json_is_true(json_object_get(a, "clock_trusted")));
        CHECK_STR(json_string_value(json_object_get(a, "officer_id")), "off_7");
        CHECK_STR(json_string_value(json_object_get(a, "counter")), COUNTER);
        json_t *ans = json_object_get(a, "answers");
        CHECK_INT(json_object_size(ans), 2);
        CHECK_STR(json_string_value(json_object_get(json_object_get(ans, "q_note"), "value")),
                  NOTE);
        CHECK_INT(json_integer_value(json_object_get(json_object_get(ans, "q_note"), "ms")), 42000);
        CHECK_STR(json_string_value(json_object_get(json_object_get(ans, "q_service"), "value")),
                  "very_satisfied");
        CHECK_INT(json_integer_value(json_object_get(json_object_get(ans, "q_service"), "ms")),
                  1500);

        json_t *b = row[1];
        CHECK(json_is_null(json_object_get(b, "finished_at")));
        CHECK_STR(json_string_value(json_object_get(b, "status")), "in_progress");
        CHECK_STR(json_string_value(json_object_get(b, "language")), "en");
        CHECK(json_is_false(json_object_get(b, "clock_trusted")));
        CHECK(json_is_null(json_object_get(b, "officer_id")));
        CHECK(json_is_null(json_object_get(b, "counter")));
        CHECK_STR(json_string_value(json_object_get(
                      json_object_get(json_object_get(b, "answers"), "q_staff"), "value")),
                  "a|c");

        json_t *c = row[2];
        CHECK_STR(json_string_value(json_object_get(c, "survey_id")), "wait");
        CHECK_INT(json_integer_value(json_object_get(c, "survey_version")), 3);
        CHECK_STR(json_string_value(json_object_get(c, "status")), "partial");
    }
    for (int i = 0; i < 3; i++)
        json_decref(row[i]);
    /* Control characters are escaped as JSON requires; UTF-8 passes through. */
    CHECK_CONTAINS(text, "Cán bộ \\\"rất\\\" nhiệt tình\\\\ C:\\\\tmp\\r\\nline two\\nthree\\ttab"
                         "\\u0001\\u001f end");
    free(text);

    /* One survey only. */
    CHECK_INT(hl_export_jsonl(st, "wait", out, &res, &err), HL_OK);
    CHECK_INT(res.rows, 1);
    CHECK_INT(res.seq_first, 3);
    int hidden = 0;
    entries(dir, &hidden);
    CHECK_INT(hidden, 0);
    free(out);
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_jsonl_to_a_folder_or_missing_folder_fails_clearly(void)
{
    char *dir = hl_test_tmpdir("bundle");
    hl_store_t *st = store_fill(dir);
    hl_err_t err = {0};
    CHECK_INT(hl_export_jsonl(st, NULL, dir, NULL, &err), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "is a folder: give a file name such as ");
    CHECK_CONTAINS(err.msg, "/responses.jsonl");
    char *missing = path_in(dir, "no/such/x.jsonl");
    CHECK_INT(hl_export_jsonl(st, NULL, missing, NULL, &err), HL_ERR_IO);
    CHECK_CONTAINS(err.msg, missing);
    free(missing);
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

/* ---- Bundles ----------------------------------------------------------------- */

typedef struct fake_xlsx {
    int calls;                  /* times called */
    int64_t after_seq, max_seq; /* the range of the last call */
} fake_xlsx_t;

static int fake_xlsx_write(void *ctx, hl_store_t *st, int64_t after_seq, int64_t max_seq, int dirfd,
                           const char *tmp_name, hl_err_t *err)
{
    (void)st;
    fake_xlsx_t *x = ctx;
    x->calls++;
    x->after_seq = after_seq;
    x->max_seq = max_seq;
    int fd = openat(dirfd, tmp_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0640);
    if (fd < 0) return hl_err_set(err, HL_ERR_IO, "fake xlsx: %s", strerror(errno));
    bool ok = write(fd, "PK fake workbook", 16) == 16;
    close(fd);
    return ok ? HL_OK : hl_err_set(err, HL_ERR_IO, "fake xlsx: short write");
}

static int write_bundle(hl_store_t *st, const char *root, const unsigned char *key, char *out,
                        size_t out_size, hl_bundle_result_t *res, hl_err_t *err)
{
    hl_bundle_opts_t o = {.root = root,
                          .kiosk_id = "kiosk-01",
                          .software_version = "9.8.7",
                          .created_utc_ms = CREATED_MS,
                          .key = key,
                          .record = true};
    return hl_bundle_write(st, &o, out, out_size, res, err);
}

/* Checks the store's exported mark (hl_store_exported_upto). */
static void expect_exported_upto(hl_store_t *st, int64_t want, int line)
{
    int64_t upto = -1;
    hl_err_t err = {0};
    if (hl_store_exported_upto(st, &upto, &err) != HL_OK || upto != want)
        hl_test_fail(__FILE__, line, "exported up to seq %lld, expected %lld (%s)", (long long)upto,
                     (long long)want, err.msg);
}

/* Lines of a file (-1 when it cannot be read). */
static int count_lines(const char *dir, const char *name)
{
    char *p = path_in(dir, name);
    char *text = hl_test_read_file(p, NULL);
    free(p);
    if (!text) return -1;
    int n = 0;
    for (const char *c = text; *c; c++)
        n += *c == '\n';
    free(text);
    return n;
}

/* store_fill reopened: a bundle holds finished responses only, and the
 * reopening finishes the one left in progress as partial (as the command's
 * read-write open does). */
static hl_store_t *store_fill_finished(const char *dir)
{
    hl_store_close(store_fill(dir));
    return store_new(dir, NULL);
}

static void test_bundle_has_its_layout_csv_per_survey_jsonl_and_signed_manifest(void)
{
    unsigned char tk[HL_BUNDLE_KEY_LEN];
    key_init(tk);
    char *dir = hl_test_tmpdir("bundle");
    char *root = hl_test_tmpdir("bundle-stick");
    hl_store_t *st = store_fill_finished(dir);
    fake_xlsx_t fx = {0};
    hl_bundle_extra_t extra = {"responses.xlsx", fake_xlsx_write, &fx};
    hl_bundle_opts_t o = {.root = root,
                          .kiosk_id = "kiosk-01",
                          .software_version = "9.8.7",
                          .created_utc_ms = CREATED_MS,
                          .key = tk,
                          .extras = &extra,
                          .n_extras = 1};
    char out[4096];
    hl_bundle_result_t res;
    hl_err_t err = {0};
    CHECK_INT(hl_bundle_write(st, &o, out, sizeof out, &res, &err), HL_OK);
    if (err.code) printf("  %s\n", err.msg);
    char want[4096];
    snprintf(want, sizeof want, "%s/HAILONG/kiosk-01/20231114T221320Z", root);
    CHECK_STR(out, want);
    CHECK_INT(fx.calls, 1);
    CHECK_INT(fx.after_seq, 0); /* the workbook gets the bundle's range */
    CHECK_INT(fx.max_seq, 3);
    CHECK_INT(res.responses, 3);
    CHECK_INT(res.seq_first, 1);
    CHECK_INT(res.seq_last, 3);
    CHECK_INT(res.n_files, 4);
    int hidden = -1;
    CHECK_INT(entries(out, &hidden), 5);
    CHECK_INT(hidden, 0);

    /* Each CSV is the CSV export of its survey. */
    const char *sids[] = {"svc", "wait"};
    for (int i = 0; i < 2; i++) {
        char name[64];
        snprintf(name, sizeof name, "responses-%s.csv", sids[i]);
        char *in_bundle = path_in(out, name);
        char *alone = path_in(dir, name);
        CHECK_INT(hl_export_csv(st, sids[i], alone, NULL, &err), HL_OK);
        char *a = hl_test_read_file(in_bundle, NULL), *b = hl_test_read_file(alone, NULL);
        CHECK(a && b);
        if (a && b) CHECK_STR(a, b);
        free(a);
        free(b);
        free(in_bundle);
        free(alone);
    }

    /* The manifest's figures and hashes. */
    char *mpath = path_in(out, "manifest.json");
    json_error_t je;
    json_t *m = json_load_file(mpath, JSON_REJECT_DUPLICATES, &je);
    CHECK(m != NULL);
    CHECK_INT(json_integer_value(json_object_get(m, "format")), 1);
    CHECK_STR(json_string_value(json_object_get(m, "kiosk_id")), "kiosk-01");
    CHECK_STR(json_string_value(json_object_get(m, "software_version")), "9.8.7");
    CHECK_STR(json_string_value(json_object_get(m, "created_at")), "2023-11-14T22:13:20Z");
    CHECK_INT(json_integer_value(json_object_get(m, "responses")), 3);
    CHECK_INT(json_integer_value(json_object_get(m, "seq_first")), 1);
    CHECK_INT(json_integer_value(json_object_get(m, "seq_last")), 3);
    CHECK_INT(strlen(json_string_value(json_object_get(m, "hmac_sha256"))), 64);
    json_t *sv = json_object_get(m, "surveys");
    CHECK_INT(json_array_size(sv), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(sv, 0), "id")), "svc");
    CHECK_INT(json_integer_value(json_object_get(json_array_get(sv, 0), "version")), 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(sv, 1), "id")), "wait");
    CHECK_INT(json_integer_value(json_object_get(json_array_get(sv, 1), "version")), 3);
    CHECK_INT(strlen(json_string_value(json_object_get(json_array_get(sv, 1), "sha256"))), 64);
    json_t *files = json_object_get(m, "files");
    CHECK_INT(json_array_size(files), 4);
    const char *names[] = {"responses.jsonl", "responses-svc.csv", "responses-wait.csv",
                           "responses.xlsx"};
    for (size_t i = 0; i < 4; i++) {
        json_t *f = json_array_get(files, i);
        CHECK_STR(json_string_value(json_object_get(f, "name")), names[i]);
        char *p = path_in(out, names[i]);
        size_t len = 0;
        char *data = hl_test_read_file(p, &len);
        char hex[65] = "";
        if (data) sha256_hex(data, len, hex);
        CHECK_INT(json_integer_value(json_object_get(f, "bytes")), (long long)len);
        CHECK_STR(json_string_value(json_object_get(f, "sha256")), hex);
        free(data);
        free(p);
    }
    json_decref(m);
    free(mpath);

    hl_diags_t probs = {0};
    hl_bundle_result_t vres;
    CHECK_INT(hl_bundle_verify(out, tk, &probs, &vres, &err), HL_OK);
    EXPECT_COUNT(&probs, 0);
    CHECK_INT(vres.responses, 3);
    CHECK_INT(vres.n_files, 4);
    hl_diags_free(&probs);

    /* Another export in the same second gets its own folder. */
    char out2[4096];
    CHECK_INT(write_bundle(st, root, tk, out2, sizeof out2, NULL, &err), HL_OK);
    snprintf(want, sizeof want, "%s/HAILONG/kiosk-01/20231114T221320Z-2", root);
    CHECK_STR(out2, want);
    CHECK_INT(hl_bundle_verify(out2, tk, NULL, NULL, &err), HL_OK);

    hl_store_close(st);
    hl_test_rmtree(root);
    hl_test_rmtree(dir);
    free(root);
    free(dir);
}

/* Verifies dir expecting HL_ERR_INVALID with one problem naming name and
 * saying what. */
static void expect_one_problem(const char *dir, const unsigned char *key, const char *name,
                               const char *what, int line)
{
    hl_diags_t probs = {0};
    hl_err_t err = {0};
    int rc = hl_bundle_verify(dir, key, &probs, NULL, &err);
    if (rc != HL_ERR_INVALID || probs.n != 1 || !strstr(probs.items[0].file, name) ||
        !strstr(probs.items[0].msg, what)) {
        hl_test_fail(__FILE__, line, "verify: rc %d, %zu problems, expected one on %s: %s", rc,
                     probs.n, name, what);
        hl_diags_print(&probs, stderr);
    }
    hl_diags_free(&probs);
}

static void flip_byte(const char *path, long at)
{
    int fd = open(path, O_RDWR);
    unsigned char c = 0;
    if (fd < 0 || pread(fd, &c, 1, at) != 1) {
        hl_test_fail(__FILE__, __LINE__, "cannot read %s", path);
        if (fd >= 0) close(fd);
        return;
    }
    c ^= 0x01;
    if (pwrite(fd, &c, 1, at) != 1) hl_test_fail(__FILE__, __LINE__, "cannot write %s", path);
    close(fd);
}

static void test_verify_names_a_changed_byte_in_any_file(void)
{
    unsigned char tk[HL_BUNDLE_KEY_LEN];
    key_init(tk);
    char *dir = hl_test_tmpdir("bundle");
    char *root = hl_test_tmpdir("bundle-stick");
    hl_store_t *st = store_fill_finished(dir);
    char out[4096];
    hl_err_t err = {0};
    CHECK_INT(write_bundle(st, root, tk, out, sizeof out, NULL, &err), HL_OK);
    const char *names[] = {"responses.jsonl", "responses-svc.csv", "responses-wait.csv"};
    for (int i = 0; i < 3; i++) {
        char *p = path_in(out, names[i]);
        struct stat sb;
        CHECK_INT(stat(p, &sb), 0);
        long at = (long)sb.st_size / 2;
        flip_byte(p, at);
        expect_one_problem(out, tk, names[i], "altered", __LINE__);
        flip_byte(p, at);
        CHECK_INT(hl_bundle_verify(out, tk, NULL, NULL, &err), HL_OK);
        free(p);
    }
    /* The manifest: its HMAC no longer matches (a byte inside a hash). */
    char *mp = path_in(out, "manifest.json");
    char *text = hl_test_read_file(mp, NULL);
    char *hash = text ? strstr(text, "\"sha256\": \"") : NULL;
    CHECK(hash != NULL);
    if (hash) {
        long at = (long)(hash - text) + 12;
        flip_byte(mp, at);
        expect_one_problem(out, tk, "manifest.json", "HMAC does not match", __LINE__);
        flip_byte(mp, at);
        CHECK_INT(hl_bundle_verify(out, tk, NULL, NULL, &err), HL_OK);
    }
    free(text);
    free(mp);
    hl_store_close(st);
    hl_test_rmtree(root);
    hl_test_rmtree(dir);
    free(root);
    free(dir);
}

static void test_verify_names_truncated_missing_and_unlisted_files(void)
{
    unsigned char tk[HL_BUNDLE_KEY_LEN];
    key_init(tk);
    char *dir = hl_test_tmpdir("bundle");
    char *root = hl_test_tmpdir("bundle-stick");
    hl_store_t *st = store_fill_finished(dir);
    char out[4096];
    hl_err_t err = {0};
    CHECK_INT(write_bundle(st, root, tk, out, sizeof out, NULL, &err), HL_OK);

    char *jl = path_in(out, "responses.jsonl");
    size_t len = 0;
    char *keep = hl_test_read_file(jl, &len);
    CHECK_INT(truncate(jl, (off_t)len - 10), 0);
    expect_one_problem(out, tk, "responses.jsonl", "torn", __LINE__);
    CHECK_INT(unlink(jl), 0);
    expect_one_problem(out, tk, "responses.jsonl", "missing", __LINE__);
    FILE *f = fopen(jl, "wb");
    if (f) {
        fwrite(keep, 1, len, f);
        fclose(f);
    }
    CHECK_INT(hl_bundle_verify(out, tk, NULL, NULL, &err), HL_OK);

    free(hl_test_write_file(out, "notes.txt", "added later\n"));
    expect_one_problem(out, tk, "notes.txt", "not listed in the manifest", __LINE__);
    char *extra = path_in(out, "notes.txt");
    unlink(extra);
    free(extra);

    char *mp = path_in(out, "manifest.json");
    CHECK_INT(unlink(mp), 0);
    expect_one_problem(out, tk, "manifest.json", "missing", __LINE__);
    free(mp);
    free(keep);
    free(jl);
    hl_store_close(st);
    hl_test_rmtree(root);
    hl_test_rmtree(dir);
    free(root);
    free(dir);
}

static void test_verify_detects_an_edited_manifest_and_a_wrong_key(void)
{
    unsigned char tk[HL_BUNDLE_KEY_LEN];
    key_init(tk);
    char *dir = hl_test_tmpdir("bundle");
    char *root = hl_test_tmpdir("bundle-stick");
    hl_store_t *st = store_fill_finished(dir);
    char out[4096];
    hl_err_t err = {0};
    CHECK_INT(write_bundle(st, root, tk, out, sizeof out, NULL, &err), HL_OK);

    unsigned char other[HL_BUNDLE_KEY_LEN];
    hl_bundle_key_from_secret("not the secret", 14, other);
    expect_one_problem(out, other, "manifest.json", "HMAC does not match", __LINE__);

    /* The response count changed by hand, JSON still valid. */
    char *mp = path_in(out, "manifest.json");
    char *text = hl_test_read_file(mp, NULL);
    char *at = text ? strstr(text, "\"responses\": 3") : NULL;
    CHECK(at != NULL);
    if (at) {
        at[strlen("\"responses\": ")] = '2';
        free(hl_test_write_file(out, "manifest.json", text));
        expect_one_problem(out, tk, "manifest.json", "HMAC does not match", __LINE__);
    }
    free(text);
    free(mp);
    hl_store_close(st);
    hl_test_rmtree(root);
    hl_test_rmtree(dir);
    free(root);
    free(dir);
}

static void test_bundle_without_a_key_is_refused_and_writes_nothing(void)
{
    char *dir = hl_test_tmpdir("bundle");
    char *root = hl_test_tmpdir("bundle-stick");
    hl_store_t *st = store_fill(dir);
    hl_err_t err = {0};
    CHECK_INT(write_bundle(st, root, NULL, NULL, 0, NULL, &err), HL_ERR_STATE);
    CHECK_CONTAINS(err.msg, "key_sha256");
    CHECK_INT(entries(root, NULL), 0);
    hl_store_close(st);
    hl_test_rmtree(root);
    hl_test_rmtree(dir);
    free(root);
    free(dir);
}

static void test_bundle_does_not_follow_a_symlink_planted_on_the_stick(void)
{
    unsigned char tk[HL_BUNDLE_KEY_LEN];
    key_init(tk);
    char *dir = hl_test_tmpdir("bundle");
    char *root = hl_test_tmpdir("bundle-stick");
    char *elsewhere = hl_test_tmpdir("bundle-elsewhere");
    hl_store_t *st = store_fill(dir);
    hl_err_t err = {0};
    char *top = path_in(root, "HAILONG");
    CHECK_INT(symlink(elsewhere, top), 0);
    CHECK_INT(write_bundle(st, root, tk, NULL, 0, NULL, &err), HL_ERR_INVALID);
    CHECK_CONTAINS(err.msg, "HAILONG is a symbolic link");
    CHECK_INT(entries(elsewhere, NULL), 0);

    /* At the kiosk's folder. */
    CHECK_INT(unlink(top), 0);
    CHECK_INT(mkdir(top, 0755), 0);
    char *kiosk = path_in(top, "kiosk-01");
    CHECK_INT(symlink(elsewhere, kiosk), 0);
    CHECK_INT(write_bundle(st, root, tk, NULL, 0, NULL, &err), HL_ERR_INVALID);
    CHECK_CONTAINS(err.msg, "kiosk-01 is a symbolic link");
    CHECK_INT(entries(elsewhere, NULL), 0);
    expect_exported_upto(st, 0, __LINE__); /* a failed bundle marks nothing */
    free(kiosk);
    free(top);
    hl_store_close(st);
    hl_test_rmtree(elsewhere);
    hl_test_rmtree(root);
    hl_test_rmtree(dir);
    free(elsewhere);
    free(root);
    free(dir);
}

static void test_bundle_on_a_full_stick_fails_full_without_manifest_or_temp_files(void)
{
    unsigned char tk[HL_BUNDLE_KEY_LEN];
    key_init(tk);
    char *media = hl_test_tmpdir("bundle-media");
    if (geteuid() != 0) {
        printf("skipped: %s needs root to mount a tmpfs\n", __func__);
        hl_test_rmtree(media);
        free(media);
        return;
    }
    if (mount("tmpfs", media, "tmpfs", 0, "size=256k") != 0) {
        printf("skipped: %s: mount -t tmpfs failed: %s\n", __func__, strerror(errno));
        hl_test_rmtree(media);
        free(media);
        return;
    }
    char *dir = hl_test_tmpdir("bundle");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids, 3);
    hl_store_t *st = store_new(dir, &sv);
    char note[600];
    memset(note, 'n', sizeof note - 1);
    note[sizeof note - 1] = '\0';
    hl_store_batch_begin(st, NULL);
    for (int i = 1; i <= 300; i++) { /* JSON Lines ~230 KB, with the CSV over 256 KB */
        hl_response_t r;
        resp_init(&r, i);
        save_ms(st, &r, "q_note", note, 5);
        finish(st, &r, HL_RESP_COMPLETE);
    }
    hl_store_batch_end(st, NULL);
    hl_err_t err = {0};
    char out[4096] = "x";
    CHECK_INT(write_bundle(st, media, tk, out, sizeof out, NULL, &err), HL_ERR_FULL);
    CHECK_CONTAINS(err.msg, "full");
    CHECK_STR(out, "");
    expect_exported_upto(st, 0, __LINE__); /* a failed bundle marks nothing */
    char *kdir = path_in(media, "HAILONG/kiosk-01");
    int hidden = -1;
    CHECK_INT(entries(kdir, &hidden), 0); /* the torn bundle folder is gone */
    char *bdir = path_in(kdir, "20231114T221320Z");
    char *man = path_in(bdir, "manifest.json");
    CHECK(access(man, F_OK) != 0);
    hl_diags_t probs = {0};
    CHECK(hl_bundle_verify(bdir, tk, &probs, NULL, &err) != HL_OK);
    hl_diags_free(&probs);
    free(man);
    free(bdir);
    free(kdir);
    hl_store_close(st);
    CHECK_INT(umount(media), 0);
    hl_test_rmtree(media);
    free(media);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_key_from_file_ignores_a_trailing_line_break(void)
{
    char *dir = hl_test_tmpdir("bundle");
    unsigned char a[HL_BUNDLE_KEY_LEN], b[HL_BUNDLE_KEY_LEN], c[HL_BUNDLE_KEY_LEN];
    hl_err_t err = {0};
    char *p1 = hl_test_write_file(dir, "k1", "s3cret\n");
    char *p2 = hl_test_write_file(dir, "k2", "s3cret\r\n");
    char *p3 = hl_test_write_file(dir, "k3", "\n");
    CHECK_INT(hl_bundle_key_from_file(p1, a, &err), HL_OK);
    CHECK_INT(hl_bundle_key_from_file(p2, b, &err), HL_OK);
    hl_bundle_key_from_secret("s3cret", 6, c);
    CHECK(memcmp(a, c, sizeof a) == 0);
    CHECK(memcmp(b, c, sizeof b) == 0);
    CHECK_INT(hl_bundle_key_from_file(p3, a, &err), HL_ERR_INVALID);
    CHECK_CONTAINS(err.msg, "empty");
    char *none = path_in(dir, "none");
    CHECK_INT(hl_bundle_key_from_file(none, a, &err), HL_ERR_NOT_FOUND);
    free(none);
    free(p1);
    free(p2);
    free(p3);
    hl_test_rmtree(dir);
    free(dir);
}

/* ---- Incremental exports ------------------------------------------------------ */

/* A bundle after after_seq, recorded; returns its code. */
static int write_after(hl_store_t *st, const char *root, int64_t after, int64_t when, char *out,
                       size_t out_size, hl_bundle_result_t *res, hl_err_t *err)
{
    unsigned char tk[HL_BUNDLE_KEY_LEN];
    key_init(tk);
    hl_bundle_opts_t o = {.root = root,
                          .kiosk_id = "kiosk-01",
                          .software_version = "9.8.7",
                          .created_utc_ms = when,
                          .key = tk,
                          .after_seq = after,
                          .record = true,
                          .medium = "CAFE-F00D"};
    return hl_bundle_write(st, &o, out, out_size, res, err);
}

static void add_response(hl_store_t *st, hl_response_t *r, int n, bool done)
{
    resp_init(r, n);
    save_ms(st, r, "q_service", "ok", 100);
    if (done) finish(st, r, HL_RESP_COMPLETE);
}

static void test_incremental_bundle_exports_only_new_finished_responses_then_nothing_new(void)
{
    unsigned char tk[HL_BUNDLE_KEY_LEN];
    key_init(tk);
    char *dir = hl_test_tmpdir("bundle");
    char *root = hl_test_tmpdir("bundle-stick");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids, 3);
    hl_store_t *st = store_new(dir, &sv);
    hl_response_t r1, r2, r3, r4, r5;
    add_response(st, &r1, 1, true);
    add_response(st, &r2, 2, true);
    hl_err_t err = {0};
    hl_bundle_result_t res;
    char out[4096];
    int64_t t = CREATED_MS;

    /* First export: everything finished so far. */
    CHECK_INT(write_after(st, root, 0, t, out, sizeof out, &res, &err), HL_OK);
    CHECK_INT(res.responses, 2);
    CHECK_INT(res.seq_first, 1);
    CHECK_INT(res.seq_last, 2);
    CHECK_INT(count_lines(out, "responses.jsonl"), 2);
    expect_exported_upto(st, 2, __LINE__);
    hl_store_stats_t stats;
    CHECK_INT(hl_store_stats(st, &stats, &err), HL_OK);
    CHECK_INT(stats.n_exports, 1);
    CHECK_INT(stats.last_export_utc_ms, t);

    /* Nothing new: nothing written, and it says so. */
    char *kdir = path_in(root, "HAILONG/kiosk-01");
    CHECK_INT(write_after(st, root, 2, t + 60000, out, sizeof out, &res, &err), HL_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, "no new responses since the last export (seq 2)");
    CHECK_STR(out, "");
    CHECK_INT(entries(kdir, NULL), 1);

    /* 3 finished, 4 in progress, 5 finished: the range stops before 4. */
    add_response(st, &r3, 3, true);
    add_response(st, &r4, 4, false);
    add_response(st, &r5, 5, true);
    CHECK_INT(write_after(st, root, 2, t + 120000, out, sizeof out, &res, &err), HL_OK);
    CHECK_INT(res.responses, 1);
    CHECK_INT(res.seq_first, 3);
    CHECK_INT(res.seq_last, 3);
    CHECK_INT(res.in_progress_seq, 4);
    CHECK_INT(count_lines(out, "responses.jsonl"), 1);
    CHECK_INT(count_lines(out, "responses-svc.csv"), 2); /* header + response 3: only new */
    CHECK_INT(hl_bundle_verify(out, tk, NULL, NULL, &err), HL_OK);
    char *mpath = path_in(out, "manifest.json");
    json_error_t je;
    json_t *m = json_load_file(mpath, 0, &je);
    CHECK_INT(json_integer_value(json_object_get(m, "after_seq")), 2);
    CHECK_INT(json_integer_value(json_object_get(m, "seq_first")), 3);
    CHECK_INT(json_integer_value(json_object_get(m, "seq_last")), 3);
    CHECK_INT(json_integer_value(json_object_get(m, "responses")), 1);
    json_decref(m);
    free(mpath);
    expect_exported_upto(st, 3, __LINE__);

    /* While 4 is in progress nothing more goes out; once finished, 4 and 5. */
    CHECK_INT(write_after(st, root, 3, t + 180000, out, sizeof out, &res, &err), HL_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, "response 4 is still being answered");
    expect_exported_upto(st, 3, __LINE__);
    finish(st, &r4, HL_RESP_PARTIAL);
    CHECK_INT(write_after(st, root, 3, t + 240000, out, sizeof out, &res, &err), HL_OK);
    CHECK_INT(res.responses, 2);
    CHECK_INT(res.seq_first, 4);
    CHECK_INT(res.seq_last, 5);
    CHECK_INT(res.in_progress_seq, 0);
    expect_exported_upto(st, 5, __LINE__);

    /* A full export holds everything again, and is recorded too. */
    CHECK_INT(write_after(st, root, 0, t + 300000, out, sizeof out, &res, &err), HL_OK);
    CHECK_INT(res.responses, 5);
    CHECK_INT(res.seq_first, 1);
    CHECK_INT(res.seq_last, 5);
    CHECK_INT(count_lines(out, "responses.jsonl"), 5);
    CHECK_INT(count_lines(out, "responses-svc.csv"), 6); /* header + 1..5 */
    CHECK_INT(hl_bundle_verify(out, tk, NULL, NULL, &err), HL_OK);
    expect_exported_upto(st, 5, __LINE__);
    CHECK_INT(hl_store_stats(st, &stats, &err), HL_OK);
    CHECK_INT(stats.n_exports, 4);
    CHECK_INT(stats.last_export_utc_ms, t + 300000);
    CHECK_INT(entries(kdir, NULL), 4);
    free(kdir);
    hl_store_close(st);
    hl_test_rmtree(root);
    hl_test_rmtree(dir);
    free(root);
    free(dir);
}

static void test_bundle_on_a_read_only_store_is_written_but_not_recorded(void)
{
    char *dir = hl_test_tmpdir("bundle");
    char *root = hl_test_tmpdir("bundle-stick");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids, 3);
    hl_store_t *st = store_new(dir, &sv);
    hl_response_t r;
    add_response(st, &r, 1, true);
    hl_store_close(st);
    hl_store_opts_t ro = {.read_only = true};
    hl_err_t err = {0};
    CHECK_INT(hl_store_open(dir, &ro, &st, NULL, &err), HL_OK);
    char out[4096];
    hl_bundle_result_t res;
    CHECK_INT(write_after(st, root, 0, CREATED_MS, out, sizeof out, &res, &err), HL_ERR_READONLY);
    CHECK_CONTAINS(err.msg, "complete and verifies, but recording the export failed");
    CHECK_INT(res.responses, 1);
    unsigned char tk[HL_BUNDLE_KEY_LEN];
    key_init(tk);
    CHECK_INT(hl_bundle_verify(out, tk, NULL, NULL, &err), HL_OK);
    expect_exported_upto(st, 0, __LINE__);
    hl_store_close(st);
    hl_test_rmtree(root);
    hl_test_rmtree(dir);
    free(root);
    free(dir);
}

/* ---- The command line ------------------------------------------------------- */

/* Exports recorded in the store of data with medium (read straight from
 * the database); -1 when it cannot be read. */
static long long exports_on(const char *data, const char *medium)
{
    char *path = path_in(data, HL_STORE_FILE);
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    long long n = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT count(*) FROM exports WHERE medium = ?1", -1, &s, NULL) ==
            SQLITE_OK) {
        sqlite3_bind_text(s, 1, medium, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW) n = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    free(path);
    return n;
}

static void test_cli_exports_jsonl_and_bundle_and_verify_export_exit_codes(void)
{
    if (access(HL_BIN, X_OK) != 0) {
        printf("skipped: %s: %s is not built yet (make hailong)\n", __func__, HL_BIN);
        return;
    }
    char *dir = hl_test_tmpdir("bundle-cli");
    char *data = path_in(dir, "data");
    char *stick = path_in(dir, "stick");
    CHECK_INT(mkdir(data, 0755), 0);
    CHECK_INT(mkdir(stick, 0755), 0);
    hl_store_t *st = store_fill(data);
    hl_store_close(st);
    unsigned char key[HL_BUNDLE_KEY_LEN];
    hl_bundle_key_from_secret("s3cret", 6, key);
    char hex[65], cfg_text[256];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    snprintf(cfg_text, sizeof cfg_text,
             "{\"kiosk_id\": \"pt-01\", \"export\": {\"key_sha256\": \"%s\"}}", hex);
    char *cfg = hl_test_write_file(dir, "hailong.json", cfg_text);
    char *nokey = hl_test_write_file(dir, "nokey.json", "{\"kiosk_id\": \"pt-01\"}");
    char *jl = path_in(dir, "all.jsonl");
    char *o = NULL, *e = NULL;

    const char *a1[] = {HL_BIN,     "--data-dir", data,    "--config", cfg, "export",
                        "--format", "jsonl",      "--out", jl,         NULL};
    CHECK_INT(hl_test_run(a1, NULL, &o, &e), 0);
    CHECK_CONTAINS(o, "exported 3 responses of all surveys");
    free(o);
    free(e);
    CHECK(access(jl, F_OK) == 0);

    const char *a2[] = {HL_BIN,     "--data-dir", data,    "--config", nokey, "export",
                        "--format", "bundle",     "--out", stick,      NULL};
    CHECK_INT(hl_test_run(a2, NULL, &o, &e), 1);
    CHECK_CONTAINS(e, "key_sha256");
    free(o);
    free(e);

    const char *a3[] = {HL_BIN,     "--data-dir", data,    "--config", cfg, "export",
                        "--format", "bundle",     "--out", stick,      NULL};
    CHECK_INT(hl_test_run(a3, NULL, &o, &e), 0);
    CHECK_CONTAINS(o, "exported 3 responses");
    CHECK_CONTAINS(o, "/HAILONG/pt-01/");
    free(e);
    /* The folder it printed, and the secret on the stick. */
    char bdir[4096] = "";
    const char *p = o ? strstr(o, " to ") : NULL;
    if (p) sscanf(p + 4, "%4095s", bdir);
    free(o);
    char *top = path_in(stick, "HAILONG");
    free(hl_test_write_file(top, "export.key", "s3cret\n"));

    /* The command's bundle carries the Excel workbook too, listed in the manifest. */
    char *xlsx = path_in(bdir, "responses.xlsx");
    size_t xlen = 0;
    char *xbytes = hl_test_read_file(xlsx, &xlen);
    CHECK(xbytes && xlen > 1000 && !memcmp(xbytes, "PK", 2));
    free(xbytes);
    free(xlsx);
    char *man_path = path_in(bdir, "manifest.json");
    char *man = hl_test_read_file(man_path, NULL);
    CHECK_CONTAINS(man, "\"responses.xlsx\"");
    free(man);
    free(man_path);

    const char *a4[] = {HL_BIN, "verify-export", bdir, NULL};
    CHECK_INT(hl_test_run(a4, NULL, &o, &e), 0);
    CHECK_CONTAINS(o, "verifies");
    CHECK_CONTAINS(o, "4 files");
    free(o);
    free(e);

    char *csv = path_in(bdir, "responses-svc.csv");
    flip_byte(csv, 5);
    CHECK_INT(hl_test_run(a4, NULL, &o, &e), 1);
    CHECK_CONTAINS(e, "responses-svc.csv");
    CHECK_CONTAINS(e, "altered");
    free(o);
    free(e);
    flip_byte(csv, 5);

    char *wrong = hl_test_write_file(dir, "wrong.key", "guess\n");
    const char *a5[] = {HL_BIN, "verify-export", bdir, "--key-file", wrong, NULL};
    CHECK_INT(hl_test_run(a5, NULL, &o, &e), 1);
    CHECK_CONTAINS(e, "HMAC does not match");
    free(o);
    free(e);

    const char *a6[] = {HL_BIN, "verify-export", NULL};
    CHECK_INT(hl_test_run(a6, NULL, &o, &e), 2);
    free(o);
    free(e);
    const char *a7[] = {HL_BIN, "--data-dir", data, "export", "--format", "xml", "--out", jl, NULL};
    CHECK_INT(hl_test_run(a7, NULL, &o, &e), 2);
    CHECK_CONTAINS(e, "csv, xlsx, jsonl or bundle");
    free(o);
    free(e);
    const char *a8[] = {HL_BIN, "verify-export", "--help", NULL};
    CHECK_INT(hl_test_run(a8, NULL, &o, &e), 0);
    CHECK_CONTAINS(o, "usage: hailong verify-export DIR");
    free(o);
    free(e);

    /* The bundle was recorded: the default export finds nothing new. */
    CHECK_INT(hl_test_run(a3, NULL, &o, &e), 0);
    CHECK_CONTAINS(o, "no new responses since the last export (seq 3); use --all for everything");
    free(o);
    free(e);
    const char *a9[] = {HL_BIN,   "--data-dir", data,      "--config", cfg,
                        "export", "--format",   "bundle",  "--out",    stick,
                        "--all",  "--medium",   "LABEL-1", NULL};
    CHECK_INT(hl_test_run(a9, NULL, &o, &e), 0);
    CHECK_CONTAINS(o, "exported 3 responses (seq 1..3)");
    free(o);
    free(e);
    const char *a10[] = {HL_BIN, "--data-dir", data, "stats", NULL};
    CHECK_INT(hl_test_run(a10, NULL, &o, &e), 0);
    CHECK_CONTAINS(o, "2 exports; exported up to seq 3");
    free(o);
    free(e);
    const char *a11[] = {HL_BIN, "--data-dir", data, "stats", "--json", NULL};
    CHECK_INT(hl_test_run(a11, NULL, &o, &e), 0);
    CHECK_CONTAINS(o, "\"exports\":2,\"last_export_at\":\"");
    CHECK_CONTAINS(o, "\"exported_upto_seq\":3,");
    free(o);
    free(e);
    CHECK_INT(exports_on(data, "LABEL-1"), 1);
    CHECK_INT(exports_on(data, stick), 1); /* without --medium: the --out folder */
    hl_store_t *held = store_new(data, NULL);
    const char *a12[] = {HL_BIN,     "--data-dir", data,    "--config", cfg,     "export",
                         "--format", "jsonl",      "--out", jl,         "--all", NULL};
    CHECK_INT(hl_test_run(a12, NULL, &o, &e), 2);
    CHECK_CONTAINS(e, "--all and --medium go with --format bundle");
    free(o);
    free(e);

    /* A kiosk holding the store: the bundle is refused, plainly; reading
     * exports still work beside it. */
    CHECK_INT(hl_test_run(a9, NULL, &o, &e), 1);
    CHECK_CONTAINS(e, "the kiosk is running: export from its screen (insert the stick), or stop "
                      "it first");
    free(o);
    free(e);
    CHECK_INT(hl_test_run(a1, NULL, &o, &e), 0);
    free(o);
    free(e);
    hl_store_close(held);

    free(wrong);
    free(csv);
    free(top);
    free(jl);
    free(nokey);
    free(cfg);
    free(stick);
    free(data);
    hl_test_rmtree(dir);
    free(dir);
}

/* ---- The chain in bundles (issue 7) ------------------------------------------ */

/* A store chained with the tests' export key, with responses 1..n finished. */
static hl_store_t *chain_store(const char *dir, int n)
{
    unsigned char tk[HL_BUNDLE_KEY_LEN];
    key_init(tk);
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids, 3);
    hl_store_t *st = store_new(dir, &sv);
    hl_err_t err = {0};
    if (!st || hl_store_set_chain_key(st, tk, &err) != HL_OK) {
        hl_test_fail(__FILE__, __LINE__, "chain key: %s", err.msg);
        return st;
    }
    hl_response_t r;
    for (int i = 1; i <= n; i++)
        add_response(st, &r, i, true);
    return st;
}

/* Re-signs a bundle after a test changed a file: sizes, hashes and the HMAC
 * as the kiosk would write them, so only the chain can tell. edit (may be
 * NULL) changes the manifest first. */
static void resign(const char *bdir, void (*edit)(json_t *m))
{
    unsigned char tk[HL_BUNDLE_KEY_LEN];
    key_init(tk);
    char *mpath = path_in(bdir, "manifest.json");
    json_error_t je;
    json_t *m = json_load_file(mpath, 0, &je);
    if (!m) {
        hl_test_fail(__FILE__, __LINE__, "manifest: %s", je.text);
        free(mpath);
        return;
    }
    if (edit) edit(m);
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(m, "files"), i, f)
    {
        char *p = path_in(bdir, json_string_value(json_object_get(f, "name")));
        size_t len = 0;
        char *text = hl_test_read_file(p, &len);
        char hex[65];
        sha256_hex(text ? text : "", text ? len : 0, hex);
        json_object_set_new(f, "bytes", json_integer((json_int_t)len));
        json_object_set_new(f, "sha256", json_string(hex));
        free(text);
        free(p);
    }
    json_object_del(m, "hmac_sha256");
    char *canon = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    unsigned char mac[32];
    unsigned int mlen = 0;
    HMAC(EVP_sha256(), tk, HL_BUNDLE_KEY_LEN, (const unsigned char *)canon, strlen(canon), mac,
         &mlen);
    char hex[65];
    for (int k = 0; k < 32; k++)
        snprintf(hex + 2 * k, 3, "%02x", mac[k]);
    json_object_set_new(m, "hmac_sha256", json_string(hex));
    json_dump_file(m, mpath, JSON_INDENT(2));
    free(canon);
    json_decref(m);
    free(mpath);
}

/* The lines of responses.jsonl, rewritten by the test. */
static int jsonl_lines(const char *bdir, char lines[][2048], int max)
{
    char *p = path_in(bdir, "responses.jsonl");
    char *text = hl_test_read_file(p, NULL);
    free(p);
    int n = 0;
    for (char *s = text, *e; s && *s && n < max; s = e + 1) {
        e = strchr(s, '\n');
        if (!e) break;
        snprintf(lines[n++], 2048, "%.*s", (int)(e - s), s);
    }
    free(text);
    return n;
}

static void jsonl_rewrite(const char *bdir, char lines[][2048], const int *order, int n)
{
    char *p = path_in(bdir, "responses.jsonl");
    FILE *fp = fopen(p, "w");
    for (int i = 0; fp && i < n; i++)
        fprintf(fp, "%s\n", lines[order[i]]);
    if (fp) fclose(fp);
    free(p);
}

/* hl_bundle_verify's problems joined, for CHECK_CONTAINS. */
static int verify_text(const char *bdir, char *out, size_t outsz)
{
    unsigned char tk[HL_BUNDLE_KEY_LEN];
    key_init(tk);
    hl_diags_t d = {0};
    hl_err_t err = {0};
    int rc = hl_bundle_verify(bdir, tk, &d, NULL, &err);
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < d.n && used + 1 < outsz; i++) {
        int w = snprintf(out + used, outsz - used, "%s\n", d.items[i].msg);
        if (w > 0) used += (size_t)w < outsz - used ? (size_t)w : outsz - used - 1;
    }
    hl_diags_free(&d);
    return rc;
}

static void test_manifest_carries_the_chain_head_and_prev_and_bundles_link(void)
{
    char *dir = hl_test_tmpdir("bundle");
    char *root = hl_test_tmpdir("bundle-stick");
    hl_store_t *st = chain_store(dir, 3);
    hl_err_t err = {0};
    hl_bundle_result_t res;
    char b1[4096], b2[4096];
    CHECK_INT(write_after(st, root, 0, CREATED_MS, b1, sizeof b1, &res, &err), HL_OK);
    int64_t head_seq = 0;
    char head[HL_CHAIN_HEX + 1];
    CHECK_INT(hl_store_chain_head(st, &head_seq, head, &err), HL_OK);
    CHECK_INT(head_seq, 3);
    char *mpath = path_in(b1, "manifest.json");
    json_error_t je;
    json_t *m = json_load_file(mpath, 0, &je);
    json_t *h = json_object_get(m, "chain_head");
    CHECK_INT(json_integer_value(json_object_get(h, "seq")), 3);
    CHECK_STR(json_string_value(json_object_get(h, "chain")), head);
    char zeros[HL_CHAIN_HEX + 1];
    memset(zeros, '0', HL_CHAIN_HEX);
    zeros[HL_CHAIN_HEX] = '\0';
    CHECK_STR(json_string_value(json_object_get(m, "chain_prev")), zeros);
    json_decref(m);
    free(mpath);
    char text[8192];
    CHECK_INT(verify_text(b1, text, sizeof text), HL_OK);
    CHECK_STR(text, "");

    /* The next bundle continues the chain: its chain_prev is b1's head. */
    hl_response_t r;
    add_response(st, &r, 4, true);
    add_response(st, &r, 5, true);
    CHECK_INT(write_after(st, root, 3, CREATED_MS + 60000, b2, sizeof b2, &res, &err), HL_OK);
    mpath = path_in(b2, "manifest.json");
    m = json_load_file(mpath, 0, &je);
    CHECK_STR(json_string_value(json_object_get(m, "chain_prev")), head);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(m, "chain_head"), "seq")), 5);
    json_decref(m);
    free(mpath);
    CHECK_INT(verify_text(b2, text, sizeof text), HL_OK);
    const char *both[] = {b2, b1}; /* any order: they are sorted by sequence */
    size_t n_problems = 9;
    CHECK_INT(hl_bundle_check_links(both, 2, NULL, &n_problems, &err), HL_OK);
    CHECK_INT(n_problems, 0);
    hl_store_close(st);
    hl_test_rmtree(root);
    hl_test_rmtree(dir);
    free(root);
    free(dir);
}

static void test_verify_export_names_an_edited_deleted_or_reordered_row_by_seq(void)
{
    char *dir = hl_test_tmpdir("bundle");
    char *root = hl_test_tmpdir("bundle-stick");
    hl_store_t *st = chain_store(dir, 4);
    hl_err_t err = {0};
    hl_bundle_result_t res;
    char b[4096], text[8192];
    static char lines[8][2048];
    CHECK_INT(write_after(st, root, 0, CREATED_MS, b, sizeof b, &res, &err), HL_OK);
    CHECK_INT(jsonl_lines(b, lines, 8), 4);
    static char orig[8][2048];
    memcpy(orig, lines, sizeof orig);

    /* An answer changed (and the bundle re-signed, as a kiosk whose database
     * was edited before the export would sign it): its MAC gives it away. */
    char *v = strstr(lines[1], "\"value\":\"ok\"");
    CHECK(v != NULL);
    if (v) memcpy(v + 9, "no", 2);
    jsonl_rewrite(b, lines, (const int[]){0, 1, 2, 3}, 4);
    resign(b, NULL);
    CHECK_INT(verify_text(b, text, sizeof text), HL_ERR_INVALID);
    CHECK_CONTAINS(text, "seq 2: edited (its content does not match its chain value)");
    CHECK(strstr(text, "seq 1:") == NULL && strstr(text, "seq 3:") == NULL);

    /* A row deleted: the next one no longer follows. */
    memcpy(lines, orig, sizeof orig);
    jsonl_rewrite(b, lines, (const int[]){0, 2, 3}, 3);
    resign(b, NULL);
    CHECK_INT(verify_text(b, text, sizeof text), HL_ERR_INVALID);
    CHECK_CONTAINS(text, "seq 3: a response before it is missing");
    CHECK(strstr(text, "edited") == NULL);

    /* Two rows swapped. */
    jsonl_rewrite(b, lines, (const int[]){0, 2, 1, 3}, 4);
    resign(b, NULL);
    CHECK_INT(verify_text(b, text, sizeof text), HL_ERR_INVALID);
    CHECK_CONTAINS(text, "seq 2: reordered (it comes after seq 3)");

    /* The newest row removed: the manifest's head names it. */
    jsonl_rewrite(b, lines, (const int[]){0, 1, 2}, 3);
    resign(b, NULL);
    CHECK_INT(verify_text(b, text, sizeof text), HL_ERR_INVALID);
    CHECK_CONTAINS(text, "the last row (seq 3) is not the manifest's \"chain_head\" (seq 4)");

    /* The first row removed: chain_prev names what came before it. */
    jsonl_rewrite(b, lines, (const int[]){1, 2, 3}, 3);
    resign(b, NULL);
    CHECK_INT(verify_text(b, text, sizeof text), HL_ERR_INVALID);
    CHECK_CONTAINS(text, "the first row's prev_chain is not the manifest's \"chain_prev\"");

    /* Put back as written: it verifies again. */
    jsonl_rewrite(b, lines, (const int[]){0, 1, 2, 3}, 4);
    resign(b, NULL);
    CHECK_INT(verify_text(b, text, sizeof text), HL_OK);
    hl_store_close(st);
    hl_test_rmtree(root);
    hl_test_rmtree(dir);
    free(root);
    free(dir);
}

static void edit_chain_prev(json_t *m)
{
    json_object_set_new(m, "chain_prev",
                        json_string("00000000000000000000000000000000000000000000"
                                    "00000000000000000001"));
}

static void test_check_links_reports_missing_responses_and_a_broken_link(void)
{
    char *dir = hl_test_tmpdir("bundle");
    char *root = hl_test_tmpdir("bundle-stick");
    hl_store_t *st = chain_store(dir, 2);
    hl_err_t err = {0};
    hl_bundle_result_t res;
    char b1[4096], b2[4096], b3[4096], ball[4096];
    hl_response_t r;
    CHECK_INT(write_after(st, root, 0, CREATED_MS, b1, sizeof b1, &res, &err), HL_OK);
    add_response(st, &r, 3, true);
    CHECK_INT(write_after(st, root, 2, CREATED_MS + 60000, b2, sizeof b2, &res, &err), HL_OK);
    add_response(st, &r, 4, true);
    add_response(st, &r, 5, true);
    CHECK_INT(write_after(st, root, 3, CREATED_MS + 120000, b3, sizeof b3, &res, &err), HL_OK);
    CHECK_INT(write_after(st, root, 0, CREATED_MS + 180000, ball, sizeof ball, &res, &err), HL_OK);

    const char *all[] = {b3, ball, b1, b2};
    size_t n = 9;
    CHECK_INT(hl_bundle_check_links(all, 4, NULL, &n, &err), HL_OK);
    CHECK_INT(n, 0);

    /* b2 left out: responses 3..3 are in no bundle given. */
    hl_diags_t d = {0};
    const char *gap[] = {b1, b3};
    CHECK_INT(hl_bundle_check_links(gap, 2, &d, &n, &err), HL_ERR_INVALID);
    CHECK_INT(n, 1);
    EXPECT_COUNT(&d, 1);
    if (d.n) {
        CHECK_CONTAINS(d.items[0].msg, "seq 3..3: missing: no bundle given holds these");
        CHECK_STR(d.items[0].file, b3);
    }
    hl_diags_free(&d);

    /* A bundle whose chain_prev names something else: the chain breaks. */
    resign(b2, edit_chain_prev);
    const char *pair[] = {b1, b2};
    CHECK_INT(hl_bundle_check_links(pair, 2, &d, &n, &err), HL_ERR_INVALID);
    EXPECT_COUNT(&d, 1);
    if (d.n) CHECK_CONTAINS(d.items[0].msg, "seq 3: the chain breaks");
    hl_diags_free(&d);
    /* ... and inside, its first row no longer matches the manifest. */
    char text[8192];
    CHECK_INT(verify_text(b2, text, sizeof text), HL_ERR_INVALID);
    CHECK_CONTAINS(text, "the first row's prev_chain is not the manifest's \"chain_prev\"");
    hl_store_close(st);
    hl_test_rmtree(root);
    hl_test_rmtree(dir);
    free(root);
    free(dir);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_manifest_carries_the_chain_head_and_prev_and_bundles_link),
    HL_TEST(test_verify_export_names_an_edited_deleted_or_reordered_row_by_seq),
    HL_TEST(test_check_links_reports_missing_responses_and_a_broken_link),
    HL_TEST(test_jsonl_round_trips_every_field_and_tricky_text),
    HL_TEST(test_jsonl_to_a_folder_or_missing_folder_fails_clearly),
    HL_TEST(test_bundle_has_its_layout_csv_per_survey_jsonl_and_signed_manifest),
    HL_TEST(test_verify_names_a_changed_byte_in_any_file),
    HL_TEST(test_verify_names_truncated_missing_and_unlisted_files),
    HL_TEST(test_verify_detects_an_edited_manifest_and_a_wrong_key),
    HL_TEST(test_bundle_without_a_key_is_refused_and_writes_nothing),
    HL_TEST(test_bundle_does_not_follow_a_symlink_planted_on_the_stick),
    HL_TEST(test_bundle_on_a_full_stick_fails_full_without_manifest_or_temp_files),
    HL_TEST(test_key_from_file_ignores_a_trailing_line_break),
    HL_TEST(test_incremental_bundle_exports_only_new_finished_responses_then_nothing_new),
    HL_TEST(test_bundle_on_a_read_only_store_is_written_but_not_recorded),
    HL_TEST(test_cli_exports_jsonl_and_bundle_and_verify_export_exit_codes),
};

HL_TEST_MAIN(tests)
