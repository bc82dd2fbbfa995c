/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_survey_audio.c: the recorded voices of a survey's texts (issue 17).
 * Beside the texts of an object (the survey's title, thanks and consent; a
 * question's text, hint and body; an option's label), an "audio" object
 * maps a text's key to WAV files by language, paths relative to the survey
 * file's folder:
 *
 *     "text": {"vi": "Ông/Bà hài lòng không?", "en": "Are you satisfied?"},
 *     "audio": {"text": {"vi": "giong/cau-1.wav"}}
 *
 * A recording is optional per text and per language (a language without one
 * is synthesised). Each is checked as any file we did not write: a path
 * that stays in the survey's folder and names a .wav file with no control
 * character (the path travels inside speech requests, hl_ui_speech.h);
 * loaded from a file, a regular file of at most HL_AUDIO_FILE_BYTES reached
 * through no link, starting with a RIFF/WAVE header. The model cannot decode
 * sound (firmware/speech sits above it): whether the WAV plays is checked
 * by `hailong check` and the kiosk with hl_wav. Each recording is listed
 * with its text and its place in the file (hl_survey_t.recordings: for
 * speech, hl_survey_audio; for those checks and an install's copy).
 */
#include "survey_int.h"

#include "hl_sys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char audio_save_as[] =
    "save the recording as WAV, 16-bit PCM (e.g. Audacity: Export, WAV, Signed 16-bit PCM)";

/* Why rel (len bytes as the JSON string holds it) cannot name a recording,
 * or NULL. */
static const char *audio_path_problem(const char *rel, size_t len)
{
    if (strlen(rel) != len) return "contains a NUL character";
    const char *why = survey_file_path_problem(rel, SURVEY_FILE_RECORDING);
    if (why) return why;
    for (const unsigned char *p = (const unsigned char *)rel; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return "holds a control character: rename the file";
    if (len < 5 || strcasecmp(rel + len - 4, ".wav") != 0)
        return "does not name a .wav file: give the WAV file's name, such as \"giong/cau-1.wav\"";
    return NULL;
}

/* The recording's file under the survey's folder: a regular file in the
 * limits, reached through no link, starting RIFF....WAVE. */
static void audio_check_file(hl_json_doc_t *doc, const char *fpath, const char *code,
                             const char *rel, const survey_files_t *files)
{
    char *under = survey_join(files->rel, rel);
    if (!under) {
        doc->nomem = true;
        return;
    }
    hl_err_t err = {0};
    int fd = hl_file_open(files->root, under, HL_AUDIO_FILE_BYTES, 0, &err);
    free(under);
    if (fd < 0) {
        if (err.code == HL_ERR_NOMEM) {
            doc->nomem = true;
            return;
        }
        hl_json_report(doc, fpath, code, HL_JSON_AT_VALUE,
                       "the recording cannot be used: %s (a WAV file of at most 12 MiB in the "
                       "survey's folder, not a link)",
                       err.msg);
        return;
    }
    unsigned char head[12];
    size_t got = 0;
    while (got < sizeof head) {
        ssize_t r = read(fd, head + got, sizeof head - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fd);
    if (got < sizeof head || memcmp(head, "RIFF", 4) || memcmp(head + 8, "WAVE", 4))
        hl_json_report(doc, fpath, code, HL_JSON_AT_VALUE,
                       "\"%.60s\" is not a WAV file (no RIFF/WAVE header): %s", rel, audio_save_as);
}

/* Lists the recording rel (at fpath.code) of text in lang. */
static void audio_keep(hl_json_doc_t *doc, hl_survey_t *s, const hl_text_t *text, hl_lang_t lang,
                       const char *fpath, const char *code, const char *rel,
                       const survey_files_t *files)
{
    if (s->n_recordings % 16 == 0) {
        hl_recording_t *more =
            realloc(s->recordings, (s->n_recordings + 16) * sizeof *s->recordings);
        if (!more) {
            doc->nomem = true;
            return;
        }
        s->recordings = more;
    }
    char where[HL_JSON_PATH_MAX];
    hl_json_path_key(where, fpath, code);
    hl_json_place_t pl = {0};
    hl_json_find(doc, fpath, code, &pl);
    hl_recording_t *r = &s->recordings[s->n_recordings++];
    *r = (hl_recording_t){.text = text,
                          .lang = lang,
                          .path = survey_join(files->shown ? files->shown : "", rel),
                          .rel = strdup(rel),
                          .where = strdup(where),
                          .line = pl.line,
                          .col = pl.col};
    if (!r->path || !r->rel || !r->where) doc->nomem = true;
}

/* The recordings of one text (field), rec the value of "audio".field at apath. */
static void audio_field(hl_json_doc_t *doc, hl_survey_t *s, const json_t *rec, const char *apath,
                        const char *field, const hl_text_t *text, const survey_files_t *files)
{
    if (!json_is_object(rec)) {
        hl_json_report(doc, apath, field, HL_JSON_AT_VALUE,
                       "the recordings of \"%s\" must be an object of WAV files by language such "
                       "as {\"vi\": \"giong/cau-1.wav\"}, not %s",
                       field, hl_json_kind(rec));
        return;
    }
    char fpath[HL_JSON_PATH_MAX];
    hl_json_path_key(fpath, apath, field);
    const char *code;
    json_t *v;
    json_object_foreach((json_t *)rec, code, v)
    {
        hl_lang_t lang;
        if (!hl_lang_parse(code, &lang)) {
            char list[64];
            hl_json_langs_list(list, sizeof list);
            hl_json_report(doc, fpath, code, HL_JSON_AT_KEY,
                           "unknown language \"%.20s\" (supported: %s)", code, list);
            continue;
        }
        if (s->n_langs > 0 && !hl_survey_has_lang(s, lang)) {
            hl_json_report(doc, fpath, code, HL_JSON_AT_KEY,
                           "a recording in \"%s\", which \"languages\" does not declare: add "
                           "\"%s\" to \"languages\" or remove this recording",
                           code, code);
            continue;
        }
        if (!json_is_string(v)) {
            hl_json_report(doc, fpath, code, HL_JSON_AT_VALUE,
                           "the \"%s\" recording must be the path of a WAV file such as "
                           "\"giong/cau-1.wav\", not %s",
                           code, hl_json_kind(v));
            continue;
        }
        const char *rel = json_string_value(v);
        const char *why = audio_path_problem(rel, json_string_length(v));
        if (why) {
            hl_json_report(doc, fpath, code, HL_JSON_AT_VALUE, "the \"%s\" recording %s", code,
                           why);
            continue;
        }
        if (files->root) audio_check_file(doc, fpath, code, rel, files);
        audio_keep(doc, s, text, lang, fpath, code, rel, files);
    }
}

/* The "audio" object of obj at path: fields (NULL-terminated) are the texts
 * obj may have, texts their models; owner names obj in messages. */
static void audio_object(hl_json_doc_t *doc, hl_survey_t *s, const json_t *obj, const char *path,
                         const char *const *fields, const hl_text_t *const *texts,
                         const char *owner, const survey_files_t *files)
{
    json_t *audio;
    if (hl_json_get_object(doc, obj, path, "audio", false,
                           "an object of recordings by text such as {\"text\": {\"vi\": "
                           "\"giong/cau-1.wav\"}}",
                           &audio) != HL_JSON_FOUND)
        return;
    char apath[HL_JSON_PATH_MAX];
    hl_json_path_key(apath, path, "audio");
    hl_json_check_keys(doc, audio, apath, fields); /* names a text this object may have */
    const char *field;
    json_t *rec;
    json_object_foreach(audio, field, rec)
    {
        int k = 0;
        while (fields[k] && strcmp(fields[k], field) != 0)
            k++;
        if (!fields[k]) continue; /* reported above */
        if (!json_object_get(obj, field)) {
            hl_json_report(doc, apath, field, HL_JSON_AT_KEY,
                           "a recording of \"%s\", which %s has no text for: add \"%s\" or "
                           "remove its recording",
                           field, owner, field);
            continue;
        }
        audio_field(doc, s, rec, apath, field, texts[k], files);
    }
}

void survey_audio_survey(hl_json_doc_t *doc, hl_survey_t *s, const json_t *obj,
                         const survey_files_t *files)
{
    static const char *const fields[] = {"title", "thanks", "consent", NULL};
    const hl_text_t *const texts[] = {&s->title, &s->thanks, &s->consent};
    audio_object(doc, s, obj, "", fields, texts, "the survey", files);
}

void survey_audio_question(hl_json_doc_t *doc, hl_survey_t *s, hl_question_t *q, const json_t *obj,
                           const char *path, const survey_files_t *files)
{
    static const char *const fields[] = {"text", "hint", "body", NULL};
    const hl_text_t *const texts[] = {&q->text, &q->hint, &q->body};
    audio_object(doc, s, obj, path, fields, texts, "this question", files);
}

void survey_audio_option(hl_json_doc_t *doc, hl_survey_t *s, hl_option_t *opt, const json_t *obj,
                         const char *path, const survey_files_t *files)
{
    static const char *const fields[] = {"label", NULL};
    const hl_text_t *const texts[] = {&opt->label};
    audio_object(doc, s, obj, path, fields, texts, "this option", files);
}

const char *hl_survey_audio(const hl_survey_t *s, const hl_text_t *t, hl_lang_t lang)
{
    if (!s || !t || lang < 0 || lang >= HL_LANG_COUNT || !t->s[lang]) return NULL;
    for (size_t i = 0; i < s->n_recordings; i++)
        if (s->recordings[i].text == t && s->recordings[i].lang == lang)
            return s->recordings[i].path;
    return NULL;
}
