/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_wav.c: the WAV reader (every length and offset checked against the
 * bytes there before use; then mixed to mono and resampled to HL_TTS_RATE)
 * and writer (a 44-byte PCM header and the samples, little-endian, through
 * hl_afile), and the growing PCM buffer that captures synthesis. See
 * hl_wav.h.
 */
#include "hl_wav.h"

#include "hl_afile.h"
#include "hl_sys.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char wav_hint[] =
    "save the recording as WAV, 16-bit PCM, mono, 22050 or 44100 Hz (e.g. Audacity: Export, WAV, "
    "Signed 16-bit PCM)";

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned le16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* ---- The capture buffer -------------------------------------------------- */

int hl_pcm_sink(void *ctx, const int16_t *pcm, size_t n)
{
    hl_pcm_t *p = ctx;
    size_t max = p->max ? p->max : (size_t)HL_WAV_MAX_SECONDS * HL_TTS_RATE;
    size_t room = p->n < max ? max - p->n : 0;
    size_t take = n < room ? n : room;
    if (p->n + take > p->cap) {
        size_t cap = p->cap ? p->cap : HL_TTS_RATE;
        while (cap < p->n + take)
            cap *= 2;
        if (cap > max) cap = max;
        int16_t *s = realloc(p->s, cap * sizeof *s);
        if (!s) {
            p->cut = true;
            return HL_PCM_STOP;
        }
        p->s = s;
        p->cap = cap;
    }
    if (take) memcpy(p->s + p->n, pcm, take * sizeof *pcm);
    p->n += take;
    if (take == n) return HL_PCM_GO;
    p->cut = true;
    return HL_PCM_STOP;
}

void hl_pcm_free(hl_pcm_t *p)
{
    free(p->s);
    p->s = NULL;
    p->n = p->cap = 0;
    p->cut = false;
}

/* ---- Reading ------------------------------------------------------------ */

/* What a WAV's fmt chunk says. */
typedef struct wav_fmt {
    unsigned tag;      /* format tag: 1 PCM, 0xFFFE extensible (then its sub-format) */
    unsigned channels; /* 1 mono, 2 stereo */
    uint32_t rate;     /* frames a second */
    unsigned align;    /* bytes a frame */
    unsigned bits;     /* bits a sample */
} wav_fmt_t;

static const char *format_name(unsigned tag)
{
    switch (tag) {
    case 2:
        return "Microsoft ADPCM";
    case 3:
        return "32-bit float";
    case 6:
        return "A-law";
    case 7:
        return "mu-law";
    case 0x11:
        return "IMA ADPCM";
    case 0x55:
        return "MP3";
    default:
        return "a compressed format";
    }
}

static int parse_fmt(const unsigned char *b, uint32_t size, const char *shown, wav_fmt_t *f,
                     hl_err_t *err)
{
    if (size < 16)
        return hl_err_set(err, HL_ERR_INVALID, "%s: its fmt chunk is %u bytes, too short: %s",
                          shown, (unsigned)size, wav_hint);
    f->tag = le16(b);
    f->channels = le16(b + 2);
    f->rate = le32(b + 4);
    f->align = le16(b + 12);
    f->bits = le16(b + 14);
    if (f->tag == 0xFFFE && size >= 40) { /* WAVE_FORMAT_EXTENSIBLE: the GUID's first two bytes */
        static const unsigned char pcm_guid_tail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                                        0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
        if (!memcmp(b + 26, pcm_guid_tail, sizeof pcm_guid_tail)) f->tag = le16(b + 24);
    }
    if (f->tag != 1)
        return hl_err_set(err, HL_ERR_INVALID,
                          "%s: the sound is not PCM but %s (format %u): hailong plays PCM only; %s",
                          shown, format_name(f->tag), f->tag, wav_hint);
    if (f->bits != 16)
        return hl_err_set(err, HL_ERR_INVALID,
                          "%s: it has %u-bit samples, hailong plays 16-bit ones: %s", shown,
                          f->bits, wav_hint);
    if (f->channels != 1 && f->channels != 2)
        return hl_err_set(err, HL_ERR_INVALID,
                          "%s: it has %u channels, hailong plays mono or stereo: %s", shown,
                          f->channels, wav_hint);
    if (f->rate < HL_WAV_RATE_MIN || f->rate > HL_WAV_RATE_MAX)
        return hl_err_set(err, HL_ERR_INVALID,
                          "%s: it is sampled at %u Hz, hailong plays %d to %d Hz: %s", shown,
                          (unsigned)f->rate, HL_WAV_RATE_MIN, HL_WAV_RATE_MAX, wav_hint);
    if (f->align != f->channels * 2)
        return hl_err_set(err, HL_ERR_INVALID,
                          "%s: its header says %u bytes a frame where 16-bit %s has %u: the "
                          "header is damaged; %s",
                          shown, f->align, f->channels == 1 ? "mono" : "stereo", f->channels * 2,
                          wav_hint);
    return HL_OK;
}

/* Frame i of the data as one mono sample (stereo: the mean). */
static int32_t mono_at(const unsigned char *d, const wav_fmt_t *f, size_t i)
{
    const unsigned char *p = d + i * f->align;
    int32_t a = (int16_t)le16(p);
    if (f->channels == 1) return a;
    int32_t b = (int16_t)le16(p + 2);
    return (a + b) / 2;
}

/* frames of d at f->rate into out, mono at HL_TTS_RATE (linear interpolation). */
static int convert(const unsigned char *d, size_t frames, const wav_fmt_t *f, const char *shown,
                   hl_pcm_t *out, hl_err_t *err)
{
    uint64_t n = (uint64_t)frames * HL_TTS_RATE / f->rate;
    if (n == 0) n = 1;
    int16_t *s = malloc((size_t)n * sizeof *s);
    if (!s) return hl_err_set(err, HL_ERR_NOMEM, "%s: out of memory for its sound", shown);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t at = i * f->rate;
        size_t k = (size_t)(at / HL_TTS_RATE);
        int64_t frac = (int64_t)(at % HL_TTS_RATE);
        if (k >= frames) k = frames - 1;
        int64_t a = mono_at(d, f, k), b = k + 1 < frames ? mono_at(d, f, k + 1) : a;
        s[i] = (int16_t)(a + (b - a) * frac / HL_TTS_RATE);
    }
    out->s = s;
    out->n = out->cap = (size_t)n;
    return HL_OK;
}

int hl_wav_parse(const void *bytes, size_t len, const char *shown, hl_pcm_t *out, hl_err_t *err)
{
    const unsigned char *b = bytes;
    hl_pcm_free(out);
    if (len < 12 || memcmp(b, "RIFF", 4) || memcmp(b + 8, "WAVE", 4))
        return hl_err_set(err, HL_ERR_INVALID, "%s: not a WAV file (no RIFF/WAVE header): %s",
                          shown, wav_hint);
    uint64_t end = (uint64_t)le32(b + 4) + 8;
    if (end > len)
        return hl_err_set(err, HL_ERR_INVALID,
                          "%s: the file is cut short: its header says %llu bytes, the file has "
                          "%zu; copy it again from the original",
                          shown, (unsigned long long)end, len);
    wav_fmt_t f = {0};
    bool have_fmt = false;
    const unsigned char *data = NULL;
    uint32_t data_size = 0;
    uint64_t pos = 12;
    while (pos + 8 <= end) {
        const unsigned char *id = b + pos;
        uint32_t size = le32(b + pos + 4);
        uint64_t body = pos + 8;
        if (size > end - body)
            return hl_err_set(err, HL_ERR_INVALID,
                              "%s: the file is cut short: its \"%.4s\" chunk says %u bytes, %llu "
                              "are there; copy it again from the original",
                              shown, (const char *)id, (unsigned)size,
                              (unsigned long long)(end - body));
        if (!memcmp(id, "fmt ", 4)) {
            int rc = parse_fmt(b + body, size, shown, &f, err);
            if (rc != HL_OK) return rc;
            have_fmt = true;
        } else if (!memcmp(id, "data", 4) && !data) {
            data = b + body;
            data_size = size;
        }
        pos = body + size + (size & 1);
    }
    if (!have_fmt || !data)
        return hl_err_set(err, HL_ERR_INVALID, "%s: a WAV file without its %s chunk: %s", shown,
                          have_fmt ? "data" : "fmt", wav_hint);
    size_t frames = data_size / f.align;
    if (frames == 0)
        return hl_err_set(err, HL_ERR_INVALID, "%s: it holds no sound (an empty data chunk): %s",
                          shown, wav_hint);
    if (frames > (size_t)HL_WAV_MAX_SECONDS * f.rate)
        return hl_err_set(err, HL_ERR_INVALID,
                          "%s: it lasts %.1f s, a recording for one text may last %d s: cut it "
                          "or split the text",
                          shown, (double)frames / f.rate, HL_WAV_MAX_SECONDS);
    return convert(data, frames, &f, shown, out, err);
}

int hl_wav_read(const char *root, const char *path, hl_pcm_t *out, hl_err_t *err)
{
    char shown[PATH_MAX];
    hl_fmt(shown, sizeof shown, "%s%s%s", root ? root : "", root ? "/" : "", path ? path : "");
    char *bytes = NULL;
    size_t len = 0;
    hl_pcm_free(out);
    int rc = hl_file_read(root, path, HL_WAV_MAX_BYTES, 0, &bytes, &len, err);
    if (rc != HL_OK) {
        hl_err_wrap(err, "%s", shown);
        return rc;
    }
    rc = hl_wav_parse(bytes, len, shown, out, err);
    free(bytes);
    return rc;
}

/* ---- Writing ------------------------------------------------------------ */

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

int hl_wav_write(const char *path, const int16_t *pcm, size_t n, unsigned rate, hl_err_t *err)
{
    if (rate == 0 || rate > 384000)
        return hl_err_set(err, HL_ERR_USAGE, "%s: cannot write sound at %u Hz", path, rate);
    if (n > (UINT32_MAX - 36) / 2)
        return hl_err_set(err, HL_ERR_USAGE, "%s: %zu samples are more than a WAV file holds", path,
                          n);
    int rc = hl_afile_not_a_folder(path, "speech.wav", err);
    if (rc != HL_OK) return rc;
    unsigned char h[44];
    uint32_t data = (uint32_t)(n * 2);
    memcpy(h, "RIFF", 4);
    put32(h + 4, 36 + data);
    memcpy(h + 8, "WAVEfmt ", 8);
    put32(h + 16, 16);
    put16(h + 20, 1); /* PCM */
    put16(h + 22, 1); /* mono */
    put32(h + 24, rate);
    put32(h + 28, rate * 2);
    put16(h + 32, 2);
    put16(h + 34, 16);
    memcpy(h + 36, "data", 4);
    put32(h + 40, data);
    hl_afile_t a;
    rc = hl_afile_open(&a, path, 0644, err);
    if (rc != HL_OK) return rc;
    rc = hl_afile_write(&a, h, sizeof h, err);
    unsigned char buf[4096];
    for (size_t i = 0; rc == HL_OK && i < n;) {
        size_t k = 0;
        for (; k < sizeof buf / 2 && i < n; k++, i++)
            put16(buf + 2 * k, (uint16_t)pcm[i]);
        rc = hl_afile_write(&a, buf, 2 * k, err);
    }
    if (rc != HL_OK) {
        hl_afile_abort(&a);
        return rc;
    }
    return hl_afile_commit(&a, err);
}
