/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_voice.c: the speech worker (hl_voice.h): a pthread, a mutex and a
 * condition variable around one request slot. The worker takes the slot,
 * starts the utterance in the audio output and goes through its text: words
 * are synthesised in pieces of at most HL_TTS_TEXT_MAX bytes (cut at a
 * sentence or a space), a recording is read (hl_file_open: a regular file,
 * bounded), decoded (hl_wav_parse) and played in chunks; each chunk of sound
 * goes to the audio as it comes. A newer request makes the sink answer
 * HL_PCM_STOP, so a stale utterance ends within one chunk.
 */
#include "hl_voice.h"
#include "hl_afile.h"
#include "hl_sys.h"
#include "hl_tts.h"
#include "hl_ui_speech.h"
#include "hl_wav.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VOICE_BROKEN_MAX 64   /* recordings remembered as unplayable (then the oldest goes) */
#define VOICE_CHUNK      1024 /* samples of a recording handed to the audio at a time */

_Static_assert(HL_AUDIO_FILE_BYTES == HL_WAV_MAX_BYTES,
               "the survey's check and the voice take the same recordings");

struct hl_voice {
    hl_audio_t *audio;                 /* not owned */
    int rate_wpm;                      /* synthesis speed */
    hl_tts_t tts;                      /* used by the worker only once it runs */
    pthread_t thread;                  /* the worker */
    pthread_mutex_t mu;                /* guards what follows */
    pthread_cond_t cv;                 /* a request, a stop or the end */
    bool started;                      /* the thread runs */
    bool quit;                         /* the worker must end */
    uint64_t gen;                      /* the latest request's id (0: none yet) */
    bool pending;                      /* the slot holds request gen */
    bool busy;                         /* the worker is synthesising */
    int64_t at_ms;                     /* the pending request's time */
    hl_lang_t lang;                    /* its language */
    char *text;                        /* its text (HL_VOICE_TEXT_MAX + 1, owned) */
    char *work;                        /* the worker's copy (HL_VOICE_TEXT_MAX + 1, owned) */
    char *shown;                       /* the worker's text for the capture's log (same size) */
    char piece[HL_TTS_TEXT_MAX + 1];   /* one piece handed to hl_tts_say */
    long count;                        /* requests made */
    uint64_t broken[VOICE_BROKEN_MAX]; /* hashes of the recordings logged as unplayable */
    int n_broken;                      /* entries used (the next goes at n_broken % MAX) */
    char *file;                        /* the worker's: a recording's bytes (owned) */
    size_t file_cap;                   /* bytes allocated (the largest recording read) */
    hl_pcm_t pcm;                      /* the worker's: a recording decoded */
};

/* The sink of one utterance: the audio gets the sound until a newer
 * request (or a stop) makes it stale. */
typedef struct voice_run {
    hl_voice_t *v;
    uint64_t id;
    bool stopped; /* the sink answered HL_PCM_STOP: the utterance ends */
} voice_run_t;

static int voice_sink(void *ctx, const int16_t *pcm, size_t n)
{
    voice_run_t *r = ctx;
    pthread_mutex_lock(&r->v->mu);
    bool stale = r->v->gen != r->id || r->v->quit;
    pthread_mutex_unlock(&r->v->mu);
    if (stale) {
        r->stopped = true;
        return HL_PCM_STOP;
    }
    hl_audio_play(r->v->audio, r->id, pcm, n);
    return HL_PCM_GO;
}

/* The length of the next piece of s (at most HL_TTS_TEXT_MAX bytes): up to
 * the last sentence end, else the last space, else a UTF-8 boundary. */
static size_t voice_piece(const char *s)
{
    size_t len = strlen(s);
    if (len <= HL_TTS_TEXT_MAX) return len;
    size_t cut = 0, space = 0;
    for (size_t i = 0; i < HL_TTS_TEXT_MAX; i++) {
        if ((s[i] == '.' || s[i] == '!' || s[i] == '?' || s[i] == '\n') && s[i + 1] == ' ')
            cut = i + 1;
        if (s[i] == ' ') space = i + 1;
    }
    if (!cut) cut = space;
    if (!cut) {
        cut = HL_TTS_TEXT_MAX;
        while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
            cut--;
    }
    return cut;
}

/* Synthesises text in lang as part of run; false when the utterance ends
 * (stopped, or a text synthesis refused: it says nothing more). */
static bool voice_words(hl_voice_t *v, voice_run_t *run, hl_lang_t lang, const char *text)
{
    for (const char *p = text; *p;) {
        while (*p == ' ')
            p++;
        if (!*p) break;
        size_t n = voice_piece(p);
        memcpy(v->piece, p, n);
        v->piece[n] = '\0';
        hl_err_t err = {0};
        if (hl_tts_say(&v->tts, lang, v->piece, v->rate_wpm, voice_sink, run, &err) != HL_OK ||
            v->tts.stopped)
            return false;
        p += n;
    }
    return true;
}

/* FNV-1a: a recording's path as remembered. */
static uint64_t voice_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* Whether path was remembered as unplayable; with add, remembers it.
 * Takes the mutex. */
static bool voice_broken(hl_voice_t *v, const char *path, bool add)
{
    uint64_t h = voice_hash(path);
    pthread_mutex_lock(&v->mu);
    int n = v->n_broken < VOICE_BROKEN_MAX ? v->n_broken : VOICE_BROKEN_MAX;
    bool known = false;
    for (int i = 0; i < n && !known; i++)
        known = v->broken[i] == h;
    if (add && !known) v->broken[v->n_broken++ % VOICE_BROKEN_MAX] = h;
    if (v->n_broken >= 2 * VOICE_BROKEN_MAX) v->n_broken -= VOICE_BROKEN_MAX;
    pthread_mutex_unlock(&v->mu);
    return known;
}

/* Reads the file at path into v->file (grown when it is bigger than any
 * before, kept): at most HL_WAV_MAX_BYTES, a regular file. */
static int voice_read(hl_voice_t *v, const char *path, size_t *len, hl_err_t *err)
{
    int fd = hl_file_open(NULL, path, HL_WAV_MAX_BYTES, 0, err);
    if (fd < 0) return err->code ? err->code : HL_ERR_IO;
    struct stat st;
    int rc = fstat(fd, &st) == 0 ? HL_OK : hl_errno_set(errno, "cannot read", path, err);
    size_t want = rc == HL_OK ? (size_t)st.st_size + 1 : 0; /* + 1: a file that grew shows */
    if (rc == HL_OK && want > v->file_cap) {
        char *more = realloc(v->file, want);
        if (more) {
            v->file = more;
            v->file_cap = want;
        } else {
            rc = hl_err_set(err, HL_ERR_NOMEM, "%s: out of memory to read it", path);
        }
    }
    size_t n = 0;
    while (rc == HL_OK && n < v->file_cap) {
        ssize_t r = read(fd, v->file + n, v->file_cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) rc = hl_errno_set(errno, "cannot read", path, err);
        if (r <= 0) break;
        n += (size_t)r;
    }
    close(fd);
    if (rc == HL_OK && n > (size_t)st.st_size)
        rc = hl_err_set(err, HL_ERR_IO, "%s: the file changed while it was read", path);
    *len = n;
    return rc;
}

/* Plays the recording at path as part of run (run->stopped when it was cut
 * short). HL_OK, or a code with err when it cannot be played (nothing of it
 * was). */
static int voice_recording(hl_voice_t *v, voice_run_t *run, const char *path, hl_err_t *err)
{
    pthread_mutex_lock(&v->mu);
    run->stopped = run->stopped || v->gen != run->id || v->quit; /* not read for nothing */
    pthread_mutex_unlock(&v->mu);
    if (run->stopped) return HL_OK;
    size_t len = 0;
    int rc = voice_read(v, path, &len, err);
    if (rc == HL_OK) rc = hl_wav_parse(v->file, len, path, &v->pcm, err);
    for (size_t i = 0; rc == HL_OK && i < v->pcm.n && !run->stopped; i += VOICE_CHUNK) {
        size_t n = v->pcm.n - i < VOICE_CHUNK ? v->pcm.n - i : VOICE_CHUNK;
        voice_sink(run, v->pcm.s + i, n);
    }
    hl_pcm_free(&v->pcm); /* decoded samples are a recording's own */
    return rc;
}

/* The request's text for the capture's log: each recording as "[PATH] words"
 * (cut between characters when the brackets make it too long). */
static void voice_shown(const char *in, char *out, size_t size)
{
    size_t o = 0;
    const char *p = in;
    for (; *p && o + 3 < size; p++) {
        if (*p == HL_SPEECH_REC_OPEN) {
            out[o++] = '[';
        } else if (*p == HL_SPEECH_REC_WORDS) {
            out[o++] = ']';
            out[o++] = ' ';
        } else if (*p != HL_SPEECH_REC_CLOSE) {
            out[o++] = *p;
        }
    }
    if (((unsigned char)*p & 0xC0) == 0x80) { /* cut inside a character: drop its start */
        while (o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0x80)
            o--;
        if (o > 0) o--;
    }
    out[o] = '\0';
}

/* Says the worker's copy of a request: words and recordings in order. */
static void voice_utter(hl_voice_t *v, voice_run_t *run, hl_lang_t lang)
{
    for (char *p = v->work; *p;) {
        char *open = strchr(p, HL_SPEECH_REC_OPEN);
        if (open) *open = '\0';
        if (!voice_words(v, run, lang, p) || !open) return;
        char *path = open + 1;
        char *words = strchr(path, HL_SPEECH_REC_WORDS);
        char *close = strchr(path, HL_SPEECH_REC_CLOSE);
        char *next = close ? close + 1 : path + strlen(path);
        if (!words || (close && close < words)) { /* cut in its path: left out */
            p = next;
            continue;
        }
        *words++ = '\0';
        if (close) *close = '\0';
        hl_err_t err = {0};
        if (voice_broken(v, path, false) || voice_recording(v, run, path, &err) != HL_OK) {
            if (err.code && err.code != HL_ERR_NOMEM && !voice_broken(v, path, true))
                fprintf(stderr,
                        "hailong: speech: a recording cannot be played, its text is synthesised "
                        "instead: %s\n",
                        err.msg);
            if (!voice_words(v, run, lang, words)) return;
        }
        if (run->stopped) return;
        p = next;
    }
}

static void *voice_main(void *arg)
{
    hl_voice_t *v = arg;
    pthread_mutex_lock(&v->mu);
    for (;;) {
        while (!v->pending && !v->quit)
            pthread_cond_wait(&v->cv, &v->mu);
        if (v->quit) break;
        uint64_t id = v->gen;
        int64_t at = v->at_ms;
        hl_lang_t lang = v->lang;
        memcpy(v->work, v->text, HL_VOICE_TEXT_MAX + 1);
        v->pending = false;
        v->busy = true;
        pthread_mutex_unlock(&v->mu);

        voice_shown(v->work, v->shown, HL_VOICE_TEXT_MAX + 1);
        hl_audio_begin(v->audio, id, at, hl_lang_code(lang), v->shown);
        voice_run_t run = {v, id, false};
        voice_utter(v, &run, lang);

        pthread_mutex_lock(&v->mu);
        v->busy = false;
        pthread_cond_broadcast(&v->cv);
    }
    pthread_mutex_unlock(&v->mu);
    return NULL;
}

int hl_voice_open(hl_voice_t **out, hl_audio_t *audio, int rate_wpm, hl_err_t *err)
{
    *out = NULL;
    hl_voice_t *v = calloc(1, sizeof *v);
    if (!v) return hl_err_set(err, HL_ERR_NOMEM, "out of memory for the voice");
    v->audio = audio;
    v->rate_wpm = rate_wpm;
    v->text = calloc(1, HL_VOICE_TEXT_MAX + 1);
    v->work = calloc(1, HL_VOICE_TEXT_MAX + 1);
    v->shown = calloc(1, HL_VOICE_TEXT_MAX + 1);
    if (!v->text || !v->work || !v->shown) {
        free(v->text);
        free(v->work);
        free(v->shown);
        free(v);
        return hl_err_set(err, HL_ERR_NOMEM, "out of memory for the voice");
    }
    int rc = hl_tts_open(&v->tts, NULL, err);
    if (rc != HL_OK) {
        free(v->text);
        free(v->work);
        free(v->shown);
        free(v);
        return rc;
    }
    pthread_mutex_init(&v->mu, NULL);
    pthread_cond_init(&v->cv, NULL);
    if (pthread_create(&v->thread, NULL, voice_main, v) != 0) {
        hl_voice_close(v);
        return hl_err_set(err, HL_ERR_NOMEM, "cannot start the speech thread");
    }
    v->started = true;
    *out = v;
    return HL_OK;
}

void hl_voice_say(hl_voice_t *v, int64_t at_ms, hl_lang_t lang, const char *text)
{
    if (!v || !text) return;
    pthread_mutex_lock(&v->mu);
    v->gen++;
    v->pending = true;
    v->at_ms = at_ms;
    v->lang = lang;
    size_t n = strlen(text);
    if (n > HL_VOICE_TEXT_MAX) {
        n = HL_VOICE_TEXT_MAX;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(v->text, text, n);
    v->text[n] = '\0';
    v->count++;
    pthread_cond_broadcast(&v->cv);
    pthread_mutex_unlock(&v->mu);
}

void hl_voice_stop(hl_voice_t *v, int64_t at_ms)
{
    if (!v) return;
    pthread_mutex_lock(&v->mu);
    v->gen++; /* what is being said is stale now */
    v->pending = false;
    pthread_mutex_unlock(&v->mu);
    hl_audio_stop(v->audio, at_ms);
}

void hl_voice_wait(hl_voice_t *v)
{
    if (!v) return;
    pthread_mutex_lock(&v->mu);
    while ((v->pending || v->busy) && !v->quit)
        pthread_cond_wait(&v->cv, &v->mu);
    pthread_mutex_unlock(&v->mu);
}

long hl_voice_count(hl_voice_t *v)
{
    if (!v) return 0;
    pthread_mutex_lock(&v->mu);
    long n = v->count;
    pthread_mutex_unlock(&v->mu);
    return n;
}

void hl_voice_close(hl_voice_t *v)
{
    if (!v) return;
    if (v->started) {
        pthread_mutex_lock(&v->mu);
        v->quit = true;
        pthread_cond_broadcast(&v->cv);
        pthread_mutex_unlock(&v->mu);
        pthread_join(v->thread, NULL);
    }
    pthread_mutex_destroy(&v->mu);
    pthread_cond_destroy(&v->cv);
    hl_tts_close(&v->tts);
    hl_pcm_free(&v->pcm);
    free(v->file);
    free(v->text);
    free(v->work);
    free(v->shown);
    free(v);
}

size_t hl_voice_check_recordings(const hl_survey_t *s, hl_diags_t *d)
{
    size_t bad = 0;
    hl_pcm_t pcm = {0};
    for (size_t i = 0; s && i < s->n_recordings; i++) {
        const hl_recording_t *r = &s->recordings[i];
        size_t j = 0; /* a file named for several texts is decoded once (its problem is */
        while (j < i && strcmp(s->recordings[j].path, r->path) != 0) /* told once) */
            j++;
        if (j < i) continue;
        hl_err_t err = {0};
        if (hl_wav_read(NULL, r->path, &pcm, &err) == HL_OK) continue;
        hl_diags_add(d, s->file, r->line, r->col, r->where, "the recording cannot be played: %s",
                     err.msg);
        bad++;
    }
    hl_pcm_free(&pcm);
    return bad;
}
