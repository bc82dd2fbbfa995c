/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * srv_http.c: the service: kiosks' pushes over HTTP(S) into PostgreSQL.
 *
 * libmicrohttpd runs a pool of threads; each request takes one database
 * connection for its two calls. A push is judged when its headers arrive:
 * a body over the limit (413, the kiosk halves its batch), then the token:
 * unknown (401), a disabled kiosk (403), a kiosk over its rate (429 with
 * Retry-After), then admission (admit): a kiosk that already has a push in
 * flight (429, Retry-After 5 s), more pushes in flight than --max-inflight
 * (503 with a jittered Retry-After). Only an authenticated push holds a
 * slot, and only while its body keeps coming (upload_pace). How such a
 * refusal reaches a client that is still sending its body is below
 * (refuse). Then the body is read, parsed and checked (hl_push), and
 * hailong.ingest stores it in one transaction before the answer names what
 * the database now holds: the answer never goes out before the commit. The
 * database down or restarting is a 503 with Retry-After; the kiosks send
 * again.
 * TLS is served by libmicrohttpd (GnuTLS) when a certificate is given;
 * without one the service listens on the loopback only (behind a proxy
 * that terminates TLS). SIGTERM stops it after the requests in progress.
 */
#define _GNU_SOURCE /* POLLRDHUP (peer_gone) */
#include "hl_push.h"
#include "hl_sys.h"
#include "srv_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Lingering close (see linger_main): sockets at once, and how long each;
 * and reads of one socket per poll round (64 KiB), so that a client that
 * never stops sending can neither hold the thread nor outlive its end. */
#define SRV_LINGER_SLOTS   256
#define SRV_LINGER_IDLE_MS 30000 /* closed after this long without a byte from the client */
#define SRV_LINGER_MAX_MS  60000 /* and after this long in all */
#define SRV_LINGER_READS   4     /* recv()s of 16 KiB per socket and round */

/* A push's body must keep coming (upload_pace): a slot in flight is not
 * for a client that trickles. From its headers, a body may come at any
 * speed for SRV_PACE_GRACE_MS; from then on, what came must average at
 * least SRV_PACE_MIN_BPS since the headers, or the push is cut. Kiosks
 * send at full speed and give up themselves below 100 B/s
 * (HL_SYNC_LOW_SPEED), so only a stalled or hostile upload meets this. */
#define SRV_PACE_GRACE_MS 30000 /* ms from the headers at any speed */
#define SRV_PACE_MIN_BPS  1024  /* bytes a second on average after that */
#define SRV_KIOSK_RETRY_S 5     /* Retry-After of a push from a kiosk with one in flight */
#define SRV_KIOSK_ID_MAX  41    /* a kiosk id and its NUL ([a-z0-9_-]{1,40}) */

/* The sockets of answered connections kept open until their clients are
 * done sending (one thread polls them all). */
typedef struct srv_linger {
    int in, out; /* a pipe: sockets handed over as ints; out closed: stop */
    bool tls;    /* libmicrohttpd ends a TLS stream itself (close_notify) */
    pthread_t thread;
    bool running;                      /* thread started */
    int fd[SRV_LINGER_SLOTS];          /* lingering sockets, -1: a free slot */
    int64_t idle_at[SRV_LINGER_SLOTS]; /* CLOCK_MONOTONIC ms: closed then without a byte */
    int64_t end_at[SRV_LINGER_SLOTS];  /* and then in any case */
} srv_linger_t;

/* A kiosk with a push in flight. */
typedef struct srv_flying {
    char id[SRV_KIOSK_ID_MAX]; /* the kiosk; "": a free slot */
    const void *owner;         /* its push (req_t) */
    int fd;                    /* that push's socket (open while it is here: completed
                                  releases before libmicrohttpd closes it) */
} srv_flying_t;

/* The pushes in flight (admit): at most one per kiosk, at most
 * --max-inflight in all. A set of kiosks, open addressing with linear
 * probing; at most half full, so a probe always meets a free slot. */
typedef struct srv_flight {
    pthread_mutex_t mu;
    srv_flying_t *k; /* slots: a power of two, at least 2 x --max-inflight */
    size_t mask;     /* slots - 1 */
    int n;           /* pushes in flight (a push whose kiosk was taken over still counts) */
} srv_flight_t;

typedef struct srv {
    const srv_opts_t *o;
    srv_pool_t pool;
    srv_flight_t flight;     /* pushes admitted and not yet answered */
    atomic_ullong jitter;    /* Retry-After's jitter: a random start, stepped per use */
    atomic_llong busy_said;  /* CLOCK_MONOTONIC s of the last "busy" log line */
    atomic_llong twice_said; /* and of the last "a second push from a kiosk" line */
    srv_linger_t linger;
} srv_t;

/* One request. */
typedef struct req {
    bool answered; /* a response was queued */
    bool drain;    /* a refusal on the headers waits for the body (refuse) */
    bool linger;   /* answered before its body: the socket lingers when done */
    bool counted;  /* admitted: its kiosk is in srv_t.flight */
    bool too_big;
    unsigned refusal;  /* the status decided on the headers, sent after the body (0: none) */
    int refusal_retry; /* its Retry-After, 0: none */
    char why[200];     /* its reason */
    char kiosk_id[SRV_KIOSK_ID_MAX];
    bool has_key;
    unsigned char public_key[32];
    char key_fp[17];
    int64_t admitted_at; /* CLOCK_MONOTONIC ms of its admission (upload_pace) */
    uint64_t got;        /* bytes of its body received, kept or not */
    unsigned timeout_s;  /* the connection's timeout as last set (0: the daemon's) */
    char *body;
    size_t len, cap;
} req_t;

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static enum MHD_Result answer_as(struct MHD_Connection *c, unsigned status, const char *json,
                                 int retry_after_s, bool close)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(json), (void *)json, MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (close) MHD_add_response_header(r, "Connection", "close");
    if (retry_after_s > 0) {
        char v[16];
        hl_fmt(v, sizeof v, "%d", retry_after_s);
        MHD_add_response_header(r, "Retry-After", v);
    }
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *json,
                              int retry_after_s)
{
    return answer_as(c, status, json, retry_after_s, false);
}

/* {"error": msg}; close: with Connection: close. */
static enum MHD_Result answer_error_as(struct MHD_Connection *c, unsigned status, const char *msg,
                                       int retry_after_s, bool close)
{
    json_t *o = json_pack("{s:s}", "error", msg);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    enum MHD_Result ok = answer_as(c, status, s ? s : "{}", retry_after_s, close);
    free(s);
    json_decref(o);
    return ok;
}

static enum MHD_Result answer_error(struct MHD_Connection *c, unsigned status, const char *msg,
                                    int retry_after_s)
{
    return answer_error_as(c, status, msg, retry_after_s, false);
}

/* ---- Refusals on the headers ---------------------------------------------------------
 * A refusal decided on the headers must reach a client that is still
 * sending its body. Answering at once and closing does not: libmicrohttpd
 * stops reading, and a socket closed with the client's bytes unread sends a
 * reset, which the client may meet before it reads the answer ("connection
 * reset" instead of 401). So:
 *  - a 401, 403, 404 or 405 (a misconfigured kiosk or a stray client: rare)
 *    with a body of known length within --max-body, the kiosks' case, is
 *    read and dropped first and the refusal sent after it, on a connection
 *    that stays usable (drain): at most --max-body bytes per refusal, never
 *    stored, and the client needs nothing special;
 *  - the refusals of load, 429 and 503, are answered at once whatever the
 *    body: they come in floods, exactly when the server has least to
 *    spare, and reading each refused body would cost as much as taking it.
 *    So are a longer body (the 413), one of unknown length (chunked), and a
 *    client that waits for "100 Continue" before it sends its body (it may
 *    send it anyway when tired of waiting). Such an answer goes with
 *    Connection: close, and the socket lingers (linger_main): shut down for
 *    writing, so the client sees the answer end, then read and dropped until
 *    the client closes, as nginx's lingering close does. libcurl, the
 *    kiosks' client, stops sending its body when an error status comes
 *    before its end (unless CURLOPT_KEEP_SENDING_ON_ERROR, which the kiosk
 *    does not set) and closes, so a kiosk refused for load sends little
 *    more than what was on its way.
 * Either way nothing of the body is kept or looked at. */

/* at_once: never drained (the refusals of load). */
static enum MHD_Result refuse(struct MHD_Connection *c, req_t *q, unsigned status, const char *why,
                              int retry_after_s, bool at_once)
{
    if (q->drain && !at_once) {
        q->refusal = status;
        q->refusal_retry = retry_after_s;
        hl_fmt(q->why, sizeof q->why, "%s", why);
        return MHD_YES;
    }
    q->answered = true;
    q->linger = true;
    return answer_error_as(c, status, why, retry_after_s, true);
}

/* Whether a refusal on these headers can wait for the body (refuse). */
static bool drainable(struct MHD_Connection *c, size_t max_body)
{
    const char *te =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    const char *ex = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
    const char *cl =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (te || (ex && !strcasecmp(ex, "100-continue"))) return false;
    if (!cl) return true; /* no body */
    char *end;
    errno = 0;
    unsigned long long n = strtoull(cl, &end, 10);
    return !errno && end != cl && !*end && cl[0] != '-' && n <= max_body;
}

/* Hands an answered connection's socket to the lingering thread (a
 * duplicate: libmicrohttpd's close then leaves the connection open). Called
 * once the whole answer was written. */
static void linger_add(srv_linger_t *l, struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!l->running || !ci) return;
    int fd = fcntl(ci->connect_fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return; /* closed by libmicrohttpd alone, as before */
    /* the answer is written: the client sees its end (a TLS stream is ended
     * by libmicrohttpd's close_notify instead, sent after this) */
    if (!l->tls) shutdown(fd, SHUT_WR);
    if (write(l->out, &fd, sizeof fd) != (ssize_t)sizeof fd) close(fd); /* full: as before */
}

static void linger_close(srv_linger_t *l, int i)
{
    close(l->fd[i]);
    l->fd[i] = -1;
}

/* The lingering thread: the sockets handed over are read and dropped until
 * their clients close (or fail), SRV_LINGER_IDLE_MS pass without a byte,
 * or SRV_LINGER_MAX_MS in all; a socket that finds every slot taken is
 * closed at once, as before. Closing the pipe stops it (every socket is
 * closed then). */
static void *linger_main(void *arg)
{
    srv_linger_t *l = arg;
    struct pollfd pf[SRV_LINGER_SLOTS + 1];
    int slot[SRV_LINGER_SLOTS + 1];
    char sink[16384];
    bool open = true;
    while (open) {
        int64_t now = mono_ms(), wait = -1;
        size_t n = 0;
        pf[n++] = (struct pollfd){.fd = l->in, .events = POLLIN};
        for (int i = 0; i < SRV_LINGER_SLOTS; i++) {
            if (l->fd[i] < 0) continue;
            int64_t due = l->idle_at[i] < l->end_at[i] ? l->idle_at[i] : l->end_at[i];
            if (wait < 0 || due - now < wait) wait = due > now ? due - now : 0;
            slot[n] = i;
            pf[n++] = (struct pollfd){.fd = l->fd[i], .events = POLLIN};
        }
        if (poll(pf, n, (int)wait) < 0) {
            if (errno != EINTR) /* never seen: close them at once, as before */
                for (int i = 0; i < SRV_LINGER_SLOTS; i++)
                    if (l->fd[i] >= 0) linger_close(l, i);
            continue;
        }
        now = mono_ms();
        for (size_t k = 1; k < n; k++) {
            int i = slot[k];
            if (pf[k].revents) {
                /* a few reads each round, so a client that never stops
                 * sending neither holds the thread nor outlives end_at */
                ssize_t got = 1;
                for (int r = 0; r < SRV_LINGER_READS && got > 0; r++) {
                    got = recv(l->fd[i], sink, sizeof sink, MSG_DONTWAIT);
                    if (got > 0) l->idle_at[i] = now + SRV_LINGER_IDLE_MS;
                }
                if (got == 0 ||
                    (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                    linger_close(l, i); /* the client is done, or gone */
                    continue;
                }
            }
            if (now >= l->idle_at[i] || now >= l->end_at[i]) linger_close(l, i);
        }
        if (pf[0].revents) {
            int fds[64];
            ssize_t got = read(l->in, fds, sizeof fds);
            if (got == 0) open = false; /* stopping */
            for (ssize_t k = 0; k < got / (ssize_t)sizeof fds[0]; k++) {
                int i = 0;
                while (i < SRV_LINGER_SLOTS && l->fd[i] >= 0)
                    i++;
                if (i == SRV_LINGER_SLOTS) {
                    close(fds[k]);
                    continue;
                }
                l->fd[i] = fds[k];
                l->idle_at[i] = now + SRV_LINGER_IDLE_MS;
                l->end_at[i] = now + SRV_LINGER_MAX_MS;
            }
        }
    }
    for (int i = 0; i < SRV_LINGER_SLOTS; i++)
        if (l->fd[i] >= 0) linger_close(l, i);
    return NULL;
}

static int linger_start(srv_linger_t *l, bool tls, hl_err_t *err)
{
    memset(l, 0, sizeof *l);
    l->in = l->out = -1;
    for (int i = 0; i < SRV_LINGER_SLOTS; i++)
        l->fd[i] = -1;
    l->tls = tls;
    int p[2];
    if (pipe(p)) return hl_err_set(err, HL_ERR_IO, "cannot make a pipe: %s", strerror(errno));
    l->in = p[0];
    l->out = p[1];
    for (int i = 0; i < 2; i++) {
        fcntl(p[i], F_SETFD, FD_CLOEXEC);
        fcntl(p[i], F_SETFL, O_NONBLOCK); /* a full pipe closes at once, never blocks */
    }
    if (pthread_create(&l->thread, NULL, linger_main, l)) {
        close(l->in);
        close(l->out);
        return hl_err_set(err, HL_ERR_IO, "cannot start a thread");
    }
    l->running = true;
    return HL_OK;
}

/* After the daemon stopped: ends the thread, closing what still lingers. */
static void linger_stop(srv_linger_t *l)
{
    if (!l->running) return;
    close(l->out);
    pthread_join(l->thread, NULL);
    close(l->in);
    l->running = false;
}

/* ---- Admission -----------------------------------------------------------------------
 * A push is admitted once its token is known (auth), so a client without
 * one never holds a slot. Admitted, it is in flight until it is answered or
 * gone, with its body in memory and its turn at the database to come:
 *  - at most one per kiosk: a push from a kiosk that has one in flight is
 *    refused at once with 429 and Retry-After 5 s, without asking the
 *    database again (a kiosk pushes one batch at a time: a second one is a
 *    token used to fill the server, or a resend racing the end of a
 *    connection the kiosk gave up on; when the kernel already has that
 *    end, peer_gone, the resend is admitted);
 *  - at most --max-inflight (2 x threads by default) in all: one more is
 *    refused at once with 503 and a Retry-After of 2 to 10 s, jittered so
 *    that refused kiosks do not come back together: under load the service
 *    answers quickly instead of queueing requests until the kiosks time
 *    out;
 *  - and only while its body keeps coming (upload_pace): SRV_PACE_GRACE_MS
 *    after its headers, a body that came at less than SRV_PACE_MIN_BPS on
 *    average is cut, so a stalled or trickling upload frees its slot long
 *    before the idle --timeout.
 * The slot is released once the answer is queued, so a client that read
 * its answer finds the room it left. */

static size_t flight_hash(const char *id)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (; *id; id++)
        h = (h ^ (unsigned char)*id) * 0x100000001b3ull;
    return (size_t)(h ^ (h >> 32));
}

/* The slot holding id, or the free slot where it would go. */
static size_t flight_slot(const srv_flight_t *f, const char *id)
{
    size_t i = flight_hash(id) & f->mask;
    while (f->k[i].id[0] && strcmp(f->k[i].id, id))
        i = (i + 1) & f->mask;
    return i;
}

/* Empties slot i, moving back the entries after it that would no longer
 * be found (linear probing's deletion without tombstones). */
static void flight_remove(srv_flight_t *f, size_t i)
{
    f->k[i].id[0] = '\0';
    for (size_t j = (i + 1) & f->mask; f->k[j].id[0]; j = (j + 1) & f->mask) {
        size_t home = flight_hash(f->k[j].id) & f->mask;
        /* j's entry stays when its home lies cyclically in (i, j] */
        bool stays = i < j ? (i < home && home <= j) : (i < home || home <= j);
        if (stays) continue;
        f->k[i] = f->k[j];
        f->k[j].id[0] = '\0';
        i = j;
    }
}

static int flight_init(srv_flight_t *f, int max_inflight, hl_err_t *err)
{
    memset(f, 0, sizeof *f);
    size_t slots = 2;
    while (slots < 2 * (size_t)max_inflight)
        slots *= 2;
    f->k = calloc(slots, sizeof *f->k);
    if (!f->k)
        return hl_err_set(err, HL_ERR_NOMEM, "out of memory for %d pushes in flight", max_inflight);
    f->mask = slots - 1;
    pthread_mutex_init(&f->mu, NULL);
    return HL_OK;
}

static void flight_free(srv_flight_t *f)
{
    if (!f->k) return;
    pthread_mutex_destroy(&f->mu);
    free(f->k);
    memset(f, 0, sizeof *f);
}

/* Whether the client of a push in flight is known gone: its socket has
 * the peer's end (FIN) or a reset waiting that libmicrohttpd has not read
 * yet (its thread busy at the database with another request). */
static bool peer_gone(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN | POLLRDHUP};
    return fd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

/* Admits an authenticated push (q->kiosk_id) on connection c: 0, or the
 * status to refuse it with: 429 (its kiosk has one in flight), 503
 * (--max-inflight). A kiosk's push in flight whose client is gone
 * (peer_gone: the kiosk gave up on it and sends again) does not make the
 * new one wait: the new one takes the kiosk's place, while the old one
 * keeps its count until libmicrohttpd ends it. */
static unsigned admit(srv_t *s, struct MHD_Connection *c, req_t *q)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    srv_flight_t *f = &s->flight;
    unsigned st = 0;
    pthread_mutex_lock(&f->mu);
    size_t i = flight_slot(f, q->kiosk_id);
    if (f->k[i].id[0] && !peer_gone(f->k[i].fd)) {
        st = 429;
    } else if (f->n >= s->o->max_inflight) {
        st = 503;
    } else {
        hl_fmt(f->k[i].id, sizeof f->k[i].id, "%s", q->kiosk_id);
        f->k[i].owner = q;
        f->k[i].fd = ci ? ci->connect_fd : -1;
        f->n++;
        q->counted = true;
    }
    pthread_mutex_unlock(&f->mu);
    if (!st) q->admitted_at = mono_ms();
    return st;
}

/* The push is answered (or gone): room for another, and for its kiosk
 * (unless a newer push of the kiosk took its place). */
static void release(srv_t *s, req_t *q)
{
    if (!q->counted) return;
    q->counted = false;
    srv_flight_t *f = &s->flight;
    pthread_mutex_lock(&f->mu);
    size_t i = flight_slot(f, q->kiosk_id);
    if (f->k[i].id[0] && f->k[i].owner == q) flight_remove(f, i);
    f->n--;
    pthread_mutex_unlock(&f->mu);
}

/* The connection's idle timeout: ms rounded up to seconds, 1 to --timeout. */
static void set_timeout(srv_t *s, struct MHD_Connection *c, req_t *q, int64_t ms)
{
    int64_t sec = (ms + 999) / 1000;
    if (sec < 1) sec = 1;
    if (sec > s->o->timeout_s) sec = s->o->timeout_s;
    if ((unsigned)sec == q->timeout_s) return;
    q->timeout_s = (unsigned)sec;
    MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)sec);
}

/* When an admitted push's body, q->got bytes so far, falls below the
 * minimum pace if nothing more comes: CLOCK_MONOTONIC ms. */
static int64_t pace_due(const req_t *q)
{
    int64_t need = (int64_t)(q->got * 1000 / SRV_PACE_MIN_BPS);
    return q->admitted_at + (need > SRV_PACE_GRACE_MS ? need : SRV_PACE_GRACE_MS);
}

/* The one log line of a push cut for its pace: on a byte that came too
 * late (idle_s 0), or after idle_s seconds without a byte (the
 * connection's timeout, completed). */
static void pace_log(const req_t *q, unsigned idle_s)
{
    int64_t ms = mono_ms() - q->admitted_at;
    char idle[48] = "";
    if (idle_s) hl_fmt(idle, sizeof idle, ", then nothing for %u s", idle_s);
    logf_("kiosk %s: push cut after %lld s: %llu bytes of its body%s (a body must come at %d "
          "B/s on average after %d s)",
          q->kiosk_id, (long long)(ms / 1000), (unsigned long long)q->got, idle, SRV_PACE_MIN_BPS,
          SRV_PACE_GRACE_MS / 1000);
}

/* Whether an admitted push's body keeps the minimum pace; when it does, the
 * connection's timeout is set to the moment it would fall behind if
 * nothing more came, so a stalled upload is cut then (completed) without
 * waiting for a byte. */
static bool upload_pace(srv_t *s, struct MHD_Connection *c, req_t *q)
{
    int64_t now = mono_ms(), due = pace_due(q);
    if (now > due) {
        pace_log(q, 0);
        return false;
    }
    set_timeout(s, c, q, due - now);
    return true;
}

/* 2 to 10 seconds: splitmix64 over a counter with a random start. */
static int retry_jitter(srv_t *s)
{
    uint64_t z = atomic_fetch_add(&s->jitter, 0x9e3779b97f4a7c15ull) + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return 2 + (int)(z % 9);
}

/* The token's kiosk. Returns the HTTP status to refuse with, or 0. */
static unsigned auth(srv_t *s, struct MHD_Connection *c, req_t *q, char *why, size_t cap,
                     int *retry)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!h || strncmp(h, "Bearer ", 7) || !h[7] || strlen(h + 7) > 512) {
        hl_fmt(why, cap, "no bearer token: send Authorization: Bearer <the kiosk's token>");
        return 401;
    }
    unsigned char hash[32];
    if (!EVP_Digest(h + 7, strlen(h + 7), hash, NULL, EVP_sha256(), NULL)) {
        hl_fmt(why, cap, "cannot hash the token");
        return 500;
    }
    hl_err_t err = {0};
    PGconn *db = srv_pool_get(&s->pool, &err);
    if (!db) {
        logf_("database unavailable: %s", err.msg);
        hl_fmt(why, cap, "the database is unavailable; try again later");
        *retry = 5;
        return 503;
    }
    const char *vals[] = {(const char *)hash};
    int lens[] = {32}, fmts[] = {1};
    PGresult *r = srv_pool_exec(&s->pool, &db, "auth", 1, vals, lens, fmts, &err);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        logf_("kiosk_auth: %s", r ? PQresultErrorMessage(r) : err.msg);
        PQclear(r);
        srv_pool_put(&s->pool, db, true);
        hl_fmt(why, cap, "the database is unavailable; try again later");
        *retry = 5;
        return 503;
    }
    unsigned status = 0;
    if (PQntuples(r) != 1) {
        hl_fmt(why, cap, "unknown token: register the kiosk (hailong-server kiosk add)");
        status = 401;
    } else {
        hl_fmt(q->kiosk_id, sizeof q->kiosk_id, "%s", PQgetvalue(r, 0, 0));
        const char *pk = PQgetvalue(r, 0, 2);
        q->has_key =
            !PQgetisnull(r, 0, 2) && strlen(pk) == 66 && hl_hex_decode(pk + 2, q->public_key, 32);
        hl_fmt(q->key_fp, sizeof q->key_fp, "%s", PQgetvalue(r, 0, 3));
        int ra = atoi(PQgetvalue(r, 0, 4));
        if (strcmp(PQgetvalue(r, 0, 1), "t")) {
            hl_fmt(why, cap, "kiosk %s is disabled", q->kiosk_id);
            status = 403;
        } else if (ra > 0) {
            hl_fmt(why, cap, "kiosk %s sends too often; wait %d s", q->kiosk_id, ra);
            *retry = ra;
            status = 429;
        }
    }
    PQclear(r);
    srv_pool_put(&s->pool, db, false);
    return status;
}

static json_t *text_array(const char *lit)
{
    /* PostgreSQL's text[] of UUIDs: {a,b,c} (UUIDs need no quoting) */
    json_t *a = json_array();
    if (!a || !lit || lit[0] != '{') return a;
    const char *p = lit + 1;
    while (*p && *p != '}') {
        size_t n = strcspn(p, ",}");
        json_array_append_new(a, json_stringn(p, n));
        p += n;
        if (*p == ',') p++;
    }
    return a;
}

/* Stores a parsed, checked push; answers. */
static enum MHD_Result ingest(srv_t *s, struct MHD_Connection *c, req_t *q, hl_push_t *p)
{
    srv_buf_t rows = {0}, sig = {0}, quar = {0};
    srv_buf_add(&rows, "{", 1);
    srv_buf_add(&sig, "{", 1);
    srv_buf_add(&quar, "{", 1);
    size_t n_quar = 0;
    for (size_t i = 0; i < p->n_rows; i++) {
        const hl_push_row_t *r = &p->rows[i];
        srv_buf_array_item(&rows, q->body + r->off, r->len, i == 0);
        srv_buf_add(&sig, i ? (r->is_signed ? ",t" : ",f") : (r->is_signed ? "t" : "f"), i ? 2 : 1);
        srv_buf_array_item(&quar, r->quarantine, r->quarantine ? strlen(r->quarantine) : 0, i == 0);
        if (r->quarantine) n_quar++;
    }
    srv_buf_add(&rows, "}", 1);
    srv_buf_add(&sig, "}", 1);
    srv_buf_add(&quar, "}", 1);
    enum MHD_Result ok;
    if (rows.failed || sig.failed || quar.failed) {
        ok = answer_error(c, 503, "out of memory; try again later", 5);
        goto out;
    }
    char seq[24];
    hl_fmt(seq, sizeof seq, "%lld", (long long)p->head_seq);
    const char *vals[11] = {q->kiosk_id,
                            rows.p,
                            sig.p,
                            quar.p,
                            p->has_head ? seq : NULL,
                            p->has_head ? p->head_chain : NULL,
                            p->head_sig[0] ? p->head_sig : NULL,
                            p->head_key[0] ? p->head_key : NULL,
                            p->head_verdict,
                            p->head_note[0] ? p->head_note : NULL,
                            p->status};
    hl_err_t err = {0};
    PGconn *db = srv_pool_get(&s->pool, &err);
    if (!db) {
        logf_("database unavailable: %s", err.msg);
        ok = answer_error(c, 503, "the database is unavailable; try again later", 5);
        goto out;
    }
    PGresult *r = srv_pool_exec(&s->pool, &db, "ingest", 11, vals, NULL, NULL, &err);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        bool refused = state && !strcmp(state, "42501");
        logf_("kiosk %s: ingest failed: %s", q->kiosk_id, r ? PQresultErrorMessage(r) : err.msg);
        PQclear(r);
        srv_pool_put(&s->pool, db, !refused);
        ok = refused ? answer_error(c, 403, "the kiosk is disabled", 0)
                     : answer_error(c, 503,
                                    "the database could not store the batch; try again "
                                    "later",
                                    5);
        goto out;
    }
    json_t *o = json_object();
    json_object_set_new(o, "accepted", text_array(PQgetvalue(r, 0, 0)));
    json_object_set_new(o, "duplicate", text_array(PQgetvalue(r, 0, 1)));
    json_object_set_new(o, "protocol", json_integer(2));
    if (!PQgetisnull(r, 0, 2)) {
        json_t *a = json_object();
        json_object_set_new(a, "id", json_integer(strtoll(PQgetvalue(r, 0, 2), NULL, 10)));
        if (!PQgetisnull(r, 0, 3) && !PQgetisnull(r, 0, 4)) {
            json_object_set_new(a, "survey_sha256", json_string(PQgetvalue(r, 0, 3)));
            json_object_set_new(a, "survey",
                                json_stringn(PQgetvalue(r, 0, 4), (size_t)PQgetlength(r, 0, 4)));
        }
        if (!PQgetisnull(r, 0, 5)) {
            json_t *off = json_loads(PQgetvalue(r, 0, 5), 0, NULL);
            if (off) json_object_set_new(a, "officers", off);
        }
        json_object_set_new(o, "assignment", a);
    }
    size_t n_acc = json_array_size(json_object_get(o, "accepted"));
    PQclear(r);
    srv_pool_put(&s->pool, db, false);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    ok = text ? answer(c, 200, text, 0) : answer_error(c, 503, "out of memory", 5);
    free(text);
    if (s->o->verbose || n_quar || (p->head_verdict && !strcmp(p->head_verdict, "forged")))
        logf_("kiosk %s: %zu responses, %zu stored, %zu quarantined, head %s%s%s", q->kiosk_id,
              p->n_rows, n_acc, n_quar, p->head_verdict ? p->head_verdict : "none",
              p->head_note[0] ? ": " : "", p->head_note);
out:
    srv_buf_free(&rows);
    srv_buf_free(&sig);
    srv_buf_free(&quar);
    return ok;
}

/* A push's whole body is in: parsed, checked, stored, answered. */
static enum MHD_Result push(srv_t *s, struct MHD_Connection *c, req_t *q)
{
    if (q->too_big)
        return answer_error(c, 413, "the request is too large: send fewer responses", 0);
    hl_push_t p;
    hl_err_t err = {0};
    if (hl_push_parse(q->body ? q->body : "", q->len, &p, &err) != HL_OK) {
        logf_("kiosk %s: bad request: %s", q->kiosk_id, err.msg);
        return answer_error(c, err.code == HL_ERR_NOMEM ? 503 : 400, err.msg,
                            err.code == HL_ERR_NOMEM ? 5 : 0);
    }
    if (strcmp(p.kiosk_id, q->kiosk_id)) {
        char why[200];
        hl_fmt(why, sizeof why, "the token belongs to kiosk %s, not %s", q->kiosk_id, p.kiosk_id);
        logf_("refused (403): %s", why);
        hl_push_free(&p);
        return answer_error(c, 403, why, 0);
    }
    hl_push_verify(&p, q->body, q->kiosk_id, q->has_key ? q->public_key : NULL, q->key_fp);
    enum MHD_Result ok = ingest(s, c, q, &p);
    hl_push_free(&p);
    return ok;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **ctx)
{
    (void)version;
    srv_t *s = cls;
    req_t *q = *ctx;
    if (!q) {
        q = calloc(1, sizeof *q);
        if (!q) return MHD_NO;
        *ctx = q;
        if (!strcmp(url, "/healthz") && !strcmp(method, "GET")) {
            hl_err_t err = {0};
            PGconn *db = srv_pool_get(&s->pool, &err);
            bool up = db && srv_db_exec(db, "SELECT 1", &err) == HL_OK;
            if (db) srv_pool_put(&s->pool, db, !up);
            q->answered = true;
            return up ? answer(c, 200, "{\"ok\":true}", 0)
                      : answer_error(c, 503, "the database is unavailable", 5);
        }
        q->drain = drainable(c, s->o->max_body);
        if (strcmp(url, SRV_PATH))
            return refuse(c, q, 404, "not here: kiosks push to " SRV_PATH, 0, false);
        if (strcmp(method, "POST")) return refuse(c, q, 405, "POST only", 0, false);
        const char *cl =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > s->o->max_body)
            return refuse(c, q, 413, "the request is too large: send fewer responses", 0, false);
        char why[200];
        int retry = 0;
        unsigned st = auth(s, c, q, why, sizeof why, &retry);
        if (st) {
            if (st != 429 && st != 503) logf_("refused (%u): %s", st, why);
            /* 429 and 503 are load: answered at once, never drained */
            return refuse(c, q, st, why, retry, st == 429 || st == 503);
        }
        st = admit(s, c, q);
        if (st == 429) {
            hl_fmt(why, sizeof why, "kiosk %s has a push in flight; try again in %d s", q->kiosk_id,
                   SRV_KIOSK_RETRY_S);
            /* one line a minute at most: a token used to flood would flood the log */
            long long now = mono_ms() / 1000, said = atomic_load(&s->twice_said);
            if (now - said >= 60 && atomic_compare_exchange_strong(&s->twice_said, &said, now))
                logf_("kiosk %s: a push while one is in flight; refusing it with 429 (this "
                      "line once a minute at most)",
                      q->kiosk_id);
            return refuse(c, q, 429, why, SRV_KIOSK_RETRY_S, true);
        }
        if (st) {
            retry = retry_jitter(s);
            hl_fmt(why, sizeof why, "the server is busy; try again in %d s", retry);
            /* one line a minute at most: the refusals come in floods */
            long long now = mono_ms() / 1000, said = atomic_load(&s->busy_said);
            if (now - said >= 60 && atomic_compare_exchange_strong(&s->busy_said, &said, now))
                logf_("busy: %d pushes in flight (--max-inflight); refusing more with 503",
                      s->o->max_inflight);
            return refuse(c, q, 503, why, retry, true);
        }
        set_timeout(s, c, q, SRV_PACE_GRACE_MS); /* upload_pace from the first byte on */
        return MHD_YES;
    }
    if (q->answered) {
        *upload_size = 0; /* the rest of a refused body is dropped */
        return MHD_YES;
    }
    if (q->refusal) { /* refused on the headers: the body is dropped, then the answer */
        if (*upload_size) {
            *upload_size = 0;
            return MHD_YES;
        }
        q->answered = true;
        return answer_error(c, q->refusal, q->why, q->refusal_retry);
    }
    if (*upload_size) {
        q->got += *upload_size;
        if (q->counted && !upload_pace(s, c, q)) return MHD_NO; /* cut: frees its slot */
        if (q->too_big || q->len + *upload_size > s->o->max_body) {
            q->too_big = true;
        } else {
            if (q->len + *upload_size > q->cap) {
                size_t cap = q->cap ? q->cap : 65536;
                while (cap < q->len + *upload_size)
                    cap *= 2;
                char *b = realloc(q->body, cap);
                if (!b) return MHD_NO;
                q->body = b;
                q->cap = cap;
            }
            memcpy(q->body + q->len, upload, *upload_size);
            q->len += *upload_size;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    q->answered = true;
    /* the body is in: the connection's own timeout again (an answer read
     * slowly, the next request on a kept-alive connection) */
    if (q->timeout_s) set_timeout(s, c, q, (int64_t)s->o->timeout_s * 1000);
    enum MHD_Result ok = push(s, c, q);
    release(s, q); /* after the answer is queued: a client that has read it finds room */
    return ok;
}

static void completed(void *cls, struct MHD_Connection *c, void **ctx,
                      enum MHD_RequestTerminationCode why)
{
    srv_t *s = cls;
    req_t *q = *ctx;
    if (q) {
        bool idle = q->counted && why == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED;
        release(s, q); /* a push cut short */
        if (idle)      /* upload_pace's timeout (or --timeout, when shorter) */
            pace_log(q, q->timeout_s ? q->timeout_s : (unsigned)s->o->timeout_s);
        if (q->linger && why == MHD_REQUEST_TERMINATED_COMPLETED_OK) linger_add(&s->linger, c);
        free(q->body);
        free(q);
    }
    *ctx = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    fprintf(stderr, "http: %s\n", line);
}

/* sd_notify without libsystemd: one datagram to $NOTIFY_SOCKET. */
static void notify(const char *msg)
{
    const char *path = getenv("NOTIFY_SOCKET");
    if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= 108) return;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    memcpy(a.sun_path, path, strlen(path));
    if (a.sun_path[0] == '@') a.sun_path[0] = '\0';
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
    if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&a, len) < 0)
        fprintf(stderr, "sd_notify: %s\n", strerror(errno));
    close(fd);
}

static bool loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a);
    }
    return false;
}

int srv_serve(const srv_opts_t *o, hl_err_t *err)
{
    char port[16];
    hl_fmt(port, sizeof port, "%d", o->port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV},
                    *ai = NULL;
    int g = getaddrinfo(o->host, port, &hints, &ai);
    if (g) return hl_err_set(err, HL_ERR_USAGE, "--listen %s: %s", o->host, gai_strerror(g));
    bool tls = o->tls_cert && o->tls_key;
    if (!tls && !loopback(ai->ai_addr)) {
        freeaddrinfo(ai);
        return hl_err_set(err, HL_ERR_USAGE,
                          "--listen %s without TLS: kiosks' tokens must not cross a network in "
                          "clear; give --tls-cert and --tls-key, or listen on 127.0.0.1 behind "
                          "a proxy that terminates TLS",
                          o->host);
    }
    char *cert = NULL, *key = NULL;
    size_t len;
    if (tls && (hl_file_read(NULL, o->tls_cert, 1 << 20, 0, &cert, &len, err) != HL_OK ||
                hl_file_read(NULL, o->tls_key, 1 << 20, 0, &key, &len, err) != HL_OK)) {
        free(cert);
        freeaddrinfo(ai);
        return err->code;
    }
    if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        free(cert);
        free(key);
        freeaddrinfo(ai);
        return hl_err_set(err, HL_ERR_INTERNAL, "this libmicrohttpd has no TLS");
    }
    /* A connection per kiosk that keeps one open: as many descriptors as
     * the hard limit allows (the unit raises it). */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    srv_t s = {.o = o};
    unsigned long long seed = 0;
    if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != (ssize_t)sizeof seed)
        seed = (unsigned long long)mono_ms() ^ ((unsigned long long)getpid() << 32);
    atomic_init(&s.jitter, seed);
    atomic_init(&s.busy_said, -60);
    atomic_init(&s.twice_said, -60);
    int rc = flight_init(&s.flight, o->max_inflight, err);
    if (rc == HL_OK && (rc = srv_pool_init(&s.pool, o->db, o->threads, err)) != HL_OK)
        flight_free(&s.flight);
    if (rc != HL_OK) {
        free(cert);
        free(key);
        freeaddrinfo(ai);
        return rc;
    }
    /* The database may be down now: the service starts anyway and answers
     * 503 until it is up; the partitions are made once it is reachable. */
    hl_err_t e2 = {0};
    PGconn *db = srv_pool_get(&s.pool, &e2);
    if (db) {
        int version = 0, made = 0;
        if (srv_db_version(db, &version, &e2) == HL_OK && version < SRV_SCHEMA_VERSION)
            logf_("the database's schema is version %d, this program needs %d: run "
                  "hailong-server db migrate",
                  version, SRV_SCHEMA_VERSION);
        else if (srv_db_partitions(db, &made, &e2) != HL_OK)
            logf_("monthly partitions not made: %s", e2.msg);
        srv_pool_put(&s.pool, db, false);
    } else {
        logf_("database not reachable yet (%s): answering 503 until it is", e2.msg);
    }
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL); /* the daemon's threads inherit it */
    signal(SIGPIPE, SIG_IGN);
    if ((rc = linger_start(&s.linger, tls, err)) != HL_OK) {
        free(cert);
        free(key);
        freeaddrinfo(ai);
        srv_pool_free(&s.pool);
        flight_free(&s.flight);
        return rc;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG |
                     (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0) | (tls ? MHD_USE_TLS : 0);
    struct MHD_OptionItem tls_opts[] = {{tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert},
                                        {MHD_OPTION_HTTPS_MEM_KEY, 0, key},
                                        {MHD_OPTION_END, 0, NULL}};
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, handle, &s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)o->threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)o->timeout_s, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)o->per_ip, MHD_OPTION_CONNECTION_LIMIT, 4000u, MHD_OPTION_NOTIFY_COMPLETED,
        completed, &s, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!d) {
        free(cert);
        free(key);
        linger_stop(&s.linger);
        srv_pool_free(&s.pool);
        flight_free(&s.flight);
        return hl_err_set(err, HL_ERR_IO,
                          "cannot listen on %s port %d (in use, or not allowed; see the log "
                          "line above)",
                          o->host, o->port);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    int bound = info ? info->port : o->port;
    logf_("hailong-server: listening on %s port %d (%s), %d threads, at most %d pushes in "
          "flight, kiosks push to %s",
          o->host, bound, tls ? "https" : "http, loopback only", o->threads, o->max_inflight,
          SRV_PATH);
    if (o->port_file) {
        char tmp[4096], num[16];
        hl_fmt(tmp, sizeof tmp, "%s.tmp", o->port_file);
        hl_fmt(num, sizeof num, "%d\n", bound);
        FILE *f = fopen(tmp, "w");
        if (f) {
            fputs(num, f);
            fclose(f);
            rename(tmp, o->port_file);
        }
    }
    /* The dashboard's rollups, refreshed beside the service (srv_stats.c):
     * without the thread, the pages' figures stay as they are. */
    srv_stats_t *stats = NULL;
    hl_err_t e3 = {0};
    if (srv_stats_start(o->db, o->stats_every_s, &stats, &e3) != HL_OK) logf_("%s", e3.msg);
    notify("READY=1");
    int sig = 0;
    sigwait(&sigs, &sig);
    notify("STOPPING=1");
    logf_("hailong-server: %s: stopping after the requests in progress", strsignal(sig));
    srv_stats_stop(stats);
    MHD_stop_daemon(d);
    linger_stop(&s.linger);
    srv_pool_free(&s.pool);
    flight_free(&s.flight);
    free(cert);
    free(key);
    return HL_OK;
}
