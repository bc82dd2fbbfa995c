/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_proxy.c: the fault-injecting HTTP/1.1 proxy of hl_proxy.h.
 *
 * One thread accepts; each client connection gets a thread that reads a
 * request whole, draws its fault from the client's stream, lets it through
 * the gate (where hl_proxy_hold_at may keep it), writes it to its own
 * connection to the server (opened on the first request, opened again when
 * the server closed it), reads the whole answer and passes it on, or does
 * the fault instead. A reset is SO_LINGER 0 and close: an RST, as a cut
 * cable or a crashed box shows itself. Every wait is a poll that also
 * watches the stop pipe, so hl_proxy_stop ends every thread wherever it is.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4, pipe2, memmem, POLLRDHUP */
#endif
#include "hl_proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PX_STREAMS  64         /* clients told apart (more share the last stream) */
#define PX_HEAD_MAX (1u << 20) /* bytes of a message's head */
#define PX_BODY_MAX (64u << 20)
#define PX_PIECE    4096 /* largest piece of a request or answer that goes through */

typedef struct px_buf {
    char *b;         /* bytes read and not yet handled */
    size_t len, cap; /* used, allocated */
} px_buf_t;

/* One client's random stream: its faults do not depend on other clients. */
typedef struct px_stream {
    uint64_t key; /* FNV-1a of its Authorization header */
    uint64_t rng; /* splitmix64 state */
} px_stream_t;

typedef struct px_conn {
    struct hl_proxy *p;
    pthread_t thread;
    int cfd;              /* the client's connection */
    int sfd;              /* ours to the server, -1 none */
    uint64_t rng;         /* the pieces' sizes */
    px_buf_t cin, sin;    /* read from the client, from the server */
    bool done;            /* the thread ended: the acceptor joins it */
    struct px_conn *next; /* the proxy's list */
} px_conn_t;

struct hl_proxy {
    int lfd;            /* the listening socket */
    int port;           /* its port */
    int stop_pipe[2];   /* readable once stopping: wakes every poll */
    pthread_t acceptor; /* the accepting thread */
    pthread_mutex_t mu; /* guards what follows */
    pthread_cond_t cv;  /* counters changed, the gate opened, stopping */
    bool stopping;      /* hl_proxy_stop began */
    int upstream;       /* the server's port */
    long hold_at;       /* the gate closes once forwarded reaches it; -1 open */
    unsigned percent[HL_PROXY_N_FAULTS];
    unsigned unmet; /* faults of nonzero chance not yet met (bit per fault) */
    uint64_t order; /* the stream that orders them */
    void (*on_answer)(void *, int, const char *, size_t);
    void *ctx;                       /* on_answer's */
    uint64_t seed;                   /* of the streams */
    px_stream_t streams[PX_STREAMS]; /* by client */
    int n_streams;
    hl_proxy_stats_t st; /* the counters */
    px_conn_t *conns;    /* live and finished connection threads */
};

const char *hl_proxy_fault_name(hl_proxy_fault_t f)
{
    static const char *const names[HL_PROXY_N_FAULTS] = {
        "pass", "reset-before", "cut-request", "reset-after", "cut-answer", "stall", "drop"};
    return (unsigned)f < HL_PROXY_N_FAULTS ? names[f] : "?";
}

static uint64_t px_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t px_fnv(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

/* ---- Buffers and sockets ----------------------------------------------------------------- */

static bool buf_room(px_buf_t *b, size_t more)
{
    if (b->len + more <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 65536;
    while (cap < b->len + more)
        cap *= 2;
    char *n = realloc(b->b, cap);
    if (!n) return false;
    b->b = n;
    b->cap = cap;
    return true;
}

/* Drops the first n bytes (a message handled). */
static void buf_consume(px_buf_t *b, size_t n)
{
    memmove(b->b, b->b + n, b->len - n);
    b->len -= n;
}

/* Waits until fd is ready for ev or the proxy stops: true when ready. */
static bool px_ready(px_conn_t *c, int fd, short ev)
{
    struct pollfd f[2] = {{.fd = fd, .events = ev}, {.fd = c->p->stop_pipe[0], .events = POLLIN}};
    for (;;) {
        int n = poll(f, 2, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 || f[1].revents) return false;
        if (f[0].revents) return true;
    }
}

/* Reads what is there: > 0 bytes, 0 at the peer's end, -1 error or stopping. */
static ssize_t px_read(px_conn_t *c, int fd, px_buf_t *b)
{
    if (!buf_room(b, 65536)) return -1;
    for (;;) {
        if (!px_ready(c, fd, POLLIN)) return -1;
        ssize_t n = recv(fd, b->b + b->len, b->cap - b->len, MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        if (n > 0) b->len += (size_t)n;
        return n;
    }
}

static bool px_write(px_conn_t *c, int fd, const char *d, size_t n)
{
    while (n) {
        if (!px_ready(c, fd, POLLOUT)) return false;
        ssize_t w = send(fd, d, n, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        if (w < 0) return false;
        d += w;
        n -= (size_t)w;
    }
    return true;
}

/* In random pieces, each sent on its own (TCP_NODELAY: a segment each). */
static bool px_write_pieces(px_conn_t *c, int fd, const char *d, size_t n)
{
    while (n) {
        size_t k = 1 + (size_t)(px_next(&c->rng) % PX_PIECE);
        if (k > n) k = n;
        if (!px_write(c, fd, d, k)) return false;
        d += k;
        n -= k;
    }
    return true;
}

/* An RST instead of a FIN. */
static void px_reset(int fd)
{
    if (fd < 0) return;
    struct linger l = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
}

static void px_nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int px_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc;
    do
        rc = connect(fd, (struct sockaddr *)&a, sizeof a);
    while (rc < 0 && errno == EINTR);
    if (rc < 0) {
        close(fd);
        return -1;
    }
    px_nodelay(fd);
    return fd;
}

/* The server closed (or reset) an idle connection of ours: an idle server
 * says nothing unasked, so anything readable is its end, an error or junk. */
static bool px_peer_gone(int fd)
{
    struct pollfd f = {.fd = fd, .events = POLLIN | POLLRDHUP};
    return poll(&f, 1, 0) > 0;
}

/* ---- HTTP/1.1 framing -------------------------------------------------------------------- */

/* A message at the start of a buffer. */
typedef struct px_msg {
    size_t head;  /* bytes of the head, its blank line included */
    size_t total; /* head and body */
    int status;   /* an answer's status */
    bool to_eof;  /* an answer without a length: its body ran to the server's close */
    uint64_t key; /* a request's client (its Authorization header's hash) */
} px_msg_t;

/* Header name's value in a head (case-insensitive name), trimmed. */
static bool px_header(const char *head, size_t len, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *p = memchr(head, '\n', len), *end = head + len;
    while (p && p + 1 < end) {
        const char *line = p + 1, *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol) break;
        if ((size_t)(eol - line) > nl && !strncasecmp(line, name, nl) && line[nl] == ':') {
            const char *v = line + nl + 1, *ve = eol;
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            size_t n = (size_t)(ve - v) < cap - 1 ? (size_t)(ve - v) : cap - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return true;
        }
        p = eol;
    }
    return false;
}

/* Reads from fd into b until b starts with one whole message: 1; 0 when the
 * peer closed before a byte of it; -1 when it closed or failed in its middle,
 * the proxy stops, or (*bad) the message is not what the proxy understands. */
static int px_read_msg(px_conn_t *c, int fd, px_buf_t *b, bool request, px_msg_t *m, bool *bad)
{
    memset(m, 0, sizeof *m);
    *bad = false;
    char *he;
    while (!(he = b->len ? memmem(b->b, b->len, "\r\n\r\n", 4) : NULL)) {
        if (b->len > PX_HEAD_MAX) {
            *bad = true;
            return -1;
        }
        ssize_t n = px_read(c, fd, b);
        if (n <= 0) return n == 0 && b->len == 0 ? 0 : -1;
    }
    m->head = (size_t)(he - b->b) + 4;
    char v[128];
    if (px_header(b->b, m->head, "Transfer-Encoding", v, sizeof v)) {
        *bad = true; /* the kiosk's posts and the server's answers carry a length */
        return -1;
    }
    long long len = -1;
    if (px_header(b->b, m->head, "Content-Length", v, sizeof v)) {
        char *e = NULL;
        len = strtoll(v, &e, 10);
        if (!*v || *e || len < 0 || len > (long long)PX_BODY_MAX) {
            *bad = true;
            return -1;
        }
    }
    if (request) {
        if (px_header(b->b, m->head, "Authorization", v, sizeof v)) m->key = px_fnv(v, strlen(v));
        if (len < 0 && !strncmp(b->b, "POST ", 5)) {
            *bad = true;
            return -1;
        }
        if (len < 0) len = 0;
    } else {
        if (m->head < 12 || strncmp(b->b, "HTTP/1.", 7)) {
            *bad = true;
            return -1;
        }
        m->status = atoi(b->b + 9);
        if (m->status / 100 == 1 || m->status == 204 || m->status == 304) len = 0;
    }
    if (len < 0) { /* an answer delimited by the close */
        m->to_eof = true;
        for (;;) {
            ssize_t n = px_read(c, fd, b);
            if (n < 0) return -1;
            if (n == 0) break;
        }
        m->total = b->len;
        return 1;
    }
    m->total = m->head + (size_t)len;
    while (b->len < m->total) {
        if (px_read(c, fd, b) <= 0) return -1;
    }
    return 1;
}

/* ---- A connection ------------------------------------------------------------------------ */

static px_stream_t *px_stream(hl_proxy_t *p, uint64_t key)
{
    for (int i = 0; i < p->n_streams; i++)
        if (p->streams[i].key == key) return &p->streams[i];
    if (p->n_streams == PX_STREAMS) return &p->streams[PX_STREAMS - 1];
    px_stream_t *s = &p->streams[p->n_streams++];
    s->key = key;
    s->rng = p->seed ^ key;
    px_next(&s->rng);
    return s;
}

static void px_count(hl_proxy_t *p, long *counter)
{
    pthread_mutex_lock(&p->mu);
    (*counter)++;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void *px_serve(void *arg)
{
    px_conn_t *c = arg;
    hl_proxy_t *p = c->p;
    bool reset = true; /* how the connections end: an RST, or (a client's own close) a FIN */
    for (;;) {
        px_msg_t rq, an;
        bool bad = false;
        int r = px_read_msg(c, c->cfd, &c->cin, true, &rq, &bad);
        if (r <= 0) {
            if (bad) px_count(p, &p->st.errors);
            reset = r < 0;
            break;
        }
        /* The fault, from the client's stream, and the gate. */
        pthread_mutex_lock(&p->mu);
        p->st.requests++;
        px_stream_t *s = px_stream(p, rq.key);
        unsigned roll = (unsigned)(px_next(&s->rng) % 100), acc = 0;
        uint64_t cut = px_next(&s->rng);
        hl_proxy_fault_t f = HL_PROXY_PASS;
        for (int i = 1; i < HL_PROXY_N_FAULTS && f == HL_PROXY_PASS; i++) {
            acc += p->percent[i];
            if (roll < acc) f = (hl_proxy_fault_t)i;
        }
        if (f != HL_PROXY_PASS && p->unmet) { /* the first faults: each kind once */
            int left = __builtin_popcount(p->unmet), pick = (int)(px_next(&p->order) % left);
            for (int i = 1; i < HL_PROXY_N_FAULTS; i++)
                if ((p->unmet >> i & 1) && pick-- == 0) f = (hl_proxy_fault_t)i;
            p->unmet &= ~(1u << f);
        }
        p->st.faults[f]++;
        if (f != HL_PROXY_RESET_BEFORE) {
            while (!p->stopping && p->hold_at >= 0 && p->st.forwarded >= p->hold_at)
                pthread_cond_wait(&p->cv, &p->mu);
            if (!p->stopping) p->st.forwarded++;
        }
        pthread_cond_broadcast(&p->cv);
        bool stopping = p->stopping;
        int up = p->upstream;
        pthread_mutex_unlock(&p->mu);
        if (stopping || f == HL_PROXY_RESET_BEFORE) break;

        if (c->sfd >= 0 && px_peer_gone(c->sfd)) {
            close(c->sfd);
            c->sfd = -1;
            c->sin.len = 0;
        }
        if (c->sfd < 0 && (c->sfd = px_connect(up)) < 0) {
            px_count(p, &p->st.upstream_refused);
            break;
        }
        bool drop_in_request = f == HL_PROXY_DROP && !(cut & 1);
        if (f == HL_PROXY_CUT_REQUEST || drop_in_request) {
            size_t body = rq.total - rq.head;
            size_t keep = f == HL_PROXY_CUT_REQUEST ? rq.head + (body ? (cut >> 1) % body : 0)
                                                    : (size_t)((cut >> 1) % rq.total);
            px_write(c, c->sfd, c->cin.b, keep);
            break;
        }
        if (!px_write_pieces(c, c->sfd, c->cin.b, rq.total)) {
            px_count(p, &p->st.upstream_broke_request);
            break;
        }
        buf_consume(&c->cin, rq.total);
        /* The answer; interim ones (1xx) passed on as they come. */
        for (;;) {
            r = px_read_msg(c, c->sfd, &c->sin, false, &an, &bad);
            if (r <= 0) break;
            if (an.status / 100 != 1) break;
            if (!px_write(c, c->cfd, c->sin.b, an.total)) {
                r = -1;
                break;
            }
            buf_consume(&c->sin, an.total);
        }
        if (r <= 0) {
            px_count(p, bad ? &p->st.errors : &p->st.upstream_broke);
            break;
        }
        pthread_mutex_lock(&p->mu);
        p->st.answers++;
        if (an.status == 200)
            p->st.answers_200++;
        else if (an.status == 503)
            p->st.answers_503++;
        else if (an.status == 429)
            p->st.answers_429++;
        else {
            p->st.answers_other++;
            p->st.last_other = an.status;
        }
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (p->on_answer) p->on_answer(p->ctx, an.status, c->sin.b + an.head, an.total - an.head);
        if (f == HL_PROXY_RESET_AFTER) break;
        if (f == HL_PROXY_CUT_ANSWER || f == HL_PROXY_DROP) {
            size_t body = an.total - an.head;
            size_t keep = f == HL_PROXY_CUT_ANSWER ? an.head + (body ? (cut >> 1) % body : 0)
                                                   : (size_t)((cut >> 1) % an.total);
            px_write(c, c->cfd, c->sin.b, keep);
            break;
        }
        if (f == HL_PROXY_STALL) {
            px_ready(c, c->cfd, POLLIN); /* the client gives up (or the proxy stops) */
            break;
        }
        if (!px_write_pieces(c, c->cfd, c->sin.b, an.total)) break;
        buf_consume(&c->sin, an.total);
        if (an.to_eof) {
            reset = false;
            break;
        }
    }
    if (reset) {
        px_reset(c->cfd);
        px_reset(c->sfd);
    } else {
        close(c->cfd);
        if (c->sfd >= 0) close(c->sfd);
    }
    c->cfd = c->sfd = -1;
    free(c->cin.b);
    free(c->sin.b);
    c->cin = c->sin = (px_buf_t){0};
    pthread_mutex_lock(&p->mu);
    c->done = true;
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Joins the connection threads that ended (all of them when all). */
static void px_reap(hl_proxy_t *p, bool all)
{
    for (;;) {
        px_conn_t *found = NULL;
        pthread_mutex_lock(&p->mu);
        for (px_conn_t **pp = &p->conns; *pp; pp = &(*pp)->next)
            if (all || (*pp)->done) {
                found = *pp;
                *pp = found->next;
                break;
            }
        pthread_mutex_unlock(&p->mu);
        if (!found) return;
        pthread_join(found->thread, NULL);
        free(found);
    }
}

static void *px_accept(void *arg)
{
    hl_proxy_t *p = arg;
    px_conn_t probe = {.p = p};
    for (;;) {
        if (!px_ready(&probe, p->lfd, POLLIN)) break;
        int fd = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) {
                fprintf(stderr, "hl_proxy: accept: %s\n", strerror(errno));
                px_count(p, &p->st.errors);
                break;
            }
            continue;
        }
        px_reap(p, false);
        px_nodelay(fd);
        px_conn_t *c = calloc(1, sizeof *c);
        if (!c) {
            px_reset(fd);
            continue;
        }
        c->p = p;
        c->cfd = fd;
        c->sfd = -1;
        pthread_mutex_lock(&p->mu);
        p->st.connections++;
        c->rng = p->seed ^ (uint64_t)p->st.connections * 0x2545F4914F6CDD1DULL;
        c->next = p->conns;
        p->conns = c;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (pthread_create(&c->thread, NULL, px_serve, c) != 0) {
            pthread_mutex_lock(&p->mu);
            p->conns = c->next;
            pthread_mutex_unlock(&p->mu);
            px_reset(fd);
            free(c);
        }
    }
    px_reap(p, true);
    return NULL;
}

/* ---- The proxy --------------------------------------------------------------------------- */

hl_proxy_t *hl_proxy_start(const hl_proxy_opts_t *o)
{
    unsigned sum = 0;
    for (int i = 1; i < HL_PROXY_N_FAULTS; i++)
        sum += o->percent[i];
    if (sum > 100) {
        fprintf(stderr, "hl_proxy: the faults' chances add up to %u %%\n", sum);
        return NULL;
    }
    hl_proxy_t *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->lfd = p->stop_pipe[0] = p->stop_pipe[1] = -1;
    p->upstream = o->upstream_port;
    p->seed = o->seed;
    p->hold_at = -1;
    memcpy(p->percent, o->percent, sizeof p->percent);
    for (int i = 1; i < HL_PROXY_N_FAULTS; i++)
        if (p->percent[i]) p->unmet |= 1u << i;
    p->order = o->seed ^ 0x5DEECE66DULL;
    p->on_answer = o->on_answer;
    p->ctx = o->ctx;
    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (pipe2(p->stop_pipe, O_CLOEXEC) != 0 ||
        (p->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
        bind(p->lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(p->lfd, 128) != 0 ||
        getsockname(p->lfd, (struct sockaddr *)&a, &al) != 0) {
        fprintf(stderr, "hl_proxy: cannot listen: %s\n", strerror(errno));
        goto fail;
    }
    p->port = ntohs(a.sin_port);
    if (pthread_create(&p->acceptor, NULL, px_accept, p) != 0) {
        fprintf(stderr, "hl_proxy: no thread\n");
        goto fail;
    }
    return p;
fail:
    if (p->lfd >= 0) close(p->lfd);
    if (p->stop_pipe[0] >= 0) close(p->stop_pipe[0]);
    if (p->stop_pipe[1] >= 0) close(p->stop_pipe[1]);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
    return NULL;
}

int hl_proxy_port(const hl_proxy_t *p)
{
    return p->port;
}

void hl_proxy_set_upstream(hl_proxy_t *p, int port)
{
    pthread_mutex_lock(&p->mu);
    p->upstream = port;
    pthread_mutex_unlock(&p->mu);
}

void hl_proxy_hold_at(hl_proxy_t *p, long n)
{
    pthread_mutex_lock(&p->mu);
    p->hold_at = n;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void hl_proxy_stats(hl_proxy_t *p, hl_proxy_stats_t *out)
{
    pthread_mutex_lock(&p->mu);
    *out = p->st;
    pthread_mutex_unlock(&p->mu);
}

bool hl_proxy_wait(hl_proxy_t *p, bool (*cond)(const hl_proxy_stats_t *s, void *ctx), void *ctx,
                   int timeout_s)
{
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_sec += timeout_s;
    pthread_mutex_lock(&p->mu);
    bool ok;
    while (!(ok = cond(&p->st, ctx)) && !p->stopping)
        if (pthread_cond_timedwait(&p->cv, &p->mu, &dl) == ETIMEDOUT) {
            ok = cond(&p->st, ctx);
            break;
        }
    pthread_mutex_unlock(&p->mu);
    return ok;
}

void hl_proxy_stop(hl_proxy_t *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    char x = 1;
    while (write(p->stop_pipe[1], &x, 1) < 0 && errno == EINTR) {
    }
    pthread_join(p->acceptor, NULL);
    close(p->lfd);
    close(p->stop_pipe[0]);
    close(p->stop_pipe[1]);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
