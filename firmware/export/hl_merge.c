/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_merge.c: bundles of several kiosks and sticks merged into one folder
 * (hl_merge.h says what is kept, what is named and the output's format).
 * Bundles are found without following a link, each checked by
 * hl_bundle_verify; a verified bundle's rows are read once more (hashed
 * against its verified manifest) and only their place is kept in memory
 * (bundle, offset, length, digest, chain values), so a province's month
 * fits; the output (hl_merge_write.c) re-reads each row and checks its
 * digest again, so what is written is what was verified.
 */
#include "merge_int.h"

/* ---- Small helpers --------------------------------------------------------------- */

/* Appends one element of size sz to *arr (n used, cap allocated); NULL when
 * out of memory. */
static void *grow(void **arr, size_t *n, size_t *cap, size_t sz)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        if (nc > SIZE_MAX / sz) return NULL;
        void *g = realloc(*arr, nc * sz);
        if (!g) return NULL;
        *arr = g;
        *cap = nc;
    }
    char *p = (char *)*arr + (*n)++ * sz;
    memset(p, 0, sz);
    return p;
}

static bool hex64(const char *s)
{
    if (!s || strlen(s) != 64) return false;
    for (size_t i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return true;
}

/* A chain value of a row or manifest: 64 hex -> 32 bytes (true, *set);
 * null or absent -> not set (true); anything else false. */
static bool chain_bytes(const json_t *v, unsigned char out[32], bool *set)
{
    *set = false;
    if (!v || json_is_null(v)) return true;
    const char *s = json_string_value(v);
    if (!hex64(s) || !hl_hex_decode(s, out, 32)) return false;
    *set = true;
    return true;
}

/* ---- Finding the bundles ----------------------------------------------------------- */

/* The search: bundle folders found so far, and the folders seen (by device
 * and inode: an input given twice, or a stick and one of its bundles,
 * counts once). */
typedef struct finder {
    hl_merge_result_t *res; /* bundles go to res->bundles */
    size_t cap;             /* allocated entries of res->bundles */
    dev_t *dev;             /* the bundle folders found, by identity */
    ino_t *ino;
    hl_diags_t *diags; /* links skipped */
    bool nomem;        /* an allocation failed */
    bool too_many;     /* HL_MERGE_BUNDLES_MAX reached */
    bool has_out;      /* the output folder exists: never searched (out_dev, out_ino) */
    dev_t out_dev;
    ino_t out_ino;
} finder_t;

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the bundle folder path (open as dfd); false when out of memory. */
static void found(finder_t *f, int dfd, const char *path)
{
    struct stat sb;
    if (fstat(dfd, &sb) != 0) return;
    hl_merge_result_t *r = f->res;
    for (size_t i = 0; i < r->n_bundles; i++)
        if (f->dev[i] == sb.st_dev && f->ino[i] == sb.st_ino) return;
    if (r->n_bundles >= HL_MERGE_BUNDLES_MAX) {
        f->too_many = true;
        return;
    }
    size_t cap = f->cap, n = r->n_bundles;
    hl_merge_bundle_t *b = grow((void **)&r->bundles, &n, &f->cap, sizeof *b);
    if (b && f->cap != cap) {
        dev_t *d = realloc(f->dev, f->cap * sizeof *d);
        if (d) f->dev = d;
        ino_t *in = d ? realloc(f->ino, f->cap * sizeof *in) : NULL;
        if (in) f->ino = in;
        if (!d || !in) b = NULL;
    }
    if (!b || !(b->path = strdup(path))) {
        f->nomem = true;
        return;
    }
    f->dev[r->n_bundles] = sb.st_dev;
    f->ino[r->n_bundles] = sb.st_ino;
    r->n_bundles = n;
}

/* True when name is UTF-8 without control characters: a kiosk writes no
 * other, and one printed raw could rewrite the lines shown around it. */
static bool name_plain(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return false;
    json_t *j = json_string(s); /* NULL when not UTF-8: merge.json could not name it */
    json_decref(j);
    return j != NULL;
}

/* path/name with every byte of name that name_plain refuses as \xNN. */
static void name_escaped(char *out, size_t size, const char *path, const char *name)
{
    int w = snprintf(out, size, "%s/", path);
    size_t o = w < 0 ? 0 : (size_t)w < size ? (size_t)w : size;
    for (const unsigned char *p = (const unsigned char *)name; *p && o + 5 < size; p++)
        o += (size_t)(*p < 0x20 || *p >= 0x7f ? snprintf(out + o, size - o, "\\x%02x", *p)
                                              : snprintf(out + o, size - o, "%c", *p));
}

/* Searches the folder dfd (path, owned by the caller: closed there) depth
 * levels down. A folder holding manifest.json or responses.jsonl is a
 * bundle (one without its manifest is an unfinished export, rejected by
 * verification); its subfolders are searched all the same (a kiosk's
 * bundle has none), so a stray manifest.json or responses.jsonl cannot
 * hide the bundles below it. The output folder is never searched: the
 * rows of an earlier merge written there are not a bundle. */
static void find_in(finder_t *f, int dfd, const char *path, int depth)
{
    struct stat sb;
    if (f->has_out && fstat(dfd, &sb) == 0 && sb.st_dev == f->out_dev && sb.st_ino == f->out_ino)
        return;
    if (fstatat(dfd, HL_BUNDLE_MANIFEST, &sb, AT_SYMLINK_NOFOLLOW) == 0 ||
        fstatat(dfd, HL_BUNDLE_JSONL, &sb, AT_SYMLINK_NOFOLLOW) == 0)
        found(f, dfd, path);
    if (depth >= HL_MERGE_DEPTH) return;
    int dup_fd = dup(dfd);
    DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    if (!d) {
        if (dup_fd >= 0) close(dup_fd);
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') continue; /* ., .., hidden and temporary files */
        char **slot = grow((void **)&names, &n, &cap, sizeof *names);
        if (!slot || !(*slot = strdup(de->d_name))) {
            if (slot) n--;
            f->nomem = true;
            break;
        }
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, name_cmp);
    for (size_t i = 0; i < n && !f->nomem && !f->too_many; i++) {
        char sub[PATH_MAX];
        if (fstatat(dfd, names[i], &sb, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (!S_ISLNK(sb.st_mode) && !S_ISDIR(sb.st_mode)) continue;
        if (!name_plain(names[i])) {
            name_escaped(sub, sizeof sub, path, names[i]);
            hl_diags_add(f->diags, sub, 0, 0, NULL,
                         "a name with control characters or not UTF-8 (shown escaped): not "
                         "searched (a kiosk never writes one); rename it if it holds bundles");
            continue;
        }
        if (!merge_join(sub, sizeof sub, path, names[i])) continue;
        if (S_ISLNK(sb.st_mode)) {
            hl_diags_add(f->diags, sub, 0, 0, NULL,
                         "a symbolic link: not followed (nothing on a stick is trusted; give the "
                         "folder it points to if it is meant)");
            continue;
        }
        int sfd = openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sfd < 0) {
            hl_diags_add(f->diags, sub, 0, 0, NULL, "cannot be opened: %s; skipped",
                         strerror(errno));
            continue;
        }
        find_in(f, sfd, sub, depth + 1);
        close(sfd);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static int bundle_cmp(const void *a, const void *b)
{
    return strcmp(((const hl_merge_bundle_t *)a)->path, ((const hl_merge_bundle_t *)b)->path);
}

/* Finds the bundles of every input; an input that is not a folder stops
 * the merge. */
static int find_all(const hl_merge_opts_t *o, hl_merge_result_t *res, hl_diags_t *diags,
                    hl_err_t *err)
{
    finder_t f = {.res = res, .diags = diags};
    struct stat ob;
    if (o->out_dir && stat(o->out_dir, &ob) == 0) {
        f.has_out = true;
        f.out_dev = ob.st_dev;
        f.out_ino = ob.st_ino;
    }
    int rc = HL_OK;
    for (size_t i = 0; i < o->n_inputs && rc == HL_OK; i++) {
        const char *in = o->inputs[i];
        int dfd = open(in, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0) {
            int e = errno;
            if (e == ENOTDIR)
                rc = hl_err_set(err, HL_ERR_USAGE,
                                "%s is not a folder: give a bundle folder, a stick's root or its "
                                "HAILONG folder",
                                in);
            else if (e == ENOENT)
                rc =
                    hl_err_set(err, HL_ERR_NOT_FOUND,
                               "%s does not exist: is the stick mounted? give its mount point", in);
            else
                rc = hl_errno_set(e, "cannot open the folder", in, err);
            break;
        }
        size_t before = res->n_bundles;
        find_in(&f, dfd, in, 0);
        close(dfd);
        if (f.nomem) {
            rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory searching %s", in);
        } else if (f.too_many) {
            rc = hl_err_set(err, HL_ERR_USAGE, "more than %d bundles: merge them in parts",
                            HL_MERGE_BUNDLES_MAX);
        } else if (res->n_bundles == before) {
            hl_diags_add(diags, in, 0, 0, NULL,
                         "no bundle here: give a bundle folder (it holds manifest.json), a "
                         "stick's root or its HAILONG folder");
            char **slot = grow((void **)&res->empty_inputs, &res->n_empty, &(size_t){res->n_empty},
                               sizeof *slot);
            if (!slot || !(*slot = strdup(in))) {
                if (slot) res->n_empty--;
                rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory");
            }
        }
    }
    free(f.dev);
    free(f.ino);
    if (rc == HL_OK && res->n_bundles > 1)
        qsort(res->bundles, res->n_bundles, sizeof *res->bundles, bundle_cmp);
    return rc;
}

/* ---- Reading a verified bundle's rows ---------------------------------------------- */

/* A line reader with a bound, hashing every byte it reads. */
typedef struct lreader {
    int fd;                       /* responses.jsonl, open for reading */
    char *buf;                    /* owned: cap bytes, at most HL_MERGE_LINE_MAX + 1 */
    size_t cap, start, end, scan; /* buf[start..end) unread; scan: searched up to */
    int64_t base;                 /* file offset of buf[0] */
    EVP_MD_CTX *md;               /* the whole file's SHA-256 */
} lreader_t;

/* The next line (without its line break) at *line, *len, *off: 1, 0 at the
 * end, -1 with errno (EFBIG: a line over HL_MERGE_LINE_MAX). */
static int next_line(lreader_t *lr, const char **line, size_t *len, int64_t *off)
{
    for (;;) {
        char *nl = lr->end > lr->scan ? memchr(lr->buf + lr->scan, '\n', lr->end - lr->scan) : NULL;
        if (nl) {
            *line = lr->buf + lr->start;
            *len = (size_t)(nl - (lr->buf + lr->start));
            *off = lr->base + (int64_t)lr->start;
            lr->start = lr->scan = (size_t)(nl - lr->buf) + 1;
            return 1;
        }
        lr->scan = lr->end;
        if (lr->start > 0) {
            memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
            lr->base += (int64_t)lr->start;
            lr->end -= lr->start;
            lr->scan -= lr->start;
            lr->start = 0;
        }
        if (lr->end > HL_MERGE_LINE_MAX) { /* a line (so far) over the bound */
            errno = EFBIG;
            return -1;
        }
        if (lr->end == lr->cap) {
            size_t nc = lr->cap ? lr->cap * 2 : 64 * 1024;
            if (nc > HL_MERGE_LINE_MAX + 1) nc = HL_MERGE_LINE_MAX + 1;
            char *g = realloc(lr->buf, nc);
            if (!g) return -1;
            lr->buf = g;
            lr->cap = nc;
        }
        ssize_t r = read(lr->fd, lr->buf + lr->end, lr->cap - lr->end);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) {
            if (lr->start == lr->end) return 0;
            if (lr->end - lr->start > HL_MERGE_LINE_MAX) {
                errno = EFBIG;
                return -1;
            }
            *line = lr->buf + lr->start; /* a last line without its line break */
            *len = lr->end - lr->start;
            *off = lr->base + (int64_t)lr->start;
            lr->start = lr->scan = lr->end;
            return 1;
        }
        if (EVP_DigestUpdate(lr->md, lr->buf + lr->end, (size_t)r) != 1) return -1;
        lr->end += (size_t)r;
    }
}

/* What a verified manifest says, read by us. */
typedef struct mfacts {
    char kiosk_id[HL_KIOSK_ID_MAX + 1];
    int64_t after_seq, seq_first, seq_last, responses;
    char jsonl_sha[65];                   /* responses.jsonl's listed SHA-256, "" unlisted */
    unsigned char pub[HL_DEVKEY_PUB_LEN]; /* the signer's public key (all zero: unreadable) */
} mfacts_t;

static bool facts_read(const char *text, size_t len, mfacts_t *mf)
{
    memset(mf, 0, sizeof *mf);
    json_error_t je;
    json_t *m = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    const char *kid = json_string_value(json_object_get(m, "kiosk_id"));
    bool ok = json_is_object(m) && kid && strlen(kid) <= HL_KIOSK_ID_MAX;
    if (ok) {
        memcpy(mf->kiosk_id, kid, strlen(kid) + 1);
        mf->seq_first = json_integer_value(json_object_get(m, "seq_first"));
        mf->seq_last = json_integer_value(json_object_get(m, "seq_last"));
        mf->responses = json_integer_value(json_object_get(m, "responses"));
        json_t *as = json_object_get(m, "after_seq");
        mf->after_seq = json_is_integer(as) ? json_integer_value(as)
                                            : (mf->seq_first > 0 ? mf->seq_first - 1 : 0);
        const char *pk =
            json_string_value(json_object_get(json_object_get(m, "signer"), "public_key"));
        if (!pk || !hl_hex_decode(pk, mf->pub, sizeof mf->pub)) memset(mf->pub, 0, sizeof mf->pub);
        size_t i;
        json_t *f;
        json_array_foreach(json_object_get(m, "files"), i, f)
        {
            const char *name = json_string_value(json_object_get(f, "name"));
            const char *sha = json_string_value(json_object_get(f, "sha256"));
            if (name && !strcmp(name, HL_BUNDLE_JSONL) && hex64(sha))
                memcpy(mf->jsonl_sha, sha, 65);
        }
    }
    json_decref(m);
    return ok;
}

/* True when text (the manifest as we read it) is signed as kiosk by the
 * key the trust list holds for it: the facts we take from it are then what
 * the kiosk signed, even if the copy hl_bundle_verify read was another (a
 * stick that answers two reads differently). */
static bool facts_signed(const hl_trust_t *t, const char *text, size_t len, const char *kiosk)
{
    json_error_t je;
    json_t *m = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    const json_t *s = json_object_get(m, "signer");
    const char *pk = json_string_value(json_object_get(s, "public_key"));
    const char *sk = json_string_value(json_object_get(s, "kiosk_id"));
    const char *sig = json_string_value(json_object_get(m, "signature"));
    char *sig_copy = sig ? strdup(sig) : NULL;
    unsigned char pub[HL_DEVKEY_PUB_LEN];
    hl_devkey_t key = {0};
    hl_err_t e = {0};
    char *canon = NULL;
    bool ok = sig_copy && pk && sk && !strcmp(sk, kiosk) && hl_hex_decode(pk, pub, sizeof pub) &&
              hl_trust_check(t, kiosk, pub) == HL_TRUST_OK &&
              hl_devkey_from_public(pub, &key, &e) == HL_OK &&
              json_object_del(m, "signature") == 0 && (canon = bundle_manifest_canonical(m)) &&
              hl_devkey_verify(&key, canon, strlen(canon), sig_copy);
    hl_devkey_free(&key);
    free(canon);
    free(sig_copy);
    json_decref(m);
    return ok;
}

/* Parses one row's line into r and its kiosk_id into kiosk; false when it
 * is not a row we can place. */
static bool row_parse(const char *line, size_t len, mrow_t *r, char kiosk[HL_KIOSK_ID_MAX + 1])
{
    json_error_t je;
    json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
    const char *id = json_string_value(json_object_get(o, "response_id"));
    const char *kid = json_string_value(json_object_get(o, "kiosk_id"));
    json_t *js = json_object_get(o, "seq");
    if (kid && strlen(kid) <= HL_KIOSK_ID_MAX) memcpy(kiosk, kid, strlen(kid) + 1);
    bool ok = json_is_object(o) && id && strlen(id) <= HL_UUID_LEN && *id && json_is_integer(js) &&
              kid && strlen(kid) <= HL_KIOSK_ID_MAX && json_integer_value(js) > 0 &&
              chain_bytes(json_object_get(o, "chain"), r->chain, &r->has_chain) &&
              chain_bytes(json_object_get(o, "prev_chain"), r->prev, &r->has_prev);
    if (ok) {
        memcpy(r->id, id, strlen(id) + 1);
        r->seq = json_integer_value(js);
    }
    json_decref(o);
    return ok;
}

/* Reads the rows of the verified bundle b (index bi) whose manifest text we
 * read is mf: hashes the file against the manifest, checks the count and
 * range and that each row is the bundle's kiosk's (or of an id the trust
 * list gives the same key: a renamed kiosk), as a report counts it by its
 * own kiosk_id, and appends the rows. HL_OK, HL_ERR_INVALID with reason
 * set (the bundle's rows are taken back), HL_ERR_NOMEM. */
static int rows_read(rows_t *rows, hl_merge_bundle_t *b, uint32_t bi, const mfacts_t *mf,
                     const hl_trust_t *trust, hl_err_t *err)
{
    size_t first = rows->n;
    char path[PATH_MAX];
    if (!mf->jsonl_sha[0]) {
        hl_fmt(b->reason, sizeof b->reason,
               "inconsistent: the manifest lists no %s (not a kiosk's bundle)", HL_BUNDLE_JSONL);
        return HL_ERR_INVALID;
    }
    if (!merge_join(path, sizeof path, b->path, HL_BUNDLE_JSONL)) {
        hl_fmt(b->reason, sizeof b->reason, "unreadable: the path is too long");
        return HL_ERR_INVALID;
    }
    hl_err_t e = {0};
    lreader_t lr = {.fd = hl_file_open(NULL, path, LLONG_MAX, HL_FILE_NOFOLLOW, &e)};
    if (lr.fd < 0) {
        hl_fmt(b->reason, sizeof b->reason, "unreadable: %s", e.msg);
        return HL_ERR_INVALID;
    }
    int rc = HL_OK;
    lr.md = EVP_MD_CTX_new();
    if (!lr.md || EVP_DigestInit_ex(lr.md, EVP_sha256(), NULL) != 1) {
        rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory reading %s", path);
        goto done;
    }
    const char *line;
    size_t len;
    int64_t off, lineno = 0;
    int got;
    while ((got = next_line(&lr, &line, &len, &off)) == 1) {
        lineno++;
        if (len == 0) continue;
        mrow_t *r = grow((void **)&rows->r, &rows->n, &rows->cap, sizeof *r);
        if (!r) {
            rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory reading %s", path);
            goto done;
        }
        char kid[HL_KIOSK_ID_MAX + 1] = "";
        if (!row_parse(line, len, r, kid)) {
            hl_fmt(b->reason, sizeof b->reason,
                   "inconsistent: %s line %lld is not a response row with response_id, kiosk_id "
                   "and seq",
                   HL_BUNDLE_JSONL, (long long)lineno);
            rc = HL_ERR_INVALID;
            goto done;
        }
        if (strcmp(kid, mf->kiosk_id) != 0 && hl_trust_check(trust, kid, mf->pub) != HL_TRUST_OK) {
            hl_fmt(b->reason, sizeof b->reason,
                   "inconsistent: %s line %lld (seq %lld) says kiosk %s, but the bundle is kiosk "
                   "%s's: responses of another kiosk were put in",
                   HL_BUNDLE_JSONL, (long long)lineno, (long long)r->seq, kid, mf->kiosk_id);
            rc = HL_ERR_INVALID;
            goto done;
        }
        r->bundle = bi;
        r->off = off;
        r->len = (uint32_t)len;
        SHA256((const unsigned char *)line, len, r->sha);
    }
    if (got < 0) {
        hl_fmt(b->reason, sizeof b->reason, "unreadable: %s: %s", HL_BUNDLE_JSONL,
               errno == EFBIG ? "a line longer than 16 MiB" : strerror(errno));
        rc = HL_ERR_INVALID;
        goto done;
    }
    unsigned char dg[32];
    unsigned int dl = 0;
    char hex[65];
    EVP_DigestFinal_ex(lr.md, dg, &dl);
    hl_hex_encode(dg, 32, hex);
    int64_t n = (int64_t)(rows->n - first);
    int64_t lo = n ? rows->r[first].seq : 0, hi = n ? rows->r[rows->n - 1].seq : 0;
    for (size_t i = first + 1; i < rows->n; i++)
        if (rows->r[i].seq <= rows->r[i - 1].seq) {
            lo = -1; /* out of order: the manifest's range cannot match */
            break;
        }
    if (strcmp(hex, mf->jsonl_sha) != 0) {
        hl_fmt(b->reason, sizeof b->reason,
               "changed while being read: %s no longer has the SHA-256 its verified manifest "
               "lists (is something writing to the stick?); merge again",
               HL_BUNDLE_JSONL);
        rc = HL_ERR_INVALID;
    } else if (n != mf->responses || lo != (n ? mf->seq_first : lo) ||
               hi != (n ? mf->seq_last : hi)) {
        hl_fmt(b->reason, sizeof b->reason,
               "inconsistent: %s holds %lld rows (seq %lld–%lld) in that order, its manifest says "
               "%lld (seq %lld–%lld)",
               HL_BUNDLE_JSONL, (long long)n, (long long)lo, (long long)hi,
               (long long)mf->responses, (long long)mf->seq_first, (long long)mf->seq_last);
        rc = HL_ERR_INVALID;
    } else {
        b->responses = n;
    }
done:
    if (rc != HL_OK) rows->n = first;
    EVP_MD_CTX_free(lr.md);
    free(lr.buf);
    close(lr.fd);
    return rc;
}

/* ---- Verifying ------------------------------------------------------------------- */

/* Why a bundle that did not verify is rejected, in one line: the kind
 * (tampered file or manifest, bad chain, unknown kiosk, wrong key) and the
 * first problem. */
static void reject_reason(hl_merge_bundle_t *b, int rc, const hl_bundle_result_t *br,
                          const hl_diags_t *probs, size_t p0, const hl_err_t *e)
{
    size_t more = probs->n > p0 ? probs->n - p0 : 0;
    char tail[64] = "";
    /* A signer the trust list does not vouch for: nothing else matters. */
    if (br->signer == HL_BUNDLE_SIGNER_DEVICE && br->key_checked && br->trust != HL_TRUST_OK) {
        if (more) hl_fmt(tail, sizeof tail, " (and %zu problem%s)", more, more == 1 ? "" : "s");
        if (br->trust == HL_TRUST_OTHER_KEY)
            hl_fmt(b->reason, sizeof b->reason,
                   "wrong key: signed by key %s, but the trust list has kiosk %s with another "
                   "key%s",
                   br->fingerprint, br->signer_kiosk, tail);
        else if (br->trust == HL_TRUST_OTHER_KIOSK)
            hl_fmt(b->reason, sizeof b->reason,
                   "wrong key: signed as kiosk %s by key %s, which the trust list holds for "
                   "another kiosk%s",
                   br->signer_kiosk, br->fingerprint, tail);
        else
            hl_fmt(b->reason, sizeof b->reason,
                   "unknown kiosk: kiosk %s (key %s) is not in the trust list%s", br->signer_kiosk,
                   br->fingerprint, tail);
        return;
    }
    if (rc == HL_ERR_UNTRUSTED && br->signer == HL_BUNDLE_SIGNER_SHARED) {
        hl_fmt(b->reason, sizeof b->reason,
               "old format: an old (format 1) bundle signed with the shared export key, which "
               "cannot show which kiosk made it");
        return;
    }
    if (rc == HL_ERR_UNTRUSTED) {
        hl_fmt(b->reason, sizeof b->reason, "not verified: %s", e->msg);
        return;
    }
    if (rc != HL_ERR_INVALID || probs->n <= p0) {
        hl_fmt(b->reason, sizeof b->reason, "unreadable: %s", e->msg);
        return;
    }
    const hl_diag_t *d = &probs->items[p0];
    const char *slash = strrchr(d->file, '/');
    const char *file = slash ? slash + 1 : d->file;
    const char *kind = "tampered file";
    if (!strcmp(file, HL_BUNDLE_MANIFEST))
        kind = strstr(d->msg, "missing") ? "unfinished export" : "tampered manifest";
    else if (!strcmp(file, HL_BUNDLE_JSONL) && strncmp(d->msg, "altered", 7) &&
             strncmp(d->msg, "torn", 4) && strncmp(d->msg, "missing", 7) &&
             strncmp(d->msg, "cannot", 6) && strncmp(d->msg, "is not", 6))
        kind = "bad chain";
    if (more > 1)
        hl_fmt(tail, sizeof tail, " (and %zu more problem%s)", more - 1, more == 2 ? "" : "s");
    hl_fmt(b->reason, sizeof b->reason, "%s: %s: %s%s", kind, file, d->msg, tail);
}

/* Control characters of s (a manifest's words: "\u001b" is valid JSON) as
 * '?': printed raw, they could rewrite the lines shown around them. */
static void plain_text(char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) *s = '?';
}

/* Verifies bundle bi and, when it verifies, reads its rows. HL_OK (the
 * bundle verified or was rejected: b says which), HL_ERR_NOMEM. */
static int take_bundle(const hl_merge_opts_t *o, hl_merge_result_t *res, uint32_t bi, rows_t *rows,
                       hl_diags_t *diags, hl_err_t *err)
{
    hl_merge_bundle_t *b = &res->bundles[bi];
    char mpath[PATH_MAX];
    char *before = NULL, *after = NULL;
    size_t blen = 0, alen = 0;
    hl_err_t e = {0};
    /* Our own copy of the manifest, read before and after verification:
     * the facts we use are those verify checked. */
    if (merge_join(mpath, sizeof mpath, b->path, HL_BUNDLE_MANIFEST))
        hl_file_read(NULL, mpath, HL_MANIFEST_MAX, HL_FILE_NOFOLLOW, &before, &blen, &e);
    hl_bundle_check_t chk = {.trust = o->trust, .old_key = o->old_key};
    hl_bundle_result_t br;
    size_t p0 = diags->n;
    int rc = hl_bundle_verify(b->path, &chk, diags, &br, &e);
    if (rc == HL_ERR_NOMEM) {
        free(before);
        return hl_err_set(err, HL_ERR_NOMEM, "%s", e.msg);
    }
    hl_fmt(b->kiosk_id, sizeof b->kiosk_id, "%s", br.signer_kiosk);
    hl_fmt(b->fingerprint, sizeof b->fingerprint, "%s", br.fingerprint);
    b->seq_first = br.seq_first;
    b->seq_last = br.seq_last;
    b->responses = br.responses;
    b->unchecked_rows = br.unchecked_rows;
    int out = HL_OK;
    mfacts_t mf;
    if (rc != HL_OK) {
        reject_reason(b, rc, &br, diags, p0, &e);
    } else if (!before ||
               hl_file_read(NULL, mpath, HL_MANIFEST_MAX, HL_FILE_NOFOLLOW, &after, &alen, &e) !=
                   HL_OK ||
               alen != blen || memcmp(before, after, blen) != 0 || !facts_read(before, blen, &mf) ||
               !facts_signed(o->trust, before, blen, mf.kiosk_id)) {
        hl_fmt(b->reason, sizeof b->reason,
               "changed while being read: %s differs between two reads (is something writing to "
               "the stick?); merge again",
               HL_BUNDLE_MANIFEST);
    } else {
        b->after_seq = mf.after_seq;
        hl_fmt(b->kiosk_id, sizeof b->kiosk_id, "%s", mf.kiosk_id);
        int r = rows_read(rows, b, bi, &mf, o->trust, err);
        if (r == HL_OK)
            b->verified = true;
        else if (r != HL_ERR_INVALID)
            out = r;
    }
    if (!b->verified && !b->reason[0]) hl_fmt(b->reason, sizeof b->reason, "not verified");
    plain_text(b->reason);
    plain_text(b->kiosk_id);
    for (size_t i = p0; i < diags->n; i++)
        plain_text(diags->items[i].msg);
    if (!b->verified && out == HL_OK && diags->n == p0)
        hl_diags_add(diags, b->path, 0, 0, NULL, "%s", b->reason);
    if (b->verified)
        res->n_verified++;
    else
        res->n_rejected++;
    free(before);
    free(after);
    return out;
}

/* ---- De-duplication, conflicts, continuity --------------------------------------- */

static int row_cmp(const void *a, const void *b)
{
    const mrow_t *x = a, *y = b;
    if (x->kiosk != y->kiosk) return x->kiosk < y->kiosk ? -1 : 1;
    if (x->seq != y->seq) return x->seq < y->seq ? -1 : 1;
    return x->bundle < y->bundle ? -1 : x->bundle > y->bundle;
}

static int id_cmp(const void *a, const void *b)
{
    const mrow_t *x = *(mrow_t *const *)a, *y = *(mrow_t *const *)b;
    int d = strcmp(x->id, y->id);
    if (d) return d;
    return row_cmp(x, y);
}

static int kiosk_cmp(const void *a, const void *b)
{
    return strcmp(((const hl_merge_kiosk_t *)a)->kiosk_id, ((const hl_merge_kiosk_t *)b)->kiosk_id);
}

/* A note in *list; NULL when out of memory. */
static hl_merge_note_t *note(hl_merge_note_t **list, size_t *n, const char *kiosk, int64_t from,
                             int64_t to)
{
    size_t cap = *n; /* the lists grow one at a time: few entries */
    hl_merge_note_t *g = grow((void **)list, n, &cap, sizeof *g);
    if (g) {
        hl_fmt(g->kiosk_id, sizeof g->kiosk_id, "%s", kiosk);
        g->from_seq = from;
        g->to_seq = to;
    }
    return g;
}

/* The kiosks of the verified bundles, sorted, and each row's kiosk. */
static int kiosks_make(hl_merge_result_t *res, rows_t *rows, hl_err_t *err)
{
    size_t cap = 0;
    for (size_t i = 0; i < res->n_bundles; i++) {
        const hl_merge_bundle_t *b = &res->bundles[i];
        if (!b->verified) continue;
        hl_merge_kiosk_t *k = NULL;
        for (size_t j = 0; j < res->n_kiosks && !k; j++)
            if (!strcmp(res->kiosks[j].kiosk_id, b->kiosk_id)) k = &res->kiosks[j];
        if (!k) {
            k = grow((void **)&res->kiosks, &res->n_kiosks, &cap, sizeof *k);
            if (!k) return hl_err_set(err, HL_ERR_NOMEM, "out of memory");
            memcpy(k->kiosk_id, b->kiosk_id, sizeof k->kiosk_id);
            k->after_seq = b->after_seq;
        }
        if (b->after_seq < k->after_seq) k->after_seq = b->after_seq;
    }
    if (res->n_kiosks > 1) qsort(res->kiosks, res->n_kiosks, sizeof *res->kiosks, kiosk_cmp);
    uint32_t *map = calloc(res->n_bundles ? res->n_bundles : 1, sizeof *map);
    if (!map) return hl_err_set(err, HL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < res->n_bundles; i++)
        for (size_t j = 0; j < res->n_kiosks; j++)
            if (!strcmp(res->kiosks[j].kiosk_id, res->bundles[i].kiosk_id)) map[i] = (uint32_t)j;
    for (size_t i = 0; i < rows->n; i++)
        rows->r[i].kiosk = map[rows->r[i].bundle];
    free(map);
    return HL_OK;
}

/* Same (kiosk, seq): identical lines are duplicates, different ones a
 * conflict (none kept); then one response_id at two places: a conflict. */
static int dedup(hl_merge_result_t *res, rows_t *rows, hl_err_t *err)
{
    if (rows->n > 1) qsort(rows->r, rows->n, sizeof *rows->r, row_cmp);
    for (size_t i = 0; i < rows->n;) {
        size_t j = i + 1;
        bool same = true;
        for (; j < rows->n && rows->r[j].kiosk == rows->r[i].kiosk &&
               rows->r[j].seq == rows->r[i].seq;
             j++)
            same &= rows->r[j].len == rows->r[i].len &&
                    !memcmp(rows->r[j].sha, rows->r[i].sha, sizeof rows->r[i].sha);
        for (size_t k = i + 1; k < j; k++)
            rows->r[k].fate = same ? ROW_DUP : ROW_CONFLICT;
        if (same) {
            res->duplicates += (int64_t)(j - i - 1);
        } else {
            rows->r[i].fate = ROW_CONFLICT;
            const char *kid = res->kiosks[rows->r[i].kiosk].kiosk_id;
            hl_merge_note_t *c =
                note(&res->conflicts, &res->n_conflicts, kid, rows->r[i].seq, rows->r[i].seq);
            if (!c) return hl_err_set(err, HL_ERR_NOMEM, "out of memory");
            bool one_id = true;
            for (size_t k = i + 1; k < j; k++)
                one_id &= !strcmp(rows->r[k].id, rows->r[i].id);
            if (one_id) memcpy(c->response_id, rows->r[i].id, sizeof c->response_id);
            hl_fmt(c->text, sizeof c->text,
                   "kiosk %s: response %lld differs between verified bundles, both signed by "
                   "its key (stolen key or broken kiosk?); neither kept: %s and %s",
                   kid, (long long)rows->r[i].seq, res->bundles[rows->r[i].bundle].path,
                   res->bundles[rows->r[i + 1].bundle].path);
            hl_fmt(c->text_vi, sizeof c->text_vi,
                   "máy %s: phiếu %lld khác nhau giữa hai gói đã xác minh; không giữ bản nào", kid,
                   (long long)rows->r[i].seq);
        }
        i = j;
    }
    /* One response_id in two places (kept rows only). */
    mrow_t **by = malloc((rows->n ? rows->n : 1) * sizeof *by);
    if (!by) return hl_err_set(err, HL_ERR_NOMEM, "out of memory");
    size_t m = 0;
    for (size_t i = 0; i < rows->n; i++)
        if (rows->r[i].fate == ROW_KEEP) by[m++] = &rows->r[i];
    if (m > 1) qsort(by, m, sizeof *by, id_cmp);
    int rc = HL_OK;
    for (size_t i = 0; i + 1 < m && rc == HL_OK;) {
        size_t j = i + 1;
        while (j < m && !strcmp(by[j]->id, by[i]->id))
            j++;
        if (j > i + 1) {
            for (size_t k = i; k < j; k++)
                by[k]->fate = ROW_CONFLICT;
            const char *kid = res->kiosks[by[i]->kiosk].kiosk_id;
            hl_merge_note_t *c =
                note(&res->conflicts, &res->n_conflicts, kid, by[i]->seq, by[i]->seq);
            if (!c) {
                rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory");
                break;
            }
            memcpy(c->response_id, by[i]->id, sizeof c->response_id);
            hl_fmt(c->text, sizeof c->text,
                   "response_id %s is in %zu places (kiosk %s seq %lld, kiosk %s seq %lld): a "
                   "copied response; none kept",
                   by[i]->id, j - i, kid, (long long)by[i]->seq,
                   res->kiosks[by[i + 1]->kiosk].kiosk_id, (long long)by[i + 1]->seq);
            hl_fmt(c->text_vi, sizeof c->text_vi,
                   "mã phiếu %s xuất hiện ở %zu chỗ; không giữ bản nào", by[i]->id, j - i);
        }
        i = j;
    }
    free(by);
    return rc;
}

typedef struct span {
    int64_t from, to;
} span_t;

static int span_cmp(const void *a, const void *b)
{
    const span_t *x = a, *y = b;
    if (x->from != y->from) return x->from < y->from ? -1 : 1;
    return x->to < y->to ? -1 : x->to > y->to;
}

/* The last row not a copy at or below seq among one kiosk's rows[lo..hi). */
static const mrow_t *row_at_or_below(const rows_t *rows, size_t lo, size_t hi, int64_t seq)
{
    const mrow_t *best = NULL;
    for (size_t i = lo; i < hi && rows->r[i].seq <= seq; i++)
        if (rows->r[i].fate != ROW_DUP) best = &rows->r[i];
    return best;
}

/* The first row not a copy at or above seq among one kiosk's rows[lo..hi). */
static const mrow_t *row_at_or_above(const rows_t *rows, size_t lo, size_t hi, int64_t seq)
{
    for (size_t i = lo; i < hi; i++)
        if (rows->r[i].seq >= seq && rows->r[i].fate != ROW_DUP) return &rows->r[i];
    return NULL;
}

/* Gaps between the kiosk's bundle ranges, then the chain walk over its
 * kept rows (rows[lo..hi) are kiosk k's, sorted by seq). */
static int continuity(hl_merge_result_t *res, size_t k, const rows_t *rows, size_t lo, size_t hi,
                      hl_err_t *err)
{
    hl_merge_kiosk_t *K = &res->kiosks[k];
    span_t *sp = NULL;
    size_t ns = 0, cap = 0;
    for (size_t i = 0; i < res->n_bundles; i++) {
        const hl_merge_bundle_t *b = &res->bundles[i];
        if (!b->verified || strcmp(b->kiosk_id, K->kiosk_id) || b->seq_last <= 0) continue;
        span_t *s = grow((void **)&sp, &ns, &cap, sizeof *s);
        if (!s) {
            free(sp);
            return hl_err_set(err, HL_ERR_NOMEM, "out of memory");
        }
        s->from = b->after_seq + 1;
        s->to = b->seq_last;
    }
    if (ns > 1) qsort(sp, ns, sizeof *sp, span_cmp);
    size_t gaps0 = res->n_gaps;
    int64_t reach = ns ? sp[0].to : 0;
    for (size_t i = 1; i < ns; i++) {
        if (sp[i].from > reach + 1) {
            /* Nothing finished between (the chain links over): no gap. */
            const mrow_t *a = row_at_or_below(rows, lo, hi, reach);
            const mrow_t *b = row_at_or_above(rows, lo, hi, sp[i].from);
            bool linked = a && b && a->has_chain && b->has_prev && a->fate == ROW_KEEP &&
                          b->fate == ROW_KEEP && !memcmp(a->chain, b->prev, 32);
            if (!linked) {
                hl_merge_note_t *g =
                    note(&res->gaps, &res->n_gaps, K->kiosk_id, reach + 1, sp[i].from - 1);
                if (!g) {
                    free(sp);
                    return hl_err_set(err, HL_ERR_NOMEM, "out of memory");
                }
                /* U+2013 EN DASH between the numbers. */
                hl_fmt(g->text, sizeof g->text, "kiosk %s: responses %lld\xe2\x80\x93%lld missing",
                       K->kiosk_id, (long long)g->from_seq, (long long)g->to_seq);
                hl_fmt(g->text_vi, sizeof g->text_vi, "máy %s: thiếu phiếu %lld\xe2\x80\x93%lld",
                       K->kiosk_id, (long long)g->from_seq, (long long)g->to_seq);
            }
        }
        if (sp[i].to > reach) reach = sp[i].to;
    }
    free(sp);
    /* The chain walk: each kept row follows the one before it, unless a gap
     * or a dropped conflict lies between. */
    const mrow_t *prev = NULL;
    for (size_t i = lo; i < hi; i++) {
        const mrow_t *r = &rows->r[i];
        if (r->fate == ROW_DUP) continue;
        if (r->fate == ROW_CONFLICT) {
            prev = NULL;
            continue;
        }
        K->responses++;
        if (!K->seq_first) K->seq_first = r->seq;
        K->seq_last = r->seq;
        K->head_seq = r->seq;
        if (r->has_chain)
            hl_hex_encode(r->chain, 32, K->chain_head);
        else
            K->chain_head[0] = '\0';
        bool gap_between = false;
        for (size_t g = gaps0; prev && g < res->n_gaps; g++)
            gap_between |= res->gaps[g].from_seq > prev->seq && res->gaps[g].to_seq < r->seq;
        if (prev && !gap_between && prev->has_chain && r->has_prev &&
            memcmp(prev->chain, r->prev, 32) != 0) {
            hl_merge_note_t *n = note(&res->breaks, &res->n_breaks, K->kiosk_id, r->seq, r->seq);
            if (!n) return hl_err_set(err, HL_ERR_NOMEM, "out of memory");
            hl_fmt(n->text, sizeof n->text,
                   "kiosk %s: the chain breaks at response %lld: it does not follow response "
                   "%lld (two different histories of one kiosk: a restored or copied database?)",
                   K->kiosk_id, (long long)r->seq, (long long)prev->seq);
            hl_fmt(n->text_vi, sizeof n->text_vi,
                   "máy %s: chuỗi bị đứt ở phiếu %lld (không nối tiếp phiếu %lld)", K->kiosk_id,
                   (long long)r->seq, (long long)prev->seq);
        }
        prev = r;
    }
    res->responses += K->responses;
    return HL_OK;
}

/* ---- The merge ---------------------------------------------------------------------- */

int hl_merge_run(const hl_merge_opts_t *o, hl_merge_result_t *res, hl_diags_t *diags, hl_err_t *err)
{
    memset(res, 0, sizeof *res);
    hl_diags_t local = {0};
    if (!diags) diags = &local; /* the problems are still needed for the reasons */
    if (!o || !o->n_inputs || !o->inputs)
        return hl_err_set(err, HL_ERR_USAGE,
                          "merge: give at least one bundle folder or stick to merge");
    if (!o->trust)
        return hl_err_set(err, HL_ERR_USAGE,
                          "merge: a trust list is needed (--trust FILE: each kiosk's `hailong "
                          "identity` line); without one no bundle can be verified");
    struct stat sb;
    if (o->out_dir && stat(o->out_dir, &sb) == 0 && !S_ISDIR(sb.st_mode))
        return hl_err_set(err, HL_ERR_USAGE, "%s is not a folder: give a folder for --out",
                          o->out_dir);
    /* Never over a bundle (its responses.jsonl is the evidence) or someone
     * else's responses.jsonl: only an empty folder or an earlier merge's. */
    char p1[PATH_MAX], p2[PATH_MAX];
    if (o->out_dir && merge_join(p1, sizeof p1, o->out_dir, HL_BUNDLE_MANIFEST) &&
        merge_join(p2, sizeof p2, o->out_dir, HL_MERGE_JSON) &&
        (lstat(p1, &sb) == 0 || (merge_join(p1, sizeof p1, o->out_dir, HL_MERGE_JSONL) &&
                                 lstat(p1, &sb) == 0 && lstat(p2, &sb) != 0)))
        return hl_err_set(err, HL_ERR_USAGE,
                          "%s holds a bundle, or a %s without %s (not written by hailong merge, "
                          "or by one that failed): it would be overwritten; give a new or empty "
                          "folder for --out",
                          o->out_dir, HL_MERGE_JSONL, HL_MERGE_JSON);
    int rc = find_all(o, res, diags, err);
    rows_t rows = {0};
    for (size_t i = 0; i < res->n_bundles && rc == HL_OK; i++)
        rc = take_bundle(o, res, (uint32_t)i, &rows, diags, err);
    if (rc == HL_OK) rc = kiosks_make(res, &rows, err);
    if (rc == HL_OK) rc = dedup(res, &rows, err);
    for (size_t k = 0, lo = 0; k < res->n_kiosks && rc == HL_OK; k++) {
        size_t hi = lo;
        while (hi < rows.n && rows.r[hi].kiosk == k)
            hi++;
        rc = continuity(res, k, &rows, lo, hi, err);
        lo = hi;
    }
    /* The output folder is made only now: a merge that fails before leaves none. */
    if (rc == HL_OK && o->out_dir && mkdir(o->out_dir, 0755) != 0 && errno != EEXIST)
        rc = hl_errno_set(errno, "cannot make the output folder", o->out_dir, err);
    if (rc == HL_OK && o->out_dir) rc = merge_write_rows(res, &rows, o->out_dir, err);
    if (rc == HL_OK && o->out_dir) rc = merge_write_summary(o, res, err);
    free(rows.r);
    hl_diags_free(&local);
    if (rc == HL_OK) hl_err_clear(err);
    return rc;
}

bool hl_merge_complete(const hl_merge_result_t *res)
{
    return res->n_rejected == 0 && res->n_empty == 0 && res->n_gaps == 0 && res->n_conflicts == 0 &&
           res->n_breaks == 0;
}

void hl_merge_result_free(hl_merge_result_t *res)
{
    if (!res) return;
    for (size_t i = 0; i < res->n_bundles; i++)
        free(res->bundles[i].path);
    for (size_t i = 0; i < res->n_empty; i++)
        free(res->empty_inputs[i]);
    free(res->bundles);
    free(res->kiosks);
    free(res->gaps);
    free(res->conflicts);
    free(res->breaks);
    free(res->empty_inputs);
    memset(res, 0, sizeof *res);
}
