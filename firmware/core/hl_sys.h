/*
 * hl_sys.h: the services the core asks of the platform: clocks, whether the
 * wall clock can be trusted, and random bytes.
 *
 * The core never reads a clock by itself: the flow and the store take an
 * hl_sys_t, so tests and scripted runs drive time by hand (the fake below)
 * and the kiosk uses the real one from platform/. A Raspberry Pi has no RTC:
 * its wall clock is wrong until NTP syncs, which is why "trusted" exists and
 * why ordering relies on sequence numbers and the monotonic clock.
 */
#ifndef HL_SYS_H
#define HL_SYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hl_sys {
    int64_t (*mono_ms)(void *ctx);                 /* monotonic milliseconds, never goes back */
    int64_t (*utc_ms)(void *ctx);                  /* wall clock, ms since 1970-01-01T00:00Z */
    bool (*utc_trusted)(void *ctx);                /* wall clock synced (NTP) or set by a person */
    int (*random)(void *ctx, void *buf, size_t n); /* 0 on success */
    void *ctx;                                     /* passed to each function; not owned */
} hl_sys_t;

/* A clock moved by hand and a seeded random generator, for tests and
 * scripted runs. Same seed and same steps give the same bytes. */
typedef struct hl_fakesys {
    int64_t mono_ms; /* current monotonic time */
    int64_t utc_ms;  /* current wall-clock time */
    bool trusted;    /* what utc_trusted answers */
    uint64_t rng;    /* xorshift state, never 0 */
} hl_fakesys_t;

void hl_fakesys_init(hl_fakesys_t *f, int64_t utc_ms, bool trusted, uint64_t seed);
void hl_fakesys_advance(hl_fakesys_t *f, int64_t ms);
hl_sys_t hl_fakesys_sys(hl_fakesys_t *f);

/* Formats a random version-4 UUID (36 chars + NUL) from sys->random. */
int hl_uuid_new(const hl_sys_t *sys, char out[37]);

/* Writes n bytes as 2n lower-case hex digits and a NUL into out. */
void hl_hex_encode(const unsigned char *b, size_t n, char *out);

/* Parses exactly 2n hex digits (either case) into n bytes; false otherwise. */
bool hl_hex_decode(const char *s, unsigned char *out, size_t n);

/* Formats ms since the epoch as "YYYY-MM-DDTHH:MM:SSZ" (21 bytes with NUL). */
void hl_time_iso8601(int64_t utc_ms, char out[32]);

/* Parses "YYYY-MM-DDTHH:MM:SSZ"; false when malformed. */
bool hl_time_parse_iso8601(const char *s, int64_t *utc_ms);

#endif
