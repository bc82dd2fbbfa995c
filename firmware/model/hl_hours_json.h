/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_hours_json.h: opening hours read from the config's JSON (the one part
 * of hl_hours that sees jansson; hl_hours.h itself does not, so that the
 * config's users do not either).
 */
#ifndef HL_HOURS_JSON_H
#define HL_HOURS_JSON_H

#include "hl_hours.h"
#include "hl_json.h"

/* The config's form: obj[key] (obj at path) is a list of 1 to HL_HOURS_MAX
 * objects {"days": "mon-fri", "open": "07:30", "close": "17:00"}. Returns
 * HL_JSON_FOUND with *out filled, HL_JSON_ABSENT (out cleared), or
 * HL_JSON_BAD with every problem reported at its place in doc. */
int hl_hours_get(hl_json_doc_t *doc, const json_t *obj, const char *path, const char *key,
                 hl_hours_t *out);

#endif
