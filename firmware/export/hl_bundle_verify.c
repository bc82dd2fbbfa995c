/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_bundle_verify.c: checking result bundles (formats in hl_bundle.h): each
 * file's size and SHA-256 against the signed manifest, the manifest's
 * signature against a trust list (or the HMAC of the old format), the
 * response chain inside a bundle and across bundles; and the export keys.
 * Nothing from the stick is trusted: every file is read with a size limit,
 * without following a link, and every problem is named with its file.
 */
#include "bundle_int.h"

/* ---- Verification ------------------------------------------------------------ */

typedef struct verify {
    hl_diags_t *problems; /* where problems go */
    const char *dir;      /* the bundle folder, named in each problem */
    size_t n;             /* problems found */
} verify_t;

static void problem(verify_t *v, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(verify_t *v, const char *file, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    v->n++;
    if (!v->problems) return;
    size_t dl = strlen(v->dir);
    while (dl > 1 && v->dir[dl - 1] == '/')
        dl--;
    char where[PATH_MAX + HL_NAME_MAX + 2];
    snprintf(where, sizeof where, "%.*s/%s", (int)dl, v->dir, file);
    hl_diags_add(v->problems, where, 0, 0, NULL, "%s", msg);
}

static bool hex_valid(const char *s, size_t n)
{
    if (strlen(s) != n) return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return true;
}

/* Reads dfd/name whole (at most max bytes); NULL with errno set. */
static char *read_at(int dfd, const char *name, size_t max, size_t *len)
{
    /* Never blocks: a FIFO or a device (EINVAL) is refused before a read. */
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return NULL;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
        close(fd);
        errno = EINVAL;
        return NULL;
    }
    char *buf = malloc(max + 1);
    size_t n = 0;
    while (buf && n <= max) {
        ssize_t r = read(fd, buf + n, max + 1 - n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            if (r < 0) {
                free(buf);
                buf = NULL;
            }
            break;
        }
        n += (size_t)r;
    }
    int e = errno;
    close(fd);
    if (buf && n > max) {
        free(buf);
        buf = NULL;
        e = EFBIG;
    }
    if (!buf) {
        errno = e;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static void verify_file(verify_t *v, int dfd, const json_t *entry, size_t i)
{
    const char *name = json_string_value(json_object_get(entry, "name"));
    const char *sha = json_string_value(json_object_get(entry, "sha256"));
    json_t *jb = json_object_get(entry, "bytes");
    if (!name || !sha || !json_is_integer(jb) || !bundle_name_ok(name) || !hex_valid(sha, 64)) {
        problem(v, HL_BUNDLE_MANIFEST,
                "files[%zu] is not {\"name\", \"bytes\", \"sha256\"} with a plain file name: the "
                "manifest is damaged; export again",
                i);
        return;
    }
    struct stat sb;
    if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
        problem(v, name, "missing: listed in the manifest but not in the folder; export again");
        return;
    }
    if (!S_ISREG(sb.st_mode)) {
        problem(v, name, "is not a plain file (a link or a folder): export again");
        return;
    }
    int64_t want = json_integer_value(jb);
    if ((int64_t)sb.st_size != want) {
        problem(v, name,
                "torn: %lld bytes, the manifest says %lld (the write was cut short or "
                "the file changed); export again",
                (long long)sb.st_size, (long long)want);
        return;
    }
    int64_t bytes = 0;
    char hex[65];
    hl_err_t e = {0};
    if (bundle_hash_file_at(dfd, name, name, &bytes, hex, false, &e) != HL_OK) {
        problem(v, name, "cannot be read: %s", e.msg);
        return;
    }
    if (strcmp(hex, sha) != 0)
        problem(v, name,
                "altered: its SHA-256 differs from the manifest's (the content changed "
                "after export); export again");
}

/* ---- The chain inside a bundle (issue 7) -------------------------------------- */

#define HL_CHAIN_ROW_PROBLEMS 50 /* row problems named per bundle; more are counted */

/* A chain value as the manifest or a row holds it: "64 hex" -> out, null ->
 * "" (true); anything else false. */
static bool chain_value(const json_t *v, char out[HL_CHAIN_HEX + 1])
{
    out[0] = '\0';
    if (json_is_null(v)) return true;
    const char *s = json_string_value(v);
    if (!s || !hex_valid(s, HL_CHAIN_HEX)) return false;
    memcpy(out, s, HL_CHAIN_HEX + 1);
    return true;
}

/* The canonical content of a row is its line without the chain fields,
 * which the writer puts together as `,"chain":V,"prev_chain":W,"chain_sig":X`
 * (V, W null or a quoted hex value; X null or quoted hex, absent in rows
 * written before schema 6): *at and *len give that span, false when absent.
 * The first match is the row's own: a '"' inside a string is escaped, so the
 * span cannot start inside one, and the answers come after it. */
static bool chain_span(const char *line, size_t *at, size_t *len)
{
    const char *k = strstr(line, ",\"chain\":");
    if (!k) return false;
    const char *p = k + 9;
    size_t vl = !strncmp(p, "null", 4) ? 4 : p[0] == '"' ? HL_CHAIN_HEX + 2 : 0;
    if (!vl || strlen(p) < vl) return false;
    p += vl;
    if (strncmp(p, ",\"prev_chain\":", 14) != 0) return false;
    p += 14;
    vl = !strncmp(p, "null", 4) ? 4 : p[0] == '"' ? HL_CHAIN_HEX + 2 : 0;
    if (!vl || strlen(p) < vl) return false;
    p += vl;
    if (strncmp(p, ",\"chain_sig\":", 13) == 0) {
        p += 13;
        vl = !strncmp(p, "null", 4) ? 4 : p[0] == '"' ? HL_DEVKEY_SIG_HEX + 2 : 0;
        if (!vl || strlen(p) < vl) return false;
        p += vl;
    }
    *at = (size_t)(k - line);
    *len = (size_t)(p - k);
    return true;
}

/* The chain value of a row as the store computes it (hl_store.h): SHA-256,
 * or with hmac_key HMAC-SHA256 (rows chained before schema 6), of the
 * canonical row followed by prev_chain as hex. Cuts the span out of line
 * into scratch. */
static bool row_chain(const unsigned char *hmac_key, const char *line, size_t n, size_t at,
                      size_t cut, const char *prev, char **scratch, size_t *scap,
                      char out[HL_CHAIN_HEX + 1])
{
    size_t len = n - cut + HL_CHAIN_HEX;
    if (*scap < len) {
        char *g = realloc(*scratch, len);
        if (!g) return false;
        *scratch = g;
        *scap = len;
    }
    memcpy(*scratch, line, at);
    memcpy(*scratch + at, line + at + cut, n - at - cut);
    memcpy(*scratch + n - cut, prev, HL_CHAIN_HEX);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mlen = 0;
    bool ok = hmac_key ? HMAC(EVP_sha256(), hmac_key, HL_BUNDLE_KEY_LEN,
                              (const unsigned char *)*scratch, len, mac, &mlen) != NULL
                       : EVP_Digest(*scratch, len, mac, &mlen, EVP_sha256(), NULL) == 1;
    if (!ok || mlen != 32) return false;
    hl_hex_encode(mac, 32, out);
    return true;
}

/* Checks responses.jsonl against its manifest's chain_head and chain_prev:
 * rows in sequence order, each row's prev_chain the previous row's chain,
 * each signed row's chain its hash and its signature the signer's (signer
 * NULL: the manifest's own signature did not verify, rows are not
 * checked against it), each HMAC-era row's chain its MAC when the old key
 * is given (else counted as unchecked). */
static void verify_chain(verify_t *v, int dfd, const json_t *m, const hl_devkey_t *signer,
                         const hl_bundle_check_t *chk, hl_bundle_result_t *res)
{
    const unsigned char *old_key = chk->old_key;
    /* Format 2: rows after hmac_until must be signed; format 1: none is. */
    const json_t *hu = json_object_get(m, "hmac_until");
    int64_t hmac_until = res->format == 1      ? INT64_MAX
                         : json_is_integer(hu) ? json_integer_value(hu)
                                               : 0;
    const json_t *head = json_object_get(m, "chain_head");
    char want_head[HL_CHAIN_HEX + 1], want_prev[HL_CHAIN_HEX + 1];
    json_t *hs = json_object_get(head, "seq");
    if (!json_is_object(head) || !json_is_integer(hs) ||
        !chain_value(json_object_get(head, "chain"), want_head) ||
        !chain_value(json_object_get(m, "chain_prev"), want_prev)) {
        problem(v, HL_BUNDLE_MANIFEST,
                "\"chain_head\" or \"chain_prev\" is not as a kiosk writes it: the manifest is "
                "damaged");
        return;
    }
    int64_t want_seq = json_integer_value(hs);
    /* A kiosk that had no chain key chained nothing: nothing to check (and
     * nothing to trust beyond the manifest's signature). */
    if (!want_head[0] && !want_prev[0]) return;
    /* Other keys of the signer's kiosk that the trust list holds (a key
     * replaced after a loss): rows they signed are checked with them. */
    hl_devkey_t alt[4];
    size_t n_alt = 0;
    for (size_t i = 0; signer && chk->trust && i < chk->trust->n && n_alt < 4; i++) {
        const hl_trust_entry_t *e = &chk->trust->e[i];
        hl_err_t ignored = {0};
        if (!strcasecmp(e->kiosk_id, res->signer_kiosk) &&
            CRYPTO_memcmp(e->pub, signer->pub, HL_DEVKEY_PUB_LEN) != 0 &&
            hl_devkey_from_public(e->pub, &alt[n_alt], &ignored) == HL_OK)
            n_alt++;
    }
    int fd = openat(dfd, HL_BUNDLE_JSONL, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    struct stat sb;
    FILE *fp = fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) ? fdopen(fd, "r") : NULL;
    if (!fp) {
        if (fd >= 0) close(fd);
        for (size_t i = 0; i < n_alt; i++)
            hl_devkey_free(&alt[i]);
        return; /* missing, not a file or unreadable: already reported with the files */
    }
    char *line = NULL, *scratch = NULL;
    size_t cap = 0, scap = 0, named = 0, more = 0;
    ssize_t n;
    int64_t lineno = 0, prev_seq = 0, rows = 0;
    char prev_chain[HL_CHAIN_HEX + 1] = "", first_prev[HL_CHAIN_HEX + 1] = "";
    bool prev_known = false, seen_signed = false;
#define ROW_PROBLEM(...)                                                                           \
    do {                                                                                           \
        if (named < HL_CHAIN_ROW_PROBLEMS) {                                                       \
            named++;                                                                               \
            problem(v, HL_BUNDLE_JSONL, __VA_ARGS__);                                              \
        } else {                                                                                   \
            more++;                                                                                \
        }                                                                                          \
    } while (0)
    while ((n = getline(&line, &cap, fp)) > 0) {
        lineno++;
        if (line[n - 1] == '\n') line[--n] = '\0';
        if (n == 0) continue;
        json_error_t je;
        json_t *row = json_loadb(line, (size_t)n, JSON_REJECT_DUPLICATES, &je);
        json_t *js = json_object_get(row, "seq");
        json_t *jsig = json_object_get(row, "chain_sig");
        const char *kid = json_string_value(json_object_get(row, "kiosk_id"));
        char chain[HL_CHAIN_HEX + 1], prev[HL_CHAIN_HEX + 1], sig[HL_DEVKEY_SIG_HEX + 1] = "";
        char rkiosk[HL_SURVEY_ID_MAX + 1] = "";
        size_t at = 0, cut = 0;
        bool ok = json_is_integer(js) && chain_value(json_object_get(row, "chain"), chain) &&
                  chain_value(json_object_get(row, "prev_chain"), prev) &&
                  chain_span(line, &at, &cut) && kid && strlen(kid) < sizeof rkiosk &&
                  (!jsig || json_is_null(jsig) ||
                   (json_is_string(jsig) && hex_valid(json_string_value(jsig), HL_DEVKEY_SIG_HEX)));
        if (ok && json_is_string(jsig)) memcpy(sig, json_string_value(jsig), sizeof sig);
        if (ok) memcpy(rkiosk, kid, strlen(kid) + 1);
        int64_t seq = ok ? json_integer_value(js) : 0;
        json_decref(row);
        if (!ok) {
            ROW_PROBLEM("line %lld is not a response row with \"seq\", \"kiosk_id\", \"chain\" "
                        "and \"prev_chain\": the file was edited",
                        (long long)lineno);
            prev_known = false;
            continue;
        }
        if (rows++ == 0) memcpy(first_prev, prev, sizeof prev);
        if (rows > 1 && seq <= prev_seq)
            ROW_PROBLEM("seq %lld: reordered (it comes after seq %lld)", (long long)seq,
                        (long long)prev_seq);
        if (!chain[0] || !prev[0]) {
            ROW_PROBLEM("seq %lld: inserted or never chained (it has no chain value)",
                        (long long)seq);
        } else {
            char h[HL_CHAIN_HEX + 1];
            if (sig[0] && res->format == 1) {
                ROW_PROBLEM("seq %lld: signed by a device key, in an old-format bundle: a bundle "
                            "of a kiosk with device keys was turned into an old one (downgraded)",
                            (long long)seq);
            } else if (sig[0]) {
                seen_signed = true;
                bool sig_ok = signer && hl_devkey_verify_chain(signer, rkiosk, seq, chain, sig);
                for (size_t i = 0; signer && !sig_ok && i < n_alt; i++)
                    sig_ok = hl_devkey_verify_chain(&alt[i], rkiosk, seq, chain, sig);
                /* A row of another kiosk id, signed by this kiosk's key:
                 * only when the trust list gives that id this same key (a
                 * renamed kiosk); otherwise it passes off one kiosk's
                 * answers as another's. */
                if (signer && strcmp(rkiosk, res->signer_kiosk) != 0 &&
                    (!chk->trust || hl_trust_check(chk->trust, rkiosk, signer->pub) != HL_TRUST_OK))
                    ROW_PROBLEM("seq %lld: says kiosk \"%s\" but the bundle is signed by kiosk "
                                "\"%s\": responses of another kiosk were put in",
                                (long long)seq, rkiosk, res->signer_kiosk);
                else if (signer &&
                         (!row_chain(NULL, line, (size_t)n, at, cut, prev, &scratch, &scap, h) ||
                          strcmp(h, chain) != 0 || !sig_ok))
                    ROW_PROBLEM("seq %lld: edited (its content does not match its chain value "
                                "and signature)",
                                (long long)seq);
            } else if (seen_signed || seq > hmac_until) {
                ROW_PROBLEM("seq %lld: unsigned where the kiosk signs every response: its "
                            "signature was removed, or it was inserted",
                            (long long)seq);
            } else if (old_key) {
                if (!row_chain(old_key, line, (size_t)n, at, cut, prev, &scratch, &scap, h) ||
                    CRYPTO_memcmp(h, chain, HL_CHAIN_HEX) != 0)
                    ROW_PROBLEM("seq %lld: edited (its content does not match its chain value), "
                                "or chained with another key than --key-file's",
                                (long long)seq);
            } else if (res) {
                res->unchecked_rows++;
            }
            if (rows > 1 && prev_known && prev_chain[0] && strcmp(prev, prev_chain) != 0)
                ROW_PROBLEM("seq %lld: a response before it is missing (its prev_chain does not "
                            "name seq %lld's chain value): deleted, or rows reordered",
                            (long long)seq, (long long)prev_seq);
        }
        memcpy(prev_chain, chain, sizeof chain);
        prev_known = true;
        prev_seq = seq;
    }
#undef ROW_PROBLEM
    for (size_t i = 0; i < n_alt; i++)
        hl_devkey_free(&alt[i]);
    free(line);
    free(scratch);
    fclose(fp);
    if (more)
        problem(v, HL_BUNDLE_JSONL, "%zu more problems with rows (the first %d are named)", more,
                HL_CHAIN_ROW_PROBLEMS);
    if (rows == 0) return;
    if (strcmp(first_prev, want_prev) != 0)
        problem(v, HL_BUNDLE_JSONL,
                "the first row's prev_chain is not the manifest's \"chain_prev\": rows were "
                "removed from the start, or the file replaced");
    if (prev_seq != want_seq || strcmp(prev_chain, want_head) != 0)
        problem(v, HL_BUNDLE_JSONL,
                "the last row (seq %lld) is not the manifest's \"chain_head\" (seq %lld): rows "
                "were removed from the end, or the file replaced",
                (long long)prev_seq, (long long)want_seq);
}

/* Format 1 (before issue 13): the manifest's HMAC with the shared export
 * key. Any holder of that key could have made it: res says so. */
static int verify_hmac(verify_t *v, json_t *m, const unsigned char *key, hl_bundle_result_t *res)
{
    res->signer = HL_BUNDLE_SIGNER_SHARED;
    if (!key) return HL_OK; /* not checked: the caller says why */
    unsigned char dg[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    if (EVP_Digest(key, HL_BUNDLE_KEY_LEN, dg, &dl, EVP_sha256(), NULL) == 1)
        hl_hex_encode(dg, 8, res->fingerprint);
    const char *mac_hex = json_string_value(json_object_get(m, "hmac_sha256"));
    if (!mac_hex || !hex_valid(mac_hex, 64)) {
        problem(v, HL_BUNDLE_MANIFEST,
                "has no valid \"hmac_sha256\": it was edited or not made by a kiosk");
        return HL_OK;
    }
    json_t *copy = json_copy(m);
    char *canon = NULL;
    if (copy && json_object_del(copy, "hmac_sha256") == 0)
        canon = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    json_decref(copy);
    unsigned char mac[32];
    unsigned int mlen = 0;
    char want[65];
    if (!canon || !HMAC(EVP_sha256(), key, HL_BUNDLE_KEY_LEN, (const unsigned char *)canon,
                        strlen(canon), mac, &mlen)) {
        free(canon);
        return HL_ERR_NOMEM;
    }
    free(canon);
    hl_hex_encode(mac, 32, want);
    if (CRYPTO_memcmp(want, mac_hex, 64) != 0)
        problem(v, HL_BUNDLE_MANIFEST,
                "HMAC does not match: the manifest was edited after export, or the key is not "
                "this kiosk's old export key (check --key-file)");
    else
        res->key_checked = true;
    return HL_OK;
}

/* Format 2: the device key's signature. Fills res's signer and, when the
 * signature holds, *key with the signer's public key (the caller frees). */
static int verify_signature(verify_t *v, json_t *m, hl_devkey_t *key, hl_bundle_result_t *res)
{
    res->signer = HL_BUNDLE_SIGNER_DEVICE;
    const json_t *s = json_object_get(m, "signer");
    const char *kid = json_string_value(json_object_get(s, "kiosk_id"));
    const char *alg = json_string_value(json_object_get(s, "algorithm"));
    const char *pk = json_string_value(json_object_get(s, "public_key"));
    const char *mk = json_string_value(json_object_get(m, "kiosk_id"));
    const char *sig = json_string_value(json_object_get(m, "signature"));
    unsigned char pub[HL_DEVKEY_PUB_LEN];
    if (!kid || !alg || strcmp(alg, "ed25519") != 0 || !pk || !hl_hex_decode(pk, pub, sizeof pub) ||
        strlen(kid) > HL_KIOSK_ID_MAX) {
        problem(v, HL_BUNDLE_MANIFEST,
                "has no valid \"signer\" (kiosk_id, algorithm ed25519, public_key): it was "
                "edited or not made by a kiosk");
        return HL_OK;
    }
    snprintf(res->signer_kiosk, sizeof res->signer_kiosk, "%s", kid);
    hl_devkey_fingerprint(pub, res->fingerprint);
    if (!mk || strcmp(mk, kid) != 0)
        problem(v, HL_BUNDLE_MANIFEST,
                "signed as kiosk \"%s\" but made for kiosk \"%s\": the manifest was edited", kid,
                mk ? mk : "(none)");
    hl_err_t e = {0};
    if (hl_devkey_from_public(pub, key, &e) != HL_OK) {
        problem(v, HL_BUNDLE_MANIFEST, "the signer's public key is not an Ed25519 key");
        return HL_OK;
    }
    json_t *copy = json_copy(m);
    char *canon = NULL;
    if (copy && json_object_del(copy, "signature") == 0) canon = bundle_manifest_canonical(copy);
    json_decref(copy);
    if (!canon) return HL_ERR_NOMEM;
    bool ok = sig && hl_devkey_verify(key, canon, strlen(canon), sig);
    free(canon);
    res->key_checked = ok;
    if (!ok) {
        problem(v, HL_BUNDLE_MANIFEST,
                "the signature does not match: the manifest was edited after export, or it was "
                "not signed by the key it names");
        hl_devkey_free(key);
    }
    return HL_OK;
}

int hl_bundle_verify(const char *dir, const hl_bundle_check_t *chk, hl_diags_t *problems,
                     hl_bundle_result_t *res, hl_err_t *err)
{
    hl_bundle_result_t local;
    if (!res) res = &local;
    memset(res, 0, sizeof *res);
    if (!dir || !chk) return hl_err_set(err, HL_ERR_USAGE, "verify: a folder is needed");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        int e = errno;
        return hl_err_set(err, e == ENOENT ? HL_ERR_NOT_FOUND : HL_ERR_IO,
                          "cannot open the bundle folder %s: %s (give the folder that holds "
                          "manifest.json)",
                          dir, strerror(e));
    }
    verify_t v = {problems, dir, 0};
    size_t len = 0;
    json_t *m = NULL, *files = NULL;
    hl_devkey_t key = {0};
    int rc = HL_OK;
    char *text = read_at(dfd, HL_BUNDLE_MANIFEST, HL_MANIFEST_MAX, &len);
    if (!text) {
        int e = errno;
        if (e == ENOENT)
            problem(&v, HL_BUNDLE_MANIFEST,
                    "missing: give the bundle folder itself (HAILONG/KIOSK_ID/TIME on the stick, "
                    "not the stick or the kiosk's folder); if this is one, the export did not "
                    "finish (stick pulled or full), nothing in it can be trusted: export again");
        else
            problem(&v, HL_BUNDLE_MANIFEST, "cannot be read (%s); export again",
                    e == EINVAL ? "not a regular file: a FIFO, a device or a folder" : strerror(e));
        goto done;
    }
    json_error_t je;
    m = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(m)) {
        problem(&v, HL_BUNDLE_MANIFEST, "is not a JSON object (line %d: %s); export again", je.line,
                je.text);
        goto done;
    }
    json_t *fmt = json_object_get(m, "format");
    int64_t format = json_is_integer(fmt) ? json_integer_value(fmt) : 0;
    res->format = (int)(format == 1 || format == HL_BUNDLE_FORMAT ? format : 0);
    if (format == 1)
        rc = verify_hmac(&v, m, chk->old_key, res);
    else if (format == HL_BUNDLE_FORMAT)
        rc = verify_signature(&v, m, &key, res);
    else
        problem(&v, HL_BUNDLE_MANIFEST,
                "\"format\" is not 1 or %d: written by another version, or edited",
                HL_BUNDLE_FORMAT);
    if (rc != HL_OK) {
        rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory verifying %s", dir);
        goto done;
    }
    res->responses = json_integer_value(json_object_get(m, "responses"));
    res->seq_first = json_integer_value(json_object_get(m, "seq_first"));
    res->seq_last = json_integer_value(json_object_get(m, "seq_last"));
    files = json_object_get(m, "files");
    if (!json_is_array(files)) {
        problem(&v, HL_BUNDLE_MANIFEST, "has no \"files\" list: it was edited; export again");
        files = NULL;
    }
    size_t i;
    json_t *entry;
    json_array_foreach(files, i, entry)
    {
        verify_file(&v, dfd, entry, i);
        res->n_files++;
        res->bytes += json_integer_value(json_object_get(entry, "bytes"));
    }
    res->bytes += (int64_t)len;
    /* The chain inside (bundles made before issue 7 have no chain_head). */
    if (json_object_get(m, "chain_head"))
        verify_chain(&v, dfd, m, key.pkey ? &key : NULL, chk, res);

    /* Anything in the folder the manifest does not list. */
    int dup_fd = dup(dfd);
    DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    if (!d && dup_fd >= 0) close(dup_fd);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
            !strcmp(de->d_name, HL_BUNDLE_MANIFEST))
            continue;
        bool listed = false;
        json_array_foreach(files, i, entry)
        {
            const char *name = json_string_value(json_object_get(entry, "name"));
            if (name && !strcmp(name, de->d_name)) listed = true;
        }
        if (!listed)
            problem(&v, de->d_name,
                    "not listed in the manifest: added after export, or left by an interrupted "
                    "export; do not trust it");
    }
    if (d) closedir(d);
    /* Whom to believe: the trust list, never the key in the manifest. */
    if (res->signer == HL_BUNDLE_SIGNER_DEVICE && key.pkey)
        res->trust = chk->trust ? hl_trust_check(chk->trust, res->signer_kiosk, key.pub)
                                : HL_TRUST_UNKNOWN_KEY;
done:
    hl_devkey_free(&key);
    json_decref(m);
    free(text);
    close(dfd);
    if (rc != HL_OK) return rc;
    if (v.n)
        return hl_err_set(err, HL_ERR_INVALID, "%s does not verify: %zu problem%s", dir, v.n,
                          v.n == 1 ? "" : "s");
    /* A format 1 bundle is never "verified": anyone holding the shared key
     * (every stick, or whoever chose the key given) could have made it. */
    if (res->signer == HL_BUNDLE_SIGNER_SHARED && !chk->old_key)
        return hl_err_set(err, HL_ERR_UNTRUSTED,
                          "%s is an old (format 1) bundle, signed with the shared export key: "
                          "give that key with --key-file to check it is intact; even then it "
                          "cannot show which kiosk made it",
                          dir);
    if (res->signer == HL_BUNDLE_SIGNER_SHARED)
        return hl_err_set(err, HL_ERR_UNTRUSTED,
                          "%s is an old (format 1) bundle: intact with the key given, but anyone "
                          "holding that shared key could have made it, so it is not proof of "
                          "what a kiosk stored (bundles signed by a device key are)",
                          dir);
    if (res->signer == HL_BUNDLE_SIGNER_DEVICE && res->trust != HL_TRUST_OK) {
        const char *why =
            !chk->trust                          ? "no trust list was given (--trust FILE)"
            : res->trust == HL_TRUST_OTHER_KEY   ? "the trust list has this kiosk with another key"
            : res->trust == HL_TRUST_OTHER_KIOSK ? "the trust list has this key for another kiosk"
                                                 : "the trust list does not have this key";
        return hl_err_set(err, HL_ERR_UNTRUSTED,
                          "%s is signed by kiosk %s, key %s, but %s: not verified", dir,
                          res->signer_kiosk, res->fingerprint, why);
    }
    hl_err_clear(err);
    return HL_OK;
}

/* ---- Across bundles (issue 7) ------------------------------------------------ */

/* What one bundle's manifest says about its place in the chain. */
typedef struct bundle_link {
    const char *dir;
    char kiosk_id[HL_SURVEY_ID_MAX + 1];
    int64_t after_seq, seq_first, seq_last, head_seq;
    char head[HL_CHAIN_HEX + 1]; /* chain_head.chain, "" null */
    char prev[HL_CHAIN_HEX + 1]; /* chain_prev, "" null */
    bool chained;                /* the manifest has the chain fields */
} bundle_link_t;

static int link_cmp(const void *a, const void *b)
{
    const bundle_link_t *x = a, *y = b;
    int d = strcmp(x->kiosk_id, y->kiosk_id);
    if (d) return d;
    if (x->seq_first != y->seq_first) return x->seq_first < y->seq_first ? -1 : 1;
    return x->seq_last < y->seq_last ? -1 : x->seq_last > y->seq_last;
}

static void link_problem(hl_diags_t *problems, size_t *n, const char *dir, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void link_problem(hl_diags_t *problems, size_t *n, const char *dir, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    (*n)++;
    if (problems) hl_diags_add(problems, dir, 0, 0, NULL, "%s", msg);
}

/* Reads a bundle's manifest fields for the link check; false when it cannot
 * be read or is not a manifest (hl_bundle_verify reports why). */
static bool link_read(const char *dir, bundle_link_t *l)
{
    memset(l, 0, sizeof *l);
    l->dir = dir;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return false;
    size_t len = 0;
    char *text = read_at(dfd, HL_BUNDLE_MANIFEST, HL_MANIFEST_MAX, &len);
    close(dfd);
    json_error_t je;
    json_t *m = text ? json_loadb(text, len, JSON_REJECT_DUPLICATES, &je) : NULL;
    free(text);
    const char *kid = json_string_value(json_object_get(m, "kiosk_id"));
    bool ok = json_is_object(m) && kid && strlen(kid) < sizeof l->kiosk_id;
    if (ok) {
        memcpy(l->kiosk_id, kid, strlen(kid) + 1);
        l->after_seq = json_integer_value(json_object_get(m, "after_seq"));
        l->seq_first = json_integer_value(json_object_get(m, "seq_first"));
        l->seq_last = json_integer_value(json_object_get(m, "seq_last"));
        const json_t *head = json_object_get(m, "chain_head");
        l->head_seq = json_integer_value(json_object_get(head, "seq"));
        l->chained = json_is_object(head) && chain_value(json_object_get(head, "chain"), l->head) &&
                     chain_value(json_object_get(m, "chain_prev"), l->prev);
    }
    json_decref(m);
    return ok;
}

int hl_bundle_check_links(const char *const *dirs, size_t n, hl_diags_t *problems,
                          size_t *n_problems, hl_err_t *err)
{
    size_t found = 0;
    if (n_problems) *n_problems = 0;
    if (n == 0) return HL_OK;
    bundle_link_t *l = calloc(n, sizeof *l);
    if (!l) return hl_err_set(err, HL_ERR_NOMEM, "out of memory checking %zu bundles", n);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (link_read(dirs[i], &l[k]) && l[k].chained && l[k].seq_last > 0) k++;
    qsort(l, k, sizeof *l, link_cmp);
    /* The frontier: of the bundles so far of this kiosk, the one reaching
     * furthest; the next one either overlaps it or must continue its chain. */
    const bundle_link_t *front = NULL;
    for (size_t i = 0; i < k; i++) {
        const bundle_link_t *b = &l[i];
        if (!front || strcmp(front->kiosk_id, b->kiosk_id) != 0) {
            front = b;
            continue;
        }
        if (b->seq_first <= front->seq_last) {
            /* Overlapping ranges (an --all export): nothing joins here. */
            if (b->seq_last > front->seq_last) front = b;
            continue;
        }
        bool linked = front->head[0] && !strcmp(b->prev, front->head);
        if (!linked && b->after_seq > front->seq_last)
            link_problem(problems, &found, b->dir,
                         "seq %lld..%lld: missing: no bundle given holds these responses (this "
                         "bundle starts after seq %lld, %s ends at seq %lld); give the bundle "
                         "that holds them",
                         (long long)front->seq_last + 1, (long long)b->after_seq,
                         (long long)b->after_seq, front->dir, (long long)front->seq_last);
        else if (!linked)
            link_problem(problems, &found, b->dir,
                         "seq %lld: the chain breaks: its chain_prev is not the chain head (seq "
                         "%lld) of %s: responses between them were deleted, or one of the chains "
                         "was rewritten",
                         (long long)b->seq_first, (long long)front->head_seq, front->dir);
        front = b;
    }
    free(l);
    if (n_problems) *n_problems = found;
    if (found)
        return hl_err_set(err, HL_ERR_INVALID, "the bundles do not link: %zu problem%s", found,
                          found == 1 ? "" : "s");
    hl_err_clear(err);
    return HL_OK;
}

/* ---- Keys -------------------------------------------------------------------- */

bool hl_bundle_secret_valid(const char *text, size_t len)
{
    if (len && text[len - 1] == '\n') len--;
    if (len && text[len - 1] == '\r') len--;
    if (len != 64) return false;
    for (size_t i = 0; i < len; i++)
        if (!isxdigit((unsigned char)text[i])) return false;
    return true;
}

void hl_bundle_key_from_secret(const char *text, size_t len, unsigned char key[HL_BUNDLE_KEY_LEN])
{
    if (len && text[len - 1] == '\n') len--;
    if (len && text[len - 1] == '\r') len--;
    unsigned int n = 0;
    EVP_Digest(text, len, key, &n, EVP_sha256(), NULL);
}

int hl_bundle_key_from_file(const char *path, unsigned char key[HL_BUNDLE_KEY_LEN], hl_err_t *err)
{
    size_t len = 0;
    char *text = read_at(AT_FDCWD, path, HL_KEY_FILE_MAX, &len);
    if (!text) {
        int e = errno;
        if (e == ENOENT)
            return hl_err_set(err, HL_ERR_NOT_FOUND,
                              "key file %s does not exist: give the stick's HAILONG/export.key "
                              "with --key-file",
                              path);
        return hl_err_set(err, e == EFBIG || e == EINVAL ? HL_ERR_INVALID : HL_ERR_IO,
                          "cannot read the key file %s: %s", path,
                          e == EFBIG    ? "larger than 4 KiB, not an export key"
                          : e == EINVAL ? "not a regular file (a FIFO, a device or a folder): give "
                                          "the stick's HAILONG/export.key"
                                        : strerror(e));
    }
    size_t n = len;
    if (n && text[n - 1] == '\n') n--;
    if (n && text[n - 1] == '\r') n--;
    if (n == 0) {
        free(text);
        return hl_err_set(err, HL_ERR_INVALID,
                          "key file %s is empty: it must hold the kiosk's old export secret", path);
    }
    hl_bundle_key_from_secret(text, len, key);
    OPENSSL_cleanse(text, len);
    free(text);
    hl_err_clear(err);
    return HL_OK;
}
