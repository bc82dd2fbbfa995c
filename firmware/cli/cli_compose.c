/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_compose.c: `hailong compose --method telex|vni|none [--new-style]
 * TEXT...`: types TEXT (its words joined by spaces) through the Vietnamese
 * input composer (hl_compose.h), one code point a key, and prints what the
 * on-screen keyboard would have written. For the province to check the
 * typing rules on any machine: it loads no config and no survey.
 */
#include "cli.h"
#include "hl_compose.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char compose_usage[] =
    "usage: hailong compose --method telex|vni|none [--new-style] TEXT...\n"
    "\n"
    "Types TEXT (its words joined by spaces), each character a key, the way the\n"
    "kiosk's keyboard composes Vietnamese, and prints the text (UTF-8, NFC).\n"
    "  telex  aa â, aw ă, ee ê, oo ô, ow ơ, uw ư, uow ươ, dd đ;\n"
    "         s f r x j: sắc huyền hỏi ngã nặng; z takes the tone off\n"
    "  vni    6 â ê ô, 7 ơ ư (uo7 ươ), 8 ă, 9 đ; 1 2 3 4 5 the tones; 0 takes it off\n"
    "  none   every key as it is\n"
    "Tones and marks may follow the final consonant (toans: toán); the same key\n"
    "twice types the letter (ass: as); a word that is not a Vietnamese syllable\n"
    "is left as typed. The tone goes where Vietnamese puts it; in oa, oe, uy\n"
    "without a final: the old style of place names and official documents (hòa,\n"
    "khỏe, thủy: Khánh Hòa), or with --new-style on the second vowel (hoà).\n"
    "Examples: hailong compose --method telex Vieetj Nam   (Việt Nam)\n"
    "          hailong compose --method vni Vie65t Nam     (Việt Nam)\n"
    "Exit codes: 0 ok; 2 usage, or TEXT that cannot be typed (not UTF-8: the byte\n"
    "is named; longer than 2000 characters).\n";

int hl_cli_compose(hl_cli_t *cli, int argc, char **argv)
{
    (void)cli;
    const char *method_name = NULL;
    bool new_style = false;
    const char **words = calloc((size_t)argc, sizeof *words);
    size_t n = 0;
    if (!words) return HL_EXIT_FAIL;
    const hl_cli_opt_t opts[] = {{"--method", NULL, &method_name},
                                 {"--new-style", &new_style, NULL}};
    int orc = hl_cli_opts(argc, argv, compose_usage, opts, 2, words, &n);
    hl_compose_method_t method = HL_COMPOSE_NONE;
    if (orc == HL_EXIT_OK && (!method_name || !hl_compose_method_parse(method_name, &method))) {
        fprintf(stderr, "hailong compose: %s%s%s\n%s",
                method_name ? "unknown method \"" : "say which method: --method telex|vni|none",
                method_name ? method_name : "", method_name ? "\" (telex, vni or none)" : "",
                compose_usage);
        orc = HL_EXIT_USAGE;
    } else if (orc == HL_EXIT_OK && n == 0) {
        fprintf(stderr, "hailong compose: give the text to type\n%s", compose_usage);
        orc = HL_EXIT_USAGE;
    }
    if (orc != HL_EXIT_OK) {
        free(words);
        return orc == HL_CLI_HELP ? HL_EXIT_OK : orc;
    }
    size_t total = 1;
    for (size_t i = 0; i < n; i++)
        total += strlen(words[i]) + 1;
    char *keys = malloc(total), *out = malloc(HL_COMPOSE_MAX_BYTES + 1);
    int rc = keys && out ? HL_EXIT_OK : HL_EXIT_FAIL;
    if (rc == HL_EXIT_OK) {
        size_t len = 0;
        for (size_t i = 0; i < n; i++)
            len += (size_t)snprintf(keys + len, total - len, "%s%s", i ? " " : "", words[i]);
        hl_err_t err = {0};
        if (hl_compose_string(method, new_style, keys, out, HL_COMPOSE_MAX_BYTES + 1, &err) ==
            HL_OK) {
            printf("%s\n", out);
        } else {
            fprintf(stderr, "hailong compose: TEXT: %s\n", err.msg);
            rc = HL_EXIT_USAGE;
        }
    }
    free(keys);
    free(out);
    free(words);
    return rc;
}
