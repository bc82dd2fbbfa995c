/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_bundle.c: the JSON Lines export and the signed result bundle
 * (firmware/export/hl_bundle.c), and the `hailong export --format
 * jsonl|bundle` and `hailong verify-export` commands.
 *
 * JSON Lines is read back with jansson: every field, Vietnamese text,
 * quotes, backslashes, line breaks and control characters survive. A bundle
 * has its folder layout, one CSV per survey equal to the CSV export, and a
 * manifest whose figures and hashes match, signed by the kiosk's device key
 * (Ed25519, issue 13); verification passes against a trust list holding that
 * kiosk with that key, and fails naming the file for one changed byte in any
 * file, a truncated, missing or added file and an edited manifest. Whom to
 * believe comes only from the trust list: a bundle forged with another key
 * (even naming the right kiosk), a key put next to the bundle or into its
 * manifest, a kiosk listed with another key or a key listed for another kiosk
 * are "untrusted", naming the signer; rows re-hashed but not re-signed, or
 * stripped of their signature, are named. Old (format 1, HMAC) bundles and
 * HMAC-chained rows from before the device key check only with the old
 * shared key. Symlinks planted on the "stick" are not followed; a full medium
 * (a small tmpfs, as root) fails with HL_ERR_FULL and leaves no manifest and
 * no temporary file.
 */
#include "hl_bundle.h"
#include "hl_devkey.h"
#include "hl_export.h"
#include "hl_fixture.h"
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

static void resp_init(hl_response_t *r, int n)
{
    hl_fixture_response(r, n, 1700000000000LL + n * 60000LL + 123); /* 22:14:20.123Z + n min */
}

static const char *const qids[] = {"q_service", "q_staff", "q_note"};
static const char *const qids2[] = {"q_wait"};
#define CREATED_MS HL_FIXTURE_CREATED_MS /* 2023-11-14T22:13:20Z */
#define NOTE       "Cán bộ \"rất\" nhiệt tình\\ C:\\tmp\r\nline two\nthree\ttab\x01\x1f end"
#define COUNTER    "Quầy \"3\", tầng 1"

/* The store of dir with survey "svc" v1 (qids) current. */
static hl_store_t *svc_store(const char *dir)
{
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids, 3);
    return hl_fixture_store(dir, &sv);
}

/* Two surveys, three responses: a complete one with tricky text, one in
 * progress with an untrusted clock in English, one of another survey. */
static hl_store_t *store_fill(const char *dir)
{
    test_survey_t sv2;
    survey_make(&sv2, "wait", 3, qids2, 1);
    hl_store_t *st = svc_store(dir);
    if (!st) return NULL;
    hl_response_t r;
    hl_err_t err = {0};
    /* Response 1 served by an officer at a counter; nobody on duty after. */
    if (hl_store_set_duty(st, "off_7", COUNTER, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "%s", err.msg);
    resp_init(&r, 1);
    hl_fixture_save(st, &r, "q_service", "very_satisfied", 1500);
    hl_fixture_save(st, &r, "q_note", NOTE, 42000);
    hl_fixture_finish(st, &r, HL_RESP_COMPLETE);
    if (hl_store_set_duty(st, NULL, NULL, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "%s", err.msg);
    resp_init(&r, 2);
    r.lang = HL_LANG_EN;
    r.clock_trusted = false;
    hl_fixture_save(st, &r, "q_staff", "a|c", 900);
    if (hl_store_use_survey(st, &sv2.s, "kiosk-01", &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "%s", err.msg);
    resp_init(&r, 3);
    hl_fixture_save(st, &r, "q_wait", "5", 10);
    hl_fixture_finish(st, &r, HL_RESP_PARTIAL);
    return st;
}

/* The tests' device keys, made once from fixed seeds and kept for the run:
 * the kiosk's own (kiosk-01), a forger's, another kiosk's, one more for
 * trust lists. */
#define KIOSK_KEY    hl_fixture_devkey(60)
#define FORGER_KEY   hl_fixture_devkey(61)
#define OTHER_KEY    hl_fixture_devkey(62)
#define UNLISTED_KEY hl_fixture_devkey(63)

/* A stick's export secret as `hailong export-key --new` makes it (64 hex
 * digits); OLD_SECRET the one a kiosk chained and signed with before issue 13. */
#define SECRET     "6a1f0c3e9b7d25f48e0a9c6b3d1f7e2a5c8b0d4f6e9a1c3b5d7f9e0a2c4b6d8f"
#define OLD_SECRET "0b5e7a9c1d3f2e4a6c8b0d9f1e3a5c7b9d0f2e4a6c8b1d3f5e7a9c0b2d4f6e8a"

/* The old shared export key (format 1 bundles, HMAC-era rows). */
static void old_key_init(unsigned char key[HL_BUNDLE_KEY_LEN])
{
    hl_bundle_key_from_secret(OLD_SECRET "\n", strlen(OLD_SECRET) + 1, key);
}

/* Parses a trust list held in text; fails the test when it is refused. */
static void trust_from(hl_trust_t *t, const char *text, int line)
{
    hl_diags_t d = {0};
    hl_err_t err = {0};
    memset(t, 0, sizeof *t);
    if (hl_trust_parse(text, strlen(text), "trust.txt", t, &d, &err) != HL_OK) {
        hl_test_fail(__FILE__, line, "trust list refused: %s", err.msg);
        hl_diags_print(&d, stderr);
    }
    hl_diags_free(&d);
}

/* A trust list holding kiosk with k. */
static void trust_of(hl_trust_t *t, const char *kiosk, const hl_devkey_t *k)
{
    char line[256];
    hl_devkey_trust_line(k, kiosk, line, sizeof line);
    trust_from(t, line, __LINE__);
}

/* Verifies dir against the trust list "kiosk-01 with the kiosk's key" and
 * the old shared key old (may be NULL). */
static int verify_kiosk(const char *dir, const unsigned char *old, hl_diags_t *problems,
                        hl_bundle_result_t *res, hl_err_t *err)
{
    hl_trust_t t;
    trust_of(&t, "kiosk-01", KIOSK_KEY);
    hl_bundle_check_t chk = {.trust = &t, .old_key = old};
    int rc = hl_bundle_verify(dir, &chk, problems, res, err);
    hl_trust_free(&t);
    return rc;
}

static void sha256_hex(const char *data, size_t len, char out[65])
{
    unsigned char d[32];
    unsigned int n = 0;
    EVP_Digest(data, len, d, &n, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* A test's store folder, its stick (root) and the store, set by the test. */
typedef struct bt {
    char *dir, *root;
    hl_store_t *st;
    hl_err_t err;
    char out[4096]; /* the bundle bt_bundle wrote */
} bt_t;

static void bt_open(bt_t *fx)
{
    memset(fx, 0, sizeof *fx);
    fx->dir = hl_test_tmpdir("bundle");
    fx->root = hl_test_tmpdir("bundle-stick");
}

/* Closes the store (when still open) and removes both folders. */
static void bt_close(bt_t *fx)
{
    hl_store_close(fx->st);
    hl_fixture_rm(fx->root);
    hl_fixture_rm(fx->dir);
}

/* ---- JSON Lines ------------------------------------------------------------ */

static void test_jsonl_round_trips_every_field_and_tricky_text(void)
{
    char *dir = hl_test_tmpdir("bundle");
    hl_store_t *st = store_fill(dir);
    char *out = hl_fixture_path(dir, "all.jsonl");
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
     * null when nobody was on duty; chain, prev_chain and chain_sig after
     * counter, null while in progress or not chained (no signer set here). */
    CHECK_CONTAINS(text, "\"status\":\"complete\",\"suspect\":null,\"clock_trusted\":true,"
                         "\"officer_id\":\"off_7\",\"counter\":"
                         "\"Quầy \\\"3\\\", tầng 1\",\"chain\":null,\"prev_chain\":null,"
                         "\"chain_sig\":null,\"answers\":{");
    CHECK_CONTAINS(text, "\"clock_trusted\":false,\"officer_id\":null,\"counter\":null,"
                         "\"chain\":null,\"prev_chain\":null,\"chain_sig\":null,\"answers\":{");
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
        CHECK_INT(json_object_size(a), 18);
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
    hl_fixture_entries(dir, &hidden);
    CHECK_INT(hidden, 0);
    free(out);
    hl_store_close(st);
    hl_fixture_rm(dir);
}

static void test_jsonl_to_a_folder_or_missing_folder_fails_clearly(void)
{
    char *dir = hl_test_tmpdir("bundle");
    hl_store_t *st = store_fill(dir);
    hl_err_t err = {0};
    CHECK_INT(hl_export_jsonl(st, NULL, dir, NULL, &err), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "is a folder: give a file name such as ");
    CHECK_CONTAINS(err.msg, "/responses.jsonl");
    char *missing = hl_fixture_path(dir, "no/such/x.jsonl");
    CHECK_INT(hl_export_jsonl(st, NULL, missing, NULL, &err), HL_ERR_IO);
    CHECK_CONTAINS(err.msg, missing);
    free(missing);
    hl_store_close(st);
    hl_fixture_rm(dir);
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

static int write_bundle(hl_store_t *st, const char *root, const hl_devkey_t *key, char *out,
                        size_t out_size, hl_bundle_result_t *res, hl_err_t *err)
{
    hl_bundle_opts_t o = hl_fixture_bundle_opts(root, key);
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
    char *p = hl_fixture_path(dir, name);
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
    return hl_fixture_store(dir, NULL);
}

/* bt_open with store_fill_finished's store, and its bundle in fx->out. */
static void bt_bundle(bt_t *fx)
{
    bt_open(fx);
    fx->st = store_fill_finished(fx->dir);
    CHECK_INT(write_bundle(fx->st, fx->root, KIOSK_KEY, fx->out, sizeof fx->out, NULL, &fx->err),
              HL_OK);
}

/* The manifest of bdir with its response count changed from 3 to 2 by hand
 * (its JSON still valid); false when it holds no such count. */
static bool edit_response_count(const char *bdir)
{
    char *mp = hl_fixture_path(bdir, "manifest.json");
    char *text = hl_test_read_file(mp, NULL);
    char *at = text ? strstr(text, "\"responses\": 3") : NULL;
    CHECK(at != NULL);
    if (at) {
        at[strlen("\"responses\": ")] = '2';
        free(hl_test_write_file(bdir, "manifest.json", text));
    }
    free(text);
    free(mp);
    return at != NULL;
}

static void test_bundle_has_its_layout_csv_per_survey_jsonl_and_signed_manifest(void)
{
    const hl_devkey_t *tk = KIOSK_KEY;
    bt_t fx;
    bt_open(&fx);
    fx.st = store_fill_finished(fx.dir);
    fake_xlsx_t fake = {0};
    hl_bundle_extra_t extra = {"responses.xlsx", fake_xlsx_write, &fake};
    hl_bundle_opts_t o = hl_fixture_bundle_opts(fx.root, tk);
    o.extras = &extra;
    o.n_extras = 1;
    o.record = false;
    char out[4096];
    hl_bundle_result_t res;
    CHECK_INT(hl_bundle_write(fx.st, &o, out, sizeof out, &res, &fx.err), HL_OK);
    if (fx.err.code) printf("  %s\n", fx.err.msg);
    char want[4096];
    snprintf(want, sizeof want, "%s/HAILONG/kiosk-01/20231114T221320Z", fx.root);
    CHECK_STR(out, want);
    CHECK_INT(fake.calls, 1);
    CHECK_INT(fake.after_seq, 0); /* the workbook gets the bundle's range */
    CHECK_INT(fake.max_seq, 3);
    CHECK_INT(res.responses, 3);
    CHECK_INT(res.seq_first, 1);
    CHECK_INT(res.seq_last, 3);
    CHECK_INT(res.n_files, 4);
    int hidden = -1;
    CHECK_INT(hl_fixture_entries(out, &hidden), 5);
    CHECK_INT(hidden, 0);

    /* Each CSV is the CSV export of its survey. */
    const char *sids[] = {"svc", "wait"};
    for (int i = 0; i < 2; i++) {
        char name[64];
        snprintf(name, sizeof name, "responses-%s.csv", sids[i]);
        char *in_bundle = hl_fixture_path(out, name);
        char *alone = hl_fixture_path(fx.dir, name);
        CHECK_INT(hl_export_csv(fx.st, sids[i], alone, NULL, &fx.err), HL_OK);
        char *a = hl_test_read_file(in_bundle, NULL), *b = hl_test_read_file(alone, NULL);
        CHECK(a && b);
        if (a && b) CHECK_STR(a, b);
        free(a);
        free(b);
        free(in_bundle);
        free(alone);
    }

    /* The manifest's figures and hashes. */
    char *mpath = hl_fixture_path(out, "manifest.json");
    json_error_t je;
    json_t *m = json_load_file(mpath, JSON_REJECT_DUPLICATES, &je);
    CHECK(m != NULL);
    CHECK_INT(json_integer_value(json_object_get(m, "format")), 2);
    CHECK_STR(json_string_value(json_object_get(m, "kiosk_id")), "kiosk-01");
    CHECK_STR(json_string_value(json_object_get(m, "software_version")), "9.8.7");
    CHECK_STR(json_string_value(json_object_get(m, "created_at")), "2023-11-14T22:13:20Z");
    CHECK_INT(json_integer_value(json_object_get(m, "responses")), 3);
    CHECK_INT(json_integer_value(json_object_get(m, "seq_first")), 1);
    CHECK_INT(json_integer_value(json_object_get(m, "seq_last")), 3);
    CHECK(json_object_get(m, "hmac_sha256") == NULL);
    CHECK_INT(strlen(json_string_value(json_object_get(m, "signature"))), HL_DEVKEY_SIG_HEX);
    /* The signer names the kiosk and its key (a reader's hint, never trusted). */
    json_t *sg = json_object_get(m, "signer");
    CHECK_INT(json_object_size(sg), 4);
    CHECK_STR(json_string_value(json_object_get(sg, "kiosk_id")), "kiosk-01");
    CHECK_STR(json_string_value(json_object_get(sg, "algorithm")), "ed25519");
    CHECK_STR(json_string_value(json_object_get(sg, "public_key")), tk->pub_hex);
    CHECK_STR(json_string_value(json_object_get(sg, "fingerprint")), tk->fingerprint);
    /* The signature is the key's over the prefix and the canonical manifest. */
    json_t *cm = json_deep_copy(m);
    json_object_del(cm, "signature");
    char *canon = json_dumps(cm, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    size_t plen = strlen(HL_BUNDLE_SIGNED_PREFIX), clen = canon ? strlen(canon) : 0;
    char *signed_text = malloc(plen + clen + 1);
    memcpy(signed_text, HL_BUNDLE_SIGNED_PREFIX, plen);
    memcpy(signed_text + plen, canon ? canon : "", clen + 1);
    CHECK(hl_devkey_verify(tk, signed_text, plen + clen,
                           json_string_value(json_object_get(m, "signature"))));
    CHECK(!hl_devkey_verify(tk, canon ? canon : "", clen, /* the prefix is part of it */
                            json_string_value(json_object_get(m, "signature"))));
    free(signed_text);
    free(canon);
    json_decref(cm);
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
        char *p = hl_fixture_path(out, names[i]);
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
    CHECK_INT(verify_kiosk(out, NULL, &probs, &vres, &fx.err), HL_OK);
    EXPECT_COUNT(&probs, 0);
    CHECK_INT(vres.responses, 3);
    CHECK_INT(vres.n_files, 4);
    CHECK_INT(vres.format, 2);
    CHECK_INT(vres.signer, HL_BUNDLE_SIGNER_DEVICE);
    CHECK(vres.key_checked);
    CHECK_INT(vres.trust, HL_TRUST_OK);
    CHECK_STR(vres.signer_kiosk, "kiosk-01");
    CHECK_STR(vres.fingerprint, tk->fingerprint);
    hl_diags_free(&probs);

    /* Another export in the same second gets its own folder. */
    char out2[4096];
    CHECK_INT(write_bundle(fx.st, fx.root, tk, out2, sizeof out2, NULL, &fx.err), HL_OK);
    snprintf(want, sizeof want, "%s/HAILONG/kiosk-01/20231114T221320Z-2", fx.root);
    CHECK_STR(out2, want);
    CHECK_INT(verify_kiosk(out2, NULL, NULL, NULL, &fx.err), HL_OK);

    bt_close(&fx);
}

/* Verifies dir expecting HL_ERR_INVALID with one problem naming name and
 * saying what. */
static void expect_one_problem(const char *dir, const char *name, const char *what, int line)
{
    hl_diags_t probs = {0};
    hl_err_t err = {0};
    int rc = verify_kiosk(dir, NULL, &probs, NULL, &err);
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
    bt_t fx;
    bt_bundle(&fx);
    const char *out = fx.out;
    const char *names[] = {"responses.jsonl", "responses-svc.csv", "responses-wait.csv"};
    for (int i = 0; i < 3; i++) {
        char *p = hl_fixture_path(out, names[i]);
        struct stat sb;
        CHECK_INT(stat(p, &sb), 0);
        long at = (long)sb.st_size / 2;
        flip_byte(p, at);
        expect_one_problem(out, names[i], "altered", __LINE__);
        flip_byte(p, at);
        CHECK_INT(verify_kiosk(out, NULL, NULL, NULL, &fx.err), HL_OK);
        free(p);
    }
    /* The manifest: its signature no longer matches (a byte inside a hash). */
    char *mp = hl_fixture_path(out, "manifest.json");
    char *text = hl_test_read_file(mp, NULL);
    char *hash = text ? strstr(text, "\"sha256\": \"") : NULL;
    CHECK(hash != NULL);
    if (hash) {
        long at = (long)(hash - text) + 12;
        flip_byte(mp, at);
        expect_one_problem(out, "manifest.json", "signature does not match", __LINE__);
        flip_byte(mp, at);
        CHECK_INT(verify_kiosk(out, NULL, NULL, NULL, &fx.err), HL_OK);
    }
    free(text);
    free(mp);
    bt_close(&fx);
}

static void test_verify_names_truncated_missing_and_unlisted_files(void)
{
    bt_t fx;
    bt_bundle(&fx);
    const char *out = fx.out;

    char *jl = hl_fixture_path(out, "responses.jsonl");
    size_t len = 0;
    char *keep = hl_test_read_file(jl, &len);
    CHECK_INT(truncate(jl, (off_t)len - 10), 0);
    expect_one_problem(out, "responses.jsonl", "torn", __LINE__);
    CHECK_INT(unlink(jl), 0);
    expect_one_problem(out, "responses.jsonl", "missing", __LINE__);
    FILE *f = fopen(jl, "wb");
    if (f) {
        fwrite(keep, 1, len, f);
        fclose(f);
    }
    CHECK_INT(verify_kiosk(out, NULL, NULL, NULL, &fx.err), HL_OK);

    free(hl_test_write_file(out, "notes.txt", "added later\n"));
    expect_one_problem(out, "notes.txt", "not listed in the manifest", __LINE__);
    char *extra = hl_fixture_path(out, "notes.txt");
    unlink(extra);
    free(extra);

    char *mp = hl_fixture_path(out, "manifest.json");
    CHECK_INT(unlink(mp), 0);
    expect_one_problem(out, "manifest.json", "missing", __LINE__);
    free(mp);
    free(keep);
    free(jl);
    bt_close(&fx);
}

static void test_verify_detects_an_edited_manifest_and_a_key_not_in_the_trust_list(void)
{
    bt_t fx;
    bt_bundle(&fx);
    const char *out = fx.out;

    /* The wrong key: a trust list holding kiosk-01 with another key. The
     * bundle is intact, so no problem, but it is not verified. */
    hl_trust_t other;
    trust_of(&other, "kiosk-01", OTHER_KEY);
    hl_bundle_check_t chk = {.trust = &other};
    hl_diags_t probs = {0};
    hl_bundle_result_t res;
    CHECK_INT(hl_bundle_verify(out, &chk, &probs, &res, &fx.err), HL_ERR_UNTRUSTED);
    EXPECT_COUNT(&probs, 0);
    CHECK_INT(res.trust, HL_TRUST_OTHER_KEY);
    CHECK_STR(res.fingerprint, KIOSK_KEY->fingerprint);
    CHECK_CONTAINS(fx.err.msg, "the trust list has this kiosk with another key: not verified");
    hl_diags_free(&probs);
    hl_trust_free(&other);
    /* No trust list at all: nothing is trusted. */
    chk.trust = NULL;
    CHECK_INT(hl_bundle_verify(out, &chk, &probs, &res, &fx.err), HL_ERR_UNTRUSTED);
    EXPECT_COUNT(&probs, 0);
    CHECK_CONTAINS(fx.err.msg, "no trust list was given");
    hl_diags_free(&probs);
    CHECK_INT(verify_kiosk(out, NULL, NULL, NULL, &fx.err), HL_OK);

    /* The response count changed by hand, JSON still valid. */
    if (edit_response_count(out))
        expect_one_problem(out, "manifest.json", "signature does not match", __LINE__);
    bt_close(&fx);
}

static void test_bundle_without_a_key_is_refused_and_writes_nothing(void)
{
    bt_t fx;
    bt_open(&fx);
    fx.st = store_fill(fx.dir);
    CHECK_INT(write_bundle(fx.st, fx.root, NULL, NULL, 0, NULL, &fx.err), HL_ERR_STATE);
    CHECK_CONTAINS(fx.err.msg, "no device key to sign the bundle with");
    CHECK_INT(hl_fixture_entries(fx.root, NULL), 0);
    /* A public key alone (as a trust list or a manifest holds) cannot sign. */
    hl_devkey_t pub = {0};
    CHECK_INT(hl_devkey_from_public(KIOSK_KEY->pub, &pub, &fx.err), HL_OK);
    CHECK(!pub.has_private);
    CHECK_INT(write_bundle(fx.st, fx.root, &pub, NULL, 0, NULL, &fx.err), HL_ERR_STATE);
    CHECK_CONTAINS(fx.err.msg, "no device key to sign the bundle with");
    CHECK_INT(hl_fixture_entries(fx.root, NULL), 0);
    hl_devkey_free(&pub);
    bt_close(&fx);
}

static void test_bundle_does_not_follow_a_symlink_planted_on_the_stick(void)
{
    const hl_devkey_t *tk = KIOSK_KEY;
    bt_t fx;
    bt_open(&fx);
    char *elsewhere = hl_test_tmpdir("bundle-elsewhere");
    fx.st = store_fill(fx.dir);
    char *top = hl_fixture_path(fx.root, "HAILONG");
    CHECK_INT(symlink(elsewhere, top), 0);
    CHECK_INT(write_bundle(fx.st, fx.root, tk, NULL, 0, NULL, &fx.err), HL_ERR_INVALID);
    CHECK_CONTAINS(fx.err.msg, "HAILONG is a symbolic link");
    CHECK_INT(hl_fixture_entries(elsewhere, NULL), 0);

    /* At the kiosk's folder. */
    CHECK_INT(unlink(top), 0);
    CHECK_INT(mkdir(top, 0755), 0);
    char *kiosk = hl_fixture_path(top, "kiosk-01");
    CHECK_INT(symlink(elsewhere, kiosk), 0);
    CHECK_INT(write_bundle(fx.st, fx.root, tk, NULL, 0, NULL, &fx.err), HL_ERR_INVALID);
    CHECK_CONTAINS(fx.err.msg, "kiosk-01 is a symbolic link");
    CHECK_INT(hl_fixture_entries(elsewhere, NULL), 0);
    expect_exported_upto(fx.st, 0, __LINE__); /* a failed bundle marks nothing */
    free(kiosk);
    free(top);
    hl_fixture_rm(elsewhere);
    bt_close(&fx);
}

static void test_bundle_on_a_full_stick_fails_full_without_manifest_or_temp_files(void)
{
    const hl_devkey_t *tk = KIOSK_KEY;
    char *media = hl_fixture_tmpfs("bundle-media", "256k", __func__);
    if (!media) return;
    char *dir = hl_test_tmpdir("bundle");
    hl_store_t *st = svc_store(dir);
    hl_fixture_fill(st, 300, "q_note", 599); /* JSON Lines ~230 KB, with the CSV over 256 KB */
    hl_err_t err = {0};
    char out[4096] = "x";
    CHECK_INT(write_bundle(st, media, tk, out, sizeof out, NULL, &err), HL_ERR_FULL);
    CHECK_CONTAINS(err.msg, "full");
    CHECK_STR(out, "");
    expect_exported_upto(st, 0, __LINE__); /* a failed bundle marks nothing */
    char *kdir = hl_fixture_path(media, "HAILONG/kiosk-01");
    int hidden = -1;
    CHECK_INT(hl_fixture_entries(kdir, &hidden), 0); /* the torn bundle folder is gone */
    char *bdir = hl_fixture_path(kdir, "20231114T221320Z");
    char *man = hl_fixture_path(bdir, "manifest.json");
    CHECK(access(man, F_OK) != 0);
    hl_diags_t probs = {0};
    CHECK(verify_kiosk(bdir, NULL, &probs, NULL, &err) != HL_OK);
    hl_diags_free(&probs);
    free(man);
    free(bdir);
    free(kdir);
    hl_store_close(st);
    hl_fixture_tmpfs_free(media);
    hl_fixture_rm(dir);
}

static void test_key_from_file_ignores_a_trailing_line_break(void)
{
    char *dir = hl_test_tmpdir("bundle");
    unsigned char a[HL_BUNDLE_KEY_LEN], b[HL_BUNDLE_KEY_LEN], c[HL_BUNDLE_KEY_LEN],
        d[HL_BUNDLE_KEY_LEN];
    hl_err_t err = {0};
    char *p1 = hl_test_write_file(dir, "k1", SECRET "\n");
    char *p2 = hl_test_write_file(dir, "k2", SECRET "\r\n");
    char *p3 = hl_test_write_file(dir, "k3", SECRET);
    CHECK_INT(hl_bundle_key_from_file(p1, a, &err), HL_OK);
    CHECK_INT(hl_bundle_key_from_file(p2, b, &err), HL_OK);
    CHECK_INT(hl_bundle_key_from_file(p3, d, &err), HL_OK);
    hl_bundle_key_from_secret(SECRET, strlen(SECRET), c);
    CHECK(memcmp(a, c, sizeof a) == 0);
    CHECK(memcmp(b, c, sizeof b) == 0);
    CHECK(memcmp(d, c, sizeof d) == 0);
    char *none = hl_fixture_path(dir, "none");
    CHECK_INT(hl_bundle_key_from_file(none, a, &err), HL_ERR_NOT_FOUND);
    free(none);
    free(p1);
    free(p2);
    free(p3);
    hl_fixture_rm(dir);
}

/* Issue 13.2: a stick's secret is what `hailong export-key --new` makes, 64
 * hex digits; a word anyone could guess (the README's old example "secret"),
 * an empty file, one digit short or 64 characters that are not hex are
 * refused, so such a stick authorises nothing. */
static void test_export_secret_must_be_64_hex_digits_a_word_is_refused(void)
{
    char *dir = hl_test_tmpdir("bundle");
    char hex63[64], nonhex[80], hex65[80], inner[80];
    memcpy(hex63, SECRET, 63);
    hex63[63] = '\0';
    snprintf(nonhex, sizeof nonhex, "%.63sg\n", SECRET);
    snprintf(hex65, sizeof hex65, "%sa\n", SECRET);
    snprintf(inner, sizeof inner, " %s\n", SECRET);
    const char *const bad[] = {"secret",      "secret\n",   "s3cret\n", "",    "\n",
                               "\r\n",        hex63,        nonhex,     hex65, inner,
                               SECRET "\n\n", SECRET " \n", NULL};
    for (size_t i = 0; bad[i]; i++) {
        /* Never a stick's authorisation (hl_media_authorized uses this). */
        CHECK(!hl_bundle_secret_valid(bad[i], strlen(bad[i])));
        /* But an old key given to check old bundles (--key-file) is read as
         * older kiosks read it: any non-empty text. */
        char name[16];
        snprintf(name, sizeof name, "bad%zu", i);
        char *p = hl_test_write_file(dir, name, bad[i]);
        unsigned char k[HL_BUNDLE_KEY_LEN];
        hl_err_t err = {0};
        bool empty = !strcmp(bad[i], "") || !strcmp(bad[i], "\n") || !strcmp(bad[i], "\r\n");
        CHECK_INT(hl_bundle_key_from_file(p, k, &err), empty ? HL_ERR_INVALID : HL_OK);
        free(p);
    }
    /* 64 hex digits, with or without a line break (LF or CRLF), are a secret. */
    const char *const good[] = {SECRET, SECRET "\n", SECRET "\r\n", OLD_SECRET, NULL};
    for (size_t i = 0; good[i]; i++) {
        CHECK(hl_bundle_secret_valid(good[i], strlen(good[i])));
        char name[16];
        snprintf(name, sizeof name, "good%zu", i);
        char *p = hl_test_write_file(dir, name, good[i]);
        unsigned char k[HL_BUNDLE_KEY_LEN];
        hl_err_t err = {0};
        CHECK_INT(hl_bundle_key_from_file(p, k, &err), HL_OK);
        free(p);
    }
    hl_fixture_rm(dir);
}

/* ---- Incremental exports ------------------------------------------------------ */

/* A bundle after after_seq, recorded; returns its code. */
static int write_after(hl_store_t *st, const char *root, int64_t after, int64_t when, char *out,
                       size_t out_size, hl_bundle_result_t *res, hl_err_t *err)
{
    hl_bundle_opts_t o = hl_fixture_bundle_opts(root, KIOSK_KEY);
    o.created_utc_ms = when;
    o.after_seq = after;
    o.medium = "CAFE-F00D";
    return hl_bundle_write(st, &o, out, out_size, res, err);
}

static void add_response(hl_store_t *st, hl_response_t *r, int n, bool done)
{
    resp_init(r, n);
    hl_fixture_save(st, r, "q_service", "ok", 100);
    if (done) hl_fixture_finish(st, r, HL_RESP_COMPLETE);
}

static void test_incremental_bundle_exports_only_new_finished_responses_then_nothing_new(void)
{
    bt_t fx;
    bt_open(&fx);
    fx.st = svc_store(fx.dir);
    hl_response_t r1, r2, r3, r4, r5;
    add_response(fx.st, &r1, 1, true);
    add_response(fx.st, &r2, 2, true);
    hl_bundle_result_t res;
    char out[4096];
    int64_t t = CREATED_MS;

    /* First export: everything finished so far. */
    CHECK_INT(write_after(fx.st, fx.root, 0, t, out, sizeof out, &res, &fx.err), HL_OK);
    CHECK_INT(res.responses, 2);
    CHECK_INT(res.seq_first, 1);
    CHECK_INT(res.seq_last, 2);
    CHECK_INT(count_lines(out, "responses.jsonl"), 2);
    expect_exported_upto(fx.st, 2, __LINE__);
    hl_store_stats_t stats;
    CHECK_INT(hl_store_stats(fx.st, &stats, &fx.err), HL_OK);
    CHECK_INT(stats.n_exports, 1);
    CHECK_INT(stats.last_export_utc_ms, t);

    /* Nothing new: nothing written, and it says so. */
    char *kdir = hl_fixture_path(fx.root, "HAILONG/kiosk-01");
    CHECK_INT(write_after(fx.st, fx.root, 2, t + 60000, out, sizeof out, &res, &fx.err),
              HL_ERR_NOT_FOUND);
    CHECK_CONTAINS(fx.err.msg, "no new responses since the last export (seq 2)");
    CHECK_STR(out, "");
    CHECK_INT(hl_fixture_entries(kdir, NULL), 1);

    /* 3 finished, 4 in progress, 5 finished: the range stops before 4. */
    add_response(fx.st, &r3, 3, true);
    add_response(fx.st, &r4, 4, false);
    add_response(fx.st, &r5, 5, true);
    CHECK_INT(write_after(fx.st, fx.root, 2, t + 120000, out, sizeof out, &res, &fx.err), HL_OK);
    CHECK_INT(res.responses, 1);
    CHECK_INT(res.seq_first, 3);
    CHECK_INT(res.seq_last, 3);
    CHECK_INT(res.in_progress_seq, 4);
    CHECK_INT(count_lines(out, "responses.jsonl"), 1);
    CHECK_INT(count_lines(out, "responses-svc.csv"), 2); /* header + response 3: only new */
    CHECK_INT(verify_kiosk(out, NULL, NULL, NULL, &fx.err), HL_OK);
    char *mpath = hl_fixture_path(out, "manifest.json");
    json_error_t je;
    json_t *m = json_load_file(mpath, 0, &je);
    CHECK_INT(json_integer_value(json_object_get(m, "after_seq")), 2);
    CHECK_INT(json_integer_value(json_object_get(m, "seq_first")), 3);
    CHECK_INT(json_integer_value(json_object_get(m, "seq_last")), 3);
    CHECK_INT(json_integer_value(json_object_get(m, "responses")), 1);
    json_decref(m);
    free(mpath);
    expect_exported_upto(fx.st, 3, __LINE__);

    /* While 4 is in progress nothing more goes out; once finished, 4 and 5. */
    CHECK_INT(write_after(fx.st, fx.root, 3, t + 180000, out, sizeof out, &res, &fx.err),
              HL_ERR_NOT_FOUND);
    CHECK_CONTAINS(fx.err.msg, "response 4 is still being answered");
    expect_exported_upto(fx.st, 3, __LINE__);
    hl_fixture_finish(fx.st, &r4, HL_RESP_PARTIAL);
    CHECK_INT(write_after(fx.st, fx.root, 3, t + 240000, out, sizeof out, &res, &fx.err), HL_OK);
    CHECK_INT(res.responses, 2);
    CHECK_INT(res.seq_first, 4);
    CHECK_INT(res.seq_last, 5);
    CHECK_INT(res.in_progress_seq, 0);
    expect_exported_upto(fx.st, 5, __LINE__);

    /* A full export holds everything again, and is recorded too. */
    CHECK_INT(write_after(fx.st, fx.root, 0, t + 300000, out, sizeof out, &res, &fx.err), HL_OK);
    CHECK_INT(res.responses, 5);
    CHECK_INT(res.seq_first, 1);
    CHECK_INT(res.seq_last, 5);
    CHECK_INT(count_lines(out, "responses.jsonl"), 5);
    CHECK_INT(count_lines(out, "responses-svc.csv"), 6); /* header + 1..5 */
    CHECK_INT(verify_kiosk(out, NULL, NULL, NULL, &fx.err), HL_OK);
    expect_exported_upto(fx.st, 5, __LINE__);
    CHECK_INT(hl_store_stats(fx.st, &stats, &fx.err), HL_OK);
    CHECK_INT(stats.n_exports, 4);
    CHECK_INT(stats.last_export_utc_ms, t + 300000);
    CHECK_INT(hl_fixture_entries(kdir, NULL), 4);
    free(kdir);
    bt_close(&fx);
}

static void test_bundle_on_a_read_only_store_is_written_but_not_recorded(void)
{
    bt_t fx;
    bt_open(&fx);
    fx.st = svc_store(fx.dir);
    hl_response_t r;
    add_response(fx.st, &r, 1, true);
    hl_store_close(fx.st);
    hl_store_opts_t ro = {.read_only = true};
    CHECK_INT(hl_store_open(fx.dir, &ro, &fx.st, NULL, &fx.err), HL_OK);
    char out[4096];
    hl_bundle_result_t res;
    CHECK_INT(write_after(fx.st, fx.root, 0, CREATED_MS, out, sizeof out, &res, &fx.err),
              HL_ERR_READONLY);
    CHECK_CONTAINS(fx.err.msg, "complete and verifies, but recording the export failed");
    CHECK_INT(res.responses, 1);
    CHECK_INT(verify_kiosk(out, NULL, NULL, NULL, &fx.err), HL_OK);
    expect_exported_upto(fx.st, 0, __LINE__);
    bt_close(&fx);
}

/* ---- The command line ------------------------------------------------------- */

/* Exports recorded in the store of data with medium (read straight from
 * the database); -1 when it cannot be read. */
static long long exports_on(const char *data, const char *medium)
{
    char *path = hl_fixture_path(data, HL_STORE_FILE);
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
    char *data = hl_fixture_path(dir, "data");
    char *stick = hl_fixture_path(dir, "stick");
    CHECK_INT(mkdir(data, 0755), 0);
    CHECK_INT(mkdir(stick, 0755), 0);
    hl_store_t *st = store_fill(data);
    hl_store_close(st);
    unsigned char key[HL_BUNDLE_KEY_LEN];
    hl_bundle_key_from_secret(SECRET, strlen(SECRET), key);
    char hex[65], cfg_text[256];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    snprintf(cfg_text, sizeof cfg_text,
             "{\"kiosk_id\": \"kiosk-01\", \"export\": {\"key_sha256\": \"%s\"}}", hex);
    char *cfg = hl_test_write_file(dir, "hailong.json", cfg_text);
    char *jl = hl_fixture_path(dir, "all.jsonl");
    char *o = NULL, *e = NULL;

    const char *a1[] = {HL_BIN,     "--data-dir", data,    "--config", cfg, "export",
                        "--format", "jsonl",      "--out", jl,         NULL};
    CHECK_INT(hl_test_run(a1, NULL, &o, &e), 0);
    CHECK_CONTAINS(o, "exported 3 responses of all surveys");
    free(o);
    free(e);
    CHECK(access(jl, F_OK) == 0);

    /* No device key yet: identity says so (and makes none). */
    const char *a2[] = {HL_BIN, "--data-dir", data, "--config", cfg, "identity", NULL};
    CHECK_INT(hl_test_run(a2, NULL, &o, &e), 1);
    CHECK_CONTAINS(e, "no device key");
    free(o);
    free(e);

    /* The first bundle makes the device key and says so. */
    const char *a3[] = {HL_BIN,     "--data-dir", data,    "--config", cfg, "export",
                        "--format", "bundle",     "--out", stick,      NULL};
    CHECK_INT(hl_test_run(a3, NULL, &o, &e), 0);
    CHECK_CONTAINS(o, "exported 3 responses");
    CHECK_CONTAINS(o, "/HAILONG/kiosk-01/");
    CHECK_CONTAINS(e, "made the device key");
    free(e);
    /* The folder it printed, and the secret on the stick. */
    char bdir[4096] = "";
    const char *p = o ? strstr(o, " to ") : NULL;
    if (p) sscanf(p + 4, "%4095s", bdir);
    free(o);
    char *top = hl_fixture_path(stick, "HAILONG");
    free(hl_test_write_file(top, "export.key", SECRET "\n"));

    /* The kiosk's identity, as the province collects it: the trust list. */
    char fpr[HL_DEVKEY_FPR_HEX + 1] = "";
    CHECK_INT(hl_test_run(a2, NULL, &o, &e), 0);
    CHECK(o && !strncmp(o, "kiosk-01 ed25519:", 17) && strlen(o) == 17 + 64 + 1 + 16 + 1);
    if (o && strlen(o) == 17 + 64 + 1 + 16 + 1) snprintf(fpr, sizeof fpr, "%.16s", o + 17 + 64 + 1);
    char *trust = hl_test_write_file(dir, "trust.txt", o ? o : "");
    free(o);
    free(e);
    const char *a2j[] = {HL_BIN, "--data-dir", data, "--config", cfg, "identity", "--json", NULL};
    CHECK_INT(hl_test_run(a2j, NULL, &o, &e), 0);
    CHECK_CONTAINS(o, "{\"kiosk_id\":\"kiosk-01\",\"algorithm\":\"ed25519\",\"public_key\":\"");
    CHECK_CONTAINS(o, fpr);
    char *trust_json = hl_test_write_file(dir, "trust.jsonl", o ? o : "");
    free(o);
    free(e);
    char signed_by[128];
    snprintf(signed_by, sizeof signed_by, ": signed by kiosk kiosk-01, device key %s\n", fpr);

    /* The command's bundle carries the Excel workbook too, listed in the manifest. */
    char *xlsx = hl_fixture_path(bdir, "responses.xlsx");
    size_t xlen = 0;
    char *xbytes = hl_test_read_file(xlsx, &xlen);
    CHECK(xbytes && xlen > 1000 && !memcmp(xbytes, "PK", 2));
    free(xbytes);
    free(xlsx);
    char *man_path = hl_fixture_path(bdir, "manifest.json");
    char *man = hl_test_read_file(man_path, NULL);
    CHECK_CONTAINS(man, "\"responses.xlsx\"");
    free(man);
    free(man_path);

    const char *a4[] = {HL_BIN, "verify-export", bdir, "--trust", trust, NULL};
    CHECK_INT(hl_test_run(a4, NULL, &o, &e), 0);
    CHECK_CONTAINS(o, signed_by);
    CHECK_CONTAINS(o, "verifies");
    CHECK_CONTAINS(o, "4 files");
    CHECK_CONTAINS(o, "signer in the trust list");
    free(o);
    free(e);
    const char *a4j[] = {HL_BIN, "verify-export", bdir, "--trust", trust_json, NULL};
    CHECK_INT(hl_test_run(a4j, NULL, &o, &e), 0);
    CHECK_CONTAINS(o, "verifies");
    free(o);
    free(e);

    /* Without a trust list nothing verifies, whatever lies on the stick
     * (HAILONG/export.key is right there): exit 4, the signer named. */
    const char *a4n[] = {HL_BIN, "verify-export", bdir, NULL};
    CHECK_INT(hl_test_run(a4n, NULL, &o, &e), 4);
    CHECK_CONTAINS(o, signed_by);
    CHECK(o && !strstr(o, "verifies"));
    CHECK_CONTAINS(e, "NOT VERIFIED");
    CHECK_CONTAINS(e, "no trust list");
    free(o);
    free(e);

    char *csv = hl_fixture_path(bdir, "responses-svc.csv");
    flip_byte(csv, 5);
    CHECK_INT(hl_test_run(a4, NULL, &o, &e), 1);
    CHECK_CONTAINS(e, "responses-svc.csv");
    CHECK_CONTAINS(e, "altered");
    free(o);
    free(e);
    flip_byte(csv, 5);

    /* A trust list holding kiosk-01 with another key: intact, not verified. */
    hl_trust_t unused;
    char other_line[256];
    hl_devkey_trust_line(OTHER_KEY, "kiosk-01", other_line, sizeof other_line);
    trust_from(&unused, other_line, __LINE__); /* the line is a valid trust list */
    hl_trust_free(&unused);
    char *other = hl_test_write_file(dir, "other.txt", other_line);
    const char *a5[] = {HL_BIN, "verify-export", bdir, "--trust", other, NULL};
    CHECK_INT(hl_test_run(a5, NULL, &o, &e), 4);
    CHECK_CONTAINS(o, signed_by);
    CHECK_CONTAINS(e, "NOT VERIFIED");
    CHECK_CONTAINS(e, "the trust list has this kiosk with another key");
    free(o);
    free(e);
    /* An old key (any text, as older kiosks took it) changes nothing for a
     * bundle that is all signed: it verifies with the trust list. */
    char *wrong = hl_test_write_file(dir, "wrong.key", "guess\n");
    const char *a5k[] = {HL_BIN, "verify-export", bdir,  "--trust",
                         trust,  "--key-file",    wrong, NULL};
    CHECK_INT(hl_test_run(a5k, NULL, &o, &e), 0);
    CHECK_CONTAINS(o, " verifies: ");
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
    CHECK(e && !strstr(e, "made the device key")); /* the key is made once */
    char bdir2[4096] = "";
    p = o ? strstr(o, " to ") : NULL;
    if (p) sscanf(p + 4, "%4095s", bdir2);
    free(o);
    free(e);
    /* Signed by the same key; the two bundles overlap, so they link. */
    const char *a9v[] = {HL_BIN, "verify-export", bdir, bdir2, "--trust", trust, NULL};
    CHECK_INT(hl_test_run(a9v, NULL, &o, &e), 0);
    CHECK_CONTAINS(o, "the 2 bundles link");
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
    hl_store_t *held = hl_fixture_store(data, NULL);
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
    free(other);
    free(trust);
    free(trust_json);
    free(csv);
    free(top);
    free(jl);
    free(cfg);
    free(stick);
    free(data);
    hl_fixture_rm(dir);
}

/* ---- The chain in bundles (issue 7) ------------------------------------------ */

/* A store whose responses are chained and signed with key (kiosk-01),
 * with responses 1..n finished. */
static hl_store_t *chain_store_by(const char *dir, int n, const hl_devkey_t *key)
{
    hl_store_t *st = svc_store(dir);
    hl_err_t err = {0};
    if (!st || hl_store_set_signer(st, key, &err) != HL_OK) {
        hl_test_fail(__FILE__, __LINE__, "signer: %s", err.msg);
        return st;
    }
    hl_response_t r;
    for (int i = 1; i <= n; i++)
        add_response(st, &r, i, true);
    return st;
}

/* The kiosk's own store: chained and signed with its device key. */
static hl_store_t *chain_store(const char *dir, int n)
{
    return chain_store_by(dir, n, KIOSK_KEY);
}

/* bt_open with chain_store's store of n responses. */
static void bt_chain(bt_t *fx, int n)
{
    bt_open(fx);
    fx->st = chain_store(fx->dir, n);
}

/* Re-signs a bundle after a test changed a file: sizes, hashes and the
 * signature as the kiosk (key) would write them, so only the chain can
 * tell. edit (may be NULL) changes the manifest first. */
static void resign_by(const char *bdir, void (*edit)(json_t *m), const hl_devkey_t *key)
{
    hl_fixture_bundle_resign(bdir, edit, key, false);
}

static void resign(const char *bdir, void (*edit)(json_t *m))
{
    resign_by(bdir, edit, KIOSK_KEY);
}

/* The lines of responses.jsonl, rewritten by the test. */
static int jsonl_lines(const char *bdir, char lines[][2048], int max)
{
    char *p = hl_fixture_path(bdir, "responses.jsonl");
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
    char *p = hl_fixture_path(bdir, "responses.jsonl");
    FILE *fp = fopen(p, "w");
    for (int i = 0; fp && i < n; i++)
        fprintf(fp, "%s\n", lines[order[i]]);
    if (fp) fclose(fp);
    free(p);
}

/* hl_bundle_verify's problems joined, for CHECK_CONTAINS; old: the old
 * shared key (may be NULL), res may be NULL. */
static int verify_text_res(const char *bdir, const unsigned char *old, char *out, size_t outsz,
                           hl_bundle_result_t *res)
{
    hl_diags_t d = {0};
    hl_err_t err = {0};
    int rc = verify_kiosk(bdir, old, &d, res, &err);
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < d.n && used + 1 < outsz; i++) {
        int w = snprintf(out + used, outsz - used, "%s\n", d.items[i].msg);
        if (w > 0) used += (size_t)w < outsz - used ? (size_t)w : outsz - used - 1;
    }
    hl_diags_free(&d);
    return rc;
}

static int verify_text(const char *bdir, char *out, size_t outsz)
{
    return verify_text_res(bdir, NULL, out, outsz, NULL);
}

static void test_manifest_carries_the_chain_head_and_prev_and_bundles_link(void)
{
    bt_t fx;
    bt_chain(&fx, 3);
    hl_bundle_result_t res;
    char b1[4096], b2[4096];
    CHECK_INT(write_after(fx.st, fx.root, 0, CREATED_MS, b1, sizeof b1, &res, &fx.err), HL_OK);
    int64_t head_seq = 0;
    char head[HL_CHAIN_HEX + 1];
    CHECK_INT(hl_store_chain_head(fx.st, &head_seq, head, &fx.err), HL_OK);
    CHECK_INT(head_seq, 3);
    char *mpath = hl_fixture_path(b1, "manifest.json");
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
    add_response(fx.st, &r, 4, true);
    add_response(fx.st, &r, 5, true);
    CHECK_INT(write_after(fx.st, fx.root, 3, CREATED_MS + 60000, b2, sizeof b2, &res, &fx.err),
              HL_OK);
    mpath = hl_fixture_path(b2, "manifest.json");
    m = json_load_file(mpath, 0, &je);
    CHECK_STR(json_string_value(json_object_get(m, "chain_prev")), head);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(m, "chain_head"), "seq")), 5);
    json_decref(m);
    free(mpath);
    CHECK_INT(verify_text(b2, text, sizeof text), HL_OK);
    const char *both[] = {b2, b1}; /* any order: they are sorted by sequence */
    size_t n_problems = 9;
    CHECK_INT(hl_bundle_check_links(both, 2, NULL, &n_problems, &fx.err), HL_OK);
    CHECK_INT(n_problems, 0);
    bt_close(&fx);
}

static void test_verify_export_names_an_edited_deleted_or_reordered_row_by_seq(void)
{
    bt_t fx;
    bt_chain(&fx, 4);
    hl_bundle_result_t res;
    char b[4096], text[8192];
    static char lines[8][2048];
    CHECK_INT(write_after(fx.st, fx.root, 0, CREATED_MS, b, sizeof b, &res, &fx.err), HL_OK);
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
    CHECK_CONTAINS(text, "seq 2: edited (its content does not match its chain value and "
                         "signature)");
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
    bt_close(&fx);
}

/* A follow-up code is in the row and in what its chain covers: a bundle
 * with one verifies; the code changed or removed (and the bundle re-signed)
 * is an edited response. */
static void test_a_follow_up_code_edited_or_removed_in_a_bundle_is_an_edited_row(void)
{
    bt_t fx;
    bt_chain(&fx, 2);
    hl_response_t r;
    resp_init(&r, 3);
    hl_fixture_save(fx.st, &r, "q_service", "ok", 100);
    hl_save_t fin = {.status = HL_RESP_COMPLETE,
                     .finished_utc_ms = r.started_utc_ms + 9000,
                     .followup_seed = 42};
    CHECK_INT(hl_store_save(fx.st, &r, &fin, &fx.err), HL_OK);
    CHECK(hl_followup_valid(r.followup));
    hl_bundle_result_t res;
    char b[4096], text[8192], want[64];
    static char lines[8][2048];
    CHECK_INT(write_after(fx.st, fx.root, 0, CREATED_MS, b, sizeof b, &res, &fx.err), HL_OK);
    CHECK_INT(jsonl_lines(b, lines, 8), 3);
    snprintf(want, sizeof want, ",\"followup\":\"%s\",\"chain\":", r.followup);
    CHECK_CONTAINS(lines[2], want);
    CHECK(strstr(lines[1], "followup") == NULL); /* none: no key */
    CHECK_INT(verify_text(b, text, sizeof text), HL_OK);
    static char orig[8][2048];
    memcpy(orig, lines, sizeof orig);
    char *code = strstr(lines[2], want);
    if (code) code[13] = code[13] == 'A' ? 'C' : 'A'; /* another valid symbol */
    jsonl_rewrite(b, lines, (const int[]){0, 1, 2}, 3);
    resign(b, NULL);
    CHECK_INT(verify_text(b, text, sizeof text), HL_ERR_INVALID);
    CHECK_CONTAINS(text, "seq 3: edited");
    memcpy(lines, orig, sizeof orig);
    code = strstr(lines[2], want);
    if (code) memmove(code, code + 20, strlen(code + 20) + 1); /* the key and value gone */
    CHECK(strstr(lines[2], "followup") == NULL);
    jsonl_rewrite(b, lines, (const int[]){0, 1, 2}, 3);
    resign(b, NULL);
    CHECK_INT(verify_text(b, text, sizeof text), HL_ERR_INVALID);
    CHECK_CONTAINS(text, "seq 3: edited");
    bt_close(&fx);
}

static void edit_chain_prev(json_t *m)
{
    json_object_set_new(m, "chain_prev",
                        json_string("00000000000000000000000000000000000000000000"
                                    "00000000000000000001"));
}

static void test_check_links_reports_missing_responses_and_a_broken_link(void)
{
    bt_t fx;
    bt_chain(&fx, 2);
    hl_bundle_result_t res;
    char b1[4096], b2[4096], b3[4096], ball[4096];
    hl_response_t r;
    CHECK_INT(write_after(fx.st, fx.root, 0, CREATED_MS, b1, sizeof b1, &res, &fx.err), HL_OK);
    add_response(fx.st, &r, 3, true);
    CHECK_INT(write_after(fx.st, fx.root, 2, CREATED_MS + 60000, b2, sizeof b2, &res, &fx.err),
              HL_OK);
    add_response(fx.st, &r, 4, true);
    add_response(fx.st, &r, 5, true);
    CHECK_INT(write_after(fx.st, fx.root, 3, CREATED_MS + 120000, b3, sizeof b3, &res, &fx.err),
              HL_OK);
    CHECK_INT(write_after(fx.st, fx.root, 0, CREATED_MS + 180000, ball, sizeof ball, &res, &fx.err),
              HL_OK);

    const char *all[] = {b3, ball, b1, b2};
    size_t n = 9;
    CHECK_INT(hl_bundle_check_links(all, 4, NULL, &n, &fx.err), HL_OK);
    CHECK_INT(n, 0);

    /* b2 left out: responses 3..3 are in no bundle given. */
    hl_diags_t d = {0};
    const char *gap[] = {b1, b3};
    CHECK_INT(hl_bundle_check_links(gap, 2, &d, &n, &fx.err), HL_ERR_INVALID);
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
    CHECK_INT(hl_bundle_check_links(pair, 2, &d, &n, &fx.err), HL_ERR_INVALID);
    EXPECT_COUNT(&d, 1);
    if (d.n) CHECK_CONTAINS(d.items[0].msg, "seq 3: the chain breaks");
    hl_diags_free(&d);
    /* ... and inside, its first row no longer matches the manifest. */
    char text[8192];
    CHECK_INT(verify_text(b2, text, sizeof text), HL_ERR_INVALID);
    CHECK_CONTAINS(text, "the first row's prev_chain is not the manifest's \"chain_prev\"");
    bt_close(&fx);
}

/* ---- Whom to believe: device keys and the trust list (issue 13) ------------- */

/* Loads a bundle's manifest, lets fn change it, writes it back unsigned (as
 * someone without the key would). */
static void manifest_edit(const char *bdir, void (*fn)(json_t *m, const void *ctx), const void *ctx)
{
    char *mpath = hl_fixture_path(bdir, "manifest.json");
    json_error_t je;
    json_t *m = json_load_file(mpath, 0, &je);
    if (!m) {
        hl_test_fail(__FILE__, __LINE__, "manifest: %s", je.text);
    } else {
        fn(m, ctx);
        json_dump_file(m, mpath, JSON_INDENT(2));
    }
    json_decref(m);
    free(mpath);
}

/* The manifest's signer claims key k (its public key and fingerprint). */
static void claim_signer_key(json_t *m, const void *ctx)
{
    const hl_devkey_t *k = ctx;
    json_t *s = json_object_get(m, "signer");
    json_object_set_new(s, "public_key", json_string(k->pub_hex));
    json_object_set_new(s, "fingerprint", json_string(k->fingerprint));
}

/* The manifest's signer names another kiosk. */
static void claim_signer_kiosk(json_t *m, const void *ctx)
{
    json_object_set_new(json_object_get(m, "signer"), "kiosk_id", json_string(ctx));
}

/* A bundle of the store st for kiosk_id signed by key, written under root. */
static int write_signed(hl_store_t *st, const char *root, const char *kiosk_id,
                        const hl_devkey_t *key, int64_t when, char *out, size_t out_size,
                        hl_err_t *err)
{
    hl_bundle_opts_t o = hl_fixture_bundle_opts(root, key);
    o.kiosk_id = kiosk_id;
    o.created_utc_ms = when;
    o.record = false;
    return hl_bundle_write(st, &o, out, out_size, NULL, err);
}

static void test_a_fifo_for_a_manifest_or_a_key_file_is_refused_without_blocking(void)
{
    char *dir = hl_test_tmpdir("bundle-fifo");
    char p[600];
    snprintf(p, sizeof p, "%s/manifest.json", dir);
    CHECK_INT(mkfifo(p, 0644), 0);
    hl_trust_t t;
    trust_of(&t, "kiosk-01", KIOSK_KEY);
    hl_bundle_check_t chk = {.trust = &t};
    hl_diags_t probs = {0};
    hl_err_t err = {0};
    CHECK_INT(hl_bundle_verify(dir, &chk, &probs, NULL, &err), HL_ERR_INVALID);
    EXPECT_COUNT(&probs, 1);
    if (probs.n) CHECK_CONTAINS(probs.items[0].msg, "not a regular file");
    hl_diags_free(&probs);
    hl_trust_free(&t);
    snprintf(p, sizeof p, "%s/export.key", dir);
    CHECK_INT(mkfifo(p, 0644), 0);
    unsigned char k[HL_BUNDLE_KEY_LEN];
    CHECK_INT(hl_bundle_key_from_file(p, k, &err), HL_ERR_INVALID);
    CHECK_CONTAINS(err.msg, "not a regular file");
    CHECK_INT(hl_bundle_key_from_file("/dev/zero", k, &err), HL_ERR_INVALID);
    hl_fixture_rm(dir);
}

static void test_a_replaced_device_key_keeps_older_rows_checkable_with_both_keys_trusted(void)
{
    /* A kiosk whose key was lost and replaced (identity --new
     * --replace-lost-key): rows 1..3 signed by the old key, 4..5 by the new
     * one, all in one bundle signed by the new key. */
    bt_t fx;
    bt_open(&fx);
    fx.st = chain_store_by(fx.dir, 3, OTHER_KEY);
    CHECK_INT(hl_store_set_signer(fx.st, KIOSK_KEY, &fx.err), HL_OK);
    hl_response_t r;
    add_response(fx.st, &r, 4, true);
    add_response(fx.st, &r, 5, true);
    char b[4096];
    CHECK_INT(write_signed(fx.st, fx.root, "kiosk-01", KIOSK_KEY, CREATED_MS, b, sizeof b, &fx.err),
              HL_OK);
    hl_store_close(fx.st);
    fx.st = NULL;
    /* Both keys registered for kiosk-01: verified. */
    hl_trust_t t;
    char lines[600], a[256], c[256];
    hl_devkey_trust_line(KIOSK_KEY, "kiosk-01", a, sizeof a);
    hl_devkey_trust_line(OTHER_KEY, "kiosk-01", c, sizeof c);
    snprintf(lines, sizeof lines, "%s\n%s\n", a, c);
    trust_from(&t, lines, __LINE__);
    hl_bundle_check_t chk = {.trust = &t};
    hl_diags_t probs = {0};
    hl_bundle_result_t res;
    CHECK_INT(hl_bundle_verify(b, &chk, &probs, &res, &fx.err), HL_OK);
    EXPECT_COUNT(&probs, 0);
    hl_diags_free(&probs);
    hl_trust_free(&t);
    /* Only the new key registered: the old rows cannot be vouched for. */
    trust_of(&t, "kiosk-01", KIOSK_KEY);
    CHECK_INT(hl_bundle_verify(b, &chk, &probs, &res, &fx.err), HL_ERR_INVALID);
    EXPECT_COUNT(&probs, 3);
    hl_diags_free(&probs);
    /* The old key registered for another kiosk does not count. */
    hl_trust_free(&t);
    hl_devkey_trust_line(OTHER_KEY, "kiosk-02", c, sizeof c);
    snprintf(lines, sizeof lines, "%s\n%s\n", a, c);
    trust_from(&t, lines, __LINE__);
    CHECK_INT(hl_bundle_verify(b, &chk, &probs, &res, &fx.err), HL_ERR_INVALID);
    hl_diags_free(&probs);
    hl_trust_free(&t);
    bt_close(&fx);
}

static void test_bundle_forged_with_another_key_is_untrusted_and_names_the_forger(void)
{
    bt_t fx;
    bt_open(&fx);
    /* Someone makes a key of their own, calls their kiosk kiosk-01, stores
     * invented responses and signs a bundle: everything is consistent. */
    fx.st = chain_store_by(fx.dir, 3, FORGER_KEY);
    char b[4096];
    CHECK_INT(
        write_signed(fx.st, fx.root, "kiosk-01", FORGER_KEY, CREATED_MS, b, sizeof b, &fx.err),
        HL_OK);
    CHECK(strcmp(FORGER_KEY->fingerprint, KIOSK_KEY->fingerprint) != 0);

    /* Against the province's list (kiosk-01 with its real key): intact, so
     * no problem, but not verified, and the forger's key is named. */
    hl_diags_t probs = {0};
    hl_bundle_result_t res;
    CHECK_INT(verify_kiosk(b, NULL, &probs, &res, &fx.err), HL_ERR_UNTRUSTED);
    EXPECT_COUNT(&probs, 0);
    hl_diags_free(&probs);
    CHECK_INT(res.format, 2);
    CHECK_INT(res.signer, HL_BUNDLE_SIGNER_DEVICE);
    CHECK(res.key_checked); /* the signature itself holds: it is the forger's */
    CHECK_STR(res.signer_kiosk, "kiosk-01");
    CHECK_STR(res.fingerprint, FORGER_KEY->fingerprint);
    CHECK_INT(res.trust, HL_TRUST_OTHER_KEY);
    CHECK_INT(res.responses, 3);
    CHECK_CONTAINS(fx.err.msg, "is signed by kiosk kiosk-01, key ");
    CHECK_CONTAINS(fx.err.msg, FORGER_KEY->fingerprint);
    CHECK_CONTAINS(fx.err.msg, "not verified");

    /* The same bundle verifies once the forger's key is in the trust list:
     * the list, nothing else, decides. */
    hl_trust_t t;
    trust_of(&t, "kiosk-01", FORGER_KEY);
    hl_bundle_check_t chk = {.trust = &t};
    CHECK_INT(hl_bundle_verify(b, &chk, &probs, &res, &fx.err), HL_OK);
    EXPECT_COUNT(&probs, 0);
    hl_diags_free(&probs);
    CHECK_INT(res.trust, HL_TRUST_OK);
    CHECK_STR(res.fingerprint, FORGER_KEY->fingerprint);
    hl_trust_free(&t);
    /* A kiosk listed with two keys (one replaced) trusts both. */
    char l1[256], l2[256], text[600];
    hl_devkey_trust_line(KIOSK_KEY, "kiosk-01", l1, sizeof l1);
    hl_devkey_trust_line(FORGER_KEY, "kiosk-01", l2, sizeof l2);
    snprintf(text, sizeof text, "%s\n%s\n", l1, l2);
    trust_from(&t, text, __LINE__);
    CHECK_INT(hl_bundle_verify(b, &chk, NULL, &res, &fx.err), HL_OK);
    hl_trust_free(&t);
    bt_close(&fx);
}

static void test_a_key_on_the_stick_or_in_the_manifest_is_never_trusted(void)
{
    char *dir = hl_test_tmpdir("bundle");
    char *fdir = hl_test_tmpdir("bundle-forger");
    char *root = hl_test_tmpdir("bundle-stick");
    hl_store_t *st = chain_store(dir, 3);
    hl_store_t *fst = chain_store_by(fdir, 3, FORGER_KEY);
    hl_err_t err = {0};
    char b[4096], f[4096];
    CHECK_INT(write_signed(st, root, "kiosk-01", KIOSK_KEY, CREATED_MS, b, sizeof b, &err), HL_OK);
    CHECK_INT(
        write_signed(fst, root, "kiosk-01", FORGER_KEY, CREATED_MS + 60000, f, sizeof f, &err),
        HL_OK);

    /* Keys planted next to the bundles: the stick's export secret and a
     * trust list naming the forger. The verifier reads neither. */
    char *top = hl_fixture_path(root, HL_BUNDLE_TOP);
    free(hl_test_write_file(top, HL_BUNDLE_KEY_FILE, SECRET "\n"));
    char fline[256];
    hl_devkey_trust_line(FORGER_KEY, "kiosk-01", fline, sizeof fline);
    free(hl_test_write_file(top, "trust.txt", fline));
    hl_bundle_result_t res;
    CHECK_INT(verify_kiosk(f, NULL, NULL, &res, &err), HL_ERR_UNTRUSTED);
    CHECK_STR(res.fingerprint, FORGER_KEY->fingerprint);
    hl_bundle_check_t none = {NULL, NULL};
    CHECK_INT(hl_bundle_verify(f, &none, NULL, &res, &err), HL_ERR_UNTRUSTED);
    CHECK_INT(hl_bundle_verify(b, &none, NULL, &res, &err), HL_ERR_UNTRUSTED);
    CHECK_CONTAINS(err.msg, "no trust list was given");
    CHECK_INT(verify_kiosk(b, NULL, NULL, &res, &err), HL_OK);

    /* The forger's manifest edited to name the trusted key, keeping the
     * forger's signature: the signature does not match the key it names. */
    manifest_edit(f, claim_signer_key, KIOSK_KEY);
    hl_diags_t probs = {0};
    CHECK_INT(verify_kiosk(f, NULL, &probs, &res, &err), HL_ERR_INVALID);
    EXPECT_COUNT(&probs, 1);
    if (probs.n) {
        CHECK_CONTAINS(probs.items[0].file, "manifest.json");
        CHECK_CONTAINS(probs.items[0].msg, "the signature does not match");
    }
    hl_diags_free(&probs);

    /* The kiosk's own bundle with its manifest's public key edited to the
     * forger's: broken, even for a list that trusts the forger. */
    manifest_edit(b, claim_signer_key, FORGER_KEY);
    hl_trust_t ft;
    trust_of(&ft, "kiosk-01", FORGER_KEY);
    hl_bundle_check_t fchk = {.trust = &ft};
    CHECK_INT(hl_bundle_verify(b, &fchk, &probs, &res, &err), HL_ERR_INVALID);
    EXPECT_COUNT(&probs, 1);
    if (probs.n) CHECK_CONTAINS(probs.items[0].msg, "the signature does not match");
    hl_diags_free(&probs);
    CHECK_INT(verify_kiosk(b, NULL, NULL, &res, &err), HL_ERR_INVALID);
    manifest_edit(b, claim_signer_key, KIOSK_KEY); /* put back: verifies again */
    CHECK_INT(verify_kiosk(b, NULL, NULL, &res, &err), HL_OK);
    hl_trust_free(&ft);

    /* The forger re-signs, naming another kiosk as signer (one the list does
     * hold with the forger's key) for a kiosk-01 manifest: a problem. */
    char g[4096];
    CHECK_INT(
        write_signed(fst, root, "kiosk-01", FORGER_KEY, CREATED_MS + 120000, g, sizeof g, &err),
        HL_OK);
    manifest_edit(g, claim_signer_kiosk, "kiosk-07");
    resign_by(g, NULL, FORGER_KEY);
    trust_of(&ft, "kiosk-07", FORGER_KEY);
    CHECK_INT(hl_bundle_verify(g, &fchk, &probs, &res, &err), HL_ERR_INVALID);
    /* The manifest, and each row (kiosk-01's) signed by kiosk-07's key. */
    EXPECT_COUNT(&probs, 4);
    if (probs.n)
        CHECK_CONTAINS(probs.items[0].msg,
                       "signed as kiosk \"kiosk-07\" but made for kiosk \"kiosk-01\"");
    if (probs.n == 4)
        CHECK_CONTAINS(probs.items[1].msg, "seq 1: says kiosk \"kiosk-01\" but the bundle is "
                                           "signed by kiosk \"kiosk-07\"");
    hl_diags_free(&probs);
    hl_trust_free(&ft);
    free(top);
    hl_store_close(st);
    hl_store_close(fst);
    hl_fixture_rm(root);
    hl_fixture_rm(fdir);
    hl_fixture_rm(dir);
}

static void test_trust_list_reads_several_kiosks_json_lines_and_comments(void)
{
    char l1[256], l3[256], text[2048];
    hl_devkey_trust_line(KIOSK_KEY, "kiosk-01", l1, sizeof l1);
    hl_devkey_trust_line(FORGER_KEY, "kiosk-04", l3, sizeof l3);
    /* kiosk-02 without its fingerprint (optional), kiosk-03 as
     * `hailong identity --json` prints it, kiosk-04 with a comment after it. */
    snprintf(text, sizeof text,
             "# province trust list\n"
             "\n"
             "%s\n"
             "   # an indented comment\n"
             "\t\n"
             "kiosk-02 ed25519:%s\r\n"
             "{\"kiosk_id\":\"kiosk-03\",\"algorithm\":\"ed25519\",\"public_key\":\"%s\","
             "\"fingerprint\":\"%s\"}\n"
             "%s   # replaced in 2026\n",
             l1, OTHER_KEY->pub_hex, UNLISTED_KEY->pub_hex, UNLISTED_KEY->fingerprint, l3);
    char *dir = hl_test_tmpdir("bundle");
    char *path = hl_test_write_file(dir, "trust.txt", text);
    hl_trust_t t;
    hl_diags_t d = {0};
    hl_err_t err = {0};
    CHECK_INT(hl_trust_load(path, &t, &d, &err), HL_OK);
    EXPECT_COUNT(&d, 0);
    hl_diags_free(&d);
    CHECK_INT(t.n, 4);
    CHECK_INT(hl_trust_check(&t, "kiosk-01", KIOSK_KEY->pub), HL_TRUST_OK);
    CHECK_INT(hl_trust_check(&t, "kiosk-02", OTHER_KEY->pub), HL_TRUST_OK);
    CHECK_INT(hl_trust_check(&t, "kiosk-03", UNLISTED_KEY->pub), HL_TRUST_OK);
    CHECK_INT(hl_trust_check(&t, "kiosk-04", FORGER_KEY->pub), HL_TRUST_OK);
    /* A listed kiosk with a key listed for no one: another key. */
    hl_devkey_t stray;
    hl_test_devkey(&stray, 99);
    CHECK_INT(hl_trust_check(&t, "kiosk-01", stray.pub), HL_TRUST_OTHER_KEY);
    /* A listed key presented by a kiosk it is not listed for. */
    CHECK_INT(hl_trust_check(&t, "kiosk-09", KIOSK_KEY->pub), HL_TRUST_OTHER_KIOSK);
    /* Neither listed. */
    CHECK_INT(hl_trust_check(&t, "kiosk-09", stray.pub), HL_TRUST_UNKNOWN_KEY);
    hl_devkey_free(&stray);

    /* In a bundle: kiosk-01's bundle against a list that has its key for
     * kiosk-02 only, and against one with kiosk-01 under another key. */
    char *sdir = hl_test_tmpdir("bundle");
    char *root = hl_test_tmpdir("bundle-stick");
    hl_store_t *st = chain_store(sdir, 2);
    char b[4096];
    CHECK_INT(write_signed(st, root, "kiosk-01", KIOSK_KEY, CREATED_MS, b, sizeof b, &err), HL_OK);
    hl_trust_t t2;
    trust_of(&t2, "kiosk-02", KIOSK_KEY);
    hl_bundle_check_t chk = {.trust = &t2};
    hl_bundle_result_t res;
    CHECK_INT(hl_bundle_verify(b, &chk, NULL, &res, &err), HL_ERR_UNTRUSTED);
    CHECK_INT(res.trust, HL_TRUST_OTHER_KIOSK);
    CHECK_CONTAINS(err.msg, "the trust list has this key for another kiosk");
    hl_trust_free(&t2);
    trust_of(&t2, "kiosk-01", OTHER_KEY);
    CHECK_INT(hl_bundle_verify(b, &chk, NULL, &res, &err), HL_ERR_UNTRUSTED);
    CHECK_INT(res.trust, HL_TRUST_OTHER_KEY);
    hl_trust_free(&t2);
    chk.trust = &t; /* the whole list: kiosk-01 with its key is in it */
    CHECK_INT(hl_bundle_verify(b, &chk, NULL, &res, &err), HL_OK);
    CHECK_INT(res.trust, HL_TRUST_OK);
    hl_trust_free(&t);
    hl_store_close(st);
    hl_fixture_rm(root);
    hl_fixture_rm(sdir);
    free(path);
    hl_fixture_rm(dir);
}

static void test_trust_list_with_a_bad_line_is_refused_naming_file_and_line(void)
{
    char good[256], bad_fpr[256], text[4096];
    hl_devkey_trust_line(KIOSK_KEY, "kiosk-01", good, sizeof good);
    /* The right key with another key's fingerprint: a typo, not trusted. */
    snprintf(bad_fpr, sizeof bad_fpr, "kiosk-01 ed25519:%s %s", KIOSK_KEY->pub_hex,
             OTHER_KEY->fingerprint);
    snprintf(text, sizeof text,
             "# kiosks of the province\n"    /* 1 */
             "%s\n"                          /* 2: fine */
             "kiosk-02\n"                    /* 3: no key */
             "kiosk-02 ed25519:abcdef\n"     /* 4: short key */
             "kiosk-02 rsa:%s\n"             /* 5: other algorithm */
             "%s\n"                          /* 6: wrong fingerprint */
             "kiosk-02 ed25519:%s %s more\n" /* 7: four words */
             "kiosk/02 ed25519:%s\n"         /* 8: not a kiosk id */
             "{\"kiosk_id\":\"kiosk-03\",\"algorithm\":\"rsa\",\"public_key\":\"%s\"}\n" /* 9 */
             "{\"kiosk_id\":\"kiosk-03\"\n" /* 10: broken JSON */
             "kiosk-04 ed25519:%s%s\n",     /* 11: key too long */
             good, OTHER_KEY->pub_hex, bad_fpr, OTHER_KEY->pub_hex, OTHER_KEY->fingerprint,
             OTHER_KEY->pub_hex, OTHER_KEY->pub_hex, OTHER_KEY->pub_hex, "00");
    char *dir = hl_test_tmpdir("bundle");
    char *path = hl_test_write_file(dir, "trust.txt", text);
    hl_trust_t t;
    hl_diags_t d = {0};
    hl_err_t err = {0};
    CHECK_INT(hl_trust_load(path, &t, &d, &err), HL_ERR_INVALID);
    CHECK_CONTAINS(err.msg, "9 bad lines: nothing in it is trusted");
    CHECK_INT(t.n, 0); /* refused whole: not even line 2 is trusted */
    CHECK_INT(hl_trust_check(&t, "kiosk-01", KIOSK_KEY->pub), HL_TRUST_UNKNOWN_KEY);
    EXPECT_COUNT(&d, 9);
    for (size_t i = 0; i < d.n && i < 9; i++) {
        CHECK_STR(d.items[i].file, path);
        CHECK_INT(d.items[i].line, (int)i + 3);
        CHECK(d.items[i].col >= 1);
    }
    if (d.n == 9) {
        CHECK_CONTAINS(d.items[0].msg, "expected KIOSK_ID ed25519:PUBLIC_KEY [FINGERPRINT]");
        CHECK_CONTAINS(d.items[1].msg, "64 hex digits");
        CHECK_CONTAINS(d.items[2].msg, "64 hex digits");
        CHECK_CONTAINS(d.items[3].msg, "does not belong to this public key");
        CHECK_CONTAINS(d.items[4].msg, "found 4 words");
        CHECK_CONTAINS(d.items[5].msg, "is not a kiosk id");
        CHECK_CONTAINS(d.items[6].msg, "hailong identity --json");
        CHECK_CONTAINS(d.items[7].msg, "hailong identity --json");
        CHECK_CONTAINS(d.items[8].msg, "64 hex digits");
    }
    hl_diags_free(&d);
    hl_trust_free(&t);

    /* The fingerprint line alone is refused too (the list would be empty). */
    CHECK_INT(hl_trust_parse(bad_fpr, strlen(bad_fpr), "one.txt", &t, &d, &err), HL_ERR_INVALID);
    EXPECT_COUNT(&d, 1);
    if (d.n) EXPECT_DIAG(&d, 0, 1, 1, NULL, "the fingerprint");
    hl_diags_free(&d);
    /* Comments and blank lines only: a list of nobody is refused. */
    const char *empty = "# nothing yet\n\n   \n";
    CHECK_INT(hl_trust_parse(empty, strlen(empty), "empty.txt", &t, &d, &err), HL_ERR_INVALID);
    CHECK_CONTAINS(err.msg, "lists no kiosk");
    hl_diags_free(&d);
    /* A missing file. */
    char *none = hl_fixture_path(dir, "none.txt");
    CHECK_INT(hl_trust_load(none, &t, &d, &err), HL_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, none);
    hl_diags_free(&d);
    free(none);
    free(path);
    hl_fixture_rm(dir);
}

/* ---- Rows: hashed, signed ----------------------------------------------------- */

/* The row's chain value as the store computes it: SHA-256 of the row
 * without its chain fields, then prev (hl_store.h). */
static void row_hash(const char *line, const char *prev, char out[HL_CHAIN_HEX + 1])
{
    const char *a = strstr(line, ",\"chain\":");
    const char *b = a ? strstr(a, ",\"answers\":") : NULL;
    out[0] = '\0';
    if (!a || !b) {
        hl_test_fail(__FILE__, __LINE__, "no chain fields in %s", line);
        return;
    }
    size_t n = strlen(line) - (size_t)(b - a);
    char *c = malloc(n + HL_CHAIN_HEX + 1);
    memcpy(c, line, (size_t)(a - line));
    strcpy(c + (a - line), b);
    strcat(c, prev);
    sha256_hex(c, strlen(c), out);
    free(c);
}

/* The 64-hex value after key in line (at its first occurrence) -> out. */
static void field_get(const char *line, const char *key, char *out, size_t len)
{
    const char *p = strstr(line, key);
    out[0] = '\0';
    if (p && p[strlen(key)] == '"') snprintf(out, len + 1, "%s", p + strlen(key) + 1);
}

/* Overwrites the value after key in line with val (same length). */
static void field_set(char *line, const char *key, const char *val)
{
    char *p = strstr(line, key);
    if (!p || p[strlen(key)] != '"') {
        hl_test_fail(__FILE__, __LINE__, "%s not in %s", key, line);
        return;
    }
    memcpy(p + strlen(key) + 1, val, strlen(val));
}

/* Sets chain_head.chain (ctx). */
static void set_head(json_t *m, const void *ctx)
{
    json_object_set_new(json_object_get(m, "chain_head"), "chain", json_string(ctx));
}

static void test_row_rehashed_but_not_resigned_or_unsigned_after_signed_is_named(void)
{
    bt_t fx;
    bt_chain(&fx, 4);
    char b[4096], text[8192];
    CHECK_INT(write_signed(fx.st, fx.root, "kiosk-01", KIOSK_KEY, CREATED_MS, b, sizeof b, &fx.err),
              HL_OK);
    static char lines[8][2048], orig[8][2048];
    CHECK_INT(jsonl_lines(b, lines, 8), 4);
    memcpy(orig, lines, sizeof orig);
    /* This test computes the chain as the kiosk does: each row's own value. */
    char prev[HL_CHAIN_HEX + 1], chain[HL_CHAIN_HEX + 1], h[HL_CHAIN_HEX + 1];
    for (int i = 0; i < 4; i++) {
        field_get(lines[i], "\"prev_chain\":", prev, HL_CHAIN_HEX);
        field_get(lines[i], "\"chain\":", chain, HL_CHAIN_HEX);
        row_hash(lines[i], prev, h);
        CHECK_STR(h, chain);
        CHECK(strstr(lines[i], "\"chain_sig\":\"") != NULL);
    }

    /* Row 2's answer changed, its chain value and those after it recomputed
     * and linked (anyone can hash), the manifest re-signed as a kiosk whose
     * database was edited would sign it: only the rows' signatures, which
     * need the device key, give it away. */
    char *v = strstr(lines[1], "\"value\":\"ok\"");
    CHECK(v != NULL);
    if (v) memcpy(v + 9, "no", 2);
    field_get(lines[0], "\"chain\":", prev, HL_CHAIN_HEX);
    for (int i = 1; i < 4; i++) {
        field_set(lines[i], "\"prev_chain\":", prev);
        row_hash(lines[i], prev, h);
        field_set(lines[i], "\"chain\":", h);
        memcpy(prev, h, sizeof h);
    }
    jsonl_rewrite(b, lines, (const int[]){0, 1, 2, 3}, 4);
    manifest_edit(b, set_head, prev);
    resign(b, NULL);
    CHECK_INT(verify_text(b, text, sizeof text), HL_ERR_INVALID);
    CHECK_CONTAINS(text,
                   "seq 2: edited (its content does not match its chain value and signature)");
    CHECK_CONTAINS(text, "seq 3: edited");
    CHECK_CONTAINS(text, "seq 4: edited");
    CHECK(strstr(text, "seq 1:") == NULL);
    CHECK(strstr(text, "missing") == NULL);                  /* the links hold */
    CHECK(strstr(text, "chain_head") == NULL);               /* and the head */
    CHECK(strstr(text, "signature does not match") == NULL); /* the manifest is fine */

    /* Row 3's signature removed (null) after signed rows: inserted. */
    memcpy(lines, orig, sizeof orig);
    char *sig = strstr(lines[2], "\"chain_sig\":\"");
    CHECK(sig != NULL);
    if (sig) { /* "chain_sig":"<128 hex>" -> "chain_sig":null */
        memcpy(sig + 12, "null", 4);
        memmove(sig + 16, sig + 12 + 130, strlen(sig + 12 + 130) + 1);
    }
    jsonl_rewrite(b, lines, (const int[]){0, 1, 2, 3}, 4);
    field_get(orig[3], "\"chain\":", prev, HL_CHAIN_HEX);
    manifest_edit(b, set_head, prev);
    resign(b, NULL);
    CHECK_INT(verify_text(b, text, sizeof text), HL_ERR_INVALID);
    CHECK_CONTAINS(text, "seq 3: unsigned where the kiosk signs every response");
    CHECK(strstr(text, "seq 2:") == NULL && strstr(text, "seq 4:") == NULL);

    /* Its "chain_sig" field taken out altogether: the same. */
    memcpy(lines, orig, sizeof orig);
    sig = strstr(lines[2], ",\"chain_sig\":\"");
    if (sig) memmove(sig, sig + 14 + 128 + 1, strlen(sig + 14 + 128 + 1) + 1);
    jsonl_rewrite(b, lines, (const int[]){0, 1, 2, 3}, 4);
    resign(b, NULL);
    CHECK_INT(verify_text(b, text, sizeof text), HL_ERR_INVALID);
    CHECK_CONTAINS(text, "seq 3: unsigned where the kiosk signs every response");

    /* A downgrade: the FIRST row's signature removed and its answer edited
     * (its chain value kept, so the links hold), so that it would pass for
     * a row chained with the old shared key, whose content cannot be checked
     * without that key: the manifest's "hmac_until" (0: every row is
     * signed) gives it away. */
    memcpy(lines, orig, sizeof orig);
    sig = strstr(lines[0], ",\"chain_sig\":\"");
    if (sig) memmove(sig, sig + 14 + 128 + 1, strlen(sig + 14 + 128 + 1) + 1);
    v = strstr(lines[0], "\"value\":\"ok\"");
    if (v) memcpy(v + 9, "no", 2);
    jsonl_rewrite(b, lines, (const int[]){0, 1, 2, 3}, 4);
    resign(b, NULL);
    CHECK_INT(verify_text(b, text, sizeof text), HL_ERR_INVALID);
    CHECK_CONTAINS(text, "seq 1: unsigned where the kiosk signs every response");
    CHECK(strstr(text, "seq 2:") == NULL);

    /* Row 3 carrying row 2's signature (a valid one, of another statement),
     * or its own chain signed by another key: edited. */
    memcpy(lines, orig, sizeof orig);
    char s2[HL_DEVKEY_SIG_HEX + 1];
    field_get(orig[1], "\"chain_sig\":", s2, HL_DEVKEY_SIG_HEX);
    field_set(lines[2], "\"chain_sig\":", s2);
    jsonl_rewrite(b, lines, (const int[]){0, 1, 2, 3}, 4);
    resign(b, NULL);
    CHECK_INT(verify_text(b, text, sizeof text), HL_ERR_INVALID);
    CHECK_CONTAINS(text, "seq 3: edited");
    memcpy(lines, orig, sizeof orig);
    field_get(orig[2], "\"chain\":", chain, HL_CHAIN_HEX);
    CHECK(hl_devkey_sign_chain(FORGER_KEY, "kiosk-01", 3, chain, s2, &fx.err) == HL_OK);
    field_set(lines[2], "\"chain_sig\":", s2);
    jsonl_rewrite(b, lines, (const int[]){0, 1, 2, 3}, 4);
    resign(b, NULL);
    CHECK_INT(verify_text(b, text, sizeof text), HL_ERR_INVALID);
    CHECK_CONTAINS(text, "seq 3: edited");
    CHECK(strstr(text, "seq 2:") == NULL && strstr(text, "seq 4:") == NULL);

    /* As written: verifies. */
    jsonl_rewrite(b, orig, (const int[]){0, 1, 2, 3}, 4);
    resign(b, NULL);
    CHECK_INT(verify_text(b, text, sizeof text), HL_OK);
    bt_close(&fx);
}

/* ---- Before the device key: format 1 and HMAC-chained rows ------------------- */

/* Turns a manifest into format 1 as hailong before issue 13 wrote it: no
 * signer, no signature, "hmac_sha256" keyed with the old shared key (ctx). */
static void to_format_1(json_t *m, const void *ctx)
{
    const unsigned char *key = ctx;
    json_object_del(m, "signer");
    json_object_del(m, "signature");
    json_object_set_new(m, "format", json_integer(1));
    char *canon = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    unsigned char mac[32];
    unsigned int mlen = 0;
    HMAC(EVP_sha256(), key, HL_BUNDLE_KEY_LEN, (const unsigned char *)canon, strlen(canon), mac,
         &mlen);
    char hex[65];
    for (int k = 0; k < 32; k++)
        snprintf(hex + 2 * k, 3, "%02x", mac[k]);
    json_object_set_new(m, "hmac_sha256", json_string(hex));
    free(canon);
}

static void test_a_signed_bundle_downgraded_to_format_1_with_a_chosen_key_is_refused(void)
{
    /* A stick holder takes a real signed bundle, rewrites it as an old
     * format 1 bundle with an HMAC of a key of their choosing ("secret")
     * and gives that key: never verified, and the signed rows inside give
     * the downgrade away. */
    bt_t fx;
    bt_chain(&fx, 3);
    char b[4096];
    CHECK_INT(write_signed(fx.st, fx.root, "kiosk-01", KIOSK_KEY, CREATED_MS, b, sizeof b, &fx.err),
              HL_OK);
    hl_store_close(fx.st);
    fx.st = NULL;
    unsigned char chosen[HL_BUNDLE_KEY_LEN];
    hl_bundle_key_from_secret("secret", 6, chosen);
    manifest_edit(b, to_format_1, chosen);
    hl_diags_t probs = {0};
    hl_bundle_result_t res;
    CHECK_INT(verify_kiosk(b, chosen, &probs, &res, &fx.err), HL_ERR_INVALID);
    CHECK(probs.n >= 1);
    if (probs.n) CHECK_CONTAINS(probs.items[0].msg, "downgraded");
    hl_diags_free(&probs);
    bt_close(&fx);
}

static void test_format_1_bundle_checks_only_with_the_old_key_and_says_shared(void)
{
    bt_t fx;
    bt_open(&fx);
    fx.st = store_fill_finished(fx.dir);
    char b[4096];
    CHECK_INT(write_signed(fx.st, fx.root, "kiosk-01", KIOSK_KEY, CREATED_MS, b, sizeof b, &fx.err),
              HL_OK);
    unsigned char old[HL_BUNDLE_KEY_LEN], wrong[HL_BUNDLE_KEY_LEN];
    old_key_init(old);
    hl_bundle_key_from_secret(SECRET, strlen(SECRET), wrong);
    manifest_edit(b, to_format_1, old);

    /* With the old key: intact, but never "verified" (exit 4): anyone with
     * that shared key could have made it; it says so. */
    hl_diags_t probs = {0};
    hl_bundle_result_t res;
    CHECK_INT(verify_kiosk(b, old, &probs, &res, &fx.err), HL_ERR_UNTRUSTED);
    CHECK_CONTAINS(fx.err.msg, "anyone holding that shared key could have made it");
    EXPECT_COUNT(&probs, 0);
    hl_diags_free(&probs);
    CHECK_INT(res.format, 1);
    CHECK_INT(res.signer, HL_BUNDLE_SIGNER_SHARED);
    CHECK(res.key_checked);
    CHECK_STR(res.signer_kiosk, "");
    CHECK_INT(strlen(res.fingerprint), HL_DEVKEY_FPR_HEX);
    CHECK_INT(res.responses, 3);

    /* Without it: intact as far as can be told, but not verified, even with
     * a trust list holding the kiosk (it vouches for device keys only). */
    CHECK_INT(verify_kiosk(b, NULL, &probs, &res, &fx.err), HL_ERR_UNTRUSTED);
    EXPECT_COUNT(&probs, 0);
    hl_diags_free(&probs);
    CHECK_INT(res.signer, HL_BUNDLE_SIGNER_SHARED);
    CHECK(!res.key_checked);
    CHECK_CONTAINS(fx.err.msg, "old (format 1) bundle");
    hl_bundle_check_t none = {NULL, NULL};
    CHECK_INT(hl_bundle_verify(b, &none, NULL, &res, &fx.err), HL_ERR_UNTRUSTED);

    /* Another key, or the manifest edited: its HMAC does not match. */
    CHECK_INT(verify_kiosk(b, wrong, &probs, &res, &fx.err), HL_ERR_INVALID);
    EXPECT_COUNT(&probs, 1);
    if (probs.n) CHECK_CONTAINS(probs.items[0].msg, "HMAC does not match");
    hl_diags_free(&probs);
    if (edit_response_count(b)) {
        CHECK_INT(verify_kiosk(b, old, &probs, &res, &fx.err), HL_ERR_INVALID);
        EXPECT_COUNT(&probs, 1);
        if (probs.n) CHECK_CONTAINS(probs.items[0].msg, "HMAC does not match");
        hl_diags_free(&probs);
    }
    bt_close(&fx);
}

/* The v5 fixture's chain key (tests/data/store/v5.sql: bytes 0x00..0x1f). */
static void v5_key(unsigned char key[HL_BUNDLE_KEY_LEN])
{
    for (int i = 0; i < HL_BUNDLE_KEY_LEN; i++)
        key[i] = (unsigned char)i;
}

/* dir/hailong.db made from a fixture's SQL; false on failure. */
static bool db_from_fixture(const char *dir, const char *rel)
{
    char *sql = hl_test_read_file(hl_test_data(rel), NULL);
    char *path = hl_fixture_path(dir, HL_STORE_FILE);
    sqlite3 *db = NULL;
    char *msg = NULL;
    bool ok = sql && sqlite3_open(path, &db) == SQLITE_OK &&
              sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK;
    if (!ok) hl_test_fail(__FILE__, __LINE__, "fixture %s: %s", rel, msg ? msg : "cannot load");
    sqlite3_free(msg);
    sqlite3_close(db);
    free(path);
    free(sql);
    return ok;
}

static void test_store_migrated_from_hmac_chain_verifies_old_rows_only_with_the_old_key(void)
{
    bt_t fx;
    bt_open(&fx);
    /* A schema 5 store: responses 1 and 3 HMAC-chained, 4 cut off in
     * progress. Opened by this build: migrated, 4 recovered as partial; the
     * device key takes over the chain (4 is signed, linked to 3). */
    if (!db_from_fixture(fx.dir, "store/v5.sql")) {
        bt_close(&fx);
        return;
    }
    fx.st = hl_fixture_store(fx.dir, NULL);
    CHECK_INT(hl_store_set_signer(fx.st, KIOSK_KEY, &fx.err), HL_OK);
    static const char *const qids_v5[] = {"q_service", "q_staff", "q_wait", "q_comment"};
    test_survey_t sv;
    survey_make(&sv, "svc", 2, qids_v5, 4);
    CHECK_INT(hl_store_use_survey(fx.st, &sv.s, "kiosk-01", &fx.err), HL_OK);
    hl_response_t r;
    add_response(fx.st, &r, 5, true);
    add_response(fx.st, &r, 6, true);
    int64_t n_signed = 0, n_hmac = 0;
    char fpr[HL_DEVKEY_FPR_HEX + 1];
    CHECK_INT(hl_store_signers(fx.st, &n_signed, fpr, &n_hmac, &fx.err), HL_OK);
    CHECK_INT(n_signed, 3);
    CHECK_INT(n_hmac, 2);
    char b[4096], text[8192];
    CHECK_INT(write_signed(fx.st, fx.root, "kiosk-01", KIOSK_KEY, CREATED_MS, b, sizeof b, &fx.err),
              HL_OK);
    static char lines[8][2048];
    CHECK_INT(jsonl_lines(b, lines, 8), 5);
    CHECK_CONTAINS(lines[0], "\"seq\":1,");
    CHECK_CONTAINS(lines[0], "\"chain_sig\":null");
    CHECK_CONTAINS(lines[1], "\"chain_sig\":null");
    CHECK_CONTAINS(lines[2], "\"seq\":4,");
    CHECK_CONTAINS(lines[2], "\"chain_sig\":\"");
    /* The signed chain continues from the old head: 4 follows 3. */
    char c3[HL_CHAIN_HEX + 1], p4[HL_CHAIN_HEX + 1];
    field_get(lines[1], "\"chain\":", c3, HL_CHAIN_HEX);
    field_get(lines[2], "\"prev_chain\":", p4, HL_CHAIN_HEX);
    CHECK_STR(p4, c3);

    /* Without the old key: verifies; the two HMAC rows are counted as not
     * checked (their links are). With it: every row checked. */
    unsigned char old[HL_BUNDLE_KEY_LEN], wrong[HL_BUNDLE_KEY_LEN];
    v5_key(old);
    old_key_init(wrong);
    hl_bundle_result_t res;
    CHECK_INT(verify_text_res(b, NULL, text, sizeof text, &res), HL_OK);
    CHECK_STR(text, "");
    CHECK_INT(res.unchecked_rows, 2);
    CHECK_INT(res.responses, 5);
    CHECK_INT(verify_text_res(b, old, text, sizeof text, &res), HL_OK);
    CHECK_STR(text, "");
    CHECK_INT(res.unchecked_rows, 0);
    CHECK_INT(verify_text_res(b, wrong, text, sizeof text, &res), HL_ERR_INVALID);
    CHECK_CONTAINS(text, "seq 1: edited (its content does not match its chain value), or chained "
                         "with another key than --key-file's");
    CHECK_CONTAINS(text, "seq 3: edited");
    CHECK(strstr(text, "seq 4:") == NULL);

    /* An HMAC row's answer edited (and the bundle re-signed): only the old
     * key can tell; without it the row stays counted as unchecked. */
    static char edited[8][2048];
    memcpy(edited, lines, sizeof edited);
    char *v = strstr(edited[0], "\"value\":\"very_satisfied\"");
    CHECK(v != NULL);
    if (v) memcpy(v + 9, "dis", 3);
    jsonl_rewrite(b, edited, (const int[]){0, 1, 2, 3, 4}, 5);
    resign(b, NULL);
    CHECK_INT(verify_text_res(b, NULL, text, sizeof text, &res), HL_OK);
    CHECK_INT(res.unchecked_rows, 2);
    CHECK_INT(verify_text_res(b, old, text, sizeof text, &res), HL_ERR_INVALID);
    CHECK_CONTAINS(text, "seq 1: edited");
    CHECK(strstr(text, "seq 3:") == NULL);

    /* A signed row's signature removed after the HMAC rows: not mistaken
     * for an old row, since signed rows came before it. */
    memcpy(edited, lines, sizeof edited);
    char *sig = strstr(edited[3], ",\"chain_sig\":\"");
    if (sig) memmove(sig, sig + 14 + 128 + 1, strlen(sig + 14 + 128 + 1) + 1);
    jsonl_rewrite(b, edited, (const int[]){0, 1, 2, 3, 4}, 5);
    resign(b, NULL);
    CHECK_INT(verify_text_res(b, old, text, sizeof text, &res), HL_ERR_INVALID);
    CHECK_CONTAINS(text, "seq 5: unsigned where the kiosk signs every response");
    bt_close(&fx);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_manifest_carries_the_chain_head_and_prev_and_bundles_link),
    HL_TEST(test_verify_export_names_an_edited_deleted_or_reordered_row_by_seq),
    HL_TEST(test_a_follow_up_code_edited_or_removed_in_a_bundle_is_an_edited_row),
    HL_TEST(test_check_links_reports_missing_responses_and_a_broken_link),
    HL_TEST(test_bundle_forged_with_another_key_is_untrusted_and_names_the_forger),
    HL_TEST(test_a_key_on_the_stick_or_in_the_manifest_is_never_trusted),
    HL_TEST(test_trust_list_reads_several_kiosks_json_lines_and_comments),
    HL_TEST(test_trust_list_with_a_bad_line_is_refused_naming_file_and_line),
    HL_TEST(test_row_rehashed_but_not_resigned_or_unsigned_after_signed_is_named),
    HL_TEST(test_format_1_bundle_checks_only_with_the_old_key_and_says_shared),
    HL_TEST(test_a_signed_bundle_downgraded_to_format_1_with_a_chosen_key_is_refused),
    HL_TEST(test_store_migrated_from_hmac_chain_verifies_old_rows_only_with_the_old_key),
    HL_TEST(test_jsonl_round_trips_every_field_and_tricky_text),
    HL_TEST(test_jsonl_to_a_folder_or_missing_folder_fails_clearly),
    HL_TEST(test_bundle_has_its_layout_csv_per_survey_jsonl_and_signed_manifest),
    HL_TEST(test_verify_names_a_changed_byte_in_any_file),
    HL_TEST(test_verify_names_truncated_missing_and_unlisted_files),
    HL_TEST(test_verify_detects_an_edited_manifest_and_a_key_not_in_the_trust_list),
    HL_TEST(test_bundle_without_a_key_is_refused_and_writes_nothing),
    HL_TEST(test_bundle_does_not_follow_a_symlink_planted_on_the_stick),
    HL_TEST(test_bundle_on_a_full_stick_fails_full_without_manifest_or_temp_files),
    HL_TEST(test_key_from_file_ignores_a_trailing_line_break),
    HL_TEST(test_export_secret_must_be_64_hex_digits_a_word_is_refused),
    HL_TEST(test_a_replaced_device_key_keeps_older_rows_checkable_with_both_keys_trusted),
    HL_TEST(test_a_fifo_for_a_manifest_or_a_key_file_is_refused_without_blocking),
    HL_TEST(test_incremental_bundle_exports_only_new_finished_responses_then_nothing_new),
    HL_TEST(test_bundle_on_a_read_only_store_is_written_but_not_recorded),
    HL_TEST(test_cli_exports_jsonl_and_bundle_and_verify_export_exit_codes),
};

HL_TEST_MAIN(tests)
