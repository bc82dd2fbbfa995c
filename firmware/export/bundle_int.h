/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bundle_int.h: what the bundle's two files share (hl_bundle.c writes
 * bundles and JSON Lines files, hl_bundle_verify.c checks them): limits and
 * the helpers both use. Nothing outside firmware/export includes it.
 */
#ifndef HL_BUNDLE_INT_H
#define HL_BUNDLE_INT_H

#include "hl_bundle.h"
#include "hl_afile.h"
#include "hl_devkey.h"

#include "hl_export.h"
#include "hl_json.h"
#include "hl_limits.h"
#include "hl_sys.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define HL_JSONL_BUF     (256 * 1024)  /* bytes buffered between writes */
#define HL_KEY_FILE_MAX  4096          /* largest secret file read */
#define HL_MANIFEST_MAX  (1024 * 1024) /* largest manifest read back */
#define HL_NAME_MAX      128           /* longest bundle file name */
#define HL_TS_SUFFIX_MAX 99            /* -2 .. -99 when a folder of that second exists */

/* A file name a bundle may hold: 1..HL_NAME_MAX bytes, no '/', no leading '.'. */
bool bundle_name_ok(const char *s);

/* Size and hex SHA-256 of dfd/name (read without following a link; with
 * uncached, read back from the medium rather than the page cache). */
int bundle_hash_file_at(int dfd, const char *name, const char *shown, int64_t *bytes, char hex[65],
                        bool uncached, hl_err_t *err);

/* The manifest's canonical text (compact, keys sorted, ASCII): what is
 * signed. malloc'd; NULL when out of memory. */
char *bundle_manifest_canonical(const json_t *m);

#endif
