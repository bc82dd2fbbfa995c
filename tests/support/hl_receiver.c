/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_receiver.c: starting, stopping and reading tests/support/sync_receiver.py
 * for the C tests (hl_receiver.h).
 *
 * The child is exec'd with stdin from /dev/null, stdout on a close-on-exec
 * pipe the parent reads its "port N" line from, stderr shared with the test,
 * and every other fd closed, so it holds nothing of the test's open (a pipe
 * end it kept would hide an EOF the test waits for). PR_SET_PDEATHSIG ends it
 * when the test dies. dump and stats are short runs through hl_test_run.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pipe2, close_range */
#endif
#include "hl_receiver.h"

#include "hl_test.h"

#include <errno.h>
#include <jansson.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RECEIVER_PY HL_SOURCE_DIR "/tests/support/sync_receiver.py"
#define CERTS_SH    HL_SOURCE_DIR "/tests/support/sync_certs.sh"
#define START_WAIT_MS                                                                              \
    120000 /* a deadline only against a hang: python starts slowly on a busy machine */
#define STOP_WAIT_MS 5000

/* snprintf that reports truncation: 0, or -1 with a message on stderr. */
__attribute__((format(printf, 3, 4))) static int fmt(char *buf, size_t size, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(buf, size, f, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size) {
        fprintf(stderr, "hl_receiver: path or argument too long: %s\n", buf);
        return -1;
    }
    return 0;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int hl_receiver_certs(const char *dir)
{
    char done[1024];
    if (fmt(done, sizeof done, "%s/done2", dir) != 0) return -1;
    if (access(done, F_OK) == 0) return 0;
    const char *argv[] = {"/bin/bash", CERTS_SH, dir, NULL};
    char *err = NULL;
    int rc = hl_test_run(argv, NULL, NULL, &err);
    if (rc != 0)
        fprintf(stderr, "hl_receiver: sync_certs.sh %s failed (exit %d): %s\n", dir, rc,
                err ? err : "");
    free(err);
    return rc == 0 ? 0 : -1;
}

/* Waits up to ms for pid to end; true once it is reaped. */
static bool reap(pid_t pid, long ms)
{
    long until = now_ms() + ms;
    for (;;) {
        int status;
        pid_t got = waitpid(pid, &status, WNOHANG);
        if (got == pid || (got < 0 && errno == ECHILD)) return true;
        if (got < 0 && errno != EINTR) return true;
        if (now_ms() >= until) return false;
        sleep_ms(10);
    }
}

/* In the child: stdin /dev/null, stdout the pipe, nothing else open, then exec. */
static void child_exec(int out_fd, pid_t parent, char *const *argv)
{
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127); /* the test died before prctl */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    int in = open("/dev/null", O_RDONLY);
    if (in < 0 || dup2(in, 0) < 0 || dup2(out_fd, 1) < 0) _exit(127);
    if (close_range(3, ~0U, 0) != 0) {
        for (int fd = 3; fd < 4096; fd++)
            close(fd);
    }
    execv(argv[0], argv);
    fprintf(stderr, "hl_receiver: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* Reads the child's stdout until a "port N" line; N, -1 on timeout, -2 once it exited. */
static int read_port(int fd, long ms)
{
    char buf[512];
    size_t n = 0;
    long until = now_ms() + ms;
    for (;;) {
        buf[n] = '\0';
        char *line = buf;
        char *nl;
        while ((nl = strchr(line, '\n')) != NULL) {
            int port;
            if (sscanf(line, "port %d", &port) == 1 && port > 0) return port;
            line = nl + 1;
        }
        if (line != buf) { /* keep only the unfinished line */
            n = strlen(line);
            memmove(buf, line, n + 1);
        }
        if (n >= sizeof buf - 1) n = 0;
        long left = until - now_ms();
        if (left <= 0) return -1;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int ready = poll(&p, 1, (int)left);
        if (ready < 0 && errno == EINTR) continue;
        if (ready == 0) return -1;
        if (ready < 0) return -2;
        ssize_t got = read(fd, buf + n, sizeof buf - 1 - n);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return -2;
        n += (size_t)got;
    }
}

int hl_receiver_start(const char *dir, const hl_receiver_opts_t *o, hl_receiver_t *r)
{
    static const hl_receiver_opts_t defaults = {0};
    if (!o) o = &defaults;
    memset(r, 0, sizeof *r);
    if (fmt(r->db, sizeof r->db, "%s/receiver.db", dir) != 0) return -1;
    if (o->certs_dir) {
        if (fmt(r->certs, sizeof r->certs, "%s", o->certs_dir) != 0) return -1;
    } else if (fmt(r->certs, sizeof r->certs, "%s/certs", dir) != 0) {
        return -1;
    }

    char cert[600], key[600], port[16], chaos[32], seed[16], slow[32], retry[16];
    const char *argv[32];
    int argc = 0;
    argv[argc++] = HL_PYTHON;
    argv[argc++] = RECEIVER_PY;
    argv[argc++] = "serve";
    argv[argc++] = "--db";
    argv[argc++] = r->db;
    if (o->plain) {
        argv[argc++] = "--plain";
    } else {
        const char *name = o->cert ? o->cert : "server";
        if (strcmp(name, "server") != 0 && strcmp(name, "rogue") != 0 &&
            strcmp(name, "expired") != 0 && strcmp(name, "wrongname") != 0) {
            fprintf(stderr, "hl_receiver: unknown certificate \"%s\"\n", name);
            return -1;
        }
        if (hl_receiver_certs(r->certs) != 0) return -1;
        if (fmt(cert, sizeof cert, "%s/%s.pem", r->certs, name) != 0 ||
            fmt(key, sizeof key, "%s/%s.key", r->certs, name) != 0)
            return -1;
        argv[argc++] = "--cert";
        argv[argc++] = cert;
        argv[argc++] = "--key";
        argv[argc++] = key;
    }
    snprintf(port, sizeof port, "%d", o->port);
    argv[argc++] = "--port";
    argv[argc++] = port;
    if (o->token) {
        argv[argc++] = "--token";
        argv[argc++] = o->token;
    }
    if (o->chaos > 0) {
        snprintf(chaos, sizeof chaos, "%.6f", o->chaos);
        snprintf(seed, sizeof seed, "%u", o->seed);
        argv[argc++] = "--chaos";
        argv[argc++] = chaos;
        argv[argc++] = "--seed";
        argv[argc++] = seed;
    }
    if (o->mode) {
        argv[argc++] = "--mode";
        argv[argc++] = o->mode;
    }
    if (o->slow_s > 0) {
        snprintf(slow, sizeof slow, "%.3f", o->slow_s);
        argv[argc++] = "--slow-s";
        argv[argc++] = slow;
    }
    if (o->retry_after_s > 0) {
        snprintf(retry, sizeof retry, "%d", o->retry_after_s);
        argv[argc++] = "--retry-after";
        argv[argc++] = retry;
    }
    if (o->hold_file) {
        argv[argc++] = "--hold-file";
        argv[argc++] = o->hold_file;
    }
    if (o->assignment_file) {
        argv[argc++] = "--assignment";
        argv[argc++] = o->assignment_file;
    }
    argv[argc] = NULL;

    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        fprintf(stderr, "hl_receiver: pipe: %s\n", strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "hl_receiver: fork: %s\n", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) child_exec(fds[1], parent, (char *const *)argv);
    close(fds[1]);
    int got = read_port(fds[0], START_WAIT_MS);
    close(fds[0]);
    if (got <= 0) {
        if (got == -1)
            fprintf(stderr, "hl_receiver: the receiver did not report its port within %d s\n",
                    START_WAIT_MS / 1000);
        else
            fprintf(stderr, "hl_receiver: the receiver exited before reporting its port\n");
        kill(pid, SIGKILL);
        reap(pid, STOP_WAIT_MS);
        return -1;
    }
    r->pid = pid;
    r->port = got;
    return fmt(r->url, sizeof r->url, "%s://127.0.0.1:%d/v1/responses", o->plain ? "http" : "https",
               got);
}

void hl_receiver_stop(hl_receiver_t *r)
{
    if (!r || r->pid <= 0) return;
    kill(r->pid, SIGTERM);
    if (!reap(r->pid, STOP_WAIT_MS)) {
        kill(r->pid, SIGKILL);
        reap(r->pid, STOP_WAIT_MS);
    }
    r->pid = 0;
}

/* Runs sync_receiver.py CMD --db r->db; its stdout (malloc'd) or NULL. */
static char *receiver_run(const hl_receiver_t *r, const char *cmd)
{
    const char *argv[] = {HL_PYTHON, RECEIVER_PY, cmd, "--db", r->db, NULL};
    char *out = NULL, *err = NULL;
    int rc = hl_test_run(argv, NULL, &out, &err);
    if (rc != 0) {
        fprintf(stderr, "hl_receiver: %s %s failed (exit %d): %s\n", cmd, r->db, rc,
                err ? err : "");
        free(out);
        out = NULL;
    }
    free(err);
    return out;
}

char *hl_receiver_dump(const hl_receiver_t *r)
{
    return receiver_run(r, "dump");
}

json_t *hl_receiver_statuses(const hl_receiver_t *r)
{
    char *out = receiver_run(r, "statuses");
    if (!out) return NULL;
    json_t *list = json_array();
    for (char *line = out, *nl; list && line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        if (!o) {
            fprintf(stderr, "hl_receiver: unexpected statuses line: %s\n", line);
            json_decref(list);
            list = NULL;
            break;
        }
        json_array_append_new(list, o);
    }
    free(out);
    return list;
}

/* The integer member key of a JSON object. */
static bool json_long(const json_t *o, const char *key, long *v)
{
    const json_t *x = json_object_get(o, key);
    if (!json_is_integer(x)) return false;
    *v = (long)json_integer_value(x);
    return true;
}

int hl_receiver_stats(const hl_receiver_t *r, hl_receiver_stats_t *s)
{
    memset(s, 0, sizeof *s);
    char *out = receiver_run(r, "stats");
    if (!out) return -1;
    json_error_t je;
    json_t *o = json_loads(out, 0, &je);
    bool ok = o && json_long(o, "stored", &s->stored) && json_long(o, "requests", &s->requests) &&
              json_long(o, "posts", &s->posts) && json_long(o, "resent", &s->resent);
    json_decref(o);
    if (!ok) fprintf(stderr, "hl_receiver: unexpected stats output: %s\n", out);
    free(out);
    return ok ? 0 : -1;
}
