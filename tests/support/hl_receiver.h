/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_receiver.h: runs tests/support/sync_receiver.py, the test server the
 * kiosk's sync pushes survey responses to, from a C test.
 *
 * The receiver is a child process (HL_PYTHON) listening on 127.0.0.1 with its
 * own SQLite file (dir/receiver.db) that keeps what it received unique by
 * response_id; it can be told to misbehave (opts.mode for every POST, or
 * opts.chaos for a seeded random share of them: "500", "503", "slow",
 * "reset", "drop", "garbage"; opts.mode only: "partial" names only the first
 * half of a stored batch, "429" is a 503 with status 429, "upper" answers the
 * ids in upper case, "refuse-empty" answers a heartbeat 400 as a version 1
 * server may). It keeps every status it got (hl_receiver_statuses) and serves
 * the assignment of opts.assignment_file. Certificates come from sync_certs.sh: the kiosk should
 * trust certs/ca.pem and may pin certs/server.pin; "rogue" (another CA),
 * "expired" and "wrongname" (the right CA, but for DNS:example.invalid only,
 * so host-name verification fails) serve certificates it must refuse. The
 * child gets SIGTERM if the test dies. Tests only.
 */
#ifndef HL_RECEIVER_H
#define HL_RECEIVER_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

/* Makes (once per dir) the test certificates with sync_certs.sh; returns 0,
 * or -1 with a message on stderr. */
int hl_receiver_certs(const char *dir);

typedef struct hl_receiver {
    pid_t pid;       /* the server process; 0 once stopped */
    int port;        /* where it listens on 127.0.0.1 */
    char db[512];    /* its SQLite file: dir/receiver.db */
    char url[600];   /* https://127.0.0.1:PORT/v1/responses (http:// when plain) */
    char certs[512]; /* the certificates folder (ca.pem, server.pin, ...) */
} hl_receiver_t;

typedef struct hl_receiver_opts {
    const char *certs_dir; /* certificates folder; NULL: dir/certs (made if needed) */
    const char *cert;      /* which certificate it serves: "server" (NULL), "rogue", "expired",
                              "wrongname" */
    bool plain;            /* HTTP instead of HTTPS */
    const char *token;     /* required bearer token; NULL: any request is let in */
    double chaos;          /* share of POSTs that misbehave (0: none) */
    unsigned seed;         /* seeds the chaos */
    const char *mode;      /* misbehave on every POST this way; NULL: behave */
    double slow_s;         /* "slow" answers this late; 0: 2.5 s */
    int retry_after_s;     /* Retry-After of a "503" or "429"; 0: 1 s */
    int port;              /* 0: any free port; a former port to restart on it */
    const char *hold_file; /* a batch stored as request N or later is not answered while this
                              file holds N (--hold-file); NULL: none */
    const char *assignment_file; /* the assignment served (a JSON file, read at each request:
                                    whole while the kiosk's status names another id, then
                                    {"id"} alone; a missing file: none); NULL: none */
} hl_receiver_opts_t;

/* Starts the receiver (fork+exec HL_PYTHON tests/support/sync_receiver.py
 * serve ...) with its DB in dir/receiver.db, waits until it prints its port
 * (up to 10 s) and fills r. o may be NULL (HTTPS, dir/certs, no token, no
 * chaos). Returns 0, or -1 with a message on stderr. */
int hl_receiver_start(const char *dir, const hl_receiver_opts_t *o, hl_receiver_t *r);

/* SIGTERM, waitpid (SIGKILL after 5 s); harmless twice. The DB stays. */
void hl_receiver_stop(hl_receiver_t *r);

/* Runs `dump` and returns the malloc'd output (the stored response bodies,
 * one a line, in arrival order) or NULL. */
char *hl_receiver_dump(const hl_receiver_t *r);

/* Runs `statuses`: every status the receiver got, in order, as a JSON array
 * of {"n": responses in that request, "status": {...}} (the caller frees it
 * with json_decref); NULL with a message on stderr. */
json_t *hl_receiver_statuses(const hl_receiver_t *r);

typedef struct hl_receiver_stats {
    long stored;   /* distinct responses stored */
    long requests; /* requests logged (every POST) */
    long posts;    /* responses received, counting every resend */
    long resent;   /* posts beyond the first per response */
} hl_receiver_stats_t;

/* Runs `stats` and fills the counts; 0, or -1 with a message on stderr. */
int hl_receiver_stats(const hl_receiver_t *r, hl_receiver_stats_t *s);

#endif
