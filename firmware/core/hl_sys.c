/*
 * hl_sys.c: the fake clock/random services for tests and scripted runs, UUIDs
 * and ISO 8601 times. The real services live in platform/.
 */
#include "hl_sys.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int64_t fake_mono(void *ctx)
{
    return ((hl_fakesys_t *)ctx)->mono_ms;
}

static int64_t fake_utc(void *ctx)
{
    return ((hl_fakesys_t *)ctx)->utc_ms;
}

static bool fake_trusted(void *ctx)
{
    return ((hl_fakesys_t *)ctx)->trusted;
}

static int fake_random(void *ctx, void *buf, size_t n)
{
    hl_fakesys_t *f = ctx;
    unsigned char *p = buf;
    for (size_t i = 0; i < n; i++) {
        /* xorshift64*: deterministic, good enough for test UUIDs. */
        f->rng ^= f->rng >> 12;
        f->rng ^= f->rng << 25;
        f->rng ^= f->rng >> 27;
        p[i] = (unsigned char)((f->rng * 0x2545F4914F6CDD1DULL) >> 56);
    }
    return 0;
}

void hl_fakesys_init(hl_fakesys_t *f, int64_t utc_ms, bool trusted, uint64_t seed)
{
    f->mono_ms = 1000;
    f->utc_ms = utc_ms;
    f->trusted = trusted;
    f->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
}

void hl_fakesys_advance(hl_fakesys_t *f, int64_t ms)
{
    f->mono_ms += ms;
    f->utc_ms += ms;
}

hl_sys_t hl_fakesys_sys(hl_fakesys_t *f)
{
    hl_sys_t s = {fake_mono, fake_utc, fake_trusted, fake_random, f};
    return s;
}

int hl_uuid_new(const hl_sys_t *sys, char out[37])
{
    unsigned char b[16];
    if (sys->random(sys->ctx, b, sizeof b) != 0) return -1;
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    static const char hex[] = "0123456789abcdef";
    int o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
    return 0;
}

void hl_time_iso8601(int64_t utc_ms, char out[32])
{
    time_t t = (time_t)(utc_ms >= 0 ? utc_ms / 1000 : (utc_ms - 999) / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        strcpy(out, "1970-01-01T00:00:00Z");
        return;
    }
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's
 * civil-from-days inverse), so that parsing needs no time zone. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

bool hl_time_parse_iso8601(const char *s, int64_t *utc_ms)
{
    int y, mo, d, h, mi, se;
    char z = 0, extra = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c%c", &y, &mo, &d, &h, &mi, &se, &z, &extra) != 7)
        return false;
    if (z != 'Z' || strlen(s) != 20) return false;
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) || h < 0 ||
        h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59)
        return false;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    *utc_ms = ((days * 24 + h) * 60 + mi) * 60000LL + se * 1000LL;
    return true;
}

void hl_hex_encode(const unsigned char *b, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool hl_hex_decode(const char *s, unsigned char *out, size_t n)
{
    if (!s || strlen(s) != 2 * n) return false;
    for (size_t i = 0; i < n; i++) {
        int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}
