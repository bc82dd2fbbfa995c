/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_bundle.c: the JSON Lines export and the signed result bundle (formats
 * in hl_bundle.h); hl_bundle_verify.c checks them.
 *
 * JSON Lines rows are formatted by hand into a buffer (strings escaped for
 * quotes, backslashes and control characters; other bytes, UTF-8 included,
 * pass through), one write(2) per buffer: constant memory whatever the
 * count. Every file goes through hl_afile relative to a folder descriptor
 * (a temporary file made with O_EXCL | O_NOFOLLOW, fsync'd, renamed, the
 * folder fsync'd); on failure the temporary file is removed. A bundle's
 * folders are each opened with O_DIRECTORY | O_NOFOLLOW relative to the one
 * above, so a symlink on the stick stops the export instead of redirecting
 * it. The manifest comes last
 * and lists each file's size and SHA-256 (read back from the medium after
 * the rename); on any failure the bundle folder is emptied and removed, so
 * a torn bundle has no manifest and never verifies.
 * A bundle's range (after_seq, up to the first response in progress) is
 * fixed from the store before anything is written; the JSON Lines walk
 * starts after after_seq and skips rows past the range. The export is
 * recorded in the store only after the manifest's rename and folder sync.
 */
#include "bundle_int.h"

/* ---- Small helpers ------------------------------------------------------- */

/* A file name a bundle may hold: 1..HL_NAME_MAX bytes, no '/', no leading '.'. */
bool bundle_name_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= HL_NAME_MAX && s[0] != '.' && !strchr(s, '/');
}

/* ---- JSON Lines rows ------------------------------------------------------ */

/* A survey version seen among the exported responses. */
typedef struct hl_seen_survey {
    char *id; /* owned */
    int64_t version;
    char *sha256; /* owned */
} hl_seen_survey_t;

typedef struct hl_jsonl {
    hl_fdbuf_t out;            /* the file */
    int64_t rows;              /* responses written */
    int64_t seq_first;         /* 0 until the first row */
    int64_t seq_last;          /* 0 until the first row */
    bool track;                /* collect surveys (bundle) */
    hl_seen_survey_t *surveys; /* owned when tracking: distinct survey versions */
    size_t n_surveys, cap_surveys;
    size_t last_survey; /* index of the previous row's survey, a cache */
    bool nomem;         /* tracking ran out of memory */
    int64_t after_seq;  /* rows with seq > after_seq are walked */
    int64_t hmac_until; /* bundle: rows after this seq are all signed (hl_store_hmac_until) */
    int64_t max_seq;    /* rows with a higher seq are skipped (a bundle's range); 0: no bound */
    const hl_bundle_opts_t *opts;      /* bundle: progress reports; NULL otherwise */
    int64_t total;                     /* bundle: responses in the range */
    char first_prev[HL_CHAIN_HEX + 1]; /* bundle: the first row's prev_chain, "" if null */
    char last_chain[HL_CHAIN_HEX + 1]; /* bundle: the last row's chain, "" if null */
} hl_jsonl_t;

/* The JSON Lines file is the first HL_JSONL_SHARE of a bundle's progress. */
#define HL_JSONL_SHARE 0.4

static void bundle_progress(const hl_bundle_opts_t *o, double done)
{
    if (o && o->progress) o->progress(o->progress_ctx, done > 1 ? 1 : done);
}

static bool seen_match(const hl_seen_survey_t *s, const hl_row_t *r)
{
    return s->version == r->survey_version && !strcmp(s->id, r->survey_id) &&
           !strcmp(s->sha256, r->survey_sha256 ? r->survey_sha256 : "");
}

static bool track_survey(hl_jsonl_t *j, const hl_row_t *r)
{
    if (j->last_survey < j->n_surveys && seen_match(&j->surveys[j->last_survey], r)) return true;
    for (size_t i = 0; i < j->n_surveys; i++) {
        if (seen_match(&j->surveys[i], r)) {
            j->last_survey = i;
            return true;
        }
    }
    if (j->n_surveys == j->cap_surveys) {
        size_t cap = j->cap_surveys ? 2 * j->cap_surveys : 8;
        hl_seen_survey_t *n = realloc(j->surveys, cap * sizeof *n);
        if (!n) return false;
        j->surveys = n;
        j->cap_surveys = cap;
    }
    hl_seen_survey_t *s = &j->surveys[j->n_surveys];
    s->id = strdup(r->survey_id);
    s->sha256 = strdup(r->survey_sha256 ? r->survey_sha256 : "");
    s->version = r->survey_version;
    if (!s->id || !s->sha256) {
        free(s->id);
        free(s->sha256);
        return false;
    }
    j->last_survey = j->n_surveys++;
    return true;
}

static void jsonl_free(hl_jsonl_t *j)
{
    for (size_t i = 0; i < j->n_surveys; i++) {
        free(j->surveys[i].id);
        free(j->surveys[i].sha256);
    }
    free(j->surveys);
    free(j->out.buf);
    j->surveys = NULL;
    j->out.buf = NULL;
    j->n_surveys = j->cap_surveys = 0;
}

static int jsonl_row(void *ctx, const hl_row_t *r)
{
    hl_jsonl_t *j = ctx;
    hl_fdbuf_t *o = &j->out;
    if (j->max_seq > 0 && r->seq > j->max_seq) return HL_OK; /* past the bundle's range */
    if (j->track && !track_survey(j, r)) {
        j->nomem = true;
        return HL_ERR_NOMEM;
    }
    if (!hl_jsonl_put_row(o, r) || !hl_fdbuf_put(o, "\n", 1)) return HL_ERR_IO;
    if (j->rows++ == 0) {
        j->seq_first = r->seq;
        snprintf(j->first_prev, sizeof j->first_prev, "%s", r->prev_chain ? r->prev_chain : "");
    }
    j->seq_last = r->seq;
    snprintf(j->last_chain, sizeof j->last_chain, "%s", r->chain ? r->chain : "");
    if (j->opts && j->total > 0 && j->rows % 256 == 0)
        bundle_progress(j->opts, HL_JSONL_SHARE * (double)j->rows / (double)j->total);
    return HL_OK;
}

/* Writes the rows of survey_id (NULL: all) to fd; name for messages. */
static int jsonl_write(hl_jsonl_t *j, hl_store_t *st, const char *survey_id, int fd,
                       const char *name, hl_err_t *err)
{
    j->out.fd = fd;
    j->out.buf = malloc(HL_JSONL_BUF);
    j->out.cap = HL_JSONL_BUF;
    if (!j->out.buf) return hl_err_set(err, HL_ERR_NOMEM, "out of memory exporting %s", name);
    int rc = hl_store_foreach(st, survey_id, j->after_seq, jsonl_row, j, err);
    if (rc == HL_OK && !hl_fdbuf_flush(&j->out)) rc = HL_ERR_IO;
    if (rc != HL_OK && j->out.write_errno)
        return hl_errno_set(j->out.write_errno, "cannot write", name, err);
    if (rc != HL_OK && j->nomem)
        return hl_err_set(err, HL_ERR_NOMEM, "out of memory exporting %s", name);
    return rc;
}

/* ---- Files written atomically relative to a folder ------------------------ */

/* What fills a new file: either fill (writes into fd) or an extra hook. */
typedef struct hl_filler {
    int (*fill)(void *ctx, int fd, const char *shown, hl_err_t *err);
    void *ctx;
    const hl_bundle_extra_t *extra; /* instead of fill */
    hl_store_t *st;                 /* for extra */
    int64_t after_seq, max_seq;     /* for extra: the bundle's range */
} hl_filler_t;

/* Fsyncs the folder (EINVAL, ENOTSUP: it cannot be synced, the data is). */
static int sync_dir(int dfd, const char *shown, hl_err_t *err)
{
    if (fsync(dfd) != 0 && errno != EINVAL && errno != ENOTSUP)
        return hl_errno_set(errno, "cannot sync the folder of", shown, err);
    return HL_OK;
}

/* Creates dfd/name atomically (hl_afile). shown is the path used in
 * messages. */
static int write_file_at(int dfd, const char *name, const char *shown, const hl_filler_t *f,
                         hl_err_t *err)
{
    hl_afile_t af;
    int rc;
    if (f->extra) {
        /* The extra's writer creates the temporary file by name. */
        rc = hl_afile_nameat(&af, dfd, name, shown, err);
        if (rc != HL_OK) return rc;
        rc = f->extra->write(f->extra->ctx, f->st, f->after_seq, f->max_seq, dfd, af.tmp, err);
        if (rc == HL_OK) rc = hl_afile_reopen(&af, err);
    } else {
        rc = hl_afile_openat(&af, dfd, name, shown, 0640, err);
        if (rc != HL_OK) return rc;
        rc = f->fill(f->ctx, af.fd, shown, err);
    }
    if (rc != HL_OK) {
        hl_afile_abort(&af);
        return rc;
    }
    rc = hl_afile_commit(&af, err);
    /* Renamed but not known to be durable: take it back, so that the
     * caller's clean-up (which knows only finished files) finds no stray. */
    if (rc != HL_OK && af.renamed) (void)unlinkat(dfd, name, 0);
    return rc;
}

/* Size and hex SHA-256 of dfd/name, read back from the medium. uncached:
 * the file's pages are dropped from the page cache first (they are clean
 * after hl_fs_sync), so that what is read comes from the medium itself. */
int bundle_hash_file_at(int dfd, const char *name, const char *shown, int64_t *bytes, char hex[65],
                        bool uncached, hl_err_t *err)
{
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return hl_errno_set(errno, "cannot read back", shown, err);
    if (uncached) (void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char *buf = malloc(HL_JSONL_BUF);
    int rc = HL_OK;
    if (!md || !buf || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory hashing %s", shown);
        goto done;
    }
    int64_t total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, HL_JSONL_BUF);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            rc = hl_errno_set(errno, "cannot read back", shown, err);
            goto done;
        }
        if (n == 0) break;
        EVP_DigestUpdate(md, buf, (size_t)n);
        total += n;
    }
    unsigned char dg[32];
    unsigned int dlen = 0;
    EVP_DigestFinal_ex(md, dg, &dlen);
    hl_hex_encode(dg, 32, hex);
    *bytes = total;
done:
    EVP_MD_CTX_free(md);
    free(buf);
    close(fd);
    return rc;
}

/* ---- JSON Lines to a path -------------------------------------------------- */

typedef struct jsonl_job {
    hl_jsonl_t *j;
    hl_store_t *st;
    const char *survey_id;
} jsonl_job_t;

static int fill_jsonl(void *ctx, int fd, const char *shown, hl_err_t *err)
{
    jsonl_job_t *job = ctx;
    return jsonl_write(job->j, job->st, job->survey_id, fd, shown, err);
}

int hl_export_jsonl(hl_store_t *st, const char *survey_id, const char *out_path,
                    hl_jsonl_result_t *res, hl_err_t *err)
{
    if (res) memset(res, 0, sizeof *res);
    if (!st || !out_path || !*out_path)
        return hl_err_set(err, HL_ERR_USAGE, "export: a store and a path are needed");
    int frc = hl_afile_not_a_folder(out_path, "responses.jsonl", err);
    if (frc != HL_OK) return frc;
    const char *slash = strrchr(out_path, '/');
    const char *base = slash ? slash + 1 : out_path;
    if (strlen(base) > HL_NAME_MAX)
        return hl_err_set(err, HL_ERR_USAGE, "export file name \"%s\" is longer than %d bytes",
                          base, HL_NAME_MAX);
    char dir[PATH_MAX];
    int dlen = slash ? (int)(slash - out_path) : 0;
    int n = snprintf(dir, sizeof dir, "%.*s", slash ? (dlen ? dlen : 1) : 1,
                     slash ? (dlen ? out_path : "/") : ".");
    if (n < 0 || (size_t)n >= sizeof dir)
        return hl_err_set(err, HL_ERR_USAGE, "export path \"%s\" is too long", out_path);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return hl_errno_set(errno, "cannot open the folder of", out_path, err);
    hl_jsonl_t j = {0};
    jsonl_job_t job = {&j, st, survey_id};
    hl_filler_t f = {.fill = fill_jsonl, .ctx = &job};
    int rc = write_file_at(dfd, base, out_path, &f, err);
    close(dfd);
    if (rc == HL_OK) {
        if (res) *res = (hl_jsonl_result_t){j.rows, j.out.bytes, j.seq_first, j.seq_last};
        hl_err_clear(err);
    }
    jsonl_free(&j);
    return rc;
}

/* ---- The bundle -------------------------------------------------------------- */

/* A file listed in the manifest. */
typedef struct hl_listed {
    char name[HL_NAME_MAX + 1];
    int64_t bytes;
    char sha256[65];
} hl_listed_t;

typedef struct csv_job {
    hl_store_t *st;
    const char *survey_id;
    int64_t after_seq; /* the bundle's range: after_seq < seq <= max_seq */
    int64_t max_seq;
} csv_job_t;

static int fill_csv(void *ctx, int fd, const char *shown, hl_err_t *err)
{
    csv_job_t *job = ctx;
    return hl_export_csv_fd(job->st, job->survey_id, job->after_seq, job->max_seq, fd, shown, NULL,
                            err);
}

typedef struct text_job {
    const char *text;
    size_t len;
} text_job_t;

static int fill_text(void *ctx, int fd, const char *shown, hl_err_t *err)
{
    text_job_t *t = ctx;
    size_t off = 0;
    while (off < t->len) {
        ssize_t w = write(fd, t->text + off, t->len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return hl_errno_set(errno, "cannot write", shown, err);
        off += (size_t)w;
    }
    return HL_OK;
}

/* Opens (making it when missing) the folder name in pfd without following a
 * symlink. */
static int open_level(int pfd, const char *name, const char *shown, int *out, hl_err_t *err)
{
    bool made = false;
    if (mkdirat(pfd, name, 0755) == 0)
        made = true;
    else if (errno != EEXIST)
        return hl_errno_set(errno, "cannot make the folder", shown, err);
    int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        struct stat sb;
        if (e == ELOOP || (e == ENOTDIR && fstatat(pfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
                           S_ISLNK(sb.st_mode)))
            return hl_err_set(err, HL_ERR_INVALID,
                              "%s is a symbolic link: the export does not follow links on a "
                              "stick; delete it from the stick and export again",
                              shown);
        if (e == ENOTDIR)
            return hl_err_set(err, HL_ERR_INVALID,
                              "%s is a file, not a folder: move it away on the stick and export "
                              "again",
                              shown);
        return hl_errno_set(e, "cannot open the folder", shown, err);
    }
    if (made) {
        int rc = sync_dir(pfd, shown, err);
        if (rc != HL_OK) {
            close(fd);
            return rc;
        }
    }
    *out = fd;
    return HL_OK;
}

static int survey_cmp(const void *a, const void *b)
{
    const hl_seen_survey_t *x = a, *y = b;
    int d = strcmp(x->id, y->id);
    if (d) return d;
    return x->version < y->version ? -1 : x->version > y->version;
}

/* What the device key signs for a manifest m (without "signature"):
 * HL_BUNDLE_SIGNED_PREFIX then m serialised canonically; malloc'd, NULL
 * when out of memory. */
char *bundle_manifest_canonical(const json_t *m)
{
    char *c = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    if (!c) return NULL;
    size_t pl = strlen(HL_BUNDLE_SIGNED_PREFIX), cl = strlen(c);
    char *t = malloc(pl + cl + 1);
    if (t) {
        memcpy(t, HL_BUNDLE_SIGNED_PREFIX, pl);
        memcpy(t + pl, c, cl + 1);
    }
    free(c);
    return t;
}

/* Builds the manifest (signed) as text; *text is malloc'd. */
static int manifest_text(const hl_bundle_opts_t *o, const hl_jsonl_t *j, const hl_listed_t *files,
                         size_t n_files, char **text, hl_err_t *err)
{
    char created[32];
    hl_time_iso8601(o->created_utc_ms, created);
    json_t *m = json_object(), *surveys = json_array(), *list = json_array();
    bool ok = m && surveys && list;
    ok = ok && !json_object_set_new(m, "format", json_integer(HL_BUNDLE_FORMAT)) &&
         !json_object_set_new(m, "kiosk_id", json_string(o->kiosk_id)) &&
         !json_object_set_new(m, "software_version", json_string(o->software_version)) &&
         !json_object_set_new(m, "created_at", json_string(created));
    for (size_t i = 0; ok && i < j->n_surveys; i++)
        ok = !json_array_append_new(surveys, json_pack("{s:s, s:I, s:s}", "id", j->surveys[i].id,
                                                       "version", (json_int_t)j->surveys[i].version,
                                                       "sha256", j->surveys[i].sha256));
    ok = ok && !json_object_set(m, "surveys", surveys) &&
         !json_object_set_new(m, "responses", json_integer(j->rows)) &&
         !json_object_set_new(m, "after_seq", json_integer(j->after_seq)) &&
         !json_object_set_new(m, "seq_first", json_integer(j->seq_first)) &&
         !json_object_set_new(m, "seq_last", json_integer(j->seq_last));
    /* The chain's ends (issue 7), under the signature: the head is recorded
     * outside the kiosk, and the next bundle's chain_prev must name it. */
    ok = ok &&
         !json_object_set_new(
             m, "chain_head",
             json_pack("{s:I, s:o}", "seq", (json_int_t)j->seq_last, "chain",
                       j->last_chain[0] ? json_string(j->last_chain) : json_null())) &&
         !json_object_set_new(m, "chain_prev",
                              j->first_prev[0] ? json_string(j->first_prev) : json_null()) &&
         /* Where signatures begin (issue 13): a row after this one without
          * a signature had it removed, not an HMAC-era row. */
         !json_object_set_new(m, "hmac_until", json_integer(j->hmac_until));
    for (size_t i = 0; ok && i < n_files; i++)
        ok = !json_array_append_new(list, json_pack("{s:s, s:I, s:s}", "name", files[i].name,
                                                    "bytes", (json_int_t)files[i].bytes, "sha256",
                                                    files[i].sha256));
    ok = ok && !json_object_set(m, "files", list);
    /* Who signs: the device key's public half, so a reader can name the
     * signer; a verifier trusts it only through its own trust list. */
    ok = ok &&
         !json_object_set_new(m, "signer",
                              json_pack("{s:s, s:s, s:s, s:s}", "kiosk_id", o->kiosk_id,
                                        "algorithm", "ed25519", "public_key", o->signer->pub_hex,
                                        "fingerprint", o->signer->fingerprint));
    char *canon = ok ? bundle_manifest_canonical(m) : NULL;
    char sig[HL_DEVKEY_SIG_HEX + 1];
    int rc = canon ? hl_devkey_sign(o->signer, canon, strlen(canon), sig, err)
                   : hl_err_set(err, HL_ERR_NOMEM, "out of memory writing the manifest");
    ok = rc == HL_OK && !json_object_set_new(m, "signature", json_string(sig));
    char *body = ok ? json_dumps(m, JSON_INDENT(2)) : NULL;
    free(canon);
    json_decref(surveys);
    json_decref(list);
    json_decref(m);
    if (rc != HL_OK) return rc;
    if (!body) return hl_err_set(err, HL_ERR_NOMEM, "out of memory writing the manifest");
    size_t len = strlen(body);
    char *t = realloc(body, len + 2);
    if (!t) {
        free(body);
        return hl_err_set(err, HL_ERR_NOMEM, "out of memory writing the manifest");
    }
    t[len] = '\n';
    t[len + 1] = '\0';
    *text = t;
    return HL_OK;
}

/* The bundle made durable on its medium and read back from it: the file
 * system is synced (hl_fs_sync: on a kernel vfat stick the file fsync +
 * rename + folder fsync sequence leaves the renamed entries' sizes and first
 * clusters in memory, and a stick pulled then holds empty files), then every
 * file and the manifest is read again past the page cache and must match
 * what was written. Only then may the export be recorded and the stick be
 * called safe to remove. */
static int durable_readback(int bfd, const char *bdir, const hl_listed_t *files, size_t n_files,
                            const text_job_t *manifest, hl_err_t *err)
{
    int rc = hl_fs_sync(bfd, bdir, err);
    if (rc != HL_OK) return rc;
    char shown[PATH_MAX + 64], hex[65], want[65];
    int64_t bytes = 0;
    for (size_t i = 0; i <= n_files; i++) {
        const char *name = i < n_files ? files[i].name : HL_BUNDLE_MANIFEST;
        snprintf(shown, sizeof shown, "%s/%s", bdir, name);
        rc = bundle_hash_file_at(bfd, name, shown, &bytes, hex, true, err);
        if (rc != HL_OK) return rc;
        int64_t want_bytes = i < n_files ? files[i].bytes : (int64_t)manifest->len;
        if (i < n_files) {
            memcpy(want, files[i].sha256, sizeof want);
        } else {
            unsigned char dg[32];
            unsigned int dlen = 0;
            if (!EVP_Digest(manifest->text, manifest->len, dg, &dlen, EVP_sha256(), NULL))
                return hl_err_set(err, HL_ERR_NOMEM, "out of memory hashing %s", shown);
            hl_hex_encode(dg, 32, want);
        }
        if (bytes != want_bytes || strcmp(hex, want) != 0)
            return hl_err_set(err, HL_ERR_IO,
                              "%s: read back from the medium, it differs from what was written "
                              "(%lld bytes, expected %lld): the stick is faulty or was pulled; "
                              "use another stick",
                              shown, (long long)bytes, (long long)want_bytes);
    }
    return HL_OK;
}

int hl_bundle_write(hl_store_t *st, const hl_bundle_opts_t *o, char *out_dir, size_t out_dir_size,
                    hl_bundle_result_t *res, hl_err_t *err)
{
    if (res) memset(res, 0, sizeof *res);
    if (out_dir && out_dir_size) out_dir[0] = '\0';
    int rc;
    if (!st || !o || !o->root || !*o->root || !o->kiosk_id || !o->software_version)
        return hl_err_set(err, HL_ERR_USAGE,
                          "bundle: a store, a folder, a kiosk id and a version are needed");
    if (!o->signer || !o->signer->has_private)
        return hl_err_set(err, HL_ERR_STATE,
                          "no device key to sign the bundle with (the kiosk makes "
                          "<data_dir>/device.key at its first start; see `hailong identity`)");
    if (!hl_json_id_valid(o->kiosk_id, HL_SURVEY_ID_MAX, true))
        return hl_err_set(err, HL_ERR_USAGE,
                          "bundle: kiosk id \"%s\" is not 1 to %d characters of a-z 0-9 _ -; fix "
                          "kiosk_id in the config",
                          o->kiosk_id, HL_SURVEY_ID_MAX);
    for (size_t i = 0; i < o->n_extras; i++)
        if (!o->extras[i].write || !o->extras[i].name || !bundle_name_ok(o->extras[i].name) ||
            !strcmp(o->extras[i].name, HL_BUNDLE_MANIFEST) ||
            !strcmp(o->extras[i].name, HL_BUNDLE_JSONL))
            return hl_err_set(err, HL_ERR_USAGE,
                              "bundle: extra file %zu has no usable name or "
                              "writer",
                              i);
    if (o->after_seq < 0)
        return hl_err_set(err, HL_ERR_USAGE, "bundle: after_seq %lld is negative",
                          (long long)o->after_seq);

    /* The range, before anything is written: finished responses only, up
     * to the first one in progress (see hl_bundle.h). */
    hl_store_range_t range;
    rc = hl_store_export_range(st, o->after_seq, &range, err);
    if (rc != HL_OK) return rc;
    if (res) res->in_progress_seq = range.in_progress_seq;
    if (range.responses == 0) {
        char blocked[96] = "";
        if (range.in_progress_seq)
            snprintf(blocked, sizeof blocked,
                     "; response %lld is still being answered: export again once it is finished",
                     (long long)range.in_progress_seq);
        if (o->after_seq > 0)
            return hl_err_set(err, HL_ERR_NOT_FOUND,
                              "no new responses since the last export (seq %lld): nothing was "
                              "written%s",
                              (long long)o->after_seq, blocked);
        return hl_err_set(err, HL_ERR_NOT_FOUND,
                          "no finished responses are stored: nothing was written%s", blocked);
    }

    char ts[32], iso[32];
    hl_time_iso8601(o->created_utc_ms, iso); /* YYYY-MM-DDTHH:MM:SSZ */
    size_t k = 0;
    for (const char *p = iso; *p; p++)
        if (*p != '-' && *p != ':') ts[k++] = *p;
    ts[k] = '\0';

    int rootfd = -1, topfd = -1, kfd = -1, bfd = -1;
    hl_jsonl_t j = {.track = true,
                    .after_seq = o->after_seq,
                    .max_seq = range.upto,
                    .opts = o,
                    .total = range.responses};
    bundle_progress(o, 0);
    hl_listed_t *files = calloc(o->n_extras + 1, sizeof *files); /* grows per survey below */
    size_t n_files = 0;
    char *manifest = NULL;
    char shown[PATH_MAX + HL_NAME_MAX + 2], bdir[PATH_MAX], bname[48];
    bool bundle_made = false;
    if (!files) return hl_err_set(err, HL_ERR_NOMEM, "out of memory starting the export");

    rootfd = open(o->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) {
        rc = hl_errno_set(errno, "cannot open the export folder", o->root, err);
        goto fail;
    }
    snprintf(shown, sizeof shown, "%s/%s", o->root, HL_BUNDLE_TOP);
    rc = open_level(rootfd, HL_BUNDLE_TOP, shown, &topfd, err);
    if (rc != HL_OK) goto fail;
    snprintf(shown, sizeof shown, "%s/%s/%s", o->root, HL_BUNDLE_TOP, o->kiosk_id);
    rc = open_level(topfd, o->kiosk_id, shown, &kfd, err);
    if (rc != HL_OK) goto fail;
    /* A new folder per export; "-2", "-3", ... when one of that second exists. */
    for (int s = 1;; s++) {
        if (s == 1)
            snprintf(bname, sizeof bname, "%s", ts);
        else
            snprintf(bname, sizeof bname, "%s-%d", ts, s);
        snprintf(bdir, sizeof bdir, "%s/%s/%s/%s", o->root, HL_BUNDLE_TOP, o->kiosk_id, bname);
        if (mkdirat(kfd, bname, 0755) == 0) break;
        if (errno != EEXIST || s == HL_TS_SUFFIX_MAX) {
            rc = hl_errno_set(errno, "cannot make the folder", bdir, err);
            goto fail;
        }
    }
    bundle_made = true;
    rc = sync_dir(kfd, bdir, err);
    if (rc != HL_OK) goto fail;
    rc = open_level(kfd, bname, bdir, &bfd, err);
    if (rc != HL_OK) goto fail;

    /* All responses as JSON Lines first: it fixes the surveys, the count and
     * the sequence range the other files and the manifest describe. */
    snprintf(shown, sizeof shown, "%s/%s", bdir, HL_BUNDLE_JSONL);
    jsonl_job_t jj = {&j, st, NULL};
    rc = write_file_at(bfd, HL_BUNDLE_JSONL, shown, &(hl_filler_t){.fill = fill_jsonl, .ctx = &jj},
                       err);
    if (rc != HL_OK) goto fail;
    snprintf(files[n_files].name, sizeof files[n_files].name, "%s", HL_BUNDLE_JSONL);
    n_files++;
    /* The other files share the rest of the bar evenly; the manifest is last. */
    double step = (0.95 - HL_JSONL_SHARE) / (double)(j.n_surveys + o->n_extras + 1);
    double done = HL_JSONL_SHARE;
    bundle_progress(o, done);
    free(j.out.buf);
    j.out.buf = NULL;
    qsort(j.surveys, j.n_surveys, sizeof *j.surveys, survey_cmp);

    /* One CSV per survey id, up to the same last sequence number. */
    hl_listed_t *grown = realloc(files, (j.n_surveys + o->n_extras + 1) * sizeof *files);
    if (!grown) {
        rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory during the export");
        goto fail;
    }
    files = grown;
    for (size_t i = 0; i < j.n_surveys; i++) {
        if (i > 0 && !strcmp(j.surveys[i].id, j.surveys[i - 1].id)) continue;
        hl_listed_t *f = &files[n_files];
        snprintf(f->name, sizeof f->name, "responses-%s.csv", j.surveys[i].id);
        snprintf(shown, sizeof shown, "%s/%s", bdir, f->name);
        csv_job_t cj = {st, j.surveys[i].id, o->after_seq, j.seq_last};
        rc = write_file_at(bfd, f->name, shown, &(hl_filler_t){.fill = fill_csv, .ctx = &cj}, err);
        if (rc != HL_OK) goto fail;
        n_files++;
        bundle_progress(o, done += step);
    }
    for (size_t i = 0; i < o->n_extras; i++) {
        hl_listed_t *f = &files[n_files];
        snprintf(f->name, sizeof f->name, "%s", o->extras[i].name);
        snprintf(shown, sizeof shown, "%s/%s", bdir, f->name);
        rc = write_file_at(
            bfd, f->name, shown,
            &(hl_filler_t){
                .extra = &o->extras[i], .st = st, .after_seq = o->after_seq, .max_seq = j.seq_last},
            err);
        if (rc != HL_OK) goto fail;
        n_files++;
        bundle_progress(o, done += step);
    }
    int64_t total = 0;
    for (size_t i = 0; i < n_files; i++) {
        snprintf(shown, sizeof shown, "%s/%s", bdir, files[i].name);
        rc = bundle_hash_file_at(bfd, files[i].name, shown, &files[i].bytes, files[i].sha256, false,
                                 err);
        if (rc != HL_OK) goto fail;
        total += files[i].bytes;
    }

    rc = hl_store_hmac_until(st, &j.hmac_until, err);
    if (rc != HL_OK) goto fail;
    rc = manifest_text(o, &j, files, n_files, &manifest, err);
    if (rc != HL_OK) goto fail;
    snprintf(shown, sizeof shown, "%s/%s", bdir, HL_BUNDLE_MANIFEST);
    text_job_t tj = {manifest, strlen(manifest)};
    rc = write_file_at(bfd, HL_BUNDLE_MANIFEST, shown,
                       &(hl_filler_t){.fill = fill_text, .ctx = &tj}, err);
    if (rc != HL_OK) goto fail;
    rc = durable_readback(bfd, bdir, files, n_files, &tj, err);
    if (rc != HL_OK) goto fail;
    bundle_progress(o, 1);

    if (res)
        *res = (hl_bundle_result_t){.responses = j.rows,
                                    .seq_first = j.seq_first,
                                    .seq_last = j.seq_last,
                                    .n_files = (int)n_files,
                                    .bytes = total + (int64_t)tj.len,
                                    .in_progress_seq = range.in_progress_seq};
    if (out_dir && out_dir_size) snprintf(out_dir, out_dir_size, "%s", bdir);
    hl_err_clear(err);
    rc = HL_OK;
    /* Marked exported only now that the manifest is on the medium. A failure
     * here leaves a good bundle: the responses go out again next time. */
    if (o->record && j.rows > 0) {
        snprintf(shown, sizeof shown, "%s/%s/%s", HL_BUNDLE_TOP, o->kiosk_id, bname);
        hl_err_t rerr = {0};
        rc = hl_store_record_export(st, o->created_utc_ms, j.seq_first, j.seq_last, j.rows,
                                    o->medium ? o->medium : o->root, shown, &rerr);
        if (rc != HL_OK)
            hl_err_set(err, rc,
                       "the bundle %s is complete and verifies, but recording the export failed "
                       "(%s): the next export will hold these responses again",
                       bdir, rerr.msg);
    }
    goto done;

fail:
    /* No manifest was written: remove what this export made, so that a
     * full stick gets its space back and no torn bundle stays behind. */
    if (bfd >= 0) {
        /* The manifest first: a folder that keeps anything never looks whole. */
        (void)unlinkat(bfd, HL_BUNDLE_MANIFEST, 0);
        for (size_t i = 0; i < n_files; i++)
            (void)unlinkat(bfd, files[i].name, 0);
    }
    if (bundle_made && kfd >= 0 && unlinkat(kfd, bname, AT_REMOVEDIR) == 0) (void)fsync(kfd);
done:
    if (bfd >= 0) close(bfd);
    if (kfd >= 0) close(kfd);
    if (topfd >= 0) close(topfd);
    if (rootfd >= 0) close(rootfd);
    jsonl_free(&j);
    free(files);
    free(manifest);
    return rc;
}
