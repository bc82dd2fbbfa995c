/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_voice.c: the speech worker (hl_voice.h): a pthread, a mutex and a
 * condition variable around one request slot. The worker takes the slot,
 * starts the utterance in the audio output and synthesises it in pieces of
 * at most HL_TTS_TEXT_MAX bytes (cut at a sentence or a space), handing
 * each chunk of sound to the audio as it comes; a newer request makes the
 * sink answer HL_PCM_STOP, so a stale utterance ends within one chunk.
 */
#include "hl_voice.h"
#include "hl_tts.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct hl_voice {
    hl_audio_t *audio;               /* not owned */
    int rate_wpm;                    /* synthesis speed */
    hl_tts_t tts;                    /* used by the worker only once it runs */
    pthread_t thread;                /* the worker */
    pthread_mutex_t mu;              /* guards what follows */
    pthread_cond_t cv;               /* a request, a stop or the end */
    bool started;                    /* the thread runs */
    bool quit;                       /* the worker must end */
    uint64_t gen;                    /* the latest request's id (0: none yet) */
    bool pending;                    /* the slot holds request gen */
    bool busy;                       /* the worker is synthesising */
    int64_t at_ms;                   /* the pending request's time */
    hl_lang_t lang;                  /* its language */
    char *text;                      /* its text (HL_VOICE_TEXT_MAX + 1, owned) */
    char *work;                      /* the worker's copy (HL_VOICE_TEXT_MAX + 1, owned) */
    char piece[HL_TTS_TEXT_MAX + 1]; /* one piece handed to hl_tts_say */
    long count;                      /* requests made */
};

/* The sink of one utterance: the audio gets the sound until a newer
 * request (or a stop) makes it stale. */
typedef struct voice_run {
    hl_voice_t *v;
    uint64_t id;
} voice_run_t;

static int voice_sink(void *ctx, const int16_t *pcm, size_t n)
{
    voice_run_t *r = ctx;
    pthread_mutex_lock(&r->v->mu);
    bool stale = r->v->gen != r->id || r->v->quit;
    pthread_mutex_unlock(&r->v->mu);
    if (stale) return HL_PCM_STOP;
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

        hl_audio_begin(v->audio, id, at, hl_lang_code(lang), v->work);
        voice_run_t run = {v, id};
        for (const char *p = v->work; *p;) {
            size_t n = voice_piece(p);
            memcpy(v->piece, p, n);
            v->piece[n] = '\0';
            hl_err_t err = {0};
            if (hl_tts_say(&v->tts, lang, v->piece, v->rate_wpm, voice_sink, &run, &err) != HL_OK ||
                v->tts.stopped)
                break; /* a refused text says nothing; the next request goes on */
            p += n;
            while (*p == ' ')
                p++;
        }

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
    if (!v->text || !v->work) {
        free(v->text);
        free(v->work);
        free(v);
        return hl_err_set(err, HL_ERR_NOMEM, "out of memory for the voice");
    }
    int rc = hl_tts_open(&v->tts, NULL, err);
    if (rc != HL_OK) {
        free(v->text);
        free(v->work);
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
    free(v->text);
    free(v->work);
    free(v);
}
