/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_key.c: `hailong export-key --new`: makes the kiosk's USB export
 * secret, prints it once, and stores only its SHA-256 in the config file as
 * "export": {"key_sha256": "..."}.
 *
 * The config is written by hl_config_set (hl_config.h): an invalid config is
 * left untouched (so nothing in it is lost); otherwise every other key keeps
 * its place and the file is replaced atomically with its mode and owner
 * kept. A missing config is created holding just the export section. The
 * secret is printed only after the hash is safely stored: a secret shown on
 * screen always works.
 */
#include "cli.h"
#include "hl_bundle.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HL_KEY_DEFAULT_CONFIG "/etc/hailong/hailong.json" /* as in main.c */
#define HL_KEY_SECRET_BYTES   32                          /* random bytes in a secret */

static const char key_usage[] =
    "usage: hailong export-key --new [--config FILE]\n"
    "\n"
    "Makes a new USB export secret (32 random bytes, printed once as 64 hex\n"
    "digits on stdout) and writes its SHA-256 into the config file as\n"
    "\"export\": {\"key_sha256\": ...}, keeping everything else in the file.\n"
    "Write the secret to HAILONG/export.key on each technician's stick: a\n"
    "stick without it is ignored. Sticks holding an older secret stop working.\n"
    "FILE defaults to $HAILONG_CONFIG, else " HL_KEY_DEFAULT_CONFIG "; a missing\n"
    "file is created with just that section; an invalid one is left untouched\n"
    "(exit 1: fix it with hailong check FILE first). Restart the kiosk to use\n"
    "the new key.\n";

int hl_cli_export_key(hl_cli_t *cli, int argc, char **argv)
{
    bool make_new = false;
    const hl_cli_opt_t opts[] = {{"--new", &make_new, NULL}};
    int orc = hl_cli_opts(argc, argv, key_usage, opts, 1, NULL, NULL);
    if (orc != HL_EXIT_OK) return orc == HL_CLI_HELP ? HL_EXIT_OK : orc;
    if (!make_new) {
        fprintf(stderr,
                "hailong export-key: say --new to make a new secret (sticks holding the old "
                "one stop working)\n%s",
                key_usage);
        return HL_EXIT_USAGE;
    }
    const char *path = cli->config_path;
    if (!path) {
        const char *env = getenv("HAILONG_CONFIG");
        path = env && *env ? env : HL_KEY_DEFAULT_CONFIG;
    }
    unsigned char raw[HL_KEY_SECRET_BYTES], key[HL_BUNDLE_KEY_LEN];
    char secret[2 * HL_KEY_SECRET_BYTES + 1], hash[2 * HL_BUNDLE_KEY_LEN + 1];
    if (cli->sys.random(cli->sys.ctx, raw, sizeof raw) != 0) {
        fprintf(stderr, "hailong export-key: no random bytes from the system (getrandom): %s\n",
                strerror(errno));
        return HL_EXIT_FAIL;
    }
    hl_hex_encode(raw, sizeof raw, secret);
    explicit_bzero(raw, sizeof raw);
    hl_bundle_key_from_secret(secret, strlen(secret), key);
    hl_hex_encode(key, sizeof key, hash);
    explicit_bzero(key, sizeof key);

    char value[2 * HL_BUNDLE_KEY_LEN + 3];
    snprintf(value, sizeof value, "\"%s\"", hash);
    hl_diags_t d = {0};
    hl_err_t err = {0};
    int rc = hl_config_set(path, "export.key_sha256", value, &d, &err) == HL_OK ? HL_EXIT_OK
                                                                                : HL_EXIT_FAIL;
    hl_diags_print(&d, stderr);
    hl_diags_free(&d);
    if (rc != HL_EXIT_OK) fprintf(stderr, "hailong export-key: %s; no secret was made\n", err.msg);
    if (rc == HL_EXIT_OK) {
        printf("%s\n", secret);
        fflush(stdout);
        fprintf(stderr,
                "hailong export-key: the line above is the new export secret; it is shown only "
                "this once.\n"
                "Write it to HAILONG/export.key on each technician's USB stick, e.g.\n"
                "  mkdir -p /media/usb0/HAILONG && echo SECRET > /media/usb0/HAILONG/export.key\n"
                "Its SHA-256 is now export.key_sha256 in %s; restart the kiosk to use it.\n"
                "Sticks holding an older secret no longer work.\n",
                path);
    }
    explicit_bzero(secret, sizeof secret);
    return rc;
}
