/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_response.c: names of response states, shared by the store, the exports
 * and the command line (the CSV "status" column uses exactly these words).
 */
#include "hl_response.h"

const char *hl_resp_status_name(hl_resp_status_t s)
{
    static const char *const names[] = {"in_progress", "complete", "partial"}; /* enum order */
    return HL_NAME_OF(names, s, "unknown");
}
