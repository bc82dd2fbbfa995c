/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_access.c: the config's "accessibility" section (hl_access.h): the
 * Listen button, the default volume and the tactile keys' map, checked
 * like the rest of the config (file, line, column, what to do).
 */
#include "hl_access.h"

#include <stdio.h>
#include <string.h>

static const char *const act_names[HL_KEY_ACT_COUNT + 1] = {
    [HL_KEY_NONE] = "none",        [HL_KEY_UP] = "up",
    [HL_KEY_DOWN] = "down",        [HL_KEY_LEFT] = "left",
    [HL_KEY_RIGHT] = "right",      [HL_KEY_ENTER] = "enter",
    [HL_KEY_BACK] = "back",        [HL_KEY_HELP] = "help",
    [HL_KEY_VOL_UP] = "volume_up", [HL_KEY_VOL_DOWN] = "volume_down",
    [HL_KEY_REPEAT] = "repeat",    [HL_KEY_ACT_COUNT] = NULL,
};

/* The key names a map may use: SDL's names of the keys a keypad, a
 * keyboard or an EZ Access-style key set sends. */
static const char *const key_names[] = {"Up",
                                        "Down",
                                        "Left",
                                        "Right",
                                        "Return",
                                        "Space",
                                        "Backspace",
                                        "Escape",
                                        "Tab",
                                        "Home",
                                        "End",
                                        "PageUp",
                                        "PageDown",
                                        "Insert",
                                        "Delete",
                                        "Help",
                                        "VolumeUp",
                                        "VolumeDown",
                                        "F1",
                                        "F2",
                                        "F3",
                                        "F4",
                                        "F5",
                                        "F6",
                                        "F7",
                                        "F8",
                                        "F9",
                                        "F10",
                                        "F11",
                                        "F12",
                                        "Keypad 0",
                                        "Keypad 1",
                                        "Keypad 2",
                                        "Keypad 3",
                                        "Keypad 4",
                                        "Keypad 5",
                                        "Keypad 6",
                                        "Keypad 7",
                                        "Keypad 8",
                                        "Keypad 9",
                                        "Keypad Enter",
                                        "Keypad +",
                                        "Keypad -",
                                        "Keypad *",
                                        "Keypad /",
                                        "Keypad .",
                                        "A",
                                        "B",
                                        "C",
                                        "D",
                                        "E",
                                        "F",
                                        "G",
                                        "H",
                                        "I",
                                        "J",
                                        "K",
                                        "L",
                                        "M",
                                        "N",
                                        "O",
                                        "P",
                                        "Q",
                                        "R",
                                        "S",
                                        "T",
                                        "U",
                                        "V",
                                        "W",
                                        "X",
                                        "Y",
                                        "Z",
                                        "0",
                                        "1",
                                        "2",
                                        "3",
                                        "4",
                                        "5",
                                        "6",
                                        "7",
                                        "8",
                                        "9",
                                        "=",
                                        "-",
                                        NULL};

/* The default map: arrows and a numeric keypad (8 2 4 6 move, 5 chooses,
 * + and - volume), a keyboard's Return, Backspace and F1. */
static const char *const default_keys[HL_KEY_ACT_COUNT][HL_ACCESS_KEYS_PER_ACT] = {
    [HL_KEY_UP] = {"Up", "Keypad 8"},
    [HL_KEY_DOWN] = {"Down", "Keypad 2"},
    [HL_KEY_LEFT] = {"Left", "Keypad 4"},
    [HL_KEY_RIGHT] = {"Right", "Keypad 6"},
    [HL_KEY_ENTER] = {"Return", "Keypad 5", "Keypad Enter", "Space"},
    [HL_KEY_BACK] = {"Backspace", "Escape", "Keypad 7"},
    [HL_KEY_HELP] = {"F1", "Help", "H", "Keypad 9"},
    [HL_KEY_VOL_UP] = {"Keypad +", "VolumeUp", "="},
    [HL_KEY_VOL_DOWN] = {"Keypad -", "VolumeDown", "-"},
    [HL_KEY_REPEAT] = {"Keypad *", "R", "Keypad 3"},
};

static const char *const access_keys[] = {"listen_button", "volume", "keys", NULL};

const char *hl_key_act_name(hl_key_act_t a)
{
    return a >= 0 && a < HL_KEY_ACT_COUNT ? act_names[a] : "?";
}

void hl_access_cfg_default(hl_access_cfg_t *a)
{
    memset(a, 0, sizeof *a);
    a->listen_button = true;
    a->volume = 5;
    for (int k = 0; k < HL_KEY_ACT_COUNT; k++)
        for (int i = 0; i < HL_ACCESS_KEYS_PER_ACT && default_keys[k][i]; i++)
            snprintf(a->keys[k][i], sizeof a->keys[k][i], "%s", default_keys[k][i]);
}

static bool key_known(const char *name)
{
    for (int i = 0; key_names[i]; i++)
        if (strcmp(key_names[i], name) == 0) return true;
    return false;
}

/* One action's list of key names at keys.<act>. */
static void check_act_keys(hl_json_doc_t *doc, const json_t *list, const char *path,
                           const char *act,
                           char out[HL_ACCESS_KEYS_PER_ACT][HL_ACCESS_KEY_NAME_MAX + 1])
{
    if (!json_is_array(list) || json_array_size(list) == 0 ||
        json_array_size(list) > HL_ACCESS_KEYS_PER_ACT) {
        hl_json_report(doc, path, act, HL_JSON_AT_VALUE,
                       "\"%s\" takes a list of 1 to %d key names such as [\"Return\", \"Keypad "
                       "5\"]",
                       act, HL_ACCESS_KEYS_PER_ACT);
        return;
    }
    char lpath[HL_JSON_PATH_MAX];
    hl_json_path_key(lpath, path, act);
    memset(out, 0, sizeof(char[HL_ACCESS_KEYS_PER_ACT][HL_ACCESS_KEY_NAME_MAX + 1]));
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        const char *name = json_string_value(v);
        if (!name || !key_known(name)) {
            const char *guess = name ? hl_json_suggest(name, key_names) : NULL;
            char hint[48] = "";
            if (guess) snprintf(hint, sizeof hint, " (did you mean \"%s\"?)", guess);
            char ipath[HL_JSON_PATH_MAX];
            hl_json_path_index(ipath, lpath, i);
            hl_json_report(doc, ipath, NULL, HL_JSON_AT_VALUE,
                           "unknown key %s%.20s%s%s: use a key's name as SDL gives it, such as "
                           "\"Up\", \"Return\", \"Keypad 5\", \"Keypad +\", \"F1\" or \"A\"",
                           name ? "\"" : "", name ? name : "(not a string)", name ? "\"" : "",
                           hint);
            continue;
        }
        snprintf(out[i], HL_ACCESS_KEY_NAME_MAX + 1, "%s", name);
    }
}

/* A key named for two actions: the first keeps it, the second is reported. */
static void check_clashes(hl_json_doc_t *doc, const hl_access_cfg_t *a)
{
    for (int k = 1; k < HL_KEY_ACT_COUNT; k++)
        for (int i = 0; i < HL_ACCESS_KEYS_PER_ACT && a->keys[k][i][0]; i++)
            for (int k2 = 1; k2 < k; k2++)
                for (int j = 0; j < HL_ACCESS_KEYS_PER_ACT; j++)
                    if (a->keys[k2][j][0] && strcmp(a->keys[k2][j], a->keys[k][i]) == 0)
                        hl_json_report(doc, "accessibility.keys", act_names[k], HL_JSON_AT_VALUE,
                                       "key \"%s\" is also \"%s\": a key does one thing; remove "
                                       "it from one of them (an action left out of \"keys\" "
                                       "keeps its default keys)",
                                       a->keys[k][i], act_names[k2]);
}

void hl_access_cfg_check(hl_json_doc_t *doc, const json_t *root, hl_access_cfg_t *a, bool *given)
{
    hl_access_cfg_default(a);
    *given = false;
    json_t *o;
    if (hl_json_get_object(doc, root, "", "accessibility", false,
                           "an object such as {\"listen_button\": true, \"volume\": 5}",
                           &o) != HL_JSON_FOUND)
        return;
    *given = true;
    hl_json_check_keys(doc, o, "accessibility", access_keys);
    hl_json_get_bool(doc, o, "accessibility", "listen_button", false, &a->listen_button);
    int64_t v;
    if (hl_json_get_int(doc, o, "accessibility", "volume", false, 0, HL_ACCESS_VOLUME_STEPS, &v) ==
        HL_JSON_FOUND)
        a->volume = (int)v;
    json_t *keys;
    if (hl_json_get_object(doc, o, "accessibility", "keys", false,
                           "an object of key lists such as {\"enter\": [\"Return\", \"Keypad 5\"]}",
                           &keys) != HL_JSON_FOUND)
        return;
    const char *act;
    json_t *list;
    json_object_foreach(keys, act, list)
    {
        int k = 0;
        for (int i = 1; i < HL_KEY_ACT_COUNT && !k; i++)
            if (strcmp(act_names[i], act) == 0) k = i;
        if (!k) {
            const char *guess = hl_json_suggest(act, act_names + 1);
            char hint[48] = "";
            if (guess) snprintf(hint, sizeof hint, " (did you mean \"%s\"?)", guess);
            hl_json_report(doc, "accessibility.keys", act, HL_JSON_AT_KEY,
                           "unknown key action \"%.20s\"%s; actions: up, down, left, right, "
                           "enter, back, help, volume_up, volume_down, repeat",
                           act, hint);
            continue;
        }
        check_act_keys(doc, list, "accessibility.keys", act, a->keys[k]);
    }
    check_clashes(doc, a);
}

hl_key_act_t hl_access_key_act(const hl_access_cfg_t *a, const char *name)
{
    if (!name || !name[0]) return HL_KEY_NONE;
    for (int k = 1; k < HL_KEY_ACT_COUNT; k++)
        for (int i = 0; i < HL_ACCESS_KEYS_PER_ACT && a->keys[k][i][0]; i++)
            if (strcmp(a->keys[k][i], name) == 0) return (hl_key_act_t)k;
    return HL_KEY_NONE;
}

int hl_access_volume_db(int v)
{
    if (v < 0) v = 0;
    if (v > HL_ACCESS_VOLUME_STEPS) v = HL_ACCESS_VOLUME_STEPS;
    return -3 * (HL_ACCESS_VOLUME_STEPS - v);
}

double hl_access_volume_gain(int v)
{
    double g = 1.0;
    for (int db = hl_access_volume_db(v); db < 0; db += 3)
        g *= 0.70794578438413791; /* 10^(-3/20): -3 dB */
    return g;
}
