/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_run.c: `hailong run`: the kiosk on its screen, or a headless scripted
 * session.
 *
 * Both open the same kiosk (kiosk.c): config and survey, the store in the data
 * directory (finishing any response a crash left in progress), the flow, the
 * screen and the renderer. On a screen the event loop runs until SIGTERM. A
 * headless run drives the kiosk with a script on a fake clock that starts at
 * the real time (or --clock), renders in software (shot NAME saves a PNG),
 * and prints the responses it stored: answers go to the real store, exactly
 * as taps on the screen would.
 */
#include "cli.h"
#include "kiosk.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

static const char run_usage[] =
    "usage: hailong run [--backend kms|desktop|auto] [--size WxH]\n"
    "       hailong run --headless --script FILE [--screenshots DIR] [--size WxH]\n"
    "                   [--clock YYYY-MM-DDTHH:MM:SSZ] [--audio-capture FILE.wav] [--trace]\n"
    "\n"
    "Without --headless: the kiosk on the screen (kms on a Pi console, else a desktop\n"
    "window of --size, default 1280x800; F11 fullscreen, Ctrl+Alt+Q quits the desktop\n"
    "window; SIGTERM stops either).\n"
    "  --headless         no screen: drive the kiosk from a script (software rendering)\n"
    "  --script FILE      the scripted session (format: README, \"Scripted runs\")\n"
    "  --screenshots DIR  where `shot NAME` writes NAME.png\n"
    "  --size WxH         window or headless screen size (default 1280x800)\n"
    "  --clock TIME       start the scripted clock at TIME (UTC) and trust it;\n"
    "                     default: the real clock, trusted as the system says\n"
    "  --audio-capture FILE.wav  headless: write what the kiosk would say (speech on\n"
    "                     Nghe/Listen or the keys) to FILE.wav, one JSON line per\n"
    "                     utterance (start_ms, end_ms, lang, text) to FILE.wav.jsonl\n"
    "  --trace            echo each step as it runs\n"
    "A scripted run prints the responses it stored. Exit 3 when the script stops on a\n"
    "failed expect or a step the kiosk would not allow.\n";

/* One answer's value on a line of its own: control characters as \n or
 * \xHH, and the directional marks that could reorder a terminal line as
 * \u codes (a comment is a citizen's text, not the terminal's). A phone
 * number is not printed: it goes to the exports only; nor an answer to a
 * question of another survey version (it could be one). */
static void print_value(const hl_survey_t *survey, int at, const char *v)
{
    if (at >= 0 && survey->questions[at].type == HL_Q_CONTACT) {
        printf("%-30s", "(a phone number: in the exports)");
        return;
    }
    if (at < 0) { /* another version's question: its type is not known here */
        printf("%-30s", "(another survey version: in the exports)");
        return;
    }
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '\n') {
            fputs("\\n", stdout);
        } else if (*p < 0x20 || *p == 0x7f) {
            printf("\\x%02x", *p);
        } else if (*p == 0xE2 && p[1] == 0x80 &&
                   ((p[2] >= 0x8E && p[2] <= 0x8F) || (p[2] >= 0xAA && p[2] <= 0xAE))) {
            printf("\\u20%02x", p[2] - 0x80); /* LRM RLM, LRE..RLO */
            p += 2;
        } else if (*p == 0xE2 && p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9) {
            printf("\\u20%02x", p[2] - 0x40); /* LRI..PDI */
            p += 2;
        } else {
            putchar(*p);
        }
    }
}

/* Prints one stored response, its answers in the survey's question order. */
static int print_row(void *ctx, const hl_row_t *row)
{
    const hl_survey_t *survey = ctx;
    char started[32], finished[32] = "-";
    hl_time_iso8601(row->started_utc_ms, started);
    if (row->finished_utc_ms >= 0) hl_time_iso8601(row->finished_utc_ms, finished);
    printf("response #%lld %s: %s, survey %s v%lld, %s, %s .. %s, clock %s", (long long)row->seq,
           row->uuid, hl_resp_status_name(row->status), row->survey_id,
           (long long)row->survey_version, row->lang, started, finished,
           row->clock_trusted ? "trusted" : "untrusted");
    if (row->followup) printf(", follow-up code %s", row->followup);
    putchar('\n');
    for (size_t q = 0; q <= survey->n_questions; q++) {
        for (size_t i = 0; i < row->n_answers; i++) {
            int at = hl_survey_find_question(survey, row->qids[i]);
            /* Known questions in survey order, then any from other versions. */
            if (q < survey->n_questions ? at != (int)q : at >= 0) continue;
            printf("  %-20s ", row->qids[i]);
            print_value(survey, at, row->values[i]);
            printf(" +%lld ms\n", (long long)row->ms[i]);
        }
    }
    return HL_OK;
}

typedef struct run_args {
    bool headless, trace;
    const char *script, *clock, *shots, *size, *backend, *capture;
} run_args_t;

static int parse_run_args(int argc, char **argv, run_args_t *a)
{
    const hl_cli_opt_t opts[] = {
        {"--headless", &a->headless, NULL}, {"--trace", &a->trace, NULL},
        {"--script", NULL, &a->script},     {"--clock", NULL, &a->clock},
        {"--screenshots", NULL, &a->shots}, {"--size", NULL, &a->size},
        {"--backend", NULL, &a->backend},   {"--audio-capture", NULL, &a->capture},
    };
    return hl_cli_opts(argc, argv, run_usage, opts, sizeof opts / sizeof opts[0], NULL, NULL);
}

int hl_cli_run(hl_cli_t *cli, int argc, char **argv)
{
    run_args_t a = {0};
    int rc = parse_run_args(argc, argv, &a);
    if (rc != HL_EXIT_OK) return rc == HL_CLI_HELP ? HL_EXIT_OK : rc;
    hl_display_opts_t dopts = {.backend = HL_BACKEND_AUTO, .w = 1280, .h = 800};
    if (a.size && (sscanf(a.size, "%dx%d", &dopts.w, &dopts.h) != 2 || dopts.w < 320 ||
                   dopts.h < 240 || dopts.w > 7680 || dopts.h > 7680)) {
        fprintf(stderr, "hailong run: --size wants WxH such as 800x480, got \"%s\"\n", a.size);
        return HL_EXIT_USAGE;
    }
    if (a.backend &&
        (!hl_backend_parse(a.backend, &dopts.backend) || dopts.backend == HL_BACKEND_HEADLESS)) {
        fprintf(stderr, "hailong run: --backend is kms, desktop or auto (headless: --headless)\n");
        return HL_EXIT_USAGE;
    }
    if (a.headless != (a.script != NULL)) {
        fprintf(stderr, "hailong run: %s\n",
                a.headless ? "--headless needs --script FILE" : "--script needs --headless");
        return HL_EXIT_USAGE;
    }
    if (a.headless) dopts.backend = HL_BACKEND_HEADLESS;
    if (a.capture && !a.headless) {
        fprintf(stderr, "hailong run: --audio-capture goes with --headless (the kiosk itself "
                        "speaks through its speaker)\n");
        return HL_EXIT_USAGE;
    }
    int64_t start_utc = cli->sys.utc_ms(cli->sys.ctx);
    bool trusted = cli->sys.utc_trusted(cli->sys.ctx);
    if (a.clock) {
        if (!a.headless || !hl_time_parse_iso8601(a.clock, &start_utc)) {
            fprintf(stderr,
                    "hailong run: --clock wants YYYY-MM-DDTHH:MM:SSZ with --headless, "
                    "got \"%s\"\n",
                    a.clock);
            return HL_EXIT_USAGE;
        }
        trusted = true;
    }

    hl_err_t err = {0};
    hl_script_t script = {0};
    if (a.script && hl_script_load_file(a.script,
                                        &(hl_script_ext_t){hl_kiosk_script_verbs(),
                                                           hl_kiosk_script_check, (void *)&a.shots},
                                        &script, &err) != HL_OK) {
        fprintf(stderr, "hailong run: %s\n", err.msg);
        return err.code == HL_ERR_USAGE ? HL_EXIT_USAGE : HL_EXIT_FAIL;
    }
    int exit_code = HL_EXIT_FAIL;
    hl_kiosk_t k;
    memset(&k, 0, sizeof k);
    hl_fakesys_t clock;
    hl_fakesys_init(&clock, start_utc, trusted, 1);
    hl_kiosk_opts_t kopts = {
        .display = dopts, .sys = cli->sys, .shots_dir = a.shots, .audio_capture = a.capture};
    if (a.headless) {
        kopts.sys = hl_fakesys_sys(&clock);
        kopts.sys.random = cli->sys.random; /* response ids stay truly random */
        kopts.fake = &clock; /* the technician's clock and power buttons act on the run */
    }
    if (hl_cli_resolve_data_dir(cli) || hl_cli_load(cli)) goto done;
    kopts.display.rotation = a.headless ? 0 : cli->cfg.display.rotation;
    if (hl_kiosk_open(&k, cli, &kopts) != HL_EXIT_OK) goto done;
    if (!a.headless) {
        exit_code = hl_kiosk_loop(&k);
        if (k.restart && exit_code == HL_EXIT_OK && cli->argv) {
            /* The technician's "restart": the same command line, afresh. */
            hl_kiosk_close(&k);
            hl_script_free(&script);
            fprintf(stderr, "hailong: restarting\n");
            fflush(NULL);
            execv("/proc/self/exe", cli->argv);
            fprintf(stderr, "hailong: restarting failed (%s): exiting, the service restarts it\n",
                    strerror(errno));
            return HL_EXIT_FAIL;
        }
        goto done;
    }

    hl_store_stats_t before;
    if (hl_store_stats(k.store, &before, &err) != HL_OK) {
        fprintf(stderr, "hailong run: %s\n", err.msg);
        goto done;
    }
    hl_script_runner_t runner = {.flow = &k.flow,
                                 .clock = &clock,
                                 .ext = hl_kiosk_script_step,
                                 .ext_ctx = &k,
                                 .tick = hl_kiosk_tick_cb,
                                 .trace = a.trace ? stderr : NULL};
    rc = hl_script_run(&runner, &script, NULL, &err);
    if (rc == HL_ERR_STATE || rc == HL_ERR_USAGE) {
        fprintf(stderr, "hailong run: script stopped: %s\n", err.msg);
        exit_code = HL_EXIT_SCRIPT;
    } else if (rc != HL_OK) {
        fprintf(stderr, "hailong run: %s\n", err.msg);
    } else {
        exit_code = HL_EXIT_OK;
    }
    if (hl_store_foreach(k.store, NULL, before.last_seq, print_row, cli->survey, &err) != HL_OK) {
        fprintf(stderr, "hailong run: listing stored responses: %s\n", err.msg);
        if (exit_code == HL_EXIT_OK) exit_code = HL_EXIT_FAIL;
    }
    if (k.flow.started && k.flow.state != HL_STATE_THANKS)
        printf("response #%lld is still in progress: it is kept, and finished as partial at the "
               "next start\n",
               (long long)k.flow.resp.seq);
done:
    hl_kiosk_close(&k);
    hl_script_free(&script);
    return exit_code;
}
