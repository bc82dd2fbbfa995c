/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_proxy.h: a fault-injecting TCP proxy for HTTP/1.1 between kiosks'
 * sync and hailong-server, for the reliability tests (test_server_faults).
 *
 * It listens on 127.0.0.1, port 0, and forwards each client connection to
 * 127.0.0.1:upstream (re-pointed with hl_proxy_set_upstream when the server
 * comes back on another port). It reads each request whole (headers and a
 * Content-Length body; keep-alive connections carry many), then chooses
 * what happens to it: it goes through, or one of the faults below. The
 * choices come from a seeded random stream per client, the client told
 * apart by its Authorization header (a kiosk's token), so a kiosk's k-th
 * request is faulty or not whatever the other kiosks do at the time; which
 * fault, too, except for the first faulty requests the proxy sees: they
 * take each fault of nonzero chance once, in a seeded order, so that even
 * a short run meets every kind.
 * Requests that go through are written in random pieces, both ways.
 *
 * A test waits for conditions on the counters (hl_proxy_wait: "the N-th
 * request went to the server", "the server answered 503 three times"),
 * never for time, and may hold requests back at the gate (hl_proxy_hold_at)
 * while it breaks something behind the proxy. Everything the proxy waits
 * for is a socket or a condition; nothing sleeps. One thread accepts, one
 * thread per connection serves; hl_proxy_stop ends them all. Tests only.
 */
#ifndef HL_PROXY_H
#define HL_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum hl_proxy_fault {
    HL_PROXY_PASS = 0,     /* the request and its answer go through */
    HL_PROXY_RESET_BEFORE, /* the request read whole, never forwarded; the client reset */
    HL_PROXY_CUT_REQUEST,  /* the head and part of the body forwarded, then both reset */
    HL_PROXY_RESET_AFTER,  /* forwarded, the server's whole answer read, the client reset
                              before a byte of it: stored, and the kiosk never hears it */
    HL_PROXY_CUT_ANSWER,   /* the answer's head and part of its body passed on, then reset */
    HL_PROXY_STALL,        /* the answer held until the client gives up and closes */
    HL_PROXY_DROP,         /* packet loss's stand-in: the exchange (request, then answer)
                              goes through up to a random byte, the bytes after it are
                              dropped both ways, then both connections are reset */
    HL_PROXY_N_FAULTS
} hl_proxy_fault_t;

/* "pass", "reset-before", ... */
const char *hl_proxy_fault_name(hl_proxy_fault_t f);

typedef struct hl_proxy_opts {
    int upstream_port;                   /* the server at 127.0.0.1 */
    uint64_t seed;                       /* of every random choice */
    unsigned percent[HL_PROXY_N_FAULTS]; /* chance of each fault per request, in percent
                                            (summing to 100 at most; PASS's entry is unused:
                                            PASS is what is left) */
    /* Called with each whole answer read from the server (on a connection's
     * thread, before the fault decides whether the client gets it); NULL:
     * none. */
    void (*on_answer)(void *ctx, int status, const char *body, size_t len);
    void *ctx;
} hl_proxy_opts_t;

typedef struct hl_proxy_stats {
    long connections;               /* accepted from clients */
    long requests;                  /* requests read whole from clients */
    long faults[HL_PROXY_N_FAULTS]; /* requests by the fault chosen for them */
    long forwarded;                 /* requests let through the gate to the server (all or,
                                       CUT_REQUEST and DROP, part of them) */
    long answers;                   /* whole answers read from the server */
    long answers_200;               /* of which 200 */
    long answers_503;               /* of which 503 */
    long answers_429;               /* of which 429 */
    long answers_other;             /* of which anything else (the status in last_other) */
    int last_other;                 /* the last such status */
    long upstream_refused;          /* the server could not be reached */
    long upstream_broke;            /* the server closed before a whole answer */
    long upstream_broke_request;    /* ... before it took the whole request */
    long errors;                    /* traffic the proxy does not understand (chunked, no
                                       Content-Length, a bad head): a test's bug */
} hl_proxy_stats_t;

typedef struct hl_proxy hl_proxy_t;

/* Starts the proxy on 127.0.0.1:0; NULL with a message on stderr. */
hl_proxy_t *hl_proxy_start(const hl_proxy_opts_t *o);

/* The port it listens on. */
int hl_proxy_port(const hl_proxy_t *p);

/* Where requests go from now on (connections already open keep theirs
 * until the server closes them). */
void hl_proxy_set_upstream(hl_proxy_t *p, int port);

/* Once `forwarded` reaches n, further requests wait at the gate until
 * hl_proxy_hold_at(p, -1) lets them go (n < 0: no hold). */
void hl_proxy_hold_at(hl_proxy_t *p, long n);

void hl_proxy_stats(hl_proxy_t *p, hl_proxy_stats_t *out);

/* Waits until cond(stats, ctx) holds, re-checked on every change of the
 * counters; false when it did not within timeout_s (a bound against a hang,
 * minutes) or the proxy stopped. */
bool hl_proxy_wait(hl_proxy_t *p, bool (*cond)(const hl_proxy_stats_t *s, void *ctx), void *ctx,
                   int timeout_s);

/* Stops accepting, resets every connection, joins every thread, frees. */
void hl_proxy_stop(hl_proxy_t *p);

#endif
