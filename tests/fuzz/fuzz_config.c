/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_config.c: libFuzzer target for the config loader.
 *
 * The input is a config file's bytes, loaded with hl_config_load_text over
 * the defaults (hl_config_defaults), as the kiosk does at start: JSON
 * parsing, every section's validation (timeouts, display, export key, sync
 * url/token/pins, officers, fairness, technician PIN hash) and the
 * diagnostics. The config is freed after each input so that LeakSanitizer
 * sees a leak on either path. The loader reads no file (paths are only
 * resolved as text). Seeds: tests/fuzz/config/corpus (tests/data configs and
 * hand-made ones); dictionary: config/config.dict.
 */
#include "hl_fuzz.h"

#include "hl_config.h"
#include "hl_diag.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull) devnull = fopen("/dev/null", "w");
    hl_config_t cfg;
    hl_config_defaults(&cfg, "fuzz-kiosk");
    hl_diags_t diags = {0};
    hl_config_load_text("/tmp/hl-fuzz/config.json", (const char *)data, size, &cfg, &diags);
    hl_diags_sort(&diags);
    if (devnull) hl_diags_print(&diags, devnull);
    hl_diags_free(&diags);
    hl_config_free(&cfg);
    return 0;
}
