/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_wav.h: WAV files: a recorded human voice a survey provides for a text
 * (read the way every file we did not write is read, hl_file_read, and
 * never trusted), and the WAV `hailong speak` and the tests write (through
 * the one atomic writer, hl_afile). Sound in memory is an hl_pcm_t: 16-bit
 * mono at HL_TTS_RATE, the same as synthesis gives, so the kiosk plays both
 * the same way.
 *
 * A WAV is taken when it is RIFF/WAVE with a "fmt " and a "data" chunk
 * inside the file, PCM (format 1, or WAVE_FORMAT_EXTENSIBLE with the PCM
 * sub-format), 16-bit, mono or stereo, HL_WAV_RATE_MIN..MAX Hz, at most
 * HL_WAV_MAX_SECONDS long and HL_WAV_MAX_BYTES big; other chunks (LIST,
 * fact, ...) are skipped, a partial last frame dropped. Stereo is mixed to
 * mono (the mean of both channels) and the rate converted to HL_TTS_RATE by
 * linear interpolation (no filter: a voice recorded at 44.1 or 48 kHz keeps
 * what a speaker plays of speech). Anything else is refused with the file's
 * name, what is wrong and what to do (HL_ERR_INVALID).
 */
#ifndef HL_WAV_H
#define HL_WAV_H

#include "hl_err.h"
#include "hl_tts.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HL_WAV_MAX_SECONDS 60                 /* a recording for one text, at most */
#define HL_WAV_MAX_BYTES   (12 * 1024 * 1024) /* its file: 60 s of 48 kHz stereo fit */
#define HL_WAV_RATE_MIN    8000               /* slowest sampling rate taken (telephone) */
#define HL_WAV_RATE_MAX    48000              /* fastest */

/* Sound in memory: 16-bit mono at HL_TTS_RATE. Zero it ({0}) before use. */
typedef struct hl_pcm {
    int16_t *s; /* the samples (malloc'd, owned) */
    size_t n;   /* samples held */
    size_t cap; /* samples allocated */
    size_t max; /* hl_pcm_sink keeps at most this many; 0: HL_WAV_MAX_SECONDS' worth */
    bool cut;   /* hl_pcm_sink stopped a sound at max (or out of memory) */
} hl_pcm_t;

/* An hl_pcm_sink_fn appending to the hl_pcm_t ctx (growing it): to capture
 * synthesis for `hailong speak` and tests. HL_PCM_STOP, and ctx->cut, once
 * max samples are held or memory runs out. */
int hl_pcm_sink(void *ctx, const int16_t *pcm, size_t n);

/* Frees the samples; p is then empty (its max kept). */
void hl_pcm_free(hl_pcm_t *p);

/* Reads the WAV file root/path (root NULL: path as given; else a stick's
 * mount point: see hl_file_read) into out (its old samples freed): mono at
 * HL_TTS_RATE. Codes: those of hl_file_read (HL_ERR_NOT_FOUND, a too big
 * file HL_ERR_INVALID, ...), HL_ERR_INVALID (not a WAV hailong plays: the
 * message says why and what to do), HL_ERR_NOMEM. */
int hl_wav_read(const char *root, const char *path, hl_pcm_t *out, hl_err_t *err);

/* The same from len bytes in memory; shown names them in messages. */
int hl_wav_parse(const void *bytes, size_t len, const char *shown, hl_pcm_t *out, hl_err_t *err);

/* Writes n samples of 16-bit mono PCM at rate Hz as a WAV file at path,
 * atomically (hl_afile: a failed write leaves the old file). Codes: those
 * of hl_afile (HL_ERR_FULL, HL_ERR_READONLY, HL_ERR_IO, ...), HL_ERR_USAGE
 * (path is a folder, a rate of 0, more sound than a WAV holds). */
int hl_wav_write(const char *path, const int16_t *pcm, size_t n, unsigned rate, hl_err_t *err);

#endif
