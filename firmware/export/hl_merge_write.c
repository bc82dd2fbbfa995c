/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_merge_write.c: the merged folder (hl_merge.h): responses.jsonl, each
 * row re-read from its bundle and checked against the digest taken when
 * the bundle was verified (a stick changed meanwhile stops the merge rather
 * than put unverified bytes out), then merge.json, the summary a report
 * reads. Both through hl_afile: a reader sees the old file or the new one.
 */
#include "merge_int.h"

/* "dir/name" into out; false when it does not fit. */
bool merge_join(char *out, size_t size, const char *dir, const char *name)
{
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    int n = snprintf(out, size, "%.*s/%s", (int)dl, dir, name);
    return n > 0 && (size_t)n < size;
}

/* ---- Output ------------------------------------------------------------------------ */

/* responses.jsonl: the kept rows re-read from their bundles, each checked
 * against the digest taken when it was verified. */
int merge_write_rows(const hl_merge_result_t *res, const rows_t *rows, const char *out_dir,
                     hl_err_t *err)
{
    char path[PATH_MAX];
    if (!merge_join(path, sizeof path, out_dir, HL_MERGE_JSONL))
        return hl_err_set(err, HL_ERR_USAGE, "the output folder's path is too long: %s", out_dir);
    hl_afile_t af;
    int rc = hl_afile_open(&af, path, 0644, err);
    if (rc != HL_OK) return rc;
    hl_fdbuf_t o = {.fd = af.fd, .cap = HL_JSONL_BUF, .buf = malloc(HL_JSONL_BUF)};
    char *line = NULL;
    size_t lcap = 0;
    int fd = -1;
    uint32_t open_b = UINT32_MAX;
    if (!o.buf) rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory writing %s", path);
    for (size_t i = 0; i < rows->n && rc == HL_OK; i++) {
        const mrow_t *r = &rows->r[i];
        if (r->fate != ROW_KEEP) continue;
        if (r->bundle != open_b) {
            if (fd >= 0) close(fd);
            char src[PATH_MAX];
            hl_err_t e = {0};
            fd = merge_join(src, sizeof src, res->bundles[r->bundle].path, HL_BUNDLE_JSONL)
                     ? hl_file_open(NULL, src, LLONG_MAX, HL_FILE_NOFOLLOW, &e)
                     : -1;
            open_b = r->bundle;
            if (fd < 0) {
                rc = hl_err_set(err, HL_ERR_IO, "cannot read %s again: %s", src, e.msg);
                break;
            }
        }
        if (lcap < (size_t)r->len + 1) {
            char *g = realloc(line, (size_t)r->len + 1);
            if (!g) {
                rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory writing %s", path);
                break;
            }
            line = g;
            lcap = (size_t)r->len + 1;
        }
        size_t got = 0;
        while (got < r->len) {
            ssize_t n = pread(fd, line + got, r->len - got, r->off + (off_t)got);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            got += (size_t)n;
        }
        unsigned char dg[32];
        SHA256((const unsigned char *)line, got, dg);
        if (got != r->len || memcmp(dg, r->sha, 32) != 0) {
            rc = hl_err_set(err, HL_ERR_IO,
                            "%s/%s changed while merging (seq %lld): is something writing to "
                            "the stick? merge again",
                            res->bundles[r->bundle].path, HL_BUNDLE_JSONL, (long long)r->seq);
            break;
        }
        line[r->len] = '\n';
        if (!hl_fdbuf_put(&o, line, (size_t)r->len + 1)) {
            rc = hl_errno_set(o.write_errno, "cannot write", path, err);
            break;
        }
    }
    if (rc == HL_OK && !hl_fdbuf_flush(&o))
        rc = hl_errno_set(o.write_errno, "cannot write", path, err);
    /* Every row is written and checked: an earlier merge's summary goes
     * before the rows are replaced, so a merge that fails from here on
     * leaves no merge.json beside rows it does not describe (a report
     * refuses a folder without one). */
    char old[PATH_MAX];
    if (rc == HL_OK && !merge_join(old, sizeof old, out_dir, HL_MERGE_JSON))
        rc = hl_err_set(err, HL_ERR_USAGE, "the output folder's path is too long: %s", out_dir);
    else if (rc == HL_OK && unlink(old) != 0 && errno != ENOENT)
        rc = hl_errno_set(errno, "cannot replace the earlier merge's summary", old, err);
    if (fd >= 0) close(fd);
    free(line);
    free(o.buf);
    if (rc == HL_OK) return hl_afile_commit(&af, err);
    hl_afile_abort(&af);
    return rc;
}

/* s as a JSON string; a byte that is not UTF-8 (an input's path on a stick
 * mounted with another character set) as '?', never the field left out. */
static json_t *jstr(const char *s)
{
    json_t *j = json_string(s);
    if (j || !s) return j;
    char *c = strdup(s);
    for (char *p = c; p && *p; p++)
        if ((unsigned char)*p >= 0x80) *p = '?';
    j = c ? json_string(c) : NULL;
    free(c);
    return j;
}

static json_t *notes_json(const hl_merge_note_t *n, size_t count, int kind)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < count; i++) {
        json_t *g = json_object();
        json_object_set_new(g, "kiosk_id", json_string(n[i].kiosk_id));
        if (kind == 0) {
            json_object_set_new(g, "from_seq", json_integer(n[i].from_seq));
            json_object_set_new(g, "to_seq", json_integer(n[i].to_seq));
        } else {
            json_object_set_new(g, "seq", json_integer(n[i].from_seq));
        }
        if (kind == 1)
            json_object_set_new(g, "response_id",
                                n[i].response_id[0] ? json_string(n[i].response_id) : json_null());
        json_object_set_new(g, "text", jstr(n[i].text));
        json_object_set_new(g, "text_vi", jstr(n[i].text_vi));
        json_array_append_new(a, g);
    }
    return a;
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? jstr(s) : json_null();
}

/* merge.json, written last. */
int merge_write_summary(const hl_merge_opts_t *o, const hl_merge_result_t *res, hl_err_t *err)
{
    char path[PATH_MAX], at[32];
    if (!merge_join(path, sizeof path, o->out_dir, HL_MERGE_JSON))
        return hl_err_set(err, HL_ERR_USAGE, "the output folder's path is too long: %s",
                          o->out_dir);
    hl_time_iso8601(o->created_utc_ms, at);
    json_t *m = json_object(), *bs = json_array(), *ks = json_array(), *em = json_array();
    json_object_set_new(m, "format", json_integer(HL_MERGE_FORMAT));
    json_object_set_new(m, "created_at", json_string(at));
    for (size_t i = 0; i < res->n_bundles; i++) {
        const hl_merge_bundle_t *b = &res->bundles[i];
        json_t *j = json_object();
        json_object_set_new(j, "path", jstr(b->path));
        json_object_set_new(j, "kiosk_id", str_or_null(b->kiosk_id));
        json_object_set_new(j, "seq_first", json_integer(b->seq_first));
        json_object_set_new(j, "seq_last", json_integer(b->seq_last));
        json_object_set_new(j, "responses", json_integer(b->responses));
        json_object_set_new(j, "verdict", json_string(b->verified ? "verified" : "rejected"));
        json_object_set_new(j, "reason", b->verified ? json_null() : jstr(b->reason));
        json_array_append_new(bs, j);
    }
    for (size_t i = 0; i < res->n_kiosks; i++) {
        const hl_merge_kiosk_t *k = &res->kiosks[i];
        json_t *j = json_object();
        json_object_set_new(j, "kiosk_id", json_string(k->kiosk_id));
        json_object_set_new(j, "responses", json_integer(k->responses));
        json_object_set_new(j, "seq_first", json_integer(k->seq_first));
        json_object_set_new(j, "seq_last", json_integer(k->seq_last));
        json_object_set_new(j, "after_seq", json_integer(k->after_seq));
        json_object_set_new(j, "chain_head", str_or_null(k->chain_head));
        json_object_set_new(j, "head_seq", json_integer(k->head_seq));
        json_object_set_new(j, "verified", json_true());
        json_array_append_new(ks, j);
    }
    for (size_t i = 0; i < res->n_empty; i++)
        json_array_append_new(em, jstr(res->empty_inputs[i]));
    json_object_set_new(m, "bundles", bs);
    json_object_set_new(m, "kiosks", ks);
    json_object_set_new(m, "gaps", notes_json(res->gaps, res->n_gaps, 0));
    json_object_set_new(m, "duplicates", json_integer(res->duplicates));
    json_object_set_new(m, "conflicts", notes_json(res->conflicts, res->n_conflicts, 1));
    json_object_set_new(m, "breaks", notes_json(res->breaks, res->n_breaks, 2));
    json_object_set_new(m, "empty_inputs", em);
    char *text = json_dumps(m, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(m);
    if (!text) return hl_err_set(err, HL_ERR_NOMEM, "out of memory writing %s", path);
    size_t len = strlen(text);
    char *t2 = realloc(text, len + 2);
    if (!t2) {
        free(text);
        return hl_err_set(err, HL_ERR_NOMEM, "out of memory writing %s", path);
    }
    t2[len++] = '\n';
    t2[len] = '\0';
    int rc = hl_afile_replace(path, t2, len, 0644, err);
    free(t2);
    return rc;
}
