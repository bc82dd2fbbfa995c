/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_survey.h: the survey model, its loader/validator, and answer values.
 *
 * A survey is a JSON file (format 1, documented in assets/surveys/README.md)
 * loaded once at start-up into the read-only model below. The loader checks
 * everything a technician can get wrong and reports every problem with file,
 * line and column (hl_diag.h); a survey that loads is safe to run.
 *
 * Answer values are text, the same in the flow, the store and the exports:
 *   smiley, choice  option id             "very_satisfied"
 *   multi           option ids joined by '|' in the survey's option order
 *   stars           "1".."5"             nps    "0".."10"
 *   yesno           "yes" / "no"          number digits as typed ("00123")
 *   text            the citizen's words as typed: UTF-8 NFC, no control character
 *                   but line feed, spaces and line breaks trimmed at both ends,
 *                   at most max_chars code points (hl_text_answer_make)
 *   note            none: a note is read, never answered (no value, no column)
 *   contact         a Vietnamese phone number: 10 digits, the first 0 ("0912345678");
 *                   always optional, at most one per survey, and only in a survey
 *                   with "consent" (the text shown with it, in every language)
 *
 * A note's picture is checked where the survey's folder is known: loaded
 * from a file (hl_survey_load_file, _at), the file must be a PNG or JPEG
 * within the limits, under the survey's folder, reached through no link.
 * Loaded from memory (a stored survey's bytes) only the path's form is
 * checked: there is no folder to look in.
 *
 * Recordings (a recorded human voice for a text in one language: the
 * "audio" objects beside the texts) are checked the same way: a path in the
 * survey's folder ending in .wav; loaded from a file, a regular file of at
 * most HL_AUDIO_FILE_BYTES reached through no link, starting with a
 * RIFF/WAVE header. Whether its sound plays (PCM 16-bit, rate, length) is
 * firmware/speech's to say (hl_wav): `hailong check` and the kiosk check it
 * there (hl_voice_check_recordings). The survey lists its recordings
 * (recordings) for an install's copy and those checks; speech finds a text's
 * own with hl_survey_audio.
 */
#ifndef HL_SURVEY_H
#define HL_SURVEY_H

#include "hl_diag.h"
#include "hl_err.h"
#include "hl_lang.h"
#include "hl_limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A recording's WAV file, at most (hl_wav's HL_WAV_MAX_BYTES); its path as
 * written is at most HL_NOTE_IMAGE_PATH bytes, as a picture's. */
#define HL_AUDIO_FILE_BYTES (12 * 1024 * 1024)

typedef enum hl_qtype {
    HL_Q_SMILEY = 0, /* 3 or 5 options, best first; score = rank from the worst (1) */
    HL_Q_STARS,      /* 1..5; score = stars */
    HL_Q_CHOICE,     /* one option; no score */
    HL_Q_MULTI,      /* several options, at most max_choices; no score */
    HL_Q_NPS,        /* 0..10; score = value */
    HL_Q_YESNO,      /* "yes"/"no"; no score */
    HL_Q_NUMBER,     /* digits on a keypad; score = numeric value */
    HL_Q_TEXT,       /* the citizen's own words, typed on the on-screen keyboard; no score */
    HL_Q_NOTE,       /* a page to read (body, maybe a picture) and "continue": nothing stored */
    HL_Q_CONTACT,    /* a phone number on the keypad, always optional, with the survey's consent */
    HL_Q_TYPE_COUNT
} hl_qtype_t;

typedef struct hl_option {
    char id[HL_ITEM_ID_MAX + 1]; /* [a-z0-9_]{1,32} */
    hl_text_t label;             /* owned; given for every survey language */
} hl_option_t;

typedef enum hl_cond_kind {
    HL_COND_NONE = 0, /* always shown */
    HL_COND_ANY_OF,   /* shown when the referenced answer contains one of any_of */
    HL_COND_AT_MOST,  /* shown when the referenced score <= bound */
    HL_COND_AT_LEAST  /* shown when the referenced score >= bound */
} hl_cond_kind_t;

typedef struct hl_cond {
    hl_cond_kind_t kind;
    int question;  /* index of the referenced (earlier) question; -1 for NONE */
    char **any_of; /* owned option ids (ANY_OF only) */
    size_t n_any_of;
    int64_t bound; /* AT_MOST / AT_LEAST */
} hl_cond_t;

typedef struct hl_question {
    char id[HL_ITEM_ID_MAX + 1]; /* [a-z0-9_]{1,32}, unique in the survey */
    hl_qtype_t type;
    bool required;        /* default false: next/skip allowed unanswered */
    hl_text_t text;       /* owned question text */
    hl_option_t *options; /* owned; smiley, choice, multi only (NULL otherwise) */
    size_t n_options;
    int max_choices;            /* multi: 1..n_options (n_options when absent) */
    int min_digits, max_digits; /* number: 1 <= min <= max <= 18 (defaults 1, 12) */
    int max_chars;              /* text: 1..HL_TEXT_ANSWER_MAX code points (default 500) */
    hl_text_t hint;             /* text: shown in the empty box, in every survey language */
    hl_text_t body;             /* note: the page's text, paragraphs split by '\n' */
    char *image;                /* note: owned picture path resolved against the survey's
                                   folder, or NULL */
    char *image_rel;            /* note: owned picture path as written (relative to the
                                   survey's folder, its form checked), or NULL */
    int image_w, image_h;       /* note: the picture's pixels (0 when not read: from memory) */
    hl_cond_t show_if;          /* when the question is shown */
} hl_question_t;

/* A recording of the survey: one of its texts said in one language. */
typedef struct hl_recording {
    const hl_text_t *text; /* the text it says (in this survey's model, not owned) */
    hl_lang_t lang;        /* the language it speaks */
    char *path;            /* owned: the WAV file, resolved against the survey's folder */
    char *rel;             /* owned: the path as written, relative to the survey's folder */
    char *where;           /* owned: its JSON path, such as "questions[0].audio.text.vi" */
    int line, col;         /* the place of that path in the survey's file */
} hl_recording_t;

typedef struct hl_survey {
    char id[HL_SURVEY_ID_MAX + 1];  /* [a-z0-9_-]{1,40} */
    int64_t version;                /* positive; bumped on every change */
    char sha256[65];                /* hex SHA-256 of the file's bytes */
    hl_lang_t langs[HL_LANG_COUNT]; /* declared languages; langs[0] is the default */
    size_t n_langs;
    hl_text_t title;
    hl_text_t thanks;
    hl_text_t consent;        /* shown with a contact question (required with one; else empty) */
    hl_question_t *questions; /* owned, 1..HL_MAX_QUESTIONS */
    size_t n_questions;
    hl_recording_t *recordings; /* owned: every recording, as the loader met them (NULL: none) */
    size_t n_recordings;
    char *source; /* owned: the file's bytes, NUL-terminated */
    size_t source_len;
    char *file; /* owned: the path it was loaded from */
} hl_survey_t;

/* Loads and validates a survey file. On success returns HL_OK and *out owns a
 * survey. On failure returns HL_ERR_INVALID (every problem appended to diags)
 * or HL_ERR_IO (unreadable file, also appended to diags), and *out is NULL. */
int hl_survey_load_file(const char *path, hl_survey_t **out, hl_diags_t *diags);

/* Same for root/path read the way hl_file_read does (root: a USB stick's
 * mount point, no link followed below it; NULL: hl_survey_load_file(path)). */
int hl_survey_load_file_at(const char *root, const char *path, hl_survey_t **out,
                           hl_diags_t *diags);

/* Same from memory; name is used in diagnostics and kept as ->file. */
int hl_survey_load_text(const char *name, const char *text, size_t len, hl_survey_t **out,
                        hl_diags_t *diags);

void hl_survey_free(hl_survey_t *s);

/* Index of a question or option by id, or -1. */
int hl_survey_find_question(const hl_survey_t *s, const char *qid);
int hl_question_find_option(const hl_question_t *q, const char *oid);

/* The recording of text t (one of s's: its title, a question's text, an
 * option's label...) in lang exactly, the path of its WAV file; NULL when it
 * has none in lang (then it is synthesised). */
const char *hl_survey_audio(const hl_survey_t *s, const hl_text_t *t, hl_lang_t lang);

/* The first file the survey names beside it (a note's picture, else a
 * recording: its path as written), NULL when none. A survey that comes
 * without its folder (over the network) must name none. */
const char *hl_survey_first_file(const hl_survey_t *s);

/* True when the survey declares lang. */
bool hl_survey_has_lang(const hl_survey_t *s, hl_lang_t lang);

/* "smiley", "stars", ... */
const char *hl_qtype_name(hl_qtype_t t);

/* False for a note: its question stores no answer and has no column in
 * exports, no bar in results, no place in the progress count. */
bool hl_question_answerable(const hl_question_t *q);

/* True for the types answered with one tap that move on by themselves
 * (smiley, stars, choice, nps, yesno); multi and number move on with next. */
bool hl_qtype_auto_advance(hl_qtype_t t);

/* Turns the values a person chose (option ids, a number, digits, a text) into the
 * stored text form described above, or fails with HL_ERR_USAGE and a message
 * naming what is wrong (unknown option, too many choices, out of range, ...).
 * An empty multi (n == 0) is an error: "no answer" is not a value. */
int hl_question_make_value(const hl_question_t *q, const char *const *vals, size_t n,
                           char out[HL_VALUE_MAX], hl_err_t *err);

/* The score of a stored value for comparable types (smiley, stars, nps,
 * number); false for other types or a malformed value. */
bool hl_question_score(const hl_question_t *q, const char *value, int64_t *score);

/* Whether question q is shown, given the stored value of the question its
 * show_if refers to (NULL when that question is unanswered or hidden: then a
 * conditional question is hidden). */
bool hl_survey_cond_holds(const hl_survey_t *s, const hl_question_t *q, const char *ref_value);

#endif
