/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_response.c: names of response states, shared by the store, the exports
 * and the command line (the CSV "status" column uses exactly these words),
 * and follow-up codes.
 */
#include "hl_response.h"

#include <string.h>

const char *hl_resp_status_name(hl_resp_status_t s)
{
    static const char *const names[] = {"in_progress", "complete", "partial"}; /* enum order */
    return HL_NAME_OF(names, s, "unknown");
}

/* SplitMix64's finaliser: every input bit moves every output bit. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

void hl_followup_make(uint64_t seed, unsigned attempt, char out[HL_FOLLOWUP_LEN + 1])
{
    static const char alphabet[] = HL_FOLLOWUP_ALPHABET;
    const uint64_t n = sizeof alphabet - 1;
    uint64_t x = mix64(seed + 0x9e3779b97f4a7c15ULL * ((uint64_t)attempt + 1));
    for (int i = 0; i < HL_FOLLOWUP_LEN; i++) {
        out[i] = alphabet[x % n];
        x /= n; /* 24^6 < 2^28: the 64 bits are plenty */
    }
    out[HL_FOLLOWUP_LEN] = '\0';
}

bool hl_followup_valid(const char *s)
{
    if (!s || strlen(s) != HL_FOLLOWUP_LEN) return false;
    for (int i = 0; i < HL_FOLLOWUP_LEN; i++)
        if (!strchr(HL_FOLLOWUP_ALPHABET, s[i]) || !s[i]) return false;
    return true;
}
