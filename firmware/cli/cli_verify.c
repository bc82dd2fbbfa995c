/*
 * cli_verify.c: `hailong verify`: checks the chain of the local database
 * (tamper evidence, docs/tamper-evidence.md) and names every response that
 * was edited, deleted, inserted or reordered, by sequence number.
 *
 * The store is opened read-only (it works beside a running kiosk). The key
 * is the one the kiosk chains with: the config's export key when it has one,
 * else the data folder's chain.key; --key-file takes a stick's
 * HAILONG/export.key secret instead. Exit 0 when the chain is intact, 1 with
 * problems or when the check cannot run, 2 on usage errors.
 */
#include "cli.h"
#include "hl_bundle.h"
#include "hl_platform.h"
#include "hl_store.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char verify_usage[] =
    "usage: hailong verify [--key-file FILE]\n"
    "\n"
    "Checks the tamper-evident chain of the stored responses: each finished\n"
    "response carries an HMAC-SHA256 over its content and the previous one's\n"
    "chain value. Prints every response that was edited, deleted, inserted or\n"
    "reordered, by sequence number, then the chain head (the newest chain value:\n"
    "compare it with one recorded outside the kiosk, in a bundle's manifest or by\n"
    "the sync server, to detect the removal of the newest responses).\n"
    "\n"
    "The key: the config's export key when it has one, else the data folder's\n"
    "chain.key; --key-file FILE takes the secret on a stick (HAILONG/export.key).\n"
    "Exit 0 when the chain is intact, 1 with problems, 2 on usage errors.\n";

/* What a problem means, as printed after its sequence number. */
static const char *problem_text(hl_chain_problem_t what)
{
    switch (what) {
    case HL_CHAIN_EDITED:
        return "edited (its content does not match its chain value)";
    case HL_CHAIN_DELETED:
        return "a response before it was deleted (its prev_chain names another)";
    case HL_CHAIN_INSERTED:
        return "inserted (no valid chain value, or nothing links to it)";
    case HL_CHAIN_REORDERED:
        return "reordered (linked out of sequence order)";
    case HL_CHAIN_OTHER_KEY:
        return "chained with another key (not checked: was the key changed?)";
    }
    return "problem";
}

static void print_problem(void *ctx, int64_t seq, hl_chain_problem_t what, const char *detail)
{
    (void)ctx;
    printf("seq %lld: %s%s%s\n", (long long)seq, problem_text(what), detail && *detail ? "; " : "",
           detail && *detail ? detail : "");
}

int hl_cli_verify(hl_cli_t *cli, int argc, char **argv)
{
    const char *key_file = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help")) {
            fputs(verify_usage, stdout);
            return HL_EXIT_OK;
        }
        if (!strcmp(a, "--key-file") && i + 1 < argc) {
            key_file = argv[++i];
            continue;
        }
        fprintf(stderr, "hailong verify: %s \"%s\"\n%s",
                !strcmp(a, "--key-file") ? "missing value after" : "unexpected argument", a,
                verify_usage);
        return HL_EXIT_USAGE;
    }
    if (hl_cli_resolve_data_dir(cli)) return HL_EXIT_FAIL;
    hl_err_t err = {0};
    unsigned char key[HL_BUNDLE_KEY_LEN];
    const char *key_from;
    if (key_file) {
        if (hl_bundle_key_from_file(key_file, key, &err) != HL_OK) {
            fprintf(stderr, "hailong verify: %s\n", err.msg);
            return HL_EXIT_FAIL;
        }
        key_from = key_file;
    } else {
        if (hl_cli_load_config(cli)) return HL_EXIT_FAIL;
        if (cli->cfg.has_export_key) {
            memcpy(key, cli->cfg.export_key_sha256, sizeof key);
            key_from = "the config's export key";
        } else {
            int rc = hl_platform_chain_key_read(cli->data_dir, key, &err);
            if (rc == HL_ERR_NOT_FOUND) {
                fprintf(stderr,
                        "hailong verify: no chain key: the config has no export key and %s/%s "
                        "does not exist (the kiosk makes it when it first opens the store); give "
                        "--key-file\n",
                        cli->data_dir, HL_CHAIN_KEY_FILE);
                return HL_EXIT_FAIL;
            }
            if (rc != HL_OK) {
                fprintf(stderr, "hailong verify: %s\n", err.msg);
                return HL_EXIT_FAIL;
            }
            key_from = HL_CHAIN_KEY_FILE;
        }
    }

    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/%s", cli->data_dir, HL_STORE_FILE);
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(stderr,
                "hailong verify: no responses stored yet: %s does not exist (wrong --data-dir?)\n",
                path);
        return HL_EXIT_FAIL;
    }
    hl_store_t *st = NULL;
    hl_store_opts_t opts = {.read_only = true};
    int rc = hl_store_open(cli->data_dir, &opts, &st, NULL, &err);
    if (rc != HL_OK) {
        fprintf(stderr, "hailong verify: %s\n", err.msg);
        return HL_EXIT_FAIL;
    }
    size_t n_problems = 0;
    int64_t head_seq = 0;
    char head[HL_CHAIN_HEX + 1] = "";
    rc = hl_store_verify_chain(st, key, print_problem, NULL, &n_problems, &err);
    if (rc == HL_OK) rc = hl_store_chain_head(st, &head_seq, head, &err);
    hl_store_close(st);
    memset(key, 0, sizeof key);
    if (rc != HL_OK) {
        fprintf(stderr, "hailong verify: %s\n", err.msg);
        return HL_EXIT_FAIL;
    }
    printf("chain head     seq %lld %s\n", (long long)head_seq, head);
    if (n_problems) {
        printf("%zu problem%s found with %s: the stored responses were changed outside the "
               "kiosk\n",
               n_problems, n_problems == 1 ? "" : "s", key_from);
        return HL_EXIT_FAIL;
    }
    printf("the chain is intact (checked with %s); the removal of the newest responses shows "
           "only against a head recorded outside the kiosk (a bundle's manifest, the sync "
           "server)\n",
           key_from);
    return HL_EXIT_OK;
}
