/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_fixture.c: the shared test fixtures without a display (hl_fixture.h).
 */
#include "hl_fixture.h"
#include "hl_devkey.h"
#include "hl_test.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

void survey_make(test_survey_t *t, const char *id, int64_t version, const char *const *qids,
                 size_t n)
{
    memset(t, 0, sizeof *t);
    snprintf(t->s.id, sizeof t->s.id, "%s", id);
    t->s.version = version;
    for (size_t i = 0; i < n && i < HL_MAX_QUESTIONS; i++) {
        snprintf(t->q[i].id, sizeof t->q[i].id, "%s", qids[i]);
        t->q[i].type = HL_Q_CHOICE;
        t->q[i].show_if.question = -1;
    }
    t->s.questions = t->q;
    t->s.n_questions = n;
    snprintf(t->src, sizeof t->src, "{\"id\": \"%s\", \"version\": %lld, \"n\": %zu}", id,
             (long long)version, n);
    t->s.source = t->src;
    t->s.source_len = strlen(t->src);
    /* FNV-1a of the source, padded: distinct per (id, version, count). */
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = t->src; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    snprintf(t->s.sha256, sizeof t->s.sha256, "%016llx%048d", (unsigned long long)h, 0);
}

void hl_fixture_response(hl_response_t *r, int n, int64_t started_utc_ms)
{
    memset(r, 0, sizeof *r);
    snprintf(r->uuid, sizeof r->uuid, "00000000-0000-4000-8000-%012d", n);
    r->lang = HL_LANG_VI;
    r->stored_lang = HL_LANG_VI;
    r->started_utc_ms = started_utc_ms;
    r->clock_trusted = true;
}

/* ---- A store ------------------------------------------------------------ */

hl_store_t *hl_fixture_store(const char *dir, const test_survey_t *t)
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

static void save_or_fail(hl_store_t *st, hl_response_t *r, const hl_save_t *s)
{
    hl_err_t err = {0};
    if (hl_store_save(st, r, s, &err) != HL_OK) hl_test_fail(__FILE__, __LINE__, "%s", err.msg);
}

void hl_fixture_save(hl_store_t *st, hl_response_t *r, const char *qid, const char *val, int64_t ms)
{
    hl_save_t s = {.set_qid = qid, .set_value = val, .set_ms = ms};
    save_or_fail(st, r, &s);
}

void hl_fixture_finish(hl_store_t *st, hl_response_t *r, hl_resp_status_t status)
{
    hl_save_t s = {.status = status, .finished_utc_ms = r->started_utc_ms + 61500};
    save_or_fail(st, r, &s);
}

void hl_fixture_fill(hl_store_t *st, int n, const char *qid, size_t note_len)
{
    char *note = malloc(note_len + 1);
    if (!note) abort();
    memset(note, 'n', note_len);
    note[note_len] = '\0';
    hl_store_batch_begin(st, NULL);
    for (int i = 1; i <= n; i++) {
        hl_response_t r;
        hl_fixture_response(&r, i, 1700000000000LL + i * 60000LL);
        hl_fixture_save(st, &r, qid, note, 5);
        hl_fixture_finish(st, &r, HL_RESP_COMPLETE);
    }
    hl_store_batch_end(st, NULL);
    free(note);
}

void hl_fx_open(hl_fx_t *x, const char *tag, const test_survey_t *t, const char *out_name)
{
    memset(x, 0, sizeof *x);
    x->dir = hl_test_tmpdir(tag);
    x->st = hl_fixture_store(x->dir, t);
    x->out = out_name ? hl_fixture_path(x->dir, out_name) : NULL;
}

void hl_fx_close(hl_fx_t *x)
{
    hl_store_close(x->st);
    free(x->out);
    hl_fixture_rm(x->dir);
}

/* ---- Files and media ---------------------------------------------------- */

void hl_fixture_rm(char *dir)
{
    hl_test_rmtree(dir);
    free(dir);
}

char *hl_fixture_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (!p) abort();
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

int hl_fixture_entries(const char *dir, int *hidden)
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

int hl_fixture_hidden(const char *dir)
{
    int hidden = 0;
    hl_fixture_entries(dir, &hidden);
    return hidden;
}

char *hl_fixture_tmpfs(const char *tag, const char *size, const char *test)
{
    char *media = hl_test_tmpdir(tag);
    char opts[64];
    snprintf(opts, sizeof opts, "size=%s", size);
    if (geteuid() != 0) {
        printf("skipped: %s needs root to mount a tmpfs\n", test);
    } else if (mount("tmpfs", media, "tmpfs", 0, opts) != 0) {
        printf("skipped: %s: mount -t tmpfs failed: %s\n", test, strerror(errno));
    } else {
        return media;
    }
    hl_fixture_rm(media);
    return NULL;
}

void hl_fixture_tmpfs_free(char *media)
{
    CHECK_INT(umount(media), 0);
    hl_fixture_rm(media);
}

/* ---- Bundles ------------------------------------------------------------ */

const hl_devkey_t *hl_fixture_devkey(unsigned seed)
{
    static hl_devkey_t keys[16]; /* kept for the run: test-only */
    static unsigned seeds[16];
    static size_t n;
    for (size_t i = 0; i < n; i++)
        if (seeds[i] == seed) return &keys[i];
    if (n == 16) abort();
    hl_test_devkey(&keys[n], seed);
    seeds[n] = seed;
    return &keys[n++];
}

hl_bundle_opts_t hl_fixture_bundle_opts(const char *root, const hl_devkey_t *key)
{
    hl_bundle_opts_t o = {.root = root,
                          .kiosk_id = "kiosk-01",
                          .software_version = "9.8.7",
                          .created_utc_ms = HL_FIXTURE_CREATED_MS,
                          .signer = key,
                          .record = true};
    return o;
}

/* ---- Commands ----------------------------------------------------------- */

const char *const hl_fixture_no_config[] = {"HAILONG_CONFIG=", NULL};

/* Checks that text (what the stream named holds) contains needle. */
static void expect_in(const char *file, int line, const char *stream, const char *text,
                      const char *needle)
{
    if (needle && (!text || !strstr(text, needle)))
        hl_test_fail(file, line, "%s does not contain \"%s\": \"%s\"", stream, needle,
                     text ? text : "(null)");
}

int hl_fixture_expect(const char *file, int line, const char *const *argv, const char *const *env,
                      int code, const char *out_has, const char *err_has, char **out, char **err)
{
    char *o = NULL, *e = NULL;
    int rc = hl_test_run_watchdog(argv, env, &o, &e, 600);
    if (rc != code)
        hl_test_fail(file, line, "%s %s exited %d, expected %d: %s", argv[0],
                     argv[1] ? argv[1] : "", rc, code, e ? e : "");
    expect_in(file, line, "stdout", o, out_has);
    expect_in(file, line, "stderr", e, err_has);
    if (out)
        *out = o;
    else
        free(o);
    if (err)
        *err = e;
    else
        free(e);
    return rc;
}

/* ---- A sink that answers as the store does ---------------------------------- */

int hl_fixture_sink_save(void *ctx, hl_response_t *resp, const hl_save_t *sv, hl_err_t *err)
{
    (void)err;
    hl_fixture_sink_t *k = ctx;
    if (resp->seq == 0) resp->seq = ++k->next_seq;
    resp->stored_lang = resp->lang;
    if (sv->followup_seed && sv->status == HL_RESP_COMPLETE)
        hl_followup_make(sv->followup_seed, 0, resp->followup);
    k->n_saves++;
    k->last_status = sv->status;
    return HL_OK;
}

hl_sink_t hl_fixture_sink(hl_fixture_sink_t *k)
{
    return (hl_sink_t){hl_fixture_sink_save, k};
}

hl_survey_t *hl_fixture_survey(const char *path)
{
    hl_survey_t *s = NULL;
    hl_diags_t d = {0};
    int rc = hl_survey_load_file(path, &s, &d);
    if (rc != HL_OK) hl_diags_print(&d, stderr);
    hl_diags_free(&d);
    if (rc != HL_OK) abort();
    return s;
}

long hl_fixture_env_long(const char *name, long def)
{
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 10) : def;
}

void hl_fixture_ram_disk(void)
{
    const char *disk = getenv("HL_REL_DISK");
    if ((!disk || strcmp(disk, "1") != 0) && access("/dev/shm", W_OK) == 0)
        setenv("TMPDIR", "/dev/shm", 1);
}

unsigned hl_fixture_rnd(unsigned *r, unsigned n)
{
    *r = *r * 1103515245u + 12345u;
    return ((*r >> 8) & 0xffffffu) % n;
}

void hl_fixture_tech_init(hl_fixture_tech_t *t, const hl_config_t *cfg, const hl_survey_t *s)
{
    memset(t, 0, sizeof *t);
    t->tech.mode = HL_TECH_MENU;
    t->tech.page = HL_TECH_STATUS;
    t->tech.hold_since_ms = t->tech.armed_until_ms = -1;
    t->tech.filter = -1;
    t->tech.n_officers = cfg->n_officers;
    t->tech.lock.locked_at_utc_ms = -1;
    t->view.tech = &t->tech;
    t->view.cfg = cfg;
    t->view.survey = s;
    t->view.results = &t->results;
}

/* ---- Assignments (sync protocol version 2) ---------------------------------- */

char *hl_fixture_survey_text(const char *id, int version, const char *extra)
{
    char *t = malloc(4096);
    if (!t) abort();
    snprintf(t, 4096,
             "{\"format\": 1, \"id\": \"%s\", \"version\": %d, \"languages\": [\"vi\", \"en\"],\n"
             " \"title\": {\"vi\": \"Khảo sát giao\", \"en\": \"Assigned survey\"},\n"
             " \"thanks\": {\"vi\": \"Cảm ơn\", \"en\": \"Thanks\"},\n"
             " \"questions\": [{\"id\": \"overall\", \"type\": \"yesno\", \"required\": true,\n"
             "   \"text\": {\"vi\": \"Ông/Bà hài lòng không?\", \"en\": \"Satisfied?\"}}%s]}\n",
             id, version, extra ? extra : "");
    return t;
}

void hl_fixture_sha256_hex(const char *text, char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    if (!EVP_Digest(text, strlen(text), md, &n, EVP_sha256(), NULL) || n != 32) abort();
    hl_hex_encode(md, 32, out);
}

void hl_fixture_bundle_resign(const char *bdir, void (*edit)(json_t *m), const hl_devkey_t *key,
                              bool claim)
{
    char *mpath = hl_fixture_path(bdir, HL_BUNDLE_MANIFEST);
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
        char *p = hl_fixture_path(bdir, json_string_value(json_object_get(f, "name")));
        size_t len = 0;
        char *text = hl_test_read_file(p, &len);
        unsigned char md[32];
        unsigned int n = 0;
        char hex[65];
        if (!EVP_Digest(text ? text : "", text ? len : 0, md, &n, EVP_sha256(), NULL)) abort();
        hl_hex_encode(md, 32, hex);
        json_object_set_new(f, "bytes", json_integer((json_int_t)len));
        json_object_set_new(f, "sha256", json_string(hex));
        free(text);
        free(p);
    }
    if (claim) {
        json_t *s = json_object_get(m, "signer");
        json_object_set_new(s, "public_key", json_string(key->pub_hex));
        json_object_set_new(s, "fingerprint", json_string(key->fingerprint));
    }
    json_object_del(m, "signature");
    char *canon = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    size_t plen = strlen(HL_BUNDLE_SIGNED_PREFIX), clen = canon ? strlen(canon) : 0;
    char *text = malloc(plen + clen + 1);
    char sig[HL_DEVKEY_SIG_HEX + 1];
    hl_err_t err = {0};
    if (text && canon) {
        memcpy(text, HL_BUNDLE_SIGNED_PREFIX, plen);
        memcpy(text + plen, canon, clen + 1);
        if (hl_devkey_sign(key, text, plen + clen, sig, &err) != HL_OK)
            hl_test_fail(__FILE__, __LINE__, "sign: %s", err.msg);
        else
            json_object_set_new(m, "signature", json_string(sig));
    }
    json_dump_file(m, mpath, JSON_INDENT(2));
    free(text);
    free(canon);
    json_decref(m);
    free(mpath);
}

char *hl_fixture_assignment(long long id, const char *sha, const char *survey, const char *officers)
{
    json_t *o = json_pack("{s:I}", "id", (json_int_t)id);
    if (sha) json_object_set_new(o, "survey_sha256", json_string(sha));
    if (survey) json_object_set_new(o, "survey", json_string(survey));
    if (officers) {
        json_error_t je;
        json_t *list = json_loads(officers, JSON_DECODE_ANY, &je);
        if (!list) abort(); /* the test's own text */
        json_object_set_new(o, "officers", list);
    }
    char *t = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!t) abort();
    return t;
}
