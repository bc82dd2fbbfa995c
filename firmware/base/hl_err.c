/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_err.c: filling hl_err_t records and naming return codes.
 */
#include "hl_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int hl_err_set(hl_err_t *err, int code, const char *fmt, ...)
{
    if (!err) return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

int hl_err_wrap(hl_err_t *err, const char *fmt, ...)
{
    if (!err) return HL_ERR_INTERNAL;
    char prefix[sizeof err->msg];
    char old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    /* Join by hand: the message is cut at its capacity on purpose. */
    size_t n = 0, cap = sizeof err->msg - 1;
    for (const char *p = prefix; *p && n < cap; p++)
        err->msg[n++] = *p;
    for (const char *p = ": "; *p && n < cap; p++)
        err->msg[n++] = *p;
    for (const char *p = old; *p && n < cap; p++)
        err->msg[n++] = *p;
    err->msg[n] = '\0';
    return err->code;
}

void hl_err_clear(hl_err_t *err)
{
    if (!err) return;
    err->code = HL_OK;
    err->msg[0] = '\0';
}

const char *hl_rc_name(int code)
{
    static const char *const names[HL_ERR_COUNT] = {
        [HL_OK] = "ok",
        [HL_ERR_USAGE] = "usage",
        [HL_ERR_INVALID] = "invalid",
        [HL_ERR_STATE] = "state",
        [HL_ERR_NOT_FOUND] = "not_found",
        [HL_ERR_IO] = "io",
        [HL_ERR_FULL] = "full",
        [HL_ERR_READONLY] = "readonly",
        [HL_ERR_LOCKED] = "locked",
        [HL_ERR_CORRUPT] = "corrupt",
        [HL_ERR_NOMEM] = "nomem",
        [HL_ERR_INTERNAL] = "internal",
        [HL_ERR_UNTRUSTED] = "untrusted",
    };
    if (code < 0 || code >= HL_ERR_COUNT) return "unknown";
    return names[code];
}
