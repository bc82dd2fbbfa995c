/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_merge.c: `hailong merge`: the USB bundles of halls without network
 * (several kiosks, several sticks, overlapping exports) verified against the
 * province's trust list and merged into one folder for `hailong report`
 * (hl_merge.h: what is kept, what is named, the folder's format). Needs no
 * store and no config: it runs on any computer.
 *
 * Exit codes: 0 every bundle verified and nothing missing; 5 the folder was
 * written but is incomplete (a bundle rejected, a gap, a conflict, a broken
 * chain, an input without bundles: each named); 1 nothing written (an input
 * or the trust list unreadable, the output folder not writable); 2 usage.
 */
#include "cli.h"
#include "hl_bundle.h"
#include "hl_merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MERGE_SYNOPSIS                                                                             \
    "usage: hailong merge --trust FILE --out DIR [--key-file FILE] BUNDLE_DIR...\n"

static const char merge_usage[] = MERGE_SYNOPSIS
    "\n"
    "Merges the result bundles of several kiosks and sticks into DIR, for hailong\n"
    "report --merged DIR. Each BUNDLE_DIR is a bundle folder (it holds\n"
    "manifest.json), a stick's root, its HAILONG folder or a kiosk's folder: every\n"
    "bundle below is found (no symbolic link is followed). Each bundle is checked as\n"
    "hailong verify-export does, against --trust FILE (each kiosk's `hailong\n"
    "identity` line): a bundle that fails (a file changed, an unknown kiosk, a key\n"
    "the trust list does not hold for it, a broken response chain) is rejected\n"
    "whole, with its reason, and none of its responses counts.\n"
    "\n"
    "The responses of the verified bundles are de-duplicated (overlapping exports\n"
    "hold the same response: kept once, the copies counted); per kiosk the ranges\n"
    "are joined and every missing range named (\"kiosk X: responses 120-180\n"
    "missing\"); responses before a kiosk's first bundle count as collected before.\n"
    "Responses after a kiosk's last bundle cannot be seen to be missing: compare\n"
    "each kiosk's last seq printed here with the kiosk's own results page.\n"
    "The same response with different content in two verified bundles (only\n"
    "possible with the kiosk's key in other hands) is a CONFLICT: neither is kept.\n"
    "Two histories of one kiosk (a restored or copied database) are a BREAK.\n"
    "\n"
    "DIR (a new or empty folder, or an earlier merge's: never a bundle's) gets\n"
    "responses.jsonl (the rows exactly as in the bundles, by kiosk then seq) and\n"
    "merge.json (every bundle with its verdict and reason, the kiosks with their\n"
    "ranges and chain heads, the gaps, duplicates, conflicts and breaks), each\n"
    "written atomically. --key-file FILE (a stick's old HAILONG/export.key)\n"
    "checks responses chained before the device key.\n"
    "\n"
    "Exit 0 when every bundle verified and nothing is missing; 5 when DIR was\n"
    "written but is incomplete (each cause named); 1 when nothing could be written;\n"
    "2 on usage errors.\n";

/* "a–b" (en dash) of a range, or "none". */
static void range(int64_t a, int64_t b, char out[64])
{
    if (a <= 0 && b <= 0)
        snprintf(out, 64, "none");
    else
        snprintf(out, 64, "%lld\xe2\x80\x93%lld", (long long)a, (long long)b);
}

static void print_summary(const hl_merge_result_t *res, const char *out_dir)
{
    char r[64];
    for (size_t i = 0; i < res->n_bundles; i++) {
        const hl_merge_bundle_t *b = &res->bundles[i];
        range(b->seq_first, b->seq_last, r);
        if (b->verified)
            printf("verified  %s: kiosk %s, responses %s (%lld)%s\n", b->path, b->kiosk_id, r,
                   (long long)b->responses,
                   b->unchecked_rows ? ", some chained with the old shared key not checked" : "");
        else
            printf("REJECTED  %s: %s\n", b->path, b->reason);
    }
    for (size_t i = 0; i < res->n_empty; i++)
        printf("EMPTY     %s: no bundle found\n", res->empty_inputs[i]);
    for (size_t i = 0; i < res->n_kiosks; i++) {
        const hl_merge_kiosk_t *k = &res->kiosks[i];
        range(k->seq_first, k->seq_last, r);
        printf("kiosk %s: %lld response%s, seq %s (its bundles start after seq %lld)\n",
               k->kiosk_id, (long long)k->responses, k->responses == 1 ? "" : "s", r,
               (long long)k->after_seq);
    }
    for (size_t i = 0; i < res->n_gaps; i++)
        printf("GAP       %s (%s)\n", res->gaps[i].text, res->gaps[i].text_vi);
    for (size_t i = 0; i < res->n_breaks; i++)
        printf("BREAK     %s\n", res->breaks[i].text);
    for (size_t i = 0; i < res->n_conflicts; i++)
        printf("CONFLICT  %s\n", res->conflicts[i].text);
    printf("%zu of %zu bundle%s verified, %zu rejected; %lld response%s merged, %lld duplicate%s "
           "dropped, %zu gap%s%s%s\n",
           res->n_verified, res->n_bundles, res->n_bundles == 1 ? "" : "s", res->n_rejected,
           (long long)res->responses, res->responses == 1 ? "" : "s", (long long)res->duplicates,
           res->duplicates == 1 ? "" : "s", res->n_gaps, res->n_gaps == 1 ? "" : "s",
           out_dir ? " -> " : "", out_dir ? out_dir : "");
}

int hl_cli_merge(hl_cli_t *cli, int argc, char **argv)
{
    const char *trust_file = NULL, *out_dir = NULL, *key_file = NULL;
    const char **dirs = calloc((size_t)argc, sizeof *dirs);
    size_t n = 0;
    if (!dirs) return HL_EXIT_FAIL;
    const hl_cli_opt_t opts[] = {
        {"--trust", NULL, &trust_file}, {"--out", NULL, &out_dir}, {"--key-file", NULL, &key_file}};
    int orc = hl_cli_opts(argc, argv, merge_usage, opts, 3, dirs, &n);
    if (orc != HL_EXIT_OK) {
        free(dirs);
        return orc == HL_CLI_HELP ? HL_EXIT_OK : orc;
    }
    const char *missing = !trust_file ? "--trust FILE (the kiosks' identity lines)"
                          : !out_dir  ? "--out DIR (where the merged folder goes)"
                          : !n        ? "at least one bundle folder or stick"
                                      : NULL;
    if (missing) {
        fprintf(stderr, "hailong merge: give %s\n%s(hailong merge --help says more)\n", missing,
                MERGE_SYNOPSIS);
        free(dirs);
        return HL_EXIT_USAGE;
    }
    hl_err_t err = {0};
    hl_trust_t trust = {0};
    hl_diags_t d = {0};
    int rc = hl_trust_load(trust_file, &trust, &d, &err);
    hl_diags_print(&d, stderr);
    hl_diags_free(&d);
    unsigned char old_key[HL_BUNDLE_KEY_LEN];
    bool have_old = false;
    if (rc == HL_OK && key_file) {
        rc = hl_bundle_key_from_file(key_file, old_key, &err);
        have_old = rc == HL_OK;
    }
    if (rc != HL_OK) {
        fprintf(stderr, "hailong merge: %s\n", err.msg);
        hl_trust_free(&trust);
        free(dirs);
        return HL_EXIT_FAIL;
    }
    hl_merge_opts_t mo = {.inputs = dirs,
                          .n_inputs = n,
                          .trust = &trust,
                          .old_key = have_old ? old_key : NULL,
                          .out_dir = out_dir,
                          .created_utc_ms = cli->sys.utc_ms(cli->sys.ctx)};
    hl_merge_result_t res;
    rc = hl_merge_run(&mo, &res, &d, &err);
    hl_diags_print(&d, stderr);
    hl_diags_free(&d);
    int exit_rc = HL_EXIT_OK;
    if (rc != HL_OK) {
        fprintf(stderr, "hailong merge: %s (nothing written)\n", err.msg);
        exit_rc = rc == HL_ERR_USAGE ? HL_EXIT_USAGE : HL_EXIT_FAIL;
    } else {
        print_summary(&res, out_dir);
        if (res.n_conflicts)
            fprintf(stderr,
                    "hailong merge: CONFLICT: %zu response%s differ between bundles signed by "
                    "the same kiosk's key: that key may be in other hands; neither copy was kept, "
                    "investigate before using these figures\n",
                    res.n_conflicts, res.n_conflicts == 1 ? "" : "s");
        if (!hl_merge_complete(&res)) exit_rc = HL_EXIT_INCOMPLETE;
    }
    hl_merge_result_free(&res);
    explicit_bzero(old_key, sizeof old_key);
    hl_trust_free(&trust);
    free(dirs);
    return exit_rc;
}
