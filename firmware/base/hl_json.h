/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_json.h: loading a JSON file for validation, and the small helpers the
 * survey and config validators share.
 *
 * jansson parses and checks the text but keeps no positions, so a document
 * also carries a position index built by its own scanner (on the first
 * lookup, so a valid file never pays for it): for every value it records the
 * line and column (1-based, column in characters like jansson's) of the
 * value and of its key. Validators name places by JSON path, as shown to
 * people ("questions[2].options[1].id"), split into the path of the enclosing
 * value and the key inside it, so that a key holding '.' or '[' is still
 * found.
 *
 * Problems are collected on the document, then sorted by place and appended
 * to the caller's list by hl_json_doc_finish. After HL_JSON_MAX_PROBLEMS
 * problems a document records one last "too many problems" line and no more:
 * a hostile file cannot flood the screen or the memory.
 */
#ifndef HL_JSON_H
#define HL_JSON_H

#include "hl_diag.h"
#include "hl_lang.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HL_JSON_MAX_PROBLEMS 100 /* problems kept for one file */
#define HL_JSON_PATH_MAX     256 /* longest JSON path shown (longer ones are cut) */

struct hl_json_index; /* position index, private to hl_json.c */

typedef struct hl_json_doc {
    char *name;                  /* owned: file name used in diagnostics */
    char *source;                /* owned: the bytes, NUL-terminated; NULL before loading */
    size_t len;                  /* bytes in source (without the added NUL) */
    json_t *root;                /* owned reference: the parsed document, or NULL */
    hl_diags_t problems;         /* owned: problems found so far, in the order found */
    size_t n_dropped;            /* problems not kept after HL_JSON_MAX_PROBLEMS */
    bool nomem;                  /* an allocation failed: the load must fail with HL_ERR_NOMEM */
    struct hl_json_index *index; /* owned: built on the first position lookup */
} hl_json_doc_t;

/* Where a value is: line and column of its first character, and of its key's
 * opening quote (the same as the value for array elements and the root). */
typedef struct hl_json_place {
    int line, col;
    int key_line, key_col;
} hl_json_place_t;

/* What to point at when reporting a member. */
typedef enum hl_json_at {
    HL_JSON_AT_VALUE = 0, /* a bad value; for an object, its opening brace */
    HL_JSON_AT_KEY        /* an unknown or misplaced key */
} hl_json_at_t;

/* Results of the getters below. */
enum { HL_JSON_BAD = -1, HL_JSON_ABSENT = 0, HL_JSON_FOUND = 1 };

/* ---- Loading ------------------------------------------------------------ */

/* Reads a file (hl_file_read: never blocks on a FIFO or a device; at most
 * HL_MAX_FILE_BYTES) and parses it with jansson (duplicate keys rejected).
 * Returns HL_OK; HL_ERR_IO when the file cannot be read; HL_ERR_INVALID when
 * it is not a regular file, too big or not JSON (a problem recorded,
 * doc->root NULL); HL_ERR_NOMEM. doc is always initialised: free it. */
int hl_json_doc_load_file(hl_json_doc_t *doc, const char *path);

/* Same from memory; name is used in diagnostics. text need not end in NUL. */
int hl_json_doc_load_text(hl_json_doc_t *doc, const char *name, const char *text, size_t len);

/* Flags of the _flags variants. Syntax errors never quote the text near
 * them, only a key, a punctuation character or a misspelt literal ("invalid
 * token near 'tru'"): a file that does not parse could be a config holding
 * secrets, whatever it was meant to be. HL_JSON_HIDE_TEXT says so for a
 * config and is kept for its callers; it changes nothing any more. */
#define HL_JSON_HIDE_TEXT 1u
int hl_json_doc_load_file_flags(hl_json_doc_t *doc, const char *path, unsigned flags);
/* Same for root/path read as hl_file_read does it (root: a USB stick, no link
 * followed below it; NULL: path as given); named root/path in diagnostics. */
int hl_json_doc_load_file_at(hl_json_doc_t *doc, const char *root, const char *path,
                             unsigned flags);
int hl_json_doc_load_text_flags(hl_json_doc_t *doc, const char *name, const char *text, size_t len,
                                unsigned flags);

/* Sorts the document's problems by place and appends them to out (may be
 * NULL); returns how many problems the document had. */
size_t hl_json_doc_finish(hl_json_doc_t *doc, hl_diags_t *out);

void hl_json_doc_free(hl_json_doc_t *doc);

/* ---- Places and problems ------------------------------------------------ */

/* Finds the value at path (key NULL) or the member key of the value at path.
 * path "" is the root. False when there is no such value. */
bool hl_json_find(hl_json_doc_t *doc, const char *path, const char *key, hl_json_place_t *out);

/* Records a problem at the member key of the value at path (key NULL: the
 * value at path itself). When that place is not in the document, the nearest
 * enclosing value is used. The path shown is path + "." + key. */
void hl_json_report(hl_json_doc_t *doc, const char *path, const char *key, hl_json_at_t at,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Records a problem with no place in the file (line and column 0). */
void hl_json_report_file(hl_json_doc_t *doc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* out = parent + "." + key (just key at the root), cut to HL_JSON_PATH_MAX. */
void hl_json_path_key(char out[HL_JSON_PATH_MAX], const char *parent, const char *key);

/* out = parent + "[i]". */
void hl_json_path_index(char out[HL_JSON_PATH_MAX], const char *parent, size_t i);

/* ---- Small helpers ------------------------------------------------------ */

/* "an object", "an array", "a string", "an integer", "a real number",
 * "true", "false", "null": for "must be X, not Y" messages. */
const char *hl_json_kind(const json_t *v);

/* The candidate closest to word (at most two edits, counting a swap of two
 * neighbours as one), or NULL. candidates is NULL-terminated. */
const char *hl_json_suggest(const char *word, const char *const *candidates);

/* Code points in a valid UTF-8 string of len bytes. */
size_t hl_json_utf8_chars(const char *s, size_t len);

/* True when s is 1..max_len characters of a-z, 0-9, '_' (and '-' if
 * allow_dash). */
bool hl_json_id_valid(const char *s, size_t max_len, bool allow_dash);

/* Writes "vi, en" (the codes hl_lang knows) into out. */
void hl_json_langs_list(char *out, size_t size);

/* ---- Validator helpers ---------------------------------------------------
 * Each takes the object obj found at path and one of its keys. They return
 * HL_JSON_FOUND with *out set, HL_JSON_ABSENT (a "missing key" problem
 * recorded at obj's brace when required), or HL_JSON_BAD (problem recorded at
 * the value). */

/* Reports each key of obj not in allowed (NULL-terminated) at the key, with a
 * did-you-mean or the list of allowed keys. Returns the number reported. */
size_t hl_json_check_keys(hl_json_doc_t *doc, const json_t *obj, const char *path,
                          const char *const *allowed);

/* Any JSON value. */
int hl_json_get(hl_json_doc_t *doc, const json_t *obj, const char *path, const char *key,
                bool required, json_t **out);

/* An object or an array (what says how to write it in messages, e.g.
 * "an object such as {\"idle_s\": 30}"). */
int hl_json_get_object(hl_json_doc_t *doc, const json_t *obj, const char *path, const char *key,
                       bool required, const char *what, json_t **out);
int hl_json_get_array(hl_json_doc_t *doc, const json_t *obj, const char *path, const char *key,
                      bool required, const char *what, json_t **out);

/* A string; *out points into obj. */
int hl_json_get_string(hl_json_doc_t *doc, const json_t *obj, const char *path, const char *key,
                       bool required, const char **out);

/* An integer in min..max (max INT64_MAX: no upper bound). Reals such as 3.0
 * are rejected. */
int hl_json_get_int(hl_json_doc_t *doc, const json_t *obj, const char *path, const char *key,
                    bool required, int64_t min, int64_t max, int64_t *out);

int hl_json_get_bool(hl_json_doc_t *doc, const json_t *obj, const char *path, const char *key,
                     bool required, bool *out);

/* An id: 1..max_len of [a-z0-9_] (and '-' if allow_dash); out holds
 * max_len + 1 bytes. what names it in messages ("survey id"). */
int hl_json_get_id(hl_json_doc_t *doc, const json_t *obj, const char *path, const char *key,
                   bool required, size_t max_len, bool allow_dash, const char *what, char *out);

/* The first character of s[0..len) that a text shown on a screen may not
 * hold: a control character other than a line break (C0, DEL, C1), a line
 * or paragraph separator, or a mark that changes the text's direction
 * (U+200E/F, U+061C, U+202A..E, U+2066..9: nothing in Vietnamese or
 * English needs one, and they can reorder what a reader sees). Its code
 * point, or -1 when none; *at (may be NULL) gets its byte offset.
 * hl_json_get_text refuses such texts. */
long hl_json_text_forbidden(const char *s, size_t len, size_t *at);

/* A text: an object of language code -> non-empty string of at most
 * HL_MAX_TEXT_CHARS characters. With langs (n_langs > 0) every declared
 * language is required and others are errors; with n_langs == 0 any language
 * hl_lang knows may appear, and any may be missing. On HL_JSON_FOUND, out
 * owns copies of the texts given (out is cleared first in every case). Any
 * problem inside the text makes it HL_JSON_BAD. */
int hl_json_get_text(hl_json_doc_t *doc, const json_t *obj, const char *path, const char *key,
                     bool required, const hl_lang_t *langs, size_t n_langs, hl_text_t *out);

/* The same with max_chars in place of HL_MAX_TEXT_CHARS (a note's body). */
int hl_json_get_text_max(hl_json_doc_t *doc, const json_t *obj, const char *path, const char *key,
                         bool required, const hl_lang_t *langs, size_t n_langs, size_t max_chars,
                         hl_text_t *out);

#endif
