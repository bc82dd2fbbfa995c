/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_export_faults.c: `hailong export --format bundle` when the stick
 * fails under it (issue 4).
 *
 * The hailong child runs with the shim tests/support/faultio (LD_PRELOAD),
 * which fails every write and sync on the stick from a chosen byte on (the
 * one crossing it is cut short), or from the Nth sync on (the last one is
 * the folder sync after the manifest's rename), with EIO or ENOSPC. For each
 * fault: the command fails (exit 1, a message), no bundle with a manifest
 * that does not verify is left, no temporary file (a name starting with '.')
 * is left, and the stick and the store agree: either nothing on the stick
 * and nothing recorded, or a bundle that verifies and is recorded. Then the
 * same export without the shim succeeds, verifies and is recorded. As root,
 * a stick mounted read-only fails with "read-only" and records nothing.
 * The template's data folder holds a device key made from a fixed seed; a
 * bundle "verifies" only against a trust list holding kiosk pt-01 with it.
 */
#include "hl_bundle.h"
#include "hl_devkey.h"
#include "hl_store.h"
#include "hl_fixture.h"
#include "hl_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define KIOSK "pt-01"
/* A stick's export secret as `hailong export-key --new` makes it. */
#define SECRET    "6a1f0c3e9b7d25f48e0a9c6b3d1f7e2a5c8b0d4f6e9a1c3b5d7f9e0a2c4b6d8f"
#define KEY_SEED  7 /* the template kiosk's device key (hl_test_devkey) */
#define N_RESP    40
#define N_SURVEYS 2

static char *path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static void save(hl_store_t *st, hl_response_t *r, const hl_save_t *s)
{
    hl_err_t err = {0};
    if (hl_store_save(st, r, s, &err) != HL_OK) hl_test_fail(__FILE__, __LINE__, "%s", err.msg);
}

/* N_RESP finished responses over two surveys, seq 1..N_RESP. */
static bool store_make(const char *dir)
{
    hl_store_t *st = NULL;
    hl_err_t err = {0};
    if (hl_store_open(dir, NULL, &st, NULL, &err) != HL_OK) {
        hl_test_fail(__FILE__, __LINE__, "store: %s", err.msg);
        return false;
    }
    test_survey_t sv[N_SURVEYS];
    static const char *const qids[] = {"q_service", "q_note"};
    survey_make(&sv[0], "svc", 1, qids, 2);
    survey_make(&sv[1], "wait", 1, qids, 2);
    for (int i = 1; i <= N_RESP; i++) {
        if (hl_store_use_survey(st, &sv[i % N_SURVEYS].s, KIOSK, &err) != HL_OK) {
            hl_test_fail(__FILE__, __LINE__, "store: %s", err.msg);
            break;
        }
        hl_response_t r;
        memset(&r, 0, sizeof r);
        snprintf(r.uuid, sizeof r.uuid, "00000000-0000-4000-8000-%012d", i);
        r.started_utc_ms = 1700000000000LL + i * 60000LL;
        r.clock_trusted = true;
        char note[200];
        snprintf(note, sizeof note, "Góp ý số %d: cán bộ \"rất\" nhiệt tình, chờ lâu %d phút", i,
                 i * 7);
        hl_save_t a = {.set_qid = "q_service", .set_value = "very_satisfied", .set_ms = 1500};
        hl_save_t b = {.set_qid = "q_note", .set_value = note, .set_ms = 4200};
        hl_save_t f = {.status = HL_RESP_COMPLETE, .finished_utc_ms = r.started_utc_ms + 61500};
        save(st, &r, &a);
        save(st, &r, &b);
        save(st, &r, &f);
    }
    hl_store_close(st);
    /* The kiosk's device key, as its first start leaves it (mode 0600). */
    hl_devkey_t k = {0};
    hl_test_devkey(&k, KEY_SEED);
    char pem[HL_DEVKEY_PEM_MAX];
    size_t len = 0;
    bool ok = hl_devkey_to_pem(&k, pem, sizeof pem, &len, &err) == HL_OK;
    hl_devkey_free(&k);
    char *kp = path_in(dir, HL_DEVKEY_FILE);
    int fd = ok ? open(kp, O_WRONLY | O_CREAT | O_EXCL, 0600) : -1;
    ok = fd >= 0 && write(fd, pem, len) == (ssize_t)len;
    if (fd >= 0) close(fd);
    free(kp);
    if (!ok) hl_test_fail(__FILE__, __LINE__, "cannot write the device key: %s", err.msg);
    return ok;
}

/* ---- The world of one case ------------------------------------------------- */

typedef struct world {
    char *root;  /* the case's temporary folder */
    char *data;  /* data dir (a copy of the template store) */
    char *stick; /* the stick's root */
    char *cfg;   /* config with the export key */
    char *kdir;  /* STICK/HAILONG/<kiosk> */
    char *trust; /* trust list: KIOSK with the template's device key */
} world_t;

static void key_hex(char hex[65])
{
    unsigned char key[HL_BUNDLE_KEY_LEN];
    hl_bundle_key_from_secret(SECRET, strlen(SECRET), key);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
}

/* A fresh world; stick NULL: a folder in root, else that (mounted) folder. */
static bool world_make(world_t *w, const char *template_data, const char *stick)
{
    memset(w, 0, sizeof *w);
    w->root = hl_test_tmpdir("export-faults");
    w->data = path_in(w->root, "data");
    const char *cp[] = {"/bin/cp", "-a", template_data, w->data, NULL};
    if (hl_test_run(cp, NULL, NULL, NULL) != 0) {
        hl_test_fail(__FILE__, __LINE__, "cp -a %s %s failed", template_data, w->data);
        return false;
    }
    w->stick = stick ? strdup(stick) : path_in(w->root, "stick");
    if (!stick) CHECK_INT(mkdir(w->stick, 0755), 0);
    char *top = path_in(w->stick, HL_BUNDLE_TOP);
    CHECK_INT(mkdir(top, 0755), 0);
    free(hl_test_write_file(top, HL_BUNDLE_KEY_FILE, SECRET "\n"));
    free(top);
    char hex[65], text[256];
    key_hex(hex);
    snprintf(text, sizeof text, "{\"kiosk_id\": \"%s\", \"export\": {\"key_sha256\": \"%s\"}}",
             KIOSK, hex);
    w->cfg = hl_test_write_file(w->root, "hailong.json", text);
    w->kdir = path_in(w->stick, HL_BUNDLE_TOP "/" KIOSK);
    hl_devkey_t k = {0};
    hl_test_devkey(&k, KEY_SEED);
    w->trust = hl_test_trust_file(w->root, "trust.txt", KIOSK, &k);
    hl_devkey_free(&k);
    return true;
}

static void world_free(world_t *w)
{
    if (w->root) hl_test_rmtree(w->root);
    free(w->root);
    free(w->data);
    free(w->stick);
    free(w->cfg);
    free(w->kdir);
    free(w->trust);
}

/* Runs the bundle export; env: extra environment (may be NULL). */
static int export_run(const world_t *w, const char *const *env, char **out, char **err)
{
    const char *a[] = {HL_BIN,     "--data-dir", w->data, "--config", w->cfg, "export",
                       "--format", "bundle",     "--out", w->stick,   NULL};
    return hl_test_run(a, env, out, err);
}

/* exported_upto_seq from `hailong stats --json`, -1 when it cannot be read. */
static long long exported_upto(const world_t *w)
{
    const char *a[] = {HL_BIN, "--data-dir", w->data, "stats", "--json", NULL};
    char *o = NULL;
    long long v = -1;
    if (hl_test_run(a, NULL, &o, NULL) == 0 && o) {
        const char *p = strstr(o, "\"exported_upto_seq\":");
        if (p) v = strtoll(p + strlen("\"exported_upto_seq\":"), NULL, 10);
    }
    free(o);
    return v;
}

/* Names starting with '.' anywhere under dir (a missing dir has none). */
static int hidden_under(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (e->d_name[0] == '.') {
            printf("  left on the stick: %s/%s\n", dir, e->d_name);
            n++;
        }
        char *p = path_in(dir, e->d_name);
        struct stat sb;
        if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) n += hidden_under(p);
        free(p);
    }
    closedir(d);
    return n;
}

/* What the kiosk folder holds: bundle folders, those with a manifest that
 * verifies, those with one that does not; *good gets a verifying one. */
typedef struct stick_state {
    int folders;    /* entries in STICK/HAILONG/<kiosk> */
    int verifies;   /* with a manifest that verifies */
    int torn;       /* with a manifest that does not verify */
    char good[512]; /* a verifying bundle folder */
} stick_state_t;

static stick_state_t stick_look(const world_t *w)
{
    stick_state_t s = {0};
    hl_trust_t trust = {0};
    hl_diags_t td = {0};
    hl_err_t terr = {0};
    if (hl_trust_load(w->trust, &trust, &td, &terr) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "trust list: %s", terr.msg);
    hl_diags_free(&td);
    hl_bundle_check_t chk = {.trust = &trust};
    DIR *d = opendir(w->kdir);
    if (!d) {
        hl_trust_free(&trust);
        return s;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        s.folders++;
        char *b = path_in(w->kdir, e->d_name);
        char *m = path_in(b, HL_BUNDLE_MANIFEST);
        if (access(m, F_OK) == 0) {
            hl_diags_t probs = {0};
            hl_err_t err = {0};
            if (hl_bundle_verify(b, &chk, &probs, NULL, &err) == HL_OK) {
                s.verifies++;
                snprintf(s.good, sizeof s.good, "%s", b);
            } else {
                s.torn++;
                printf("  a manifest that does not verify: %s (%s)\n", b, err.msg);
                hl_diags_print(&probs, stdout);
            }
            hl_diags_free(&probs);
        }
        free(m);
        free(b);
    }
    closedir(d);
    hl_trust_free(&trust);
    return s;
}

/* After a faulted export: stick and store agree, nothing torn or hidden. */
static void expect_consistent_after_fault(const world_t *w, int rc, const char *err,
                                          const char *what)
{
    stick_state_t s = stick_look(w);
    long long upto = exported_upto(w);
    int hidden = hidden_under(w->stick);
    bool ok = true;
    if (s.torn != 0 || hidden != 0) ok = false;
    if (s.verifies == 0) {
        /* Nothing verifiable: a failure said so, nothing left, nothing recorded. */
        if (rc != 1 || !err || !strstr(err, "hailong export: ") || s.folders != 0 || upto != 0)
            ok = false;
    } else {
        /* A bundle that verifies must be recorded, and alone. */
        if (s.verifies != 1 || s.folders != 1 || upto != N_RESP) ok = false;
    }
    if (!ok)
        hl_test_fail(__FILE__, __LINE__,
                     "%s: exit %d, %d folders, %d verify, %d torn, %d hidden, exported_upto %lld, "
                     "stderr: %s",
                     what, rc, s.folders, s.verifies, s.torn, hidden, upto, err ? err : "(none)");
}

/* The same export without faults: succeeds, verifies, recorded. */
static void expect_retry_succeeds(const world_t *w, const char *what)
{
    char *o = NULL, *e = NULL;
    int rc = export_run(w, NULL, &o, &e);
    if (rc != 0) hl_test_fail(__FILE__, __LINE__, "%s: retry exit %d: %s", what, rc, e ? e : "");
    free(o);
    free(e);
    stick_state_t s = stick_look(w);
    if (s.verifies != 1 || s.torn != 0)
        hl_test_fail(__FILE__, __LINE__, "%s: after the retry %d verify, %d torn", what, s.verifies,
                     s.torn);
    if (s.verifies == 1) {
        const char *a[] = {HL_BIN, "verify-export", s.good, "--trust", w->trust, NULL};
        o = e = NULL;
        int vr = hl_test_run(a, NULL, &o, &e);
        if (vr != 0 || !o || !strstr(o, "verifies"))
            hl_test_fail(__FILE__, __LINE__, "%s: verify-export exit %d: %s", what, vr, e ? e : "");
        free(o);
        free(e);
    }
    long long upto = exported_upto(w);
    if (upto != N_RESP)
        hl_test_fail(__FILE__, __LINE__, "%s: after the retry exported_upto %lld, expected %d",
                     what, upto, N_RESP);
}

/* ---- Fault injection ------------------------------------------------------- */

static bool can_run(const char *fn)
{
    if (access(HL_BIN, X_OK) != 0 || access(HL_FAULTIO, R_OK) != 0) {
        printf("skipped: %s: %s or %s is not built yet\n", fn, HL_BIN, HL_FAULTIO);
        return false;
    }
    return true;
}

/* The environment of a faulted run (strings kept in buf). */
typedef struct fault_env {
    char preload[1024], prefix[1100], at[64], sync[64], err[64], report[1100], asan[1024];
    const char *v[8];
} fault_env_t;

static void fault_env_make(fault_env_t *f, const world_t *w, long long at_byte, long long sync_at,
                           const char *errname, const char *report)
{
    memset(f, 0, sizeof *f);
    size_t n = 0;
    snprintf(f->preload, sizeof f->preload, "LD_PRELOAD=%s", HL_FAULTIO);
    f->v[n++] = f->preload;
    snprintf(f->prefix, sizeof f->prefix, "HL_FAULT_PREFIX=%s/", w->stick);
    f->v[n++] = f->prefix;
    snprintf(f->at, sizeof f->at, "HL_FAULT_AT_BYTE=%lld", at_byte);
    f->v[n++] = f->at;
    snprintf(f->sync, sizeof f->sync, "HL_FAULT_SYNC_AT=%lld", sync_at);
    f->v[n++] = f->sync;
    snprintf(f->err, sizeof f->err, "HL_FAULT_ERRNO=%s", errname);
    f->v[n++] = f->err;
    if (report) {
        snprintf(f->report, sizeof f->report, "HL_FAULT_REPORT=%s", report);
        f->v[n++] = f->report;
    }
#if defined(__SANITIZE_ADDRESS__)
    /* The shim comes before the ASan runtime in the child: ASan would refuse
     * to start without this. */
    const char *old = getenv("ASAN_OPTIONS");
    snprintf(f->asan, sizeof f->asan, "ASAN_OPTIONS=%s%sverify_asan_link_order=0", old ? old : "",
             old && *old ? ":" : "");
    f->v[n++] = f->asan;
#endif
    f->v[n] = NULL;
}

/* Bytes and syncs a whole export writes to the stick, or false. */
static bool measure(const char *template_data, long long *bytes, long long *syncs)
{
    world_t w;
    bool ok = false;
    if (!world_make(&w, template_data, NULL)) goto done;
    char *report = path_in(w.root, "report.txt");
    fault_env_t f;
    fault_env_make(&f, &w, 1LL << 60, 1LL << 60, "EIO", report);
    char *o = NULL, *e = NULL;
    int rc = export_run(&w, f.v, &o, &e);
    if (rc != 0) hl_test_fail(__FILE__, __LINE__, "unfaulted run under the shim: %s", e ? e : "");
    free(o);
    free(e);
    char *text = hl_test_read_file(report, NULL);
    if (rc == 0 && text && sscanf(text, "%lld %lld", bytes, syncs) == 2 && *bytes > 0 && *syncs > 0)
        ok = true;
    else
        hl_test_fail(__FILE__, __LINE__, "the shim reported nothing (%s)", text ? text : "none");
    free(text);
    free(report);
done:
    world_free(&w);
    return ok;
}

static int cases_run;

static void one_fault(const char *template_data, long long at_byte, long long sync_at,
                      const char *errname)
{
    char what[160];
    snprintf(what, sizeof what, "fault at byte %lld / sync %lld with %s", at_byte, sync_at,
             errname);
    world_t w;
    if (!world_make(&w, template_data, NULL)) {
        world_free(&w);
        return;
    }
    fault_env_t f;
    fault_env_make(&f, &w, at_byte, sync_at, errname, NULL);
    char *o = NULL, *e = NULL;
    int rc = export_run(&w, f.v, &o, &e);
    printf("  %s: exit %d: %s", what, rc, e && *e ? e : (o ? o : "\n"));
    expect_consistent_after_fault(&w, rc, e, what);
    if (rc == 1 && !strcmp(errname, "ENOSPC") && e && !strstr(e, "full"))
        hl_test_fail(__FILE__, __LINE__, "%s: the message does not say the stick is full: %s", what,
                     e);
    free(o);
    free(e);
    expect_retry_succeeds(&w, what);
    world_free(&w);
    cases_run++;
}

static char *template_make(void)
{
    char *t = hl_test_tmpdir("export-faults-template");
    char *data = path_in(t, "data");
    CHECK_INT(mkdir(data, 0755), 0);
    free(data);
    data = path_in(t, "data");
    if (!store_make(data)) {
        hl_fixture_rm(t);
        free(data);
        return NULL;
    }
    free(t);
    return data; /* its parent is removed by template_free */
}

static void template_free(char *data)
{
    if (!data) return;
    char *parent = strdup(data);
    char *slash = strrchr(parent, '/');
    if (slash) *slash = '\0';
    hl_fixture_rm(parent);
    free(data);
}

/* The template data folder and a whole bundle's bytes and syncs, or NULL
 * when the test cannot run here or the measure fails (said why). */
static char *template_measured(const char *test, long long *bytes, long long *syncs)
{
    if (!can_run(test)) return NULL;
    char *data = template_make();
    if (!data || !measure(data, bytes, syncs)) {
        template_free(data);
        return NULL;
    }
    return data;
}

static void test_export_failing_at_any_byte_leaves_nothing_torn_nor_recorded_and_retry_works(void)
{
    long long bytes = 0, syncs = 0;
    char *data = template_measured(__func__, &bytes, &syncs);
    if (!data) return;
    printf("  a whole bundle writes %lld bytes and %lld syncs to the stick\n", bytes, syncs);
    /* Fixed offsets, and a few pseudo-random ones (a fixed seed: repeatable). */
    long long at[12] = {0, 1, 300, 3000, bytes / 2, bytes - 100, bytes - 1, bytes};
    size_t n = 8;
    unsigned seed = 20240404u;
    while (n < 12) {
        seed = seed * 1103515245u + 12345u;
        at[n++] = 1 + (long long)((seed >> 8) % (unsigned long long)bytes);
    }
    const char *errs[] = {"EIO", "ENOSPC"};
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < n; i++)
            if (at[i] >= 0 && at[i] <= bytes) one_fault(data, at[i], 1LL << 60, errs[k]);
    template_free(data);
}

static void
test_export_failing_at_any_sync_incl_after_the_manifest_keeps_stick_and_store_agreed(void)
{
    long long bytes = 0, syncs = 0;
    char *data = template_measured(__func__, &bytes, &syncs);
    if (!data) return;
    /* The last sync is the folder's, after the manifest's rename. */
    const char *errs[] = {"EIO", "ENOSPC"};
    for (size_t k = 0; k < 2; k++)
        for (long long s = 1; s <= syncs; s++)
            one_fault(data, 1LL << 60, s, errs[k]);
    template_free(data);
}

/* ---- A read-only stick (root: a tmpfs remounted read-only) ----------------- */

static void test_export_to_a_read_only_stick_fails_saying_so_and_records_nothing(void)
{
    if (access(HL_BIN, X_OK) != 0) {
        printf("skipped: %s: %s is not built yet\n", __func__, HL_BIN);
        return;
    }
    if (geteuid() != 0) {
        printf("skipped: %s needs root to mount a tmpfs\n", __func__);
        return;
    }
    char *data = template_make();
    char *media = hl_test_tmpdir("export-faults-ro");
    if (mount("tmpfs", media, "tmpfs", 0, "size=4m") != 0) {
        printf("skipped: %s: mount -t tmpfs failed: %s\n", __func__, strerror(errno));
        hl_fixture_rm(media);
        template_free(data);
        return;
    }
    world_t w;
    memset(&w, 0, sizeof w);
    if (data && world_make(&w, data, media)) {
        if (mount("tmpfs", media, "tmpfs", MS_REMOUNT | MS_RDONLY, "size=4m") != 0) {
            printf("skipped: %s: remount read-only failed: %s\n", __func__, strerror(errno));
        } else {
            char *o = NULL, *e = NULL;
            CHECK_INT(export_run(&w, NULL, &o, &e), 1);
            CHECK_CONTAINS(e, "read-only");
            free(o);
            free(e);
            CHECK_INT(exported_upto(&w), 0);
            stick_state_t s = stick_look(&w);
            CHECK_INT(s.folders, 0);
            CHECK_INT(hidden_under(w.stick), 0);
        }
    }
    CHECK_INT(umount(media), 0);
    world_free(&w); /* removes w.root; the stick is media */
    hl_fixture_rm(media);
    template_free(data);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_export_failing_at_any_byte_leaves_nothing_torn_nor_recorded_and_retry_works),
    HL_TEST(test_export_failing_at_any_sync_incl_after_the_manifest_keeps_stick_and_store_agreed),
    HL_TEST(test_export_to_a_read_only_stick_fails_saying_so_and_records_nothing),
};

HL_TEST_MAIN(tests)
