/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * survey_int.h: what the survey loader's files share (hl_survey.c: the walk
 * of the file; hl_survey_note.c: a note's keys and its picture, and the
 * form of a path to a file beside the survey; hl_survey_audio.c: the
 * recordings of its texts). Nothing outside firmware/model includes it.
 */
#ifndef HL_SURVEY_INT_H
#define HL_SURVEY_INT_H

#include "hl_json.h"
#include "hl_survey.h"

/* Where a survey's pictures and recordings are: the folder their paths are
 * relative to. */
typedef struct survey_files {
    const char *root; /* read under it with no link followed (NULL: from memory, not read) */
    char *rel;        /* owned: the survey's folder below root ("" for root itself) */
    char *shown;      /* owned: the survey's folder as a path, for resolved paths */
} survey_files_t;

/* The kinds of file a survey names beside itself (for messages). */
typedef enum survey_file_kind { SURVEY_FILE_PICTURE = 0, SURVEY_FILE_RECORDING } survey_file_kind_t;

/* A question's note keys: on a note, "body" (required, HL_NOTE_BODY_MAX
 * characters per language), "image" (optional: path form, then the file when
 * files->root is set) and no "required"; on other types, neither "body" nor
 * "image". typed: q->type is known. */
void survey_check_note_keys(hl_json_doc_t *doc, const hl_survey_t *s, hl_question_t *q,
                            const json_t *qobj, const char *qpath, bool typed,
                            const survey_files_t *files);

/* Why a path to a file of that kind as written in a survey is refused, or
 * NULL when its form is fine: relative, no ".." part, no empty part, at most
 * HL_NOTE_IMAGE_PATH bytes. */
const char *survey_file_path_problem(const char *rel, survey_file_kind_t kind);

/* path/rel joined with one '/' (rel alone when path is ""): malloc'd. */
char *survey_join(const char *path, const char *rel);

/* The recordings of the texts of the survey (title, thanks, consent), of a
 * question q (text, hint, body) and of an option (label): the "audio" object
 * of obj (at path) checked and each recording listed in s->recordings with
 * its text. A recording needs its text key beside it; its files are
 * checked as survey_files_t says. */
void survey_audio_survey(hl_json_doc_t *doc, hl_survey_t *s, const json_t *obj,
                         const survey_files_t *files);
void survey_audio_question(hl_json_doc_t *doc, hl_survey_t *s, hl_question_t *q, const json_t *obj,
                           const char *path, const survey_files_t *files);
void survey_audio_option(hl_json_doc_t *doc, hl_survey_t *s, hl_option_t *opt, const json_t *obj,
                         const char *path, const survey_files_t *files);

/* The kind of picture in bytes (1 PNG, 2 JPEG, 0 neither) and its size in
 * pixels read from its header (0 x 0 when the header holds none). */
int survey_image_probe(const unsigned char *b, size_t len, int *w, int *h);

#endif
