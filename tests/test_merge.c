/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_merge.c: `hailong merge` and hl_merge_run (firmware/export/hl_merge.c):
 * real bundles made with the project's own code (a store chained and signed
 * by a device key, hl_bundle_write, a trust list), then merged.
 *
 * Overlapping bundles give each response once and count the copies; a
 * missing range is named exactly ("kiosk K: responses 120–180 missing",
 * and in Vietnamese); a seq left by a removed empty response is no gap. A
 * tampered bundle (a byte changed, a row deleted, a manifest re-signed by
 * another key or edited, a bundle of a kiosk not in the trust list) is
 * rejected with its reason and the others still merge. Two kiosks merge in
 * kiosk then seq order; rows come out byte for byte as in the bundles. The
 * same response with different content under one key is a conflict: neither
 * copy kept. Nothing on a stick is trusted: links, malformed and unfinished
 * bundles, a manifest naming a missing file, an over-long row are named,
 * never followed or crashed on; a stray manifest.json hides no bundle below
 * it; a row of another kiosk in a signed bundle is refused; names and
 * manifest words with control characters are never shown raw. The output
 * folder is never searched nor a bundle's, and a failed merge leaves no
 * summary of other rows. The command's summary and exit codes.
 */
#include "hl_bundle.h"
#include "hl_devkey.h"
#include "hl_fixture.h"
#include "hl_merge.h"
#include "hl_test.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The kiosks' device keys, a forger's, and a kiosk's the trust list lacks. */
#define KEY_A       hl_fixture_devkey(80)
#define KEY_B       hl_fixture_devkey(81)
#define FORGER_KEY  hl_fixture_devkey(82)
#define UNKNOWN_KEY hl_fixture_devkey(83)

#define T0      1700000000000LL /* 2023-11-14T22:13:20Z */
#define TRICKY  "Cán bộ \"rất\" nhiệt tình\\ dòng hai\nba\ttab"
#define EN_DASH "\xe2\x80\x93"

static const char *const qids[] = {"q_service", "q_note"};

/* A kiosk's store in a fresh folder: survey "svc", kiosk id kid, chained
 * and signed by key (NULL: no chain). */
typedef struct kiosk {
    char *dir;
    const char *id;
    hl_store_t *st;
    int next; /* the next response number */
    char tag; /* the first character of its response ids */
} kiosk_t;

static void kiosk_open(kiosk_t *k, const char *id, const hl_devkey_t *key)
{
    memset(k, 0, sizeof *k);
    k->dir = hl_test_tmpdir("merge-kiosk");
    k->id = id;
    k->next = 1;
    k->tag = id[5]; /* "hall-a" -> 'a' */
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids, 2);
    hl_err_t err = {0};
    if (hl_store_open(k->dir, NULL, &k->st, NULL, &err) != HL_OK ||
        hl_store_use_survey(k->st, &sv.s, id, &err) != HL_OK ||
        (key && hl_store_set_signer(k->st, key, &err) != HL_OK))
        hl_test_fail(__FILE__, __LINE__, "store: %s", err.msg);
}

static void kiosk_close(kiosk_t *k)
{
    hl_store_close(k->st);
    hl_fixture_rm(k->dir);
}

/* Stores responses until number upto, finished; response ids start with
 * k->tag so two kiosks never share one. n % 7 gets a tricky note; answer is
 * the service answer of all. */
static void kiosk_fill(kiosk_t *k, int upto, const char *answer)
{
    hl_store_batch_begin(k->st, NULL);
    for (; k->next <= upto; k->next++) {
        hl_response_t r;
        int n = k->next;
        hl_fixture_response(&r, n, T0 + n * 60000LL);
        r.uuid[0] = k->tag;
        hl_fixture_save(k->st, &r, "q_service", answer, 100);
        if (n % 7 == 0) hl_fixture_save(k->st, &r, "q_note", TRICKY, 900);
        hl_fixture_finish(k->st, &r, HL_RESP_COMPLETE);
    }
    hl_store_batch_end(k->st, NULL);
}

/* A bundle of k after seq after, signed by key, made at minute `when`
 * under root; its folder into out. */
static void kiosk_bundle(kiosk_t *k, const char *root, const hl_devkey_t *key, int64_t after,
                         int when, char out[PATH_MAX])
{
    hl_bundle_opts_t o = hl_fixture_bundle_opts(root, key);
    o.kiosk_id = k->id;
    o.created_utc_ms = T0 + when * 60000LL;
    o.after_seq = after;
    o.record = false;
    hl_err_t err = {0};
    if (hl_bundle_write(k->st, &o, out, PATH_MAX, NULL, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "bundle: %s", err.msg);
}

/* The trust list: hall-a with KEY_A, hall-b with KEY_B. */
static void trust_ab(hl_trust_t *t)
{
    char a[256], b[256], text[600];
    hl_devkey_trust_line(KEY_A, "hall-a", a, sizeof a);
    hl_devkey_trust_line(KEY_B, "hall-b", b, sizeof b);
    snprintf(text, sizeof text, "%s\n%s\n", a, b);
    hl_diags_t d = {0};
    hl_err_t err = {0};
    memset(t, 0, sizeof *t);
    if (hl_trust_parse(text, strlen(text), "trust.txt", t, &d, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "trust: %s", err.msg);
    hl_diags_free(&d);
}

/* Merges inputs into out (may be NULL) against trust_ab's list. */
static int merge(const char *const *inputs, size_t n, const char *out, hl_merge_result_t *res,
                 hl_diags_t *d)
{
    hl_trust_t t;
    trust_ab(&t);
    hl_merge_opts_t o = {.inputs = inputs,
                         .n_inputs = n,
                         .trust = &t,
                         .out_dir = out,
                         .created_utc_ms = T0 + 86400000LL};
    hl_err_t err = {0};
    int rc = hl_merge_run(&o, res, d, &err);
    if (rc != HL_OK) printf("  merge: %s\n", err.msg);
    hl_trust_free(&t);
    return rc;
}

static char *file_in(const char *dir, const char *name)
{
    char *p = hl_fixture_path(dir, name);
    char *text = hl_test_read_file(p, NULL);
    free(p);
    return text;
}

static int count_lines(const char *text)
{
    int n = 0;
    for (const char *s = text; s && *s; s++)
        n += *s == '\n';
    return n;
}

/* The line of text whose "seq" is seq (malloc'd, without its line break). */
static char *line_of_seq(const char *text, long long seq)
{
    char key[48];
    snprintf(key, sizeof key, ",\"seq\":%lld,", seq);
    for (const char *s = text; s && *s;) {
        const char *e = strchr(s, '\n');
        if (!e) break;
        size_t len = (size_t)(e - s);
        char *line = strndup(s, len);
        if (line && strstr(line, key)) return line;
        free(line);
        s = e + 1;
    }
    return NULL;
}

static json_t *merge_json(const char *out)
{
    char *p = hl_fixture_path(out, HL_MERGE_JSON);
    json_error_t je;
    json_t *m = json_load_file(p, JSON_REJECT_DUPLICATES, &je);
    if (!m) hl_test_fail(__FILE__, __LINE__, "merge.json: %s", je.text);
    free(p);
    return m;
}

/* ---- Re-signing a bundle after a test changed it -------------------------------- */

/* Sizes and hashes as now, signer's public key claimed as key's when claim,
 * signed by key: what someone holding key could make of the folder. */
static void resign(const char *bdir, const hl_devkey_t *key, bool claim)
{
    hl_fixture_bundle_resign(bdir, NULL, key, claim);
}

/* Rewrites bdir/responses.jsonl without the line of seq (0: none) and
 * with its byte at offset flip changed (-1: none). */
static void jsonl_edit(const char *bdir, long long drop_seq, long flip)
{
    char *p = hl_fixture_path(bdir, HL_BUNDLE_JSONL);
    size_t len = 0;
    char *text = hl_test_read_file(p, &len);
    char *gone = drop_seq ? line_of_seq(text, drop_seq) : NULL;
    if (text && gone) {
        char *at = strstr(text, gone);
        size_t n = strlen(gone) + 1;
        memmove(at, at + n, len - (size_t)(at - text) - n + 1);
        len -= n;
    }
    if (text && flip >= 0 && (size_t)flip < len) text[flip] = text[flip] == '5' ? '6' : '5';
    FILE *fp = fopen(p, "w");
    if (fp && text) fwrite(text, 1, len, fp);
    if (fp) fclose(fp);
    free(gone);
    free(text);
    free(p);
}

/* ---- De-duplication and gaps ------------------------------------------------------ */

static void test_overlapping_bundles_merge_to_unique_responses_and_count_duplicates(void)
{
    kiosk_t k;
    kiosk_open(&k, "hall-a", KEY_A);
    char *stick = hl_test_tmpdir("merge-stick"), *out = hl_test_tmpdir("merge-out");
    char b1[PATH_MAX], b2[PATH_MAX];
    kiosk_fill(&k, 100, "ok");
    kiosk_bundle(&k, stick, KEY_A, 0, 1, b1); /* 1–100 */
    kiosk_fill(&k, 150, "ok");
    kiosk_bundle(&k, stick, KEY_A, 49, 2, b2); /* 50–150 */
    hl_merge_result_t res;
    hl_diags_t d = {0};
    const char *in[] = {stick}; /* the stick's root: both found below */
    CHECK_INT(merge(in, 1, out, &res, &d), HL_OK);
    EXPECT_COUNT(&d, 0);
    CHECK_INT(res.n_bundles, 2);
    CHECK_INT(res.n_verified, 2);
    CHECK_INT(res.responses, 150);
    CHECK_INT(res.duplicates, 51);
    CHECK_INT(res.n_gaps, 0);
    CHECK(hl_merge_complete(&res));
    if (res.n_kiosks == 1) {
        CHECK_STR(res.kiosks[0].kiosk_id, "hall-a");
        CHECK_INT(res.kiosks[0].seq_first, 1);
        CHECK_INT(res.kiosks[0].seq_last, 150);
    }

    /* Every row once, in seq order, byte for byte as in a bundle. */
    char *rows = file_in(out, HL_MERGE_JSONL);
    char *in1 = file_in(b1, HL_BUNDLE_JSONL), *in2 = file_in(b2, HL_BUNDLE_JSONL);
    CHECK_INT(count_lines(rows), 150);
    const char *s = rows;
    for (long long seq = 1; seq <= 150 && s; seq++) {
        char *want = line_of_seq(seq <= 100 ? in1 : in2, seq);
        const char *e = strchr(s, '\n');
        if (!want || !e || strlen(want) != (size_t)(e - s) || memcmp(want, s, strlen(want))) {
            hl_test_fail(__FILE__, __LINE__, "row %lld is not as in the bundle", seq);
            free(want);
            break;
        }
        free(want);
        s = e + 1;
    }
    CHECK_CONTAINS(rows, "Cán bộ \\\"rất\\\" nhiệt tình\\\\ dòng hai\\nba\\ttab");

    /* merge.json: the contract. */
    json_t *m = merge_json(out);
    CHECK_INT(json_integer_value(json_object_get(m, "format")), 1);
    CHECK_STR(json_string_value(json_object_get(m, "created_at")), "2023-11-15T22:13:20Z");
    CHECK_INT(json_integer_value(json_object_get(m, "duplicates")), 51);
    CHECK_INT(json_array_size(json_object_get(m, "gaps")), 0);
    json_t *bs = json_object_get(m, "bundles");
    CHECK_INT(json_array_size(bs), 2);
    json_t *bj = json_array_get(bs, 1);
    CHECK_STR(json_string_value(json_object_get(bj, "path")), b2);
    CHECK_STR(json_string_value(json_object_get(bj, "kiosk_id")), "hall-a");
    CHECK_INT(json_integer_value(json_object_get(bj, "seq_first")), 50);
    CHECK_INT(json_integer_value(json_object_get(bj, "seq_last")), 150);
    CHECK_INT(json_integer_value(json_object_get(bj, "responses")), 101);
    CHECK_STR(json_string_value(json_object_get(bj, "verdict")), "verified");
    CHECK(json_is_null(json_object_get(bj, "reason")));
    json_t *kj = json_array_get(json_object_get(m, "kiosks"), 0);
    int64_t head_seq = 0;
    char head[HL_CHAIN_HEX + 1] = "";
    hl_err_t err = {0};
    CHECK_INT(hl_store_chain_head(k.st, &head_seq, head, &err), HL_OK);
    CHECK_STR(json_string_value(json_object_get(kj, "chain_head")), head);
    CHECK_INT(json_integer_value(json_object_get(kj, "head_seq")), 150);
    CHECK_INT(json_integer_value(json_object_get(kj, "responses")), 150);
    CHECK_INT(json_integer_value(json_object_get(kj, "seq_first")), 1);
    CHECK_INT(json_integer_value(json_object_get(kj, "seq_last")), 150);
    CHECK(json_is_true(json_object_get(kj, "verified")));
    json_decref(m);
    CHECK_INT(hl_fixture_hidden(out), 0); /* no temporary file left */

    /* The same bundle given twice (the stick and the folder itself) counts once. */
    hl_merge_result_free(&res);
    const char *twice[] = {stick, b1};
    CHECK_INT(merge(twice, 2, NULL, &res, &d), HL_OK);
    CHECK_INT(res.n_bundles, 2);
    CHECK_INT(res.responses, 150);
    hl_merge_result_free(&res);
    hl_diags_free(&d);
    free(in1);
    free(in2);
    free(rows);
    hl_fixture_rm(out);
    hl_fixture_rm(stick);
    kiosk_close(&k);
}

static void test_a_missing_range_is_named_exactly_and_the_rest_is_merged(void)
{
    kiosk_t k;
    kiosk_open(&k, "hall-a", KEY_A);
    char *stick = hl_test_tmpdir("merge-stick"), *lost = hl_test_tmpdir("merge-lost");
    char *out = hl_test_tmpdir("merge-out");
    char b1[PATH_MAX], b2[PATH_MAX], b3[PATH_MAX];
    kiosk_fill(&k, 119, "ok");
    kiosk_bundle(&k, stick, KEY_A, 0, 1, b1); /* 1–119 */
    kiosk_fill(&k, 180, "ok");
    kiosk_bundle(&k, lost, KEY_A, 119, 2, b2); /* 120–180: on a stick not given */
    kiosk_fill(&k, 200, "ok");
    kiosk_bundle(&k, stick, KEY_A, 180, 3, b3); /* 181–200 */
    hl_merge_result_t res;
    hl_diags_t d = {0};
    const char *in[] = {stick};
    CHECK_INT(merge(in, 1, out, &res, &d), HL_OK);
    CHECK_INT(res.n_verified, 2);
    CHECK_INT(res.responses, 139);
    CHECK_INT(res.n_gaps, 1);
    CHECK(!hl_merge_complete(&res));
    if (res.n_gaps == 1) {
        CHECK_STR(res.gaps[0].text, "kiosk hall-a: responses 120" EN_DASH "180 missing");
        CHECK_STR(res.gaps[0].text_vi, "máy hall-a: thiếu phiếu 120" EN_DASH "180");
        CHECK_INT(res.gaps[0].from_seq, 120);
        CHECK_INT(res.gaps[0].to_seq, 180);
    }
    CHECK_INT(res.n_breaks, 0); /* a gap is not also a break */
    char *rows = file_in(out, HL_MERGE_JSONL);
    CHECK_INT(count_lines(rows), 139);
    free(rows);
    json_t *m = merge_json(out);
    json_t *g = json_array_get(json_object_get(m, "gaps"), 0);
    CHECK_STR(json_string_value(json_object_get(g, "kiosk_id")), "hall-a");
    CHECK_INT(json_integer_value(json_object_get(g, "from_seq")), 120);
    CHECK_INT(json_integer_value(json_object_get(g, "to_seq")), 180);
    CHECK_STR(json_string_value(json_object_get(g, "text")),
              "kiosk hall-a: responses 120" EN_DASH "180 missing");
    json_decref(m);
    hl_merge_result_free(&res);

    /* With the lost stick too: whole. */
    const char *all[] = {stick, lost};
    CHECK_INT(merge(all, 2, out, &res, &d), HL_OK);
    CHECK_INT(res.responses, 200);
    CHECK_INT(res.n_gaps, 0);
    CHECK(hl_merge_complete(&res));
    hl_merge_result_free(&res);

    /* Only the later bundles: responses before them were collected earlier. */
    const char *later[] = {b3};
    CHECK_INT(merge(later, 1, NULL, &res, &d), HL_OK);
    CHECK_INT(res.n_gaps, 0);
    if (res.n_kiosks == 1) CHECK_INT(res.kiosks[0].after_seq, 180);
    hl_merge_result_free(&res);
    EXPECT_COUNT(&d, 0);
    hl_diags_free(&d);
    hl_fixture_rm(out);
    hl_fixture_rm(lost);
    hl_fixture_rm(stick);
    kiosk_close(&k);
}

/* A response whose only answer was taken back is removed: its seq is
 * never used again and the chain links over it. */
static void test_a_seq_left_by_a_removed_empty_response_is_not_a_gap(void)
{
    kiosk_t k;
    kiosk_open(&k, "hall-a", KEY_A);
    char *stick = hl_test_tmpdir("merge-stick");
    char b1[PATH_MAX], b2[PATH_MAX];
    kiosk_fill(&k, 3, "ok");
    kiosk_bundle(&k, stick, KEY_A, 0, 1, b1); /* 1–3 */
    hl_response_t r;
    hl_fixture_response(&r, 4, T0 + 4 * 60000LL);
    hl_fixture_save(k.st, &r, "q_service", "ok", 100);
    const char *drop[] = {"q_service"};
    hl_save_t sv = {.drop_qids = drop, .n_drop = 1};
    hl_err_t err = {0};
    CHECK_INT(hl_store_save(k.st, &r, &sv, &err), HL_OK);
    CHECK_INT(r.seq, 0); /* removed */
    k.next = 5;
    kiosk_fill(&k, 6, "ok");
    kiosk_bundle(&k, stick, KEY_A, 4, 2, b2); /* after 4: 5–6 (seq 4 was removed) */
    hl_merge_result_t res;
    hl_diags_t d = {0};
    const char *in[] = {b1, b2};
    CHECK_INT(merge(in, 2, NULL, &res, &d), HL_OK);
    CHECK_INT(res.responses, 5);
    CHECK_INT(res.n_gaps, 0);
    CHECK_INT(res.n_breaks, 0);
    CHECK(hl_merge_complete(&res));
    hl_merge_result_free(&res);
    hl_diags_free(&d);
    hl_fixture_rm(stick);
    kiosk_close(&k);
}

/* ---- Tampered bundles --------------------------------------------------------------- */

/* hall-a's bundle of 10 (tampered by the test) beside hall-b's of 5. */
typedef struct tamper {
    kiosk_t a, b;
    char *stick;
    char ba[PATH_MAX], bb[PATH_MAX];
} tamper_t;

static void tamper_open(tamper_t *t)
{
    kiosk_open(&t->a, "hall-a", KEY_A);
    kiosk_open(&t->b, "hall-b", KEY_B);
    t->stick = hl_test_tmpdir("merge-stick");
    kiosk_fill(&t->a, 10, "ok");
    kiosk_fill(&t->b, 5, "ok");
    kiosk_bundle(&t->a, t->stick, KEY_A, 0, 1, t->ba);
    kiosk_bundle(&t->b, t->stick, KEY_B, 0, 1, t->bb);
}

static void tamper_close(tamper_t *t)
{
    hl_fixture_rm(t->stick);
    kiosk_close(&t->a);
    kiosk_close(&t->b);
}

/* Merges the stick: hall-a's bundle rejected with a reason starting with
 * `reason` and holding `detail`, hall-b's 5 merged. */
static void expect_rejected(tamper_t *t, const char *reason, const char *detail, int line)
{
    hl_merge_result_t res;
    hl_diags_t d = {0};
    const char *in[] = {t->stick};
    char *out = hl_test_tmpdir("merge-out");
    if (merge(in, 1, out, &res, &d) != HL_OK) hl_test_fail(__FILE__, line, "merge failed");
    if (res.n_bundles != 2 || res.n_rejected != 1 || res.responses != 5 || res.n_kiosks != 1 ||
        hl_merge_complete(&res))
        hl_test_fail(__FILE__, line, "%zu bundles, %zu rejected, %lld responses, %zu kiosks",
                     res.n_bundles, res.n_rejected, (long long)res.responses, res.n_kiosks);
    const hl_merge_bundle_t *a = NULL;
    for (size_t i = 0; i < res.n_bundles; i++)
        if (!strcmp(res.bundles[i].path, t->ba)) a = &res.bundles[i];
    if (!a || a->verified || strncmp(a->reason, reason, strlen(reason)) != 0 ||
        !strstr(a->reason, detail))
        hl_test_fail(__FILE__, line, "reason \"%s\", expected \"%s...%s\"", a ? a->reason : "?",
                     reason, detail);
    if (d.n == 0) hl_test_fail(__FILE__, line, "no problem named");
    char *rows = file_in(out, HL_MERGE_JSONL);
    if (count_lines(rows) != 5 || (rows && strstr(rows, "\"kiosk_id\":\"hall-a\"")))
        hl_test_fail(__FILE__, line, "hall-a's rows were merged");
    json_t *m = merge_json(out);
    json_t *bj = NULL, *each;
    size_t i;
    json_array_foreach(json_object_get(m, "bundles"), i, each)
    {
        const char *path = json_string_value(json_object_get(each, "path"));
        if (path && !strcmp(path, t->ba)) bj = each;
    }
    const char *verdict = json_string_value(json_object_get(bj, "verdict"));
    const char *why = json_string_value(json_object_get(bj, "reason"));
    if (!verdict || strcmp(verdict, "rejected") || !why || strncmp(why, reason, strlen(reason)))
        hl_test_fail(__FILE__, line, "merge.json does not say rejected with the reason");
    json_decref(m);
    free(rows);
    hl_merge_result_free(&res);
    hl_diags_free(&d);
    hl_fixture_rm(out);
}

static void test_a_changed_byte_rejects_the_bundle_and_the_others_merge(void)
{
    tamper_t t;
    tamper_open(&t);
    char *text = file_in(t.ba, HL_BUNDLE_JSONL);
    const char *at = text ? strstr(text, "\"started_at\":\"2023") : NULL;
    jsonl_edit(t.ba, 0, at ? (long)(at - text) + 17 : 0); /* a year's digit */
    free(text);
    expect_rejected(&t, "tampered file: responses.jsonl: altered", "SHA-256", __LINE__);
    tamper_close(&t);
}

static void test_a_deleted_row_rejects_the_bundle_torn_or_with_a_broken_chain(void)
{
    tamper_t t;
    tamper_open(&t);
    jsonl_edit(t.ba, 4, -1);
    expect_rejected(&t, "tampered file: responses.jsonl: torn", "", __LINE__);
    /* Sizes and hashes fixed up (as a kiosk whose database was edited would
     * sign them): the chain names the hole. */
    resign(t.ba, KEY_A, false);
    expect_rejected(&t, "bad chain: responses.jsonl: seq 5: a response before it is missing", "",
                    __LINE__);
    tamper_close(&t);
}

static void test_a_manifest_edited_or_resigned_by_another_key_is_rejected(void)
{
    tamper_t t;
    tamper_open(&t);
    /* Signed by a forger, naming the kiosk's key: the signature fails. */
    resign(t.ba, FORGER_KEY, false);
    expect_rejected(&t, "tampered manifest: manifest.json: the signature does not match", "",
                    __LINE__);
    /* Signed by a forger naming its own key: the trust list has hall-a with
     * another key. */
    resign(t.ba, FORGER_KEY, true);
    expect_rejected(&t, "wrong key: signed by key ", FORGER_KEY->fingerprint, __LINE__);
    tamper_close(&t);
}

static void test_a_bundle_of_a_kiosk_not_in_the_trust_list_is_rejected(void)
{
    tamper_t t;
    tamper_open(&t);
    hl_fixture_rm(hl_fixture_path(t.stick, "HAILONG/hall-a"));
    kiosk_t c;
    kiosk_open(&c, "hall-c", UNKNOWN_KEY);
    kiosk_fill(&c, 3, "ok");
    kiosk_bundle(&c, t.stick, UNKNOWN_KEY, 0, 1, t.ba);
    expect_rejected(&t, "unknown kiosk: kiosk hall-c (key ", "is not in the trust list", __LINE__);
    kiosk_close(&c);
    /* hall-b's key making bundles as hall-d: the trust list holds it for another kiosk. */
    hl_fixture_rm(hl_fixture_path(t.stick, "HAILONG/hall-c"));
    kiosk_open(&c, "hall-d", KEY_B);
    kiosk_fill(&c, 3, "ok");
    kiosk_bundle(&c, t.stick, KEY_B, 0, 1, t.ba);
    expect_rejected(&t, "wrong key: signed as kiosk hall-d by key ", "for another kiosk", __LINE__);
    kiosk_close(&c);
    tamper_close(&t);
}

/* ---- Several kiosks, conflicts ----------------------------------------------------- */

static void test_two_kiosks_merge_in_kiosk_then_seq_order(void)
{
    kiosk_t a, b;
    kiosk_open(&b, "hall-b", KEY_B); /* opened first: order comes from the ids */
    kiosk_open(&a, "hall-a", KEY_A);
    char *s1 = hl_test_tmpdir("merge-stick"), *s2 = hl_test_tmpdir("merge-stick");
    char *out = hl_test_tmpdir("merge-out");
    char x[PATH_MAX];
    kiosk_fill(&b, 4, "ok");
    kiosk_bundle(&b, s1, KEY_B, 0, 1, x);
    kiosk_fill(&a, 3, "ok");
    kiosk_bundle(&a, s2, KEY_A, 0, 1, x);
    kiosk_fill(&a, 6, "ok");
    kiosk_bundle(&a, s1, KEY_A, 3, 2, x);
    hl_merge_result_t res;
    hl_diags_t d = {0};
    const char *in[] = {s1, s2};
    CHECK_INT(merge(in, 2, out, &res, &d), HL_OK);
    CHECK_INT(res.n_verified, 3);
    CHECK_INT(res.n_kiosks, 2);
    CHECK_INT(res.responses, 10);
    CHECK(hl_merge_complete(&res));
    if (res.n_kiosks == 2) {
        CHECK_STR(res.kiosks[0].kiosk_id, "hall-a");
        CHECK_INT(res.kiosks[0].responses, 6);
        CHECK_STR(res.kiosks[1].kiosk_id, "hall-b");
        CHECK_INT(res.kiosks[1].responses, 4);
    }
    char *rows = file_in(out, HL_MERGE_JSONL);
    const char *want[] = {"a", "a", "a", "a", "a", "a", "b", "b", "b", "b"};
    const int seqs[] = {1, 2, 3, 4, 5, 6, 1, 2, 3, 4};
    const char *s = rows;
    for (int i = 0; i < 10 && s; i++) {
        char key[64];
        snprintf(key, sizeof key, "\"seq\":%d,\"kiosk_id\":\"hall-%s\"", seqs[i], want[i]);
        const char *e = strchr(s, '\n');
        char *line = e ? strndup(s, (size_t)(e - s)) : NULL;
        if (!line || !strstr(line, key)) hl_test_fail(__FILE__, __LINE__, "row %d: %s", i, key);
        free(line);
        s = e ? e + 1 : NULL;
    }
    free(rows);
    hl_merge_result_free(&res);
    hl_diags_free(&d);
    hl_fixture_rm(out);
    hl_fixture_rm(s1);
    hl_fixture_rm(s2);
    kiosk_close(&a);
    kiosk_close(&b);
}

/* One key, two databases (a cloned kiosk, or the key in other hands):
 * response 3 differs. Rows 1–2 agree byte for byte. */
static void test_one_response_with_two_contents_under_one_key_is_a_conflict_none_kept(void)
{
    kiosk_t k1, k2;
    kiosk_open(&k1, "hall-a", KEY_A);
    kiosk_open(&k2, "hall-a", KEY_A);
    char *s1 = hl_test_tmpdir("merge-stick"), *s2 = hl_test_tmpdir("merge-stick");
    char x[PATH_MAX], *p1 = s1, *p2 = s2; /* sticks mounted where paths are long: said whole */
    s1 = hl_fixture_path(p1, "the-district-office-stick-of-november-with-a-long-label");
    s2 = hl_fixture_path(p2, "the-district-office-stick-of-november-with-a-long-label");
    CHECK(!mkdir(s1, 0755) && !mkdir(s2, 0755));
    kiosk_fill(&k1, 2, "ok");
    kiosk_fill(&k2, 2, "ok");
    kiosk_fill(&k1, 3, "ok");
    kiosk_fill(&k2, 3, "bad");
    kiosk_bundle(&k1, s1, KEY_A, 0, 1, x);
    kiosk_bundle(&k2, s2, KEY_A, 0, 1, x);
    hl_merge_result_t res;
    hl_diags_t d = {0};
    const char *in[] = {s1, s2};
    CHECK_INT(merge(in, 2, NULL, &res, &d), HL_OK);
    CHECK_INT(res.n_verified, 2);
    CHECK_INT(res.duplicates, 2);
    CHECK_INT(res.responses, 2);
    CHECK_INT(res.n_conflicts, 1);
    CHECK_INT(res.n_gaps, 0);
    CHECK(!hl_merge_complete(&res));
    if (res.n_conflicts == 1) {
        CHECK_INT(res.conflicts[0].from_seq, 3);
        CHECK_STR(res.conflicts[0].response_id, "a0000000-0000-4000-8000-000000000003");
        CHECK_CONTAINS(res.conflicts[0].text, "kiosk hall-a: response 3 differs between verified "
                                              "bundles");
        CHECK_CONTAINS(res.conflicts[0].text, "neither kept");
    }
    hl_merge_result_free(&res);
    hl_diags_free(&d);
    free(s1);
    free(s2);
    s1 = p1;
    s2 = p2;
    hl_fixture_rm(s1);
    hl_fixture_rm(s2);
    kiosk_close(&k1);
    kiosk_close(&k2);
}

/* The key's other database goes on after seq 3 (a restored or cloned
 * kiosk): its bundle after seq 3 does not follow the first one's seq 3. */
static void test_two_histories_under_one_key_break_the_chain_where_they_meet(void)
{
    kiosk_t k1, k2;
    kiosk_open(&k1, "hall-a", KEY_A);
    kiosk_open(&k2, "hall-a", KEY_A);
    char *s1 = hl_test_tmpdir("merge-stick"), *s2 = hl_test_tmpdir("merge-stick");
    char x[PATH_MAX];
    kiosk_fill(&k1, 3, "ok");
    kiosk_fill(&k2, 2, "ok");
    kiosk_fill(&k2, 5, "bad");
    kiosk_bundle(&k1, s1, KEY_A, 0, 1, x);
    kiosk_bundle(&k2, s2, KEY_A, 3, 2, x);
    hl_merge_result_t res;
    hl_diags_t d = {0};
    const char *in[] = {s1, s2};
    CHECK_INT(merge(in, 2, NULL, &res, &d), HL_OK);
    CHECK_INT(res.n_verified, 2);
    CHECK_INT(res.responses, 5); /* each row verified: kept */
    CHECK_INT(res.n_gaps, 0);
    CHECK_INT(res.n_breaks, 1);
    CHECK(!hl_merge_complete(&res));
    if (res.n_breaks == 1) {
        CHECK_INT(res.breaks[0].from_seq, 4);
        CHECK_CONTAINS(
            res.breaks[0].text,
            "kiosk hall-a: the chain breaks at response 4: it does not follow response 3");
    }
    hl_merge_result_free(&res);
    hl_diags_free(&d);
    hl_fixture_rm(s1);
    hl_fixture_rm(s2);
    kiosk_close(&k1);
    kiosk_close(&k2);
}

/* A response id at two kiosks (a copied row): neither kept. */
static void test_one_response_id_at_two_kiosks_is_a_conflict_none_kept(void)
{
    kiosk_t a, b;
    kiosk_open(&a, "hall-a", KEY_A);
    kiosk_open(&b, "hall-b", KEY_B);
    b.tag = 'a'; /* hall-b's ids are hall-a's */
    char *stick = hl_test_tmpdir("merge-stick");
    char x[PATH_MAX];
    kiosk_fill(&a, 3, "ok");
    b.next = 3;
    kiosk_fill(&b, 4, "ok"); /* ids ...3 and ...4: ...3 is also hall-a's */
    kiosk_bundle(&a, stick, KEY_A, 0, 1, x);
    kiosk_bundle(&b, stick, KEY_B, 0, 1, x);
    hl_merge_result_t res;
    hl_diags_t d = {0};
    const char *in[] = {stick};
    CHECK_INT(merge(in, 1, NULL, &res, &d), HL_OK);
    CHECK_INT(res.n_verified, 2);
    CHECK_INT(res.n_conflicts, 1);
    CHECK_INT(res.responses, 3); /* hall-a 1–2, hall-b's second */
    if (res.n_conflicts == 1) {
        CHECK_STR(res.conflicts[0].response_id, "a0000000-0000-4000-8000-000000000003");
        CHECK_CONTAINS(res.conflicts[0].text, "is in 2 places (kiosk hall-a seq 3, kiosk hall-b "
                                              "seq 1)");
    }
    CHECK(!hl_merge_complete(&res));
    hl_merge_result_free(&res);
    hl_diags_free(&d);
    hl_fixture_rm(stick);
    kiosk_close(&a);
    kiosk_close(&b);
}

/* ---- Nothing from a stick is trusted --------------------------------------------- */

static void test_an_empty_input_is_named_and_a_missing_one_writes_nothing(void)
{
    char *empty = hl_test_tmpdir("merge-empty"), *out = hl_test_tmpdir("merge-out");
    hl_merge_result_t res;
    hl_diags_t d = {0};
    const char *in[] = {empty};
    CHECK_INT(merge(in, 1, out, &res, &d), HL_OK);
    CHECK_INT(res.n_bundles, 0);
    CHECK_INT(res.n_empty, 1);
    CHECK_INT(res.responses, 0);
    CHECK(!hl_merge_complete(&res));
    EXPECT_COUNT(&d, 1);
    if (d.n) CHECK_CONTAINS(d.items[0].msg, "no bundle here");
    char *rows = file_in(out, HL_MERGE_JSONL);
    CHECK_STR(rows, "");
    free(rows);
    json_t *m = merge_json(out);
    CHECK_INT(json_array_size(json_object_get(m, "bundles")), 0);
    CHECK_STR(json_string_value(json_array_get(json_object_get(m, "empty_inputs"), 0)), empty);
    json_decref(m);
    hl_merge_result_free(&res);
    hl_diags_free(&d);

    /* An input that does not exist: an error, nothing written. */
    char *out2 = hl_fixture_path(out, "second");
    char *nowhere = hl_fixture_path(empty, "nowhere");
    const char *bad[] = {nowhere};
    hl_trust_t t;
    trust_ab(&t);
    hl_merge_opts_t o = {.inputs = bad, .n_inputs = 1, .trust = &t, .out_dir = out2};
    hl_err_t err = {0};
    CHECK_INT(hl_merge_run(&o, &res, NULL, &err), HL_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, nowhere);
    CHECK(access(out2, F_OK) != 0); /* not even the folder */
    hl_merge_result_free(&res);
    /* --out naming a file: usage, before any work. */
    char *file = hl_test_write_file(empty, "file.txt", "x");
    o.inputs = in;
    o.out_dir = file;
    CHECK_INT(hl_merge_run(&o, &res, NULL, &err), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "is not a folder");
    hl_merge_result_free(&res);
    free(file);
    /* No input, no trust list: usage. */
    o.n_inputs = 0;
    CHECK_INT(hl_merge_run(&o, &res, NULL, &err), HL_ERR_USAGE);
    o.n_inputs = 1;
    o.trust = NULL;
    CHECK_INT(hl_merge_run(&o, &res, NULL, &err), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "trust list");
    hl_trust_free(&t);
    free(nowhere);
    free(out2);
    hl_fixture_rm(out);
    hl_fixture_rm(empty);
}

static void test_links_junk_and_unfinished_bundles_on_a_stick_are_named_never_followed(void)
{
    tamper_t t;
    tamper_open(&t);
    char *elsewhere = hl_test_tmpdir("merge-elsewhere");
    char other[PATH_MAX];
    kiosk_fill(&t.a, 12, "ok");
    kiosk_bundle(&t.a, elsewhere, KEY_A, 10, 5, other);
    /* A link to a verified bundle elsewhere: not followed. */
    char *link = hl_fixture_path(t.stick, "HAILONG/hall-a/20991231T000000Z");
    CHECK_INT(symlink(other, link), 0);
    /* Malformed JSON for a manifest; an unfinished export (no manifest); a
     * manifest naming a file that is not there. */
    char *junk = hl_fixture_path(t.stick, "HAILONG/hall-z");
    CHECK_INT(mkdir(junk, 0755), 0);
    char *j1 = hl_fixture_path(junk, "1"), *j2 = hl_fixture_path(junk, "2");
    CHECK_INT(mkdir(j1, 0755), 0);
    CHECK_INT(mkdir(j2, 0755), 0);
    free(hl_test_write_file(j1, HL_BUNDLE_MANIFEST, "{\"format\": 2, \"kiosk_id\": "));
    free(hl_test_write_file(j2, HL_BUNDLE_JSONL, "{\"seq\":1}\n"));
    char *csv = hl_fixture_path(t.bb, "responses-svc.csv");
    CHECK_INT(unlink(csv), 0);
    hl_merge_result_t res;
    hl_diags_t d = {0};
    const char *in[] = {t.stick};
    CHECK_INT(merge(in, 1, NULL, &res, &d), HL_OK);
    CHECK_INT(res.n_bundles, 4);
    CHECK_INT(res.n_verified, 1);
    CHECK_INT(res.responses, 10);
    const char *want[][2] = {{t.ba, ""},
                             {t.bb, "tampered file: responses-svc.csv: missing"},
                             {j1, "tampered manifest: manifest.json: is not a JSON object"},
                             {j2, "unfinished export: manifest.json: missing"}};
    for (size_t i = 0; i < 4 && i < res.n_bundles; i++) {
        const hl_merge_bundle_t *b = &res.bundles[i];
        CHECK_STR(b->path, want[i][0]);
        CHECK(b->verified == !want[i][1][0]);
        if (want[i][1][0]) CHECK_CONTAINS(b->reason, want[i][1]);
    }
    bool named = false;
    for (size_t i = 0; i < d.n; i++)
        named |= !strcmp(d.items[i].file, link) && strstr(d.items[i].msg, "symbolic link");
    CHECK(named);
    hl_merge_result_free(&res);
    hl_diags_free(&d);
    free(csv);
    free(j1);
    free(j2);
    free(junk);
    free(link);
    hl_fixture_rm(elsewhere);
    tamper_close(&t);
}

/* A kiosk without a chain key: its rows are covered by the manifest's file
 * hash alone, so a row over 16 MiB in a bundle its key signed reaches the
 * merge's own reader, which refuses it without reading it whole. */
static void test_an_overlong_row_in_a_signed_bundle_is_refused_not_read_whole(void)
{
    kiosk_t k;
    kiosk_open(&k, "hall-a", NULL);
    char *stick = hl_test_tmpdir("merge-stick");
    char b[PATH_MAX];
    kiosk_fill(&k, 2, "ok");
    kiosk_bundle(&k, stick, KEY_A, 0, 1, b);
    char *p = hl_fixture_path(b, HL_BUNDLE_JSONL);
    FILE *fp = fopen(p, "a");
    CHECK(fp != NULL);
    for (int i = 0; fp && i < 17 * 1024; i++)
        fprintf(fp, "%01024d", 0);
    if (fp) fclose(fp);
    resign(b, KEY_A, false);
    hl_merge_result_t res;
    hl_diags_t d = {0};
    const char *in[] = {b};
    CHECK_INT(merge(in, 1, NULL, &res, &d), HL_OK);
    CHECK_INT(res.n_rejected, 1);
    if (res.n_bundles == 1) CHECK_CONTAINS(res.bundles[0].reason, "longer than 16 MiB");
    CHECK_INT(res.responses, 0);
    hl_merge_result_free(&res);
    hl_diags_free(&d);
    free(p);
    hl_fixture_rm(stick);
    kiosk_close(&k);
}

/* A stray manifest.json or responses.jsonl (junk, or a merge written onto
 * the stick) above the bundles: rejected itself, hiding none below it. */
static void test_a_stray_bundle_file_above_the_bundles_hides_none_of_them(void)
{
    tamper_t t;
    tamper_open(&t);
    char *kdir = hl_fixture_path(t.stick, "HAILONG/hall-a");
    free(hl_test_write_file(kdir, HL_BUNDLE_MANIFEST, "{}"));
    free(hl_test_write_file(t.stick, HL_BUNDLE_JSONL, "{\"seq\":1}\n"));
    hl_merge_result_t res;
    hl_diags_t d = {0};
    const char *in[] = {t.stick};
    CHECK_INT(merge(in, 1, NULL, &res, &d), HL_OK);
    CHECK_INT(res.n_bundles, 4);
    CHECK_INT(res.n_verified, 2);
    CHECK_INT(res.n_rejected, 2);
    CHECK_INT(res.responses, 15);
    CHECK(!hl_merge_complete(&res));
    hl_merge_result_free(&res);
    hl_diags_free(&d);
    free(kdir);
    tamper_close(&t);
}

/* --out inside an input (merged twice) is not taken for a bundle; --out a
 * bundle, or a folder with someone's responses.jsonl, is refused untouched. */
static void test_the_output_folder_is_never_searched_and_never_a_bundle(void)
{
    tamper_t t;
    tamper_open(&t);
    char *out = hl_fixture_path(t.stick, "merged");
    hl_merge_result_t res;
    hl_diags_t d = {0};
    const char *in[] = {t.stick};
    for (int run = 0; run < 2; run++) {
        CHECK_INT(merge(in, 1, out, &res, &d), HL_OK);
        CHECK_INT(res.n_bundles, 2);
        CHECK_INT(res.responses, 15);
        CHECK(hl_merge_complete(&res));
        hl_merge_result_free(&res);
    }
    char *before = file_in(t.ba, HL_BUNDLE_JSONL);
    CHECK_INT(merge(in, 1, t.ba, &res, &d), HL_ERR_USAGE);
    char *after = file_in(t.ba, HL_BUNDLE_JSONL);
    CHECK_STR(after, before);
    char *mj = hl_fixture_path(t.ba, HL_MERGE_JSON);
    CHECK(access(mj, F_OK) != 0);
    free(mj);
    hl_merge_result_free(&res);
    char *other = hl_test_tmpdir("merge-other");
    free(hl_test_write_file(other, HL_MERGE_JSONL, "mine\n"));
    CHECK_INT(merge(in, 1, other, &res, &d), HL_ERR_USAGE);
    char *mine = file_in(other, HL_MERGE_JSONL);
    CHECK_STR(mine, "mine\n");
    hl_merge_result_free(&res);
    hl_diags_free(&d);
    free(mine);
    free(before);
    free(after);
    free(out);
    hl_fixture_rm(other);
    tamper_close(&t);
}

/* A forged manifest naming kiosk "x<CR><ESC>[2K..." (valid JSON): its
 * words are shown with '?' for each control character, never raw. */
static void test_control_characters_in_a_forged_manifest_are_never_shown_raw(void)
{
    tamper_t t;
    tamper_open(&t);
    char *mpath = hl_fixture_path(t.ba, HL_BUNDLE_MANIFEST);
    json_error_t je;
    json_t *m = json_load_file(mpath, 0, &je);
    json_object_set_new(m, "kiosk_id", json_string("x\r\x1b[2Kverified"));
    json_object_set_new(json_object_get(m, "signer"), "kiosk_id", json_string("x\r\x1b[2Kok"));
    json_dump_file(m, mpath, JSON_INDENT(2));
    json_decref(m);
    resign(t.ba, FORGER_KEY, true);
    hl_merge_result_t res;
    hl_diags_t d = {0};
    const char *in[] = {t.stick};
    CHECK_INT(merge(in, 1, NULL, &res, &d), HL_OK);
    CHECK_INT(res.n_rejected, 1);
    int raw = 0;
    for (size_t i = 0; i < res.n_bundles; i++)
        raw +=
            strpbrk(res.bundles[i].reason, "\r\x1b") || strpbrk(res.bundles[i].kiosk_id, "\r\x1b");
    for (size_t i = 0; i < d.n; i++)
        raw += strpbrk(d.items[i].msg, "\r\x1b") != NULL;
    CHECK_INT(raw, 0);
    if (res.n_bundles == 2) CHECK_CONTAINS(res.bundles[0].reason, "x??[2K");
    hl_merge_result_free(&res);
    hl_diags_free(&d);
    free(mpath);
    tamper_close(&t);
}

/* A stick mounted with another character set: its path, not UTF-8, is
 * still named in merge.json ('?' for the odd byte), never left out. */
static void test_an_input_path_not_utf8_is_still_named_in_merge_json(void)
{
    kiosk_t k;
    kiosk_open(&k, "hall-a", KEY_A);
    char *dir = hl_test_tmpdir("merge-cs"), *out = hl_test_tmpdir("merge-out");
    char *stick = hl_fixture_path(dir, "\xd0\xc4"
                                       "a"),
         *empty = hl_fixture_path(dir, "tr\xf4ng");
    CHECK(!mkdir(stick, 0755) && !mkdir(empty, 0755));
    char x[PATH_MAX];
    kiosk_fill(&k, 2, "ok");
    kiosk_bundle(&k, stick, KEY_A, 0, 1, x);
    hl_merge_result_t res;
    hl_diags_t d = {0};
    const char *in[] = {stick, empty};
    CHECK_INT(merge(in, 2, out, &res, &d), HL_OK);
    CHECK_INT(res.responses, 2);
    json_t *m = merge_json(out);
    const char *p = json_string_value(
        json_object_get(json_array_get(json_object_get(m, "bundles"), 0), "path"));
    CHECK(p && strstr(p, "/??a/HAILONG/hall-a/"));
    p = json_string_value(json_array_get(json_object_get(m, "empty_inputs"), 0));
    CHECK(p && strstr(p, "/tr?ng"));
    json_decref(m);
    hl_merge_result_free(&res);
    hl_diags_free(&d);
    free(stick);
    free(empty);
    hl_fixture_rm(out);
    hl_fixture_rm(dir);
    kiosk_close(&k);
}

/* A merge that fails after an earlier one (here its merge.json cannot be
 * replaced) leaves the earlier rows and no summary of other rows. */
static void test_a_failed_merge_over_an_earlier_one_leaves_no_mismatched_summary(void)
{
    tamper_t t;
    tamper_open(&t);
    char *out = hl_test_tmpdir("merge-out");
    hl_merge_result_t res;
    hl_diags_t d = {0};
    const char *first[] = {t.ba}, *both[] = {t.stick};
    CHECK_INT(merge(first, 1, out, &res, &d), HL_OK);
    hl_merge_result_free(&res);
    char *rows = file_in(out, HL_MERGE_JSONL);
    char *mj = hl_fixture_path(out, HL_MERGE_JSON);
    CHECK_INT(unlink(mj), 0);
    CHECK_INT(mkdir(mj, 0755), 0); /* stands for a summary that cannot be written */
    free(hl_test_write_file(mj, "x", "x"));
    CHECK(merge(both, 1, out, &res, &d) != HL_OK);
    char *now = file_in(out, HL_MERGE_JSONL);
    CHECK_STR(now, rows);
    hl_merge_result_free(&res);
    hl_diags_free(&d);
    free(now);
    free(rows);
    free(mj);
    hl_fixture_rm(out);
    tamper_close(&t);
}

/* A folder named "x<CR>verified ..." would rewrite the terminal's line, one
 * not UTF-8 could not be named in merge.json: named escaped, not searched. */
static void test_a_folder_name_with_control_bytes_is_named_escaped_not_searched(void)
{
    tamper_t t;
    tamper_open(&t);
    char *kb = hl_fixture_path(t.stick, "HAILONG/hall-b");
    char *cr = hl_fixture_path(t.stick, "HAILONG/hall-b\rverified  ok");
    char *ff = hl_fixture_path(t.stick, "HAILONG/\xff");
    CHECK_INT(rename(kb, cr), 0);
    CHECK_INT(mkdir(ff, 0755), 0);
    hl_merge_result_t res;
    hl_diags_t d = {0};
    const char *in[] = {t.stick};
    char *out = hl_test_tmpdir("merge-out");
    CHECK_INT(merge(in, 1, out, &res, &d), HL_OK);
    CHECK_INT(res.n_bundles, 1);
    CHECK_INT(res.responses, 10);
    for (size_t i = 0; i < res.n_bundles; i++)
        CHECK(!strchr(res.bundles[i].path, '\r'));
    int escaped = 0;
    for (size_t i = 0; i < d.n; i++)
        escaped += (strstr(d.items[i].file, "hall-b\\x0dverified") ||
                    strstr(d.items[i].file, "HAILONG/\\xff")) &&
                   strstr(d.items[i].msg, "not searched");
    CHECK_INT(escaped, 2);
    json_t *m = merge_json(out);
    CHECK_INT(json_array_size(json_object_get(m, "bundles")), 1);
    json_decref(m);
    hl_merge_result_free(&res);
    hl_diags_free(&d);
    CHECK_INT(rename(cr, kb), 0);
    free(kb);
    free(cr);
    free(ff);
    hl_fixture_rm(out);
    tamper_close(&t);
}

/* An unchained kiosk's rows are covered by its signed file hash alone: its
 * key's holder putting a row of hall-b in (which a report counts for
 * hall-b, never checked against hall-b's chain) is refused. */
static void test_a_row_of_another_kiosk_in_a_signed_bundle_is_refused(void)
{
    kiosk_t k;
    kiosk_open(&k, "hall-a", NULL);
    char *stick = hl_test_tmpdir("merge-stick");
    char b[PATH_MAX];
    kiosk_fill(&k, 2, "ok");
    kiosk_bundle(&k, stick, KEY_A, 0, 1, b);
    char *p = hl_fixture_path(b, HL_BUNDLE_JSONL);
    size_t len = 0;
    char *text = hl_test_read_file(p, &len);
    char *at = text ? strstr(strchr(text, '\n'), "\"kiosk_id\":\"hall-a\"") : NULL;
    if (at) at[strlen("\"kiosk_id\":\"hall-")] = 'b'; /* row 2 */
    FILE *fp = at ? fopen(p, "w") : NULL;
    CHECK(fp != NULL);
    if (fp) fwrite(text, 1, len, fp);
    if (fp) fclose(fp);
    resign(b, KEY_A, false);
    hl_merge_result_t res;
    hl_diags_t d = {0};
    const char *in[] = {b};
    CHECK_INT(merge(in, 1, NULL, &res, &d), HL_OK);
    CHECK_INT(res.n_rejected, 1);
    CHECK_INT(res.responses, 0);
    if (res.n_bundles == 1)
        CHECK_CONTAINS(res.bundles[0].reason, "line 2 (seq 2) says kiosk hall-b, but the bundle "
                                              "is kiosk hall-a's");
    hl_merge_result_free(&res);
    hl_diags_free(&d);
    free(text);
    free(p);
    hl_fixture_rm(stick);
    kiosk_close(&k);
}

/* ---- The command ------------------------------------------------------------------- */

static void test_cli_merge_prints_a_summary_and_exits_by_completeness(void)
{
    if (access(HL_BIN, X_OK) != 0) {
        printf("skipped: %s: %s is not built yet\n", __func__, HL_BIN);
        return;
    }
    kiosk_t k;
    kiosk_open(&k, "hall-a", KEY_A);
    char *dir = hl_test_tmpdir("merge-cli");
    char *stick = hl_fixture_path(dir, "stick"), *lost = hl_fixture_path(dir, "lost");
    char *out = hl_fixture_path(dir, "out");
    CHECK_INT(mkdir(stick, 0755), 0);
    CHECK_INT(mkdir(lost, 0755), 0);
    char x[PATH_MAX];
    kiosk_fill(&k, 119, "ok");
    kiosk_bundle(&k, stick, KEY_A, 0, 1, x);
    kiosk_fill(&k, 180, "ok");
    kiosk_bundle(&k, lost, KEY_A, 119, 2, x);
    kiosk_fill(&k, 200, "ok");
    kiosk_bundle(&k, stick, KEY_A, 180, 3, x);
    char *trust = hl_test_trust_file(dir, "trust.txt", "hall-a", KEY_A);
    char *o = NULL, *e = NULL;

    const char *whole[] = {HL_BIN, "merge", "--trust", trust, "--out", out, stick, lost, NULL};
    hl_fixture_expect(__FILE__, __LINE__, whole, hl_fixture_no_config, 0,
                      "3 of 3 bundles verified, 0 rejected; 200 responses merged, 0 duplicates "
                      "dropped, 0 gaps",
                      NULL, &o, NULL);
    CHECK_CONTAINS(o, "kiosk hall-a: 200 responses, seq 1" EN_DASH "200");
    free(o);
    const char *gap[] = {HL_BIN, "merge", "--trust", trust, "--out", out, stick, NULL};
    hl_fixture_expect(__FILE__, __LINE__, gap, hl_fixture_no_config, 5,
                      "GAP       kiosk hall-a: responses 120" EN_DASH "180 missing (máy hall-a: "
                      "thiếu phiếu 120" EN_DASH "180)",
                      NULL, NULL, NULL);
    char *rows = file_in(out, HL_MERGE_JSONL);
    CHECK_INT(count_lines(rows), 139); /* written all the same */
    free(rows);
    /* A bundle that fails: named on stdout and its problems on stderr. */
    jsonl_edit(x, 0, 10);
    hl_fixture_expect(__FILE__, __LINE__, gap, hl_fixture_no_config, 5, "REJECTED  ",
                      "responses.jsonl: altered", &o, &e);
    CHECK_CONTAINS(o, ": tampered file: responses.jsonl: altered");
    free(o);
    free(e);
    /* Usage and failures. */
    const char *no_out[] = {HL_BIN, "merge", "--trust", trust, stick, NULL};
    hl_fixture_expect(__FILE__, __LINE__, no_out, hl_fixture_no_config, 2, NULL, "give --out DIR",
                      NULL, &e);
    CHECK(e && !strstr(e, "Merges the result bundles")); /* the one line, not the whole help */
    free(e);
    const char *no_dir[] = {HL_BIN, "merge", "--trust", trust, "--out", out, NULL};
    hl_fixture_expect(__FILE__, __LINE__, no_dir, hl_fixture_no_config, 2, NULL,
                      "give at least one bundle folder", NULL, NULL);
    char *missing = hl_fixture_path(dir, "missing");
    const char *no_in[] = {HL_BIN, "merge", "--trust", trust, "--out", out, missing, NULL};
    hl_fixture_expect(__FILE__, __LINE__, no_in, hl_fixture_no_config, 1, NULL, "nothing written",
                      NULL, NULL);
    const char *no_trust[] = {HL_BIN, "merge", "--trust", missing, "--out", out, stick, NULL};
    hl_fixture_expect(__FILE__, __LINE__, no_trust, hl_fixture_no_config, 1, NULL, missing, NULL,
                      NULL);
    const char *no_key[] = {HL_BIN, "merge", "--trust",    trust,   "--out",
                            out,    stick,   "--key-file", missing, NULL};
    hl_fixture_expect(__FILE__, __LINE__, no_key, hl_fixture_no_config, 1, NULL, "key file", NULL,
                      NULL);
    const char *help[] = {HL_BIN, "merge", "--help", NULL};
    hl_fixture_expect(__FILE__, __LINE__, help, hl_fixture_no_config, 0, "usage: hailong merge",
                      NULL, NULL, NULL);
    free(missing);
    free(trust);
    free(out);
    free(lost);
    free(stick);
    hl_fixture_rm(dir);
    kiosk_close(&k);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_overlapping_bundles_merge_to_unique_responses_and_count_duplicates),
    HL_TEST(test_a_missing_range_is_named_exactly_and_the_rest_is_merged),
    HL_TEST(test_a_seq_left_by_a_removed_empty_response_is_not_a_gap),
    HL_TEST(test_a_changed_byte_rejects_the_bundle_and_the_others_merge),
    HL_TEST(test_a_deleted_row_rejects_the_bundle_torn_or_with_a_broken_chain),
    HL_TEST(test_a_manifest_edited_or_resigned_by_another_key_is_rejected),
    HL_TEST(test_a_bundle_of_a_kiosk_not_in_the_trust_list_is_rejected),
    HL_TEST(test_two_kiosks_merge_in_kiosk_then_seq_order),
    HL_TEST(test_one_response_with_two_contents_under_one_key_is_a_conflict_none_kept),
    HL_TEST(test_two_histories_under_one_key_break_the_chain_where_they_meet),
    HL_TEST(test_one_response_id_at_two_kiosks_is_a_conflict_none_kept),
    HL_TEST(test_an_empty_input_is_named_and_a_missing_one_writes_nothing),
    HL_TEST(test_links_junk_and_unfinished_bundles_on_a_stick_are_named_never_followed),
    HL_TEST(test_an_overlong_row_in_a_signed_bundle_is_refused_not_read_whole),
    HL_TEST(test_a_stray_bundle_file_above_the_bundles_hides_none_of_them),
    HL_TEST(test_the_output_folder_is_never_searched_and_never_a_bundle),
    HL_TEST(test_control_characters_in_a_forged_manifest_are_never_shown_raw),
    HL_TEST(test_an_input_path_not_utf8_is_still_named_in_merge_json),
    HL_TEST(test_a_failed_merge_over_an_earlier_one_leaves_no_mismatched_summary),
    HL_TEST(test_a_folder_name_with_control_bytes_is_named_escaped_not_searched),
    HL_TEST(test_a_row_of_another_kiosk_in_a_signed_bundle_is_refused),
    HL_TEST(test_cli_merge_prints_a_summary_and_exits_by_completeness),
};

HL_TEST_MAIN(tests)
