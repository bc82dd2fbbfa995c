/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_json.c: reading and parsing a JSON file, the position index, and the
 * validator helpers shared by the survey and config loaders.
 *
 * The position index is a tree of nodes (one per JSON value) built by a
 * small scanner that walks the raw text after jansson has accepted it, so the
 * scanner may trust the syntax and only needs to count lines and characters,
 * decode keys (escapes, \u sequences, surrogate pairs) and follow nesting.
 * Nodes refer to each other by index, never by pointer, because the array
 * grows while scanning.
 */
#include "hl_json.h"

#include "hl_err.h"
#include "hl_limits.h"
#include "hl_sys.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- Position index ----------------------------------------------------- */

typedef struct hl_json_node {
    char *key;             /* owned: decoded member key, NULL for elements and root */
    size_t index;          /* position in the parent array (elements only) */
    int parent;            /* node index, -1 for the root */
    int first_child;       /* node index or -1 */
    int last_child;        /* node index or -1 (to append in order) */
    int next;              /* next sibling or -1 */
    int line, col;         /* first character of the value */
    int key_line, key_col; /* opening quote of the key (the value's place if none) */
} hl_json_node_t;

struct hl_json_index {
    hl_json_node_t *nodes; /* owned array; nodes[0] is the root */
    size_t n, cap;
};

typedef struct hl_json_scanner {
    const char *p, *end;      /* not owned: the rest of the text */
    int line, col;            /* place of *p */
    struct hl_json_index *ix; /* not owned: where nodes go */
} hl_json_scanner_t;

static void scan_advance(hl_json_scanner_t *sc)
{
    unsigned char c = (unsigned char)*sc->p++;
    if (c == '\n') {
        sc->line++;
        sc->col = 1;
    } else if ((c & 0xC0) != 0x80) {
        sc->col++; /* count characters: continuation bytes add nothing */
    }
}

static void scan_skip_ws(hl_json_scanner_t *sc)
{
    while (sc->p < sc->end && (*sc->p == ' ' || *sc->p == '\t' || *sc->p == '\n' || *sc->p == '\r'))
        scan_advance(sc);
}

static int index_add_node(struct hl_json_index *ix, int parent, char *key, size_t index, int line,
                          int col, int key_line, int key_col)
{
    if (ix->n == ix->cap) {
        size_t cap = ix->cap ? ix->cap * 2 : 64;
        if (cap > (size_t)INT32_MAX) return -1;
        hl_json_node_t *nodes = realloc(ix->nodes, cap * sizeof *nodes);
        if (!nodes) return -1;
        ix->nodes = nodes;
        ix->cap = cap;
    }
    int id = (int)ix->n++;
    hl_json_node_t *nd = &ix->nodes[id];
    *nd = (hl_json_node_t){.key = key,
                           .index = index,
                           .parent = parent,
                           .first_child = -1,
                           .last_child = -1,
                           .next = -1,
                           .line = line,
                           .col = col,
                           .key_line = key_line,
                           .key_col = key_col};
    if (parent >= 0) {
        hl_json_node_t *pa = &ix->nodes[parent];
        if (pa->last_child >= 0)
            ix->nodes[pa->last_child].next = id;
        else
            pa->first_child = id;
        pa->last_child = id;
    }
    return id;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reads 4 hex digits at s (the scanner made sure they are there). */
static long read_hex4(const char *s)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_value(s[i]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

static size_t utf8_encode(unsigned long cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Scans a string starting at its opening quote. With decoded, returns the
 * decoded text (malloc'd) there. False on malformed text or no memory. */
static bool scan_string(hl_json_scanner_t *sc, char **decoded)
{
    scan_advance(sc); /* opening quote */
    const char *start = sc->p;
    char *buf = NULL;
    size_t n = 0;
    if (decoded) {
        /* Decoding never makes text longer than its escaped form. */
        const char *q = start;
        while (q < sc->end && *q != '"')
            q += (*q == '\\' && q + 1 < sc->end) ? 2 : 1;
        buf = malloc((size_t)(q - start) + 1);
        if (!buf) return false;
    }
    while (sc->p < sc->end && *sc->p != '"') {
        if (*sc->p != '\\') {
            if (buf) buf[n++] = *sc->p;
            scan_advance(sc);
            continue;
        }
        if (sc->p + 1 >= sc->end) goto bad;
        char e = sc->p[1];
        scan_advance(sc);
        scan_advance(sc);
        if (e == 'u') {
            if (sc->end - sc->p < 4) goto bad;
            long cp = read_hex4(sc->p);
            if (cp < 0) goto bad;
            for (int i = 0; i < 4; i++)
                scan_advance(sc);
            if (cp >= 0xD800 && cp <= 0xDBFF && sc->end - sc->p >= 6 && sc->p[0] == '\\' &&
                sc->p[1] == 'u') {
                long lo = read_hex4(sc->p + 2);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    for (int i = 0; i < 6; i++)
                        scan_advance(sc);
                }
            }
            if (buf) n += utf8_encode((unsigned long)cp, buf + n);
        } else if (buf) {
            char c = e;
            switch (e) {
            case 'b':
                c = '\b';
                break;
            case 'f':
                c = '\f';
                break;
            case 'n':
                c = '\n';
                break;
            case 'r':
                c = '\r';
                break;
            case 't':
                c = '\t';
                break;
            default:
                break; /* '"', '\\', '/' stand for themselves */
            }
            buf[n++] = c;
        }
    }
    if (sc->p >= sc->end) goto bad;
    scan_advance(sc); /* closing quote */
    if (buf) {
        buf[n] = '\0';
        *decoded = buf;
    }
    return true;
bad:
    free(buf);
    return false;
}

static bool scan_value(hl_json_scanner_t *sc, int parent, char *key, size_t index, int key_line,
                       int key_col)
{
    int line = sc->line, col = sc->col;
    if (key_line == 0) {
        key_line = line;
        key_col = col;
    }
    int id = index_add_node(sc->ix, parent, key, index, line, col, key_line, key_col);
    if (id < 0) {
        free(key);
        return false;
    }
    if (sc->p >= sc->end) return false;
    char c = *sc->p;
    if (c == '{') {
        scan_advance(sc);
        scan_skip_ws(sc);
        if (sc->p < sc->end && *sc->p == '}') {
            scan_advance(sc);
            return true;
        }
        for (;;) {
            scan_skip_ws(sc);
            if (sc->p >= sc->end || *sc->p != '"') return false;
            int kl = sc->line, kc = sc->col;
            char *k = NULL;
            if (!scan_string(sc, &k)) return false;
            scan_skip_ws(sc);
            if (sc->p >= sc->end || *sc->p != ':') {
                free(k);
                return false;
            }
            scan_advance(sc);
            scan_skip_ws(sc);
            if (!scan_value(sc, id, k, 0, kl, kc)) return false;
            scan_skip_ws(sc);
            if (sc->p >= sc->end) return false;
            if (*sc->p == '}') {
                scan_advance(sc);
                return true;
            }
            if (*sc->p != ',') return false;
            scan_advance(sc);
        }
    }
    if (c == '[') {
        scan_advance(sc);
        scan_skip_ws(sc);
        if (sc->p < sc->end && *sc->p == ']') {
            scan_advance(sc);
            return true;
        }
        for (size_t i = 0;; i++) {
            scan_skip_ws(sc);
            if (!scan_value(sc, id, NULL, i, 0, 0)) return false;
            scan_skip_ws(sc);
            if (sc->p >= sc->end) return false;
            if (*sc->p == ']') {
                scan_advance(sc);
                return true;
            }
            if (*sc->p != ',') return false;
            scan_advance(sc);
        }
    }
    if (c == '"') return scan_string(sc, NULL);
    /* A number or a literal: runs until a delimiter. */
    while (sc->p < sc->end && !strchr(",]} \t\r\n", *sc->p))
        scan_advance(sc);
    return true;
}

static void index_free(struct hl_json_index *ix)
{
    if (!ix) return;
    for (size_t i = 0; i < ix->n; i++)
        free(ix->nodes[i].key);
    free(ix->nodes);
    free(ix);
}

/* Builds the index on first use. A scanner that disagrees with jansson (a
 * bug) or runs out of memory leaves what it found so far: lookups then fall
 * back to the nearest enclosing value, still a useful place. */
static struct hl_json_index *doc_index(hl_json_doc_t *doc)
{
    if (doc->index || !doc->source) return doc->index;
    struct hl_json_index *ix = calloc(1, sizeof *ix);
    if (!ix) return NULL;
    hl_json_scanner_t sc = {doc->source, doc->source + doc->len, 1, 1, ix};
    scan_skip_ws(&sc);
    (void)scan_value(&sc, -1, NULL, 0, 0, 0);
    doc->index = ix;
    return ix;
}

static int node_child_key(const struct hl_json_index *ix, int node, const char *key, size_t len)
{
    for (int c = ix->nodes[node].first_child; c >= 0; c = ix->nodes[c].next) {
        const char *k = ix->nodes[c].key;
        if (k && strncmp(k, key, len) == 0 && k[len] == '\0') return c;
    }
    return -1;
}

static int node_child_index(const struct hl_json_index *ix, int node, size_t index)
{
    for (int c = ix->nodes[node].first_child; c >= 0; c = ix->nodes[c].next)
        if (!ix->nodes[c].key && ix->nodes[c].index == index) return c;
    return -1;
}

/* The node at path, or the deepest node on the way there (*exact false). */
static int index_find(const struct hl_json_index *ix, const char *path, bool *exact)
{
    *exact = false;
    if (!ix || ix->n == 0) return -1;
    int cur = 0;
    const char *p = path ? path : "";
    while (*p) {
        int next;
        if (*p == '[') {
            char *endp;
            unsigned long long i = strtoull(p + 1, &endp, 10);
            if (endp == p + 1 || *endp != ']') return cur;
            next = node_child_index(ix, cur, (size_t)i);
            p = endp + 1;
        } else {
            if (*p == '.') p++;
            size_t len = strcspn(p, ".[");
            next = node_child_key(ix, cur, p, len);
            p += len;
        }
        if (next < 0) return cur;
        cur = next;
    }
    *exact = true;
    return cur;
}

bool hl_json_find(hl_json_doc_t *doc, const char *path, const char *key, hl_json_place_t *out)
{
    const struct hl_json_index *ix = doc_index(doc);
    bool exact;
    int node = index_find(ix, path, &exact);
    if (node < 0 || !exact) return false;
    if (key) {
        node = node_child_key(ix, node, key, strlen(key));
        if (node < 0) return false;
    }
    const hl_json_node_t *nd = &ix->nodes[node];
    *out = (hl_json_place_t){nd->line, nd->col, nd->key_line, nd->key_col};
    return true;
}

/* ---- Problems ----------------------------------------------------------- */

static void doc_add_problem(hl_json_doc_t *doc, int line, int col, const char *path,
                            const char *fmt, va_list ap)
{
    if (doc->problems.n >= HL_JSON_MAX_PROBLEMS) {
        doc->n_dropped++;
        return;
    }
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    hl_diags_add(&doc->problems, doc->name, line, col, path, "%s", msg);
}

void hl_json_report(hl_json_doc_t *doc, const char *path, const char *key, hl_json_at_t at,
                    const char *fmt, ...)
{
    int line = 1, col = 1;
    const struct hl_json_index *ix = doc_index(doc);
    bool exact;
    int node = index_find(ix, path, &exact);
    if (node >= 0) {
        bool at_key = at == HL_JSON_AT_KEY;
        if (exact && key) {
            int child = node_child_key(ix, node, key, strlen(key));
            if (child >= 0)
                node = child;
            else
                at_key = false; /* missing member: point at the enclosing brace */
        } else if (!exact) {
            at_key = false;
        }
        const hl_json_node_t *nd = &ix->nodes[node];
        line = at_key ? nd->key_line : nd->line;
        col = at_key ? nd->key_col : nd->col;
    }
    char shown[HL_JSON_PATH_MAX];
    if (key)
        hl_json_path_key(shown, path ? path : "", key);
    else
        snprintf(shown, sizeof shown, "%s", path ? path : "");
    va_list ap;
    va_start(ap, fmt);
    doc_add_problem(doc, line, col, shown, fmt, ap);
    va_end(ap);
}

void hl_json_report_file(hl_json_doc_t *doc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    doc_add_problem(doc, 0, 0, NULL, fmt, ap);
    va_end(ap);
}

void hl_json_path_key(char out[HL_JSON_PATH_MAX], const char *parent, const char *key)
{
    if (!parent || !*parent)
        snprintf(out, HL_JSON_PATH_MAX, "%s", key);
    else
        snprintf(out, HL_JSON_PATH_MAX, "%s.%s", parent, key);
}

void hl_json_path_index(char out[HL_JSON_PATH_MAX], const char *parent, size_t i)
{
    snprintf(out, HL_JSON_PATH_MAX, "%s[%zu]", parent ? parent : "", i);
}
/* jansson quotes the token next to a syntax error ("invalid token near
 * 'tru'"). In a file that may hold secrets (a config: sync.token) and whose
 * messages reach logs, only a key (a ':' follows it) or a lone punctuation
 * character is shown; anything else is named, not quoted. Elsewhere a
 * quoted string that is not a key is hidden all the same. */
static void redact_near(char *text, const char *src, size_t len, size_t pos, bool hide_all)
{
    char *near = strstr(text, " near '");
    if (!near) return;
    const char *tok = near + 7;
    const char *close = strrchr(tok, '\'');
    size_t toklen = close ? (size_t)(close - tok) : strlen(tok);
    if (toklen == 1 && strchr("{}[],:", tok[0])) return;
    static const char *const literals[] = {"true", "false", "null"};
    for (size_t l = 0; l < 3; l++) /* a misspelt literal ('tru') is no secret */
        if (toklen > 0 && toklen < strlen(literals[l]) && !strncmp(tok, literals[l], toklen))
            return;
    if (!hide_all && tok[0] != '"') return;
    size_t i = pos;
    while (i < len && (src[i] == ' ' || src[i] == '\t' || src[i] == '\r' || src[i] == '\n'))
        i++;
    if (tok[0] == '"' && i < len && src[i] == ':') return; /* a key */
    snprintf(near, (size_t)(JSON_ERROR_TEXT_LENGTH - (near - text)),
             " (the text there is not shown)");
}

/* ---- Loading ------------------------------------------------------------ */

static int doc_parse(hl_json_doc_t *doc, unsigned flags)
{
    if (doc->len > HL_MAX_FILE_BYTES) {
        hl_json_report_file(doc,
                            "the file is larger than the limit of 1 MiB (%d bytes): is this the "
                            "right file?",
                            HL_MAX_FILE_BYTES);
        return HL_ERR_INVALID;
    }
    json_error_t e;
    doc->root = json_loadb(doc->source, doc->len, JSON_REJECT_DUPLICATES, &e);
    if (doc->root) return HL_OK;
    /* Any file that does not parse could be a config (nothing tells it apart
     * yet): its text is never quoted, whatever flags say. */
    (void)flags;
    if (strstr(e.text, "JSON_ALLOW_NUL")) /* jansson names its own flag */
        snprintf(e.text, sizeof e.text,
                 "a text holds a NUL character (\\u0000), which is not allowed: remove it");
    redact_near(e.text, doc->source, doc->len, (size_t)(e.position > 0 ? e.position : 0), true);
    const char *hint = "";
    if (doc->len >= 3 && memcmp(doc->source, "\xEF\xBB\xBF", 3) == 0)
        hint = "; remove the byte order mark at the start (save as UTF-8 without BOM)";
    else if (strstr(e.text, "unable to decode byte"))
        hint = "; the file must be UTF-8 text";
    else if (strstr(e.text, "duplicate object key"))
        hint = "; each key may appear once in an object";
    /* jansson counts a column of 0 at the start of a line; columns are 1-based. */
    int line = e.line > 0 ? e.line : 1;
    int col = e.column > 0 ? e.column : 1;
    hl_diags_add(&doc->problems, doc->name, line, col, NULL, "invalid JSON: %s%s", e.text, hint);
    return HL_ERR_INVALID;
}

static int doc_start(hl_json_doc_t *doc, const char *name)
{
    memset(doc, 0, sizeof *doc);
    doc->name = strdup(name ? name : "-");
    return doc->name ? HL_OK : HL_ERR_NOMEM;
}

int hl_json_doc_load_text(hl_json_doc_t *doc, const char *name, const char *text, size_t len)
{
    return hl_json_doc_load_text_flags(doc, name, text, len, 0);
}

int hl_json_doc_load_text_flags(hl_json_doc_t *doc, const char *name, const char *text, size_t len,
                                unsigned flags)
{
    if (doc_start(doc, name) != HL_OK) return HL_ERR_NOMEM;
    doc->source = malloc(len + 1);
    if (!doc->source) return HL_ERR_NOMEM;
    if (len) memcpy(doc->source, text, len);
    doc->source[len] = '\0';
    doc->len = len;
    return doc_parse(doc, flags);
}

int hl_json_doc_load_file(hl_json_doc_t *doc, const char *path)
{
    return hl_json_doc_load_file_flags(doc, path, 0);
}

int hl_json_doc_load_file_flags(hl_json_doc_t *doc, const char *path, unsigned flags)
{
    return hl_json_doc_load_file_at(doc, NULL, path, flags);
}

int hl_json_doc_load_file_at(hl_json_doc_t *doc, const char *root, const char *path, unsigned flags)
{
    char shown[PATH_MAX];
    if (root) snprintf(shown, sizeof shown, "%s/%s", root, path);
    if (doc_start(doc, root ? shown : path) != HL_OK) return HL_ERR_NOMEM;
    hl_err_t err = {0};
    char *buf = NULL;
    size_t n = 0;
    int rc = hl_file_read(root, path, HL_MAX_FILE_BYTES, 0, &buf, &n, &err);
    if (rc == HL_ERR_NOMEM) return rc;
    if (rc != HL_OK) {
        hl_json_report_file(doc, "%s", err.msg);
        return rc == HL_ERR_INVALID ? HL_ERR_INVALID : HL_ERR_IO;
    }
    doc->source = buf;
    doc->len = n;
    return doc_parse(doc, flags);
}

size_t hl_json_doc_finish(hl_json_doc_t *doc, hl_diags_t *out)
{
    hl_diags_sort(&doc->problems);
    size_t total = doc->problems.n + doc->n_dropped;
    if (out) {
        for (size_t i = 0; i < doc->problems.n; i++) {
            const hl_diag_t *it = &doc->problems.items[i];
            hl_diags_add(out, it->file, it->line, it->col, it->path, "%s", it->msg);
        }
        if (doc->n_dropped)
            hl_diags_add(out, doc->name, 0, 0, NULL,
                         "too many problems: %zu more not shown; fix the ones above first",
                         doc->n_dropped);
    }
    return total;
}

void hl_json_doc_free(hl_json_doc_t *doc)
{
    if (!doc) return;
    free(doc->name);
    free(doc->source);
    json_decref(doc->root);
    hl_diags_free(&doc->problems);
    index_free(doc->index);
    memset(doc, 0, sizeof *doc);
}

/* ---- Small helpers ------------------------------------------------------ */

const char *hl_json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
        return "true";
    case JSON_FALSE:
        return "false";
    case JSON_NULL:
        return "null";
    }
    return "a value";
}

/* Optimal string alignment distance (edits, with a swap of neighbours as one). */
static size_t edit_distance(const char *a, const char *b)
{
    enum { MAXLEN = 48 };
    size_t la = strlen(a), lb = strlen(b);
    if (la > MAXLEN || lb > MAXLEN) return (size_t)-1;
    size_t d[MAXLEN + 1][MAXLEN + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best) best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

const char *hl_json_suggest(const char *word, const char *const *candidates)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; candidates[i]; i++) {
        size_t d = edit_distance(word, candidates[i]);
        size_t limit = strlen(candidates[i]) <= 4 ? 1 : 2;
        if (d <= limit && d < best_d) {
            best = candidates[i];
            best_d = d;
        }
    }
    return best;
}

size_t hl_json_utf8_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) n++;
    return n;
}

bool hl_json_id_valid(const char *s, size_t max_len, bool allow_dash)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                  (allow_dash && c == '-');
        if (!ok || n >= max_len) return false;
    }
    return n > 0;
}

void hl_json_langs_list(char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < HL_LANG_COUNT; i++) {
        int w =
            snprintf(out + used, size - used, "%s%s", i ? ", " : "", hl_lang_code((hl_lang_t)i));
        if (w < 0 || (size_t)w >= size - used) return;
        used += (size_t)w;
    }
}

/* ---- Validator helpers -------------------------------------------------- */

/* Writes "a, b, c" from a NULL-terminated list. */
static void join_list(char *out, size_t size, const char *const *items)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; items[i]; i++) {
        int w = snprintf(out + used, size - used, "%s%s", i ? ", " : "", items[i]);
        if (w < 0 || (size_t)w >= size - used) return;
        used += (size_t)w;
    }
}

size_t hl_json_check_keys(hl_json_doc_t *doc, const json_t *obj, const char *path,
                          const char *const *allowed)
{
    size_t n = 0;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        bool known = false;
        for (size_t i = 0; allowed[i] && !known; i++)
            known = strcmp(key, allowed[i]) == 0;
        if (known) continue;
        const char *guess = hl_json_suggest(key, allowed);
        if (guess) {
            hl_json_report(doc, path, key, HL_JSON_AT_KEY,
                           "unknown key \"%.60s\" (did you mean \"%s\"?)", key, guess);
        } else {
            char list[512];
            join_list(list, sizeof list, allowed);
            hl_json_report(doc, path, key, HL_JSON_AT_KEY,
                           "unknown key \"%.60s\" (keys allowed here: %s)", key, list);
        }
        n++;
    }
    return n;
}

int hl_json_get(hl_json_doc_t *doc, const json_t *obj, const char *path, const char *key,
                bool required, json_t **out)
{
    json_t *v = json_object_get(obj, key);
    *out = v;
    if (v) return HL_JSON_FOUND;
    if (required) hl_json_report(doc, path, key, HL_JSON_AT_VALUE, "missing key \"%s\"", key);
    return HL_JSON_ABSENT;
}

static int get_typed(hl_json_doc_t *doc, const json_t *obj, const char *path, const char *key,
                     bool required, json_type type, const char *what, json_t **out)
{
    int r = hl_json_get(doc, obj, path, key, required, out);
    if (r != HL_JSON_FOUND) return r;
    if (json_typeof(*out) == type) return HL_JSON_FOUND;
    hl_json_report(doc, path, key, HL_JSON_AT_VALUE, "\"%s\" must be %s, not %s", key, what,
                   hl_json_kind(*out));
    *out = NULL;
    return HL_JSON_BAD;
}

int hl_json_get_object(hl_json_doc_t *doc, const json_t *obj, const char *path, const char *key,
                       bool required, const char *what, json_t **out)
{
    return get_typed(doc, obj, path, key, required, JSON_OBJECT, what, out);
}

int hl_json_get_array(hl_json_doc_t *doc, const json_t *obj, const char *path, const char *key,
                      bool required, const char *what, json_t **out)
{
    return get_typed(doc, obj, path, key, required, JSON_ARRAY, what, out);
}

int hl_json_get_string(hl_json_doc_t *doc, const json_t *obj, const char *path, const char *key,
                       bool required, const char **out)
{
    json_t *v;
    *out = NULL;
    int r = get_typed(doc, obj, path, key, required, JSON_STRING, "a string", &v);
    if (r == HL_JSON_FOUND) *out = json_string_value(v);
    return r;
}

int hl_json_get_int(hl_json_doc_t *doc, const json_t *obj, const char *path, const char *key,
                    bool required, int64_t min, int64_t max, int64_t *out)
{
    json_t *v;
    int r = hl_json_get(doc, obj, path, key, required, &v);
    if (r != HL_JSON_FOUND) return r;
    char range[96];
    if (min == INT64_MIN && max == INT64_MAX)
        snprintf(range, sizeof range, "an integer");
    else if (min == 1 && max == INT64_MAX)
        snprintf(range, sizeof range, "a positive integer (1, 2, 3, ...)");
    else if (max == INT64_MAX)
        snprintf(range, sizeof range, "an integer of at least %lld", (long long)min);
    else
        snprintf(range, sizeof range, "an integer from %lld to %lld", (long long)min,
                 (long long)max);
    if (json_is_real(v)) {
        hl_json_report(doc, path, key, HL_JSON_AT_VALUE,
                       "\"%s\" must be %s, not a real number: write it without a decimal point "
                       "or exponent",
                       key, range);
        return HL_JSON_BAD;
    }
    if (!json_is_integer(v)) {
        const char *hint = json_is_string(v) ? " (write the number without quotes)" : "";
        hl_json_report(doc, path, key, HL_JSON_AT_VALUE, "\"%s\" must be %s, not %s%s", key, range,
                       hl_json_kind(v), hint);
        return HL_JSON_BAD;
    }
    int64_t i = (int64_t)json_integer_value(v);
    if (i < min || i > max) {
        hl_json_report(doc, path, key, HL_JSON_AT_VALUE, "\"%s\" must be %s, not %lld", key, range,
                       (long long)i);
        return HL_JSON_BAD;
    }
    *out = i;
    return HL_JSON_FOUND;
}

int hl_json_get_bool(hl_json_doc_t *doc, const json_t *obj, const char *path, const char *key,
                     bool required, bool *out)
{
    json_t *v;
    int r = hl_json_get(doc, obj, path, key, required, &v);
    if (r != HL_JSON_FOUND) return r;
    if (!json_is_boolean(v)) {
        const char *hint = json_is_string(v) ? " (write it without quotes)" : "";
        hl_json_report(doc, path, key, HL_JSON_AT_VALUE, "\"%s\" must be true or false, not %s%s",
                       key, hl_json_kind(v), hint);
        return HL_JSON_BAD;
    }
    *out = json_is_true(v);
    return HL_JSON_FOUND;
}

int hl_json_get_id(hl_json_doc_t *doc, const json_t *obj, const char *path, const char *key,
                   bool required, size_t max_len, bool allow_dash, const char *what, char *out)
{
    const char *s;
    int r = hl_json_get_string(doc, obj, path, key, required, &s);
    if (r != HL_JSON_FOUND) return r;
    if (!hl_json_id_valid(s, max_len, allow_dash)) {
        hl_json_report(doc, path, key, HL_JSON_AT_VALUE,
                       "%s \"%.60s\"%s must be 1 to %zu characters of a-z, 0-9, '_'%s "
                       "(lower case, no spaces)",
                       what, s, strlen(s) > 60 ? "..." : "", max_len, allow_dash ? " and '-'" : "");
        return HL_JSON_BAD;
    }
    memcpy(out, s, strlen(s) + 1);
    return HL_JSON_FOUND;
}

static bool text_blank(const char *s)
{
    for (; *s; s++)
        if (!strchr(" \t\r\n", *s)) return false;
    return true;
}

int hl_json_get_text(hl_json_doc_t *doc, const json_t *obj, const char *path, const char *key,
                     bool required, const hl_lang_t *langs, size_t n_langs, hl_text_t *out)
{
    return hl_json_get_text_max(doc, obj, path, key, required, langs, n_langs, HL_MAX_TEXT_CHARS,
                                out);
}

/* One character at p[i] (i < len) a text may not hold, or -1. */
static long forbidden_at(const unsigned char *p, size_t i, size_t len)
{
    if ((p[i] < 0x20 && p[i] != '\n') || p[i] == 0x7f) return p[i];
    if (i + 1 < len && p[i] == 0xC2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F)
        return p[i + 1]; /* C1 controls U+0080..U+009F */
    if (i + 1 < len && p[i] == 0xD8 && p[i + 1] == 0x9C) return 0x061C; /* ALM */
    if (i + 2 < len && p[i] == 0xE2 && p[i + 1] == 0x80 &&
        ((p[i + 2] >= 0x8E && p[i + 2] <= 0x8F) || (p[i + 2] >= 0xA8 && p[i + 2] <= 0xAE)))
        return 0x2000 + (p[i + 2] - 0x80); /* LRM RLM, LS PS, LRE..RLO */
    if (i + 2 < len && p[i] == 0xE2 && p[i + 1] == 0x81 && p[i + 2] >= 0xA6 && p[i + 2] <= 0xA9)
        return 0x2040 + (p[i + 2] - 0x80); /* LRI..PDI */
    return -1;
}

long hl_json_text_forbidden(const char *s, size_t len, size_t *at)
{
    for (size_t i = 0; i < len; i++) {
        long c = forbidden_at((const unsigned char *)s, i, len);
        if (c >= 0) {
            if (at) *at = i;
            return c;
        }
    }
    return -1;
}

int hl_json_get_text_max(hl_json_doc_t *doc, const json_t *obj, const char *path, const char *key,
                         bool required, const hl_lang_t *langs, size_t n_langs, size_t max_chars,
                         hl_text_t *out)
{
    memset(out, 0, sizeof *out);
    json_t *t;
    int r =
        get_typed(doc, obj, path, key, required, JSON_OBJECT,
                  "an object of texts by language such as {\"vi\": \"...\", \"en\": \"...\"}", &t);
    if (r != HL_JSON_FOUND) return r;
    char tpath[HL_JSON_PATH_MAX];
    hl_json_path_key(tpath, path, key);
    bool bad = false;
    const char *code;
    json_t *v;
    json_object_foreach(t, code, v)
    {
        hl_lang_t lang;
        if (!hl_lang_parse(code, &lang)) {
            char list[64];
            hl_json_langs_list(list, sizeof list);
            hl_json_report(doc, tpath, code, HL_JSON_AT_KEY,
                           "unknown language \"%.20s\" (supported: %s)", code, list);
            bad = true;
            continue;
        }
        bool declared = n_langs == 0;
        for (size_t i = 0; i < n_langs && !declared; i++)
            declared = langs[i] == lang;
        if (!declared) {
            hl_json_report(doc, tpath, code, HL_JSON_AT_KEY,
                           "text in \"%s\", which \"languages\" does not declare: add \"%s\" to "
                           "\"languages\" or remove this text",
                           code, code);
            bad = true;
            continue;
        }
        if (!json_is_string(v)) {
            hl_json_report(doc, tpath, code, HL_JSON_AT_VALUE,
                           "the \"%s\" text must be a string, not %s", code, hl_json_kind(v));
            bad = true;
            continue;
        }
        const char *s = json_string_value(v);
        size_t chars = hl_json_utf8_chars(s, json_string_length(v));
        if (text_blank(s)) {
            hl_json_report(doc, tpath, code, HL_JSON_AT_VALUE,
                           "the \"%s\" text is empty: write the text", code);
            bad = true;
        } else if (hl_json_text_forbidden(s, json_string_length(v), NULL) >= 0) {
            hl_json_report(doc, tpath, code, HL_JSON_AT_VALUE,
                           "the \"%s\" text holds the character U+%04lX, which a screen cannot "
                           "show (a control character, or a mark that reverses the text's "
                           "direction): remove it; write a line break as \\n",
                           code,
                           (unsigned long)hl_json_text_forbidden(s, json_string_length(v), NULL));
            bad = true;
        } else if (chars > max_chars) {
            hl_json_report(doc, tpath, code, HL_JSON_AT_VALUE,
                           "the \"%s\" text is %zu characters long; the limit is %zu: shorten it",
                           code, chars, max_chars);
            bad = true;
        } else if (!bad) {
            out->s[lang] = strdup(s);
            if (!out->s[lang]) {
                doc->nomem = true;
                bad = true;
            }
        }
    }
    for (size_t i = 0; i < n_langs; i++) {
        if (!json_object_get(t, hl_lang_code(langs[i]))) {
            hl_json_report(doc, tpath, NULL, HL_JSON_AT_VALUE, "missing translation for \"%s\"",
                           hl_lang_code(langs[i]));
            bad = true;
        }
    }
    if (bad) {
        hl_text_free(out);
        return HL_JSON_BAD;
    }
    return HL_JSON_FOUND;
}
