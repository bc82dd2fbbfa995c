/*
 * cli_run.c: `hailong run`: the kiosk, or a headless scripted session.
 *
 * A headless run loads the config and survey, opens the store in the data
 * directory (finishing any response a crash left in progress), drives the
 * flow with the script on a fake clock that starts at the real time (or
 * --clock), and prints the responses it stored. Answers go to the real
 * store, exactly as taps on the screen would.
 */
#include "cli.h"
#include "hl_flow.h"
#include "hl_platform.h"
#include "hl_script.h"
#include "hl_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char run_usage[] =
    "usage: hailong run [--headless --script FILE] [--clock YYYY-MM-DDTHH:MM:SSZ] [--trace]\n"
    "\n"
    "  --headless       no screen: drive the kiosk from a script\n"
    "  --script FILE    the scripted session (format: README, \"Scripted runs\")\n"
    "  --clock TIME     start the scripted clock at TIME (UTC) and trust it;\n"
    "                   default: the real clock, trusted as the system says\n"
    "  --trace          echo each step as it runs\n"
    "Prints the responses the run stored. Exit 3 when the script stops on a\n"
    "failed expect or a step the kiosk would not allow.\n";

/* Prints one stored response, its answers in the survey's question order. */
static int print_row(void *ctx, const hl_row_t *row)
{
    const hl_survey_t *survey = ctx;
    char started[32], finished[32] = "-";
    hl_time_iso8601(row->started_utc_ms, started);
    if (row->finished_utc_ms >= 0) hl_time_iso8601(row->finished_utc_ms, finished);
    printf("response #%lld %s: %s, survey %s v%lld, %s, %s .. %s, clock %s\n", (long long)row->seq,
           row->uuid, hl_resp_status_name(row->status), row->survey_id,
           (long long)row->survey_version, row->lang, started, finished,
           row->clock_trusted ? "trusted" : "untrusted");
    for (size_t q = 0; q <= survey->n_questions; q++) {
        for (size_t i = 0; i < row->n_answers; i++) {
            int at = hl_survey_find_question(survey, row->qids[i]);
            /* Known questions in survey order, then any from other versions. */
            if (q < survey->n_questions ? at != (int)q : at >= 0) continue;
            printf("  %-20s %-30s +%lld ms\n", row->qids[i], row->values[i], (long long)row->ms[i]);
        }
    }
    return HL_OK;
}

int hl_cli_run(hl_cli_t *cli, int argc, char **argv)
{
    bool headless = false, trace = false;
    const char *script_path = NULL, *clock_arg = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            fputs(run_usage, stdout);
            return HL_EXIT_OK;
        } else if (!strcmp(argv[i], "--headless")) {
            headless = true;
        } else if (!strcmp(argv[i], "--trace")) {
            trace = true;
        } else if ((!strcmp(argv[i], "--script") || !strcmp(argv[i], "--clock")) && i + 1 < argc) {
            *(argv[i][2] == 's' ? &script_path : &clock_arg) = argv[i + 1];
            i++;
        } else {
            fprintf(stderr, "hailong run: unexpected argument \"%s\"\n%s", argv[i], run_usage);
            return HL_EXIT_USAGE;
        }
    }
    if (!headless) {
        fprintf(stderr, "hailong run: this build has no screen yet (it comes with the kiosk "
                        "screen); use --headless --script FILE\n");
        return HL_EXIT_USAGE;
    }
    if (!script_path) {
        fprintf(stderr, "hailong run: --headless needs --script FILE\n");
        return HL_EXIT_USAGE;
    }
    int64_t start_utc = cli->sys.utc_ms(cli->sys.ctx);
    bool trusted = cli->sys.utc_trusted(cli->sys.ctx);
    if (clock_arg) {
        if (!hl_time_parse_iso8601(clock_arg, &start_utc)) {
            fprintf(stderr, "hailong run: --clock wants YYYY-MM-DDTHH:MM:SSZ, got \"%s\"\n",
                    clock_arg);
            return HL_EXIT_USAGE;
        }
        trusted = true;
    }

    hl_err_t err = {0};
    hl_script_t script;
    if (hl_script_load_file(script_path, NULL, &script, &err) != HL_OK) {
        fprintf(stderr, "hailong run: %s\n", err.msg);
        return err.code == HL_ERR_USAGE ? HL_EXIT_USAGE : HL_EXIT_FAIL;
    }
    int exit_code = HL_EXIT_FAIL;
    hl_store_t *store = NULL;
    hl_flow_t flow;
    bool flow_ready = false;
    if (hl_cli_resolve_data_dir(cli) || hl_cli_load(cli)) goto done;

    int64_t recovered = 0;
    if (hl_store_open(cli->data_dir, NULL, &store, &recovered, &err) != HL_OK) {
        fprintf(stderr, "hailong run: %s\n", err.msg);
        goto done;
    }
    if (recovered > 0)
        fprintf(stderr, "hailong run: %lld response(s) cut off by a restart kept as partial\n",
                (long long)recovered);
    if (hl_store_use_survey(store, cli->survey, cli->cfg.kiosk_id, &err) != HL_OK) {
        fprintf(stderr, "hailong run: %s\n", err.msg);
        goto done;
    }
    hl_store_stats_t before;
    if (hl_store_stats(store, &before, &err) != HL_OK) {
        fprintf(stderr, "hailong run: %s\n", err.msg);
        goto done;
    }

    hl_fakesys_t clock;
    hl_fakesys_init(&clock, start_utc, trusted, 1);
    hl_sys_t sys = hl_fakesys_sys(&clock);
    sys.random = cli->sys.random; /* response ids stay truly random */
    if (hl_flow_init(&flow, cli->survey, &cli->cfg.timeouts, sys, hl_store_sink(store), &err)) {
        fprintf(stderr, "hailong run: %s\n", err.msg);
        goto done;
    }
    flow_ready = true;

    hl_script_runner_t runner = {.flow = &flow, .clock = &clock, .trace = trace ? stderr : NULL};
    int rc = hl_script_run(&runner, &script, NULL, &err);
    if (rc == HL_ERR_STATE || rc == HL_ERR_USAGE) {
        fprintf(stderr, "hailong run: script stopped: %s\n", err.msg);
        exit_code = HL_EXIT_SCRIPT;
    } else if (rc != HL_OK) {
        fprintf(stderr, "hailong run: %s\n", err.msg);
    } else {
        exit_code = HL_EXIT_OK;
    }
    if (hl_store_foreach(store, NULL, before.last_seq, print_row, cli->survey, &err) != HL_OK) {
        fprintf(stderr, "hailong run: listing stored responses: %s\n", err.msg);
        if (exit_code == HL_EXIT_OK) exit_code = HL_EXIT_FAIL;
    }
    if (flow.started)
        printf("response #%lld is still in progress: it is kept, and finished as partial at the "
               "next start\n",
               (long long)flow.resp.seq);
done:
    if (flow_ready) hl_flow_free(&flow);
    hl_store_close(store);
    hl_script_free(&script);
    return exit_code;
}
