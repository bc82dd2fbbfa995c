/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_access.h: the accessibility settings of the config ("accessibility")
 * and the tactile keys' map: which key of a USB keypad or keyboard does
 * what (EZ Access style: up, down, left, right, enter, back, help, volume).
 *
 * Keys are named as SDL names them (SDL_GetKeyName: "Up", "Return",
 * "Keypad 8", "Keypad +", "F1", "A"), so the display code can map a key
 * press by its name; the names allowed are a fixed list (hl_access_key_names)
 * so a config is checked without SDL. The core never sees a key code.
 */
#ifndef HL_ACCESS_H
#define HL_ACCESS_H

#include "hl_json.h"

#include <stdbool.h>

/* What a tactile key does. */
typedef enum hl_key_act {
    HL_KEY_NONE = 0,
    HL_KEY_UP,       /* focus to the previous target (reading order) */
    HL_KEY_DOWN,     /* focus to the next target */
    HL_KEY_LEFT,     /* focus to the previous target in the row (or the previous one) */
    HL_KEY_RIGHT,    /* focus to the next target in the row (or the next one) */
    HL_KEY_ENTER,    /* choose the focused target (the round, tactile key) */
    HL_KEY_BACK,     /* the previous question */
    HL_KEY_HELP,     /* say how to use the keys */
    HL_KEY_VOL_UP,   /* louder */
    HL_KEY_VOL_DOWN, /* softer */
    HL_KEY_REPEAT,   /* say the screen again */
    HL_KEY_ACT_COUNT
} hl_key_act_t;

/* "up", "down", ..., "volume_up", "volume_down", "repeat"; "?" out of range. */
const char *hl_key_act_name(hl_key_act_t a);

#define HL_ACCESS_KEYS_PER_ACT 6  /* key names one action may have */
#define HL_ACCESS_KEY_NAME_MAX 16 /* bytes of an SDL key name we accept ("Keypad Enter") */
#define HL_ACCESS_VOLUME_STEPS 8  /* volume steps above the softest: 3 dB each, 24 dB range */

typedef struct hl_access_cfg {
    bool listen_button; /* "listen_button": the Nghe/Listen button on every citizen screen
                           (default true) */
    int volume;         /* "volume": the default step, 0 (softest, -24 dB) .. 8 (full);
                           default 5; every response starts with it */
    char keys[HL_KEY_ACT_COUNT][HL_ACCESS_KEYS_PER_ACT][HL_ACCESS_KEY_NAME_MAX + 1];
    /* "keys": per action, the key names that do it ("" ends a list); the default map
       below when the config has no "keys"; an action the config leaves out keeps its
       default */
} hl_access_cfg_t;

/* The defaults: the Listen button, volume 5, and the key map of a
 * numeric keypad and a keyboard's arrows (README "Accessibility"). */
void hl_access_cfg_default(hl_access_cfg_t *a);

/* Checks the config's "accessibility" object under root (absent: nothing
 * to do, *given false) and fills *a from the defaults and what it says;
 * every problem goes to doc with its line and column. */
void hl_access_cfg_check(hl_json_doc_t *doc, const json_t *root, hl_access_cfg_t *a, bool *given);

/* The action of the key named name (SDL's name), HL_KEY_NONE if none. */
hl_key_act_t hl_access_key_act(const hl_access_cfg_t *a, const char *name);

/* Decibels of volume step v (0..HL_ACCESS_VOLUME_STEPS): -3 dB a step
 * down from full; and its linear gain (0..1]. */
int hl_access_volume_db(int v);
double hl_access_volume_gain(int v);

#endif
