/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_survey_note.c: the keys of a note (a page the citizen reads before the
 * questions that follow): its body, and its optional picture, checked as any
 * file we did not write: its path must stay in the survey's folder (no
 * absolute path, no "..", no link on the way; survey_file_path_problem, the
 * same for recordings), and the file must be a PNG or JPEG of bounded bytes
 * and pixels, so that what `hailong check` accepts is what the kiosk can
 * draw. hl_survey_first_file names the first file a survey needs beside it.
 */
#include "survey_int.h"

#include "hl_sys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *survey_file_path_problem(const char *rel, survey_file_kind_t kind)
{
    bool pic = kind == SURVEY_FILE_PICTURE;
    if (!rel[0])
        return pic ? "is empty: give a PNG or JPEG file in the survey's folder"
                   : "is empty: give a WAV file in the survey's folder";
    if (strlen(rel) > HL_NOTE_IMAGE_PATH) return "is too long (more than 255 bytes)";
    if (rel[0] == '/')
        return pic ? "is an absolute path: give a path relative to the survey's folder, such as "
                     "\"gio-lam-viec.png\""
                   : "is an absolute path: give a path relative to the survey's folder, such as "
                     "\"giong/cau-1.wav\"";
    for (const char *p = rel; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return pic ? "leaves the survey's folder (\"..\"): put the picture in the survey's "
                         "folder or below it"
                       : "leaves the survey's folder (\"..\"): put the recording in the survey's "
                         "folder or below it";
        if (n == 0) return "has an empty part (\"//\" or a final \"/\")";
        p += n + (p[n] == '/');
    }
    return NULL;
}

static int be16(const unsigned char *b)
{
    return (b[0] << 8) | b[1];
}

int survey_image_probe(const unsigned char *b, size_t len, int *w, int *h)
{
    *w = *h = 0;
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (len >= 24 && memcmp(b, png, 8) == 0 && memcmp(b + 12, "IHDR", 4) == 0) {
        unsigned long pw = (unsigned long)b[16] << 24 | (unsigned long)b[17] << 16 |
                           (unsigned long)b[18] << 8 | b[19];
        unsigned long ph = (unsigned long)b[20] << 24 | (unsigned long)b[21] << 16 |
                           (unsigned long)b[22] << 8 | b[23];
        *w = pw > 1000000 ? 1000000 : (int)pw;
        *h = ph > 1000000 ? 1000000 : (int)ph;
        return 1;
    }
    if (len < 4 || b[0] != 0xFF || b[1] != 0xD8 || b[2] != 0xFF) return 0;
    /* JPEG: walk the segments to the first frame header (SOF0..SOF15 but
     * DHT C4, JPG C8 and DAC CC), which holds the height then the width. */
    size_t i = 2;
    while (i + 4 <= len) {
        if (b[i] != 0xFF) return 2;
        unsigned m = b[i + 1];
        if (m == 0xFF) {
            i++;
            continue;
        }
        if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
            i += 2;
            continue;
        }
        if (m == 0xD9 || m == 0xDA) return 2;
        int seg = be16(b + i + 2);
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
            if (i + 9 <= len) {
                *h = be16(b + i + 5);
                *w = be16(b + i + 7);
            }
            return 2;
        }
        if (seg < 2) return 2;
        i += 2 + (size_t)seg;
    }
    return 2;
}

char *survey_join(const char *path, const char *rel)
{
    size_t a = strlen(path), r = strlen(rel);
    char *out = malloc(a + 1 + r + 1);
    if (!out) return NULL;
    memcpy(out, path, a);
    size_t at = a;
    if (a > 0 && path[a - 1] != '/') out[at++] = '/';
    memcpy(out + at, rel, r + 1);
    return out;
}

/* The picture file: under the survey's folder, a PNG or JPEG in the limits. */
static void check_image_file(hl_json_doc_t *doc, hl_question_t *q, const char *qpath,
                             const char *rel, const survey_files_t *files)
{
    char *under = survey_join(files->rel, rel);
    if (!under) {
        doc->nomem = true;
        return;
    }
    char *bytes = NULL;
    size_t len = 0;
    hl_err_t err = {0};
    int rc = hl_file_read(files->root, under, HL_NOTE_IMAGE_BYTES, 0, &bytes, &len, &err);
    free(under);
    if (rc == HL_ERR_NOMEM) {
        doc->nomem = true;
        return;
    }
    if (rc != HL_OK) {
        hl_json_report(doc, qpath, "image", HL_JSON_AT_VALUE,
                       "the picture cannot be used: %s (a PNG or JPEG of at most 1 MiB in the "
                       "survey's folder, not a link)",
                       err.msg);
        return;
    }
    int w, h;
    int kind = survey_image_probe((const unsigned char *)bytes, len, &w, &h);
    free(bytes);
    if (!kind)
        hl_json_report(doc, qpath, "image", HL_JSON_AT_VALUE,
                       "\"%.60s\" is not a PNG or JPEG picture", rel);
    else if (w < 1 || h < 1)
        hl_json_report(doc, qpath, "image", HL_JSON_AT_VALUE,
                       "\"%.60s\": the picture's size cannot be read (a damaged file?)", rel);
    else if (w > HL_NOTE_IMAGE_SIDE || h > HL_NOTE_IMAGE_SIDE)
        hl_json_report(doc, qpath, "image", HL_JSON_AT_VALUE,
                       "\"%.60s\" is %d x %d pixels; the limit is %d x %d: make it smaller", rel, w,
                       h, HL_NOTE_IMAGE_SIDE, HL_NOTE_IMAGE_SIDE);
    else {
        q->image_w = w;
        q->image_h = h;
    }
}

static void check_image(hl_json_doc_t *doc, hl_question_t *q, const json_t *qobj, const char *qpath,
                        const survey_files_t *files)
{
    const char *rel;
    if (hl_json_get_string(doc, qobj, qpath, "image", false, &rel) != HL_JSON_FOUND) return;
    const char *why = strlen(rel) != json_string_length(json_object_get(qobj, "image"))
                          ? "contains a NUL character"
                          : survey_file_path_problem(rel, SURVEY_FILE_PICTURE);
    if (why) {
        hl_json_report(doc, qpath, "image", HL_JSON_AT_VALUE, "\"image\" %s", why);
        return;
    }
    if (files->root) check_image_file(doc, q, qpath, rel, files);
    q->image = survey_join(files->shown ? files->shown : "", rel);
    q->image_rel = strdup(rel);
    if (!q->image || !q->image_rel) doc->nomem = true;
}

void survey_check_note_keys(hl_json_doc_t *doc, const hl_survey_t *s, hl_question_t *q,
                            const json_t *qobj, const char *qpath, bool typed,
                            const survey_files_t *files)
{
    if (!typed) return;
    if (q->type != HL_Q_NOTE) {
        const char *note_keys[] = {"body", "image"};
        for (int k = 0; k < 2; k++)
            if (json_object_get(qobj, note_keys[k]))
                hl_json_report(doc, qpath, note_keys[k], HL_JSON_AT_KEY,
                               "\"%s\" is not allowed on a %s question: only notes have it",
                               note_keys[k], hl_qtype_name(q->type));
        return;
    }
    if (json_object_get(qobj, "required"))
        hl_json_report(doc, qpath, "required", HL_JSON_AT_KEY,
                       "\"required\" makes no sense on a note: a note is read, not answered; "
                       "remove it");
    q->required = false;
    hl_json_get_text_max(doc, qobj, qpath, "body", true, s->langs, s->n_langs, HL_NOTE_BODY_MAX,
                         &q->body);
    check_image(doc, q, qobj, qpath, files);
}

const char *hl_survey_first_file(const hl_survey_t *s)
{
    for (size_t i = 0; i < s->n_questions; i++)
        if (s->questions[i].image_rel) return s->questions[i].image_rel;
    return s->n_recordings ? s->recordings[0].rel : NULL;
}
