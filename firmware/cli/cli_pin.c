/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_pin.c: `hailong set-pin`: sets the technician's PIN, stored only as
 * its salted PBKDF2 hash (hl_pin.h) under "technician": {"pin_hash": ...}
 * in the config file.
 *
 * The PIN comes from standard input: on a terminal it is asked twice with
 * echo off; from a pipe or file the first line is the PIN and a second line,
 * when there is one, must repeat it. Standard input is read unbuffered so no
 * copy of the PIN stays in a stdio buffer, and every copy here is wiped. The
 * config is written by hl_config_set: an invalid config is left untouched,
 * every other key keeps its place, the file is replaced atomically.
 */
#include "cli.h"
#include "hl_pin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define HL_PIN_DEFAULT_CONFIG "/etc/hailong/hailong.json" /* as in main.c */
#define HL_PIN_LINE_MAX       64 /* bytes read for one PIN line; longer lines are refused */

static const char pin_usage[] =
    "usage: hailong set-pin [--config FILE] [--iterations N]\n"
    "\n"
    "Sets the technician PIN (6 to 12 digits) that opens the technician menu.\n"
    "The PIN is read from standard input: on a terminal it is asked twice\n"
    "without echo; otherwise the first line is the PIN and a second line, if\n"
    "any, must repeat it (e.g. printf '123456\\n' | hailong set-pin). Only a\n"
    "salted PBKDF2-HMAC-SHA256 hash is stored, as \"technician\": {\"pin_hash\":\n"
    "...} in the config file, keeping everything else in it; the PIN itself is\n"
    "never stored nor printed.\n"
    "FILE defaults to $HAILONG_CONFIG, else " HL_PIN_DEFAULT_CONFIG "; a missing\n"
    "file is created; an invalid one is left untouched (exit 1: fix it with\n"
    "hailong check FILE first). N is the PBKDF2 iteration count (default 200000,\n"
    "about 0.2 s on a Raspberry Pi 4; 10000 to 10000000). Restart the kiosk to\n"
    "use the new PIN.\n";

_Static_assert(HL_PIN_ITERATIONS == 200000, "the usage text names the default");

/* Reads one line from fd 0 into buf (without its line break). 1: a line,
 * 0: end of input before any byte, -1: a read error or a line too long
 * (the rest of it is consumed). */
static int read_line(char buf[HL_PIN_LINE_MAX])
{
    size_t n = 0;
    bool too_long = false;
    for (;;) {
        int c = getchar();
        if (c == EOF) {
            if (ferror(stdin)) return -1;
            if (n == 0 && !too_long) return 0;
            break;
        }
        if (c == '\n') break;
        if (n + 1 < HL_PIN_LINE_MAX)
            buf[n++] = (char)c;
        else
            too_long = true;
    }
    if (n > 0 && buf[n - 1] == '\r') n--;
    buf[n] = '\0';
    return too_long ? -1 : 1;
}

/* Asks prompt on stderr and reads a line from the terminal with echo off. */
static int ask_hidden(const char *prompt, char buf[HL_PIN_LINE_MAX])
{
    fputs(prompt, stderr);
    fflush(stderr);
    struct termios old, quiet;
    bool restore = tcgetattr(STDIN_FILENO, &old) == 0;
    if (restore) {
        quiet = old;
        quiet.c_lflag &= (tcflag_t)~ECHO;
        quiet.c_lflag |= ECHONL;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    int r = read_line(buf);
    if (restore) tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    if (r == 0) fputc('\n', stderr);
    return r;
}

/* Reads the PIN (twice where there is a second copy) into pin. Prints what
 * went wrong and returns false. */
static bool read_pin(char pin[HL_PIN_LINE_MAX])
{
    char again[HL_PIN_LINE_MAX] = "";
    bool tty = isatty(STDIN_FILENO);
    int r = tty ? ask_hidden("New PIN (6-12 digits): ", pin) : read_line(pin);
    bool ok = false;
    hl_err_t err = {0};
    if (r == 0) {
        fprintf(stderr, "hailong set-pin: no PIN on standard input (give it on the first line, "
                        "e.g. printf '123456\\n' | hailong set-pin)\n");
    } else if (r < 0 && !feof(stdin) && ferror(stdin)) {
        fprintf(stderr, "hailong set-pin: cannot read standard input: %s\n", strerror(errno));
    } else if (r < 0 || hl_pin_check(pin, &err) != HL_OK) {
        fprintf(stderr, "hailong set-pin: %s; the PIN was not changed\n",
                r < 0 ? "the PIN must be 6 to 12 digits" : err.msg);
    } else {
        int r2 = tty ? ask_hidden("Again: ", again) : read_line(again);
        if (tty && r2 == 0) {
            fprintf(stderr, "hailong set-pin: the PIN was not repeated; it was not changed\n");
        } else if (r2 != 0 && (r2 < 0 || strcmp(pin, again) != 0)) {
            fprintf(stderr, "hailong set-pin: the two PINs differ; the PIN was not changed\n");
        } else {
            ok = true;
        }
    }
    explicit_bzero(again, sizeof again);
    return ok;
}

int hl_cli_set_pin(hl_cli_t *cli, int argc, char **argv)
{
    int iterations = HL_PIN_ITERATIONS;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            fputs(pin_usage, stdout);
            return HL_EXIT_OK;
        } else if (!strcmp(argv[i], "--iterations") && i + 1 < argc) {
            char *end;
            errno = 0;
            long v = strtol(argv[++i], &end, 10);
            if (errno || end == argv[i] || *end || v < HL_PIN_ITER_MIN || v > HL_PIN_ITER_MAX) {
                fprintf(stderr, "hailong set-pin: --iterations wants a number from %d to %d\n%s",
                        HL_PIN_ITER_MIN, HL_PIN_ITER_MAX, pin_usage);
                return HL_EXIT_USAGE;
            }
            iterations = (int)v;
        } else {
            fprintf(stderr, "hailong set-pin: unexpected argument \"%s\"\n%s", argv[i], pin_usage);
            return HL_EXIT_USAGE;
        }
    }
    const char *path = cli->config_path;
    if (!path) {
        const char *env = getenv("HAILONG_CONFIG");
        path = env && *env ? env : HL_PIN_DEFAULT_CONFIG;
    }
    setvbuf(stdin, NULL, _IONBF, 0); /* no copy of the PIN in a stdio buffer */
    char pin[HL_PIN_LINE_MAX] = "";
    if (!read_pin(pin)) {
        explicit_bzero(pin, sizeof pin);
        return HL_EXIT_FAIL;
    }
    char stored[HL_PIN_HASH_MAX];
    hl_err_t err = {0};
    int rc = hl_pin_hash(pin, iterations, &cli->sys, stored, &err);
    explicit_bzero(pin, sizeof pin);
    if (rc != HL_OK) {
        fprintf(stderr, "hailong set-pin: %s; the PIN was not changed\n", err.msg);
        return HL_EXIT_FAIL;
    }
    char value[HL_PIN_HASH_MAX + 2];
    snprintf(value, sizeof value, "\"%s\"", stored); /* base64, digits and '$': no escapes */
    hl_diags_t d = {0};
    rc = hl_config_set(path, "technician.pin_hash", value, &d, &err);
    hl_diags_print(&d, stderr);
    hl_diags_free(&d);
    if (rc != HL_OK) {
        fprintf(stderr, "hailong set-pin: %s; the PIN was not changed\n", err.msg);
        return HL_EXIT_FAIL;
    }
    printf("PIN set in %s (restart the kiosk to use it)\n", path);
    return HL_EXIT_OK;
}
