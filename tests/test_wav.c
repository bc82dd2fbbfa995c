/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_wav.c: WAV files (firmware/speech/hl_wav.c): written and read back
 * sample for sample (atomically, no temporary left), a 44.1 kHz stereo
 * recording mixed to mono and resampled, 8 kHz mono interpolated up,
 * WAVE_FORMAT_EXTENSIBLE taken, each kind of bad file refused with its name
 * and what to do, a file too big or missing named, and the capture sink
 * stopping at its maximum. The WAV bytes are built by hand here.
 */
#include "hl_fixture.h"
#include "hl_fixture_speech.h"
#include "hl_test.h"
#include "hl_wav.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A WAV file's bytes, built by hand. */
typedef struct wav_bytes {
    unsigned char *b; /* the bytes (malloc'd) */
    size_t n;         /* how many */
    size_t cap;       /* bytes allocated */
} wav_bytes_t;

static void put(wav_bytes_t *w, const void *p, size_t n)
{
    if (w->n + n > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < w->n + n)
            cap *= 2;
        unsigned char *b = realloc(w->b, cap);
        if (!b) abort();
        w->b = b;
        w->cap = cap;
    }
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void put_u32(wav_bytes_t *w, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    put(w, b, 4);
}

static void put_u16(wav_bytes_t *w, unsigned v)
{
    unsigned char b[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    put(w, b, 2);
}

/* A WAV: tag, channels, rate, bits; frames frames of sample(i, channel);
 * a LIST chunk of odd size before the data when list. The RIFF size is
 * fixed at the end. */
static wav_bytes_t wav_make(unsigned tag, unsigned channels, unsigned rate, unsigned bits,
                            size_t frames, int16_t (*sample)(size_t, unsigned), bool list)
{
    wav_bytes_t w = {0};
    unsigned align = channels * bits / 8;
    bool ext = tag == 0xFFFE; /* WAVE_FORMAT_EXTENSIBLE, the PCM sub-format */
    put(&w, "RIFF\0\0\0\0WAVEfmt ", 16);
    put_u32(&w, ext ? 40 : 16);
    put_u16(&w, tag);
    put_u16(&w, channels);
    put_u32(&w, rate);
    put_u32(&w, rate * align);
    put_u16(&w, align);
    put_u16(&w, bits);
    if (ext) /* cbSize 22, valid bits, channel mask, the PCM GUID */
        put(&w, "\x16\0\x10\0\x04\0\0\0\x01\0\0\0\0\0\x10\0\x80\0\0\xAA\0\x38\x9B\x71", 24);
    if (list) {
        put(&w, "LIST", 4);
        put_u32(&w, 5);
        put(&w, "INFOx\0", 6); /* 5 bytes and the pad byte */
    }
    put(&w, "data", 4);
    put_u32(&w, (uint32_t)(frames * align));
    for (size_t i = 0; i < frames; i++)
        for (unsigned c = 0; c < channels; c++) {
            if (bits == 16)
                put_u16(&w, (uint16_t)sample(i, c));
            else
                put(&w, "\x80\x80\x80\x80", bits / 8);
        }
    uint32_t riff = (uint32_t)(w.n - 8);
    w.b[4] = (unsigned char)riff;
    w.b[5] = (unsigned char)(riff >> 8);
    w.b[6] = (unsigned char)(riff >> 16);
    w.b[7] = (unsigned char)(riff >> 24);
    return w;
}

/* A 441 Hz sine at 44100 Hz, amplitude 10000, on both channels. */
static int16_t sine441(size_t i, unsigned c)
{
    (void)c;
    return (int16_t)lround(10000.0 * sin(2 * M_PI * 441.0 * (double)i / 44100.0));
}

/* Opposite channels: mixed to silence. */
static int16_t opposite(size_t i, unsigned c)
{
    (void)i;
    return c == 0 ? 8000 : -8000;
}

static int16_t ramp(size_t i, unsigned c)
{
    (void)c;
    return (int16_t)(i * 3 % 20000);
}

static char *write_bytes(const char *dir, const char *name, const wav_bytes_t *w)
{
    char *path = hl_fixture_path(dir, name);
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(w->b, 1, w->n, f) == w->n);
    if (f) fclose(f);
    return path;
}

static void test_a_written_wav_reads_back_sample_for_sample(void)
{
    char *dir = hl_test_tmpdir("speech-wav");
    char *path = hl_fixture_path(dir, "round.wav");
    hl_pcm_t in = {0}, out = {0};
    for (size_t i = 0; i < 30000; i++) {
        int16_t s = (int16_t)((i * 7919) % 65536 - 32768);
        hl_pcm_sink(&in, &s, 1);
    }
    hl_err_t err = {0};
    CHECK_INT(hl_wav_write(path, in.s, in.n, HL_TTS_RATE, &err), HL_OK);
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size == 44 + 60000);
    CHECK_INT(hl_fixture_hidden(dir), 0); /* no temporary file left */
    CHECK_INT(hl_wav_read(NULL, path, &out, &err), HL_OK);
    CHECK_INT(out.n, in.n);
    CHECK(out.n == in.n && !memcmp(out.s, in.s, in.n * sizeof *in.s));
    /* Through the stick's walk too (root and a relative path). */
    CHECK_INT(hl_wav_read(dir, "round.wav", &out, &err), HL_OK);
    CHECK_INT(out.n, in.n);
    /* Refusals of the writer. */
    CHECK_INT(hl_wav_write(dir, in.s, in.n, HL_TTS_RATE, &err), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "folder");
    CHECK_INT(hl_wav_write(path, in.s, in.n, 0, &err), HL_ERR_USAGE);
    char *nowhere = hl_fixture_path(dir, "no/such/folder.wav");
    CHECK(hl_wav_write(nowhere, in.s, in.n, HL_TTS_RATE, &err) != HL_OK);
    CHECK_CONTAINS(err.msg, "folder.wav");
    free(nowhere);
    hl_pcm_free(&in);
    hl_pcm_free(&out);
    free(path);
    hl_fixture_rm(dir);
}

static void test_a_44100_hz_stereo_wav_is_mixed_to_mono_and_resampled(void)
{
    char *dir = hl_test_tmpdir("speech-wav");
    hl_pcm_t p = {0};
    hl_err_t err = {0};
    wav_bytes_t w = wav_make(1, 2, 44100, 16, 44100, sine441, true);
    char *path = write_bytes(dir, "voice.wav", &w);
    CHECK_INT(hl_wav_read(NULL, path, &p, &err), HL_OK);
    CHECK_INT(p.n, HL_TTS_RATE); /* one second */
    /* The same 441 Hz sine at 22050 Hz: 50 samples a period. */
    int worst = 0;
    for (size_t i = 0; i < p.n; i++) {
        int want = (int)lround(10000.0 * sin(2 * M_PI * 441.0 * (double)i / HL_TTS_RATE));
        int d = abs(p.s[i] - want);
        if (d > worst) worst = d;
    }
    CHECK(worst <= 2);
    free(w.b);
    /* Opposite channels mix to silence. */
    w = wav_make(1, 2, 44100, 16, 4410, opposite, false);
    CHECK_INT(hl_wav_parse(w.b, w.n, "opposite.wav", &p, &err), HL_OK);
    CHECK_INT(p.n, 2205);
    CHECK_INT(hl_fixture_rms(&p) == 0, 1);
    free(w.b);
    /* 8000 Hz mono up to 22050 Hz, interpolated between the samples. */
    w = wav_make(1, 1, 8000, 16, 8000, ramp, false);
    CHECK_INT(hl_wav_parse(w.b, w.n, "phone.wav", &p, &err), HL_OK);
    CHECK_INT(p.n, HL_TTS_RATE);
    CHECK_INT(p.s[0], 0);
    CHECK_INT(p.s[HL_TTS_RATE - 1] >= ramp(7998, 0) && p.s[HL_TTS_RATE - 1] <= ramp(7999, 0), 1);
    free(w.b);
    /* WAVE_FORMAT_EXTENSIBLE with the PCM sub-format, 22050 Hz: as it is. */
    w = wav_make(0xFFFE, 1, 22050, 16, 100, ramp, false);
    CHECK_INT(hl_wav_parse(w.b, w.n, "extensible.wav", &p, &err), HL_OK);
    CHECK(p.n == 100 && p.s[99] == ramp(99, 0));
    free(w.b);
    hl_pcm_free(&p);
    free(path);
    hl_fixture_rm(dir);
}

/* Expects bytes w refused as HL_ERR_INVALID with a message naming the file
 * and holding what. */
static void expect_refused(int line, const wav_bytes_t *w, size_t len, const char *what)
{
    hl_pcm_t p = {0};
    hl_err_t err = {0};
    int rc = hl_wav_parse(w->b, len, "bad.wav", &p, &err);
    if (rc != HL_ERR_INVALID || !strstr(err.msg, "bad.wav: ") || !strstr(err.msg, what) || p.n != 0)
        hl_test_fail(__FILE__, line, "rc %d, \"%s\", expected \"%s\"", rc, err.msg, what);
    hl_pcm_free(&p);
}

static void test_bad_wavs_are_refused_saying_what_is_wrong_and_what_to_do(void)
{
    wav_bytes_t w = wav_make(1, 1, 22050, 16, 1000, ramp, false);
    expect_refused(__LINE__, &w, w.n - 1, "cut short");
    expect_refused(__LINE__, &w, 30, "cut short");
    expect_refused(__LINE__, &w, 8, "not a WAV file");
    /* The data chunk says more than the file holds. */
    w.b[40] = 0xFF, w.b[41] = 0xFF;
    expect_refused(__LINE__, &w, w.n, "\"data\" chunk says");
    free(w.b);
    static const struct {
        unsigned tag, channels, rate, bits; /* the fmt chunk */
        size_t frames;                      /* the sound */
        const char *what;                   /* what the message says */
    } bad[] = {{3, 1, 22050, 32, 100, "not PCM but 32-bit float"},
               {3, 1, 22050, 32, 100, "Signed 16-bit PCM"},
               {0x55, 1, 22050, 16, 100, "MP3"},
               {1, 1, 22050, 8, 100, "8-bit samples"},
               {1, 3, 22050, 16, 100, "3 channels"},
               {1, 1, 96000, 16, 100, "96000 Hz"},
               {1, 1, 22050, 16, 0, "no sound"},
               {1, 1, 8000, 16, 8000 * 61, "lasts 61.0 s"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        w = wav_make(bad[i].tag, bad[i].channels, bad[i].rate, bad[i].bits, bad[i].frames, ramp,
                     false);
        expect_refused(__LINE__, &w, w.n, bad[i].what);
        free(w.b);
    }
    w = wav_make(1, 2, 22050, 16, 10, ramp, false);
    w.b[32] = 2; /* block align of mono in a stereo file */
    expect_refused(__LINE__, &w, w.n, "damaged");
    free(w.b);
    /* No data chunk; a fmt chunk too short. */
    w = (wav_bytes_t){0};
    put(&w, "RIFF\x04\0\0\0WAVE", 12);
    expect_refused(__LINE__, &w, w.n, "without its fmt chunk");
    free(w.b);
    w = (wav_bytes_t){0};
    put(&w, "RIFF\x10\0\0\0WAVEfmt \x04\0\0\0\x01\0\x01\0", 24);
    expect_refused(__LINE__, &w, w.n, "too short");
    free(w.b);
}

static void test_a_wav_file_too_big_or_missing_is_refused_with_its_name(void)
{
    char *dir = hl_test_tmpdir("speech-wav");
    hl_pcm_t p = {0};
    hl_err_t err = {0};
    char *missing = hl_fixture_path(dir, "missing.wav");
    CHECK_INT(hl_wav_read(NULL, missing, &p, &err), HL_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, missing);
    /* Over HL_WAV_MAX_BYTES: refused before it is read. */
    char *big = hl_fixture_path(dir, "big.wav");
    FILE *f = fopen(big, "wb");
    CHECK(f && ftruncate(fileno(f), HL_WAV_MAX_BYTES + 1) == 0);
    if (f) fclose(f);
    CHECK_INT(hl_wav_read(NULL, big, &p, &err), HL_ERR_INVALID);
    CHECK_CONTAINS(err.msg, big);
    CHECK_CONTAINS(err.msg, "larger than the limit");
    /* A folder. */
    CHECK(hl_wav_read(NULL, dir, &p, &err) != HL_OK);
    CHECK_INT(p.n, 0);
    free(missing);
    free(big);
    hl_fixture_rm(dir);
}

static void test_the_capture_sink_stops_at_its_maximum(void)
{
    hl_pcm_t p = {.max = 1000};
    int16_t chunk[600] = {0};
    CHECK_INT(hl_pcm_sink(&p, chunk, 600), HL_PCM_GO);
    CHECK_INT(hl_pcm_sink(&p, chunk, 600), HL_PCM_STOP);
    CHECK_INT(p.n, 1000);
    CHECK(p.cut);
    CHECK_INT(hl_pcm_sink(&p, chunk, 1), HL_PCM_STOP);
    CHECK_INT(p.n, 1000);
    hl_pcm_free(&p);
    CHECK_INT(p.n, 0);
    CHECK_INT(p.max, 1000);
    CHECK(!p.cut);
}

static const hl_test_case_t table[] = {
    HL_TEST(test_a_written_wav_reads_back_sample_for_sample),
    HL_TEST(test_a_44100_hz_stereo_wav_is_mixed_to_mono_and_resampled),
    HL_TEST(test_bad_wavs_are_refused_saying_what_is_wrong_and_what_to_do),
    HL_TEST(test_a_wav_file_too_big_or_missing_is_refused_with_its_name),
    HL_TEST(test_the_capture_sink_stops_at_its_maximum),
};

HL_TEST_MAIN(table)
