/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_limits.h: every fixed capacity of the survey engine in one place.
 *
 * The kiosk allocates at start-up (survey, config, store) and per response;
 * these numbers bound what a survey or config may ask for, so that a
 * malformed or hostile file cannot make the firmware allocate without limit.
 * The loaders reject files that go beyond them with a clear message.
 */
#ifndef HL_LIMITS_H
#define HL_LIMITS_H

#define HL_MAX_QUESTIONS     40            /* questions in one survey */
#define HL_MAX_OPTIONS       20            /* options in one question */
#define HL_MAX_TEXT_CHARS    500           /* characters (code points) in one text */
#define HL_SURVEY_ID_MAX     40            /* survey id and kiosk id: [a-z0-9_-]{1,40} */
#define HL_ITEM_ID_MAX       32            /* question and option ids: [a-z0-9_]{1,32} */
#define HL_NUMBER_MAX_DIGITS 18            /* a number answer fits a signed 64-bit score */
#define HL_MAX_FILE_BYTES    (1024 * 1024) /* survey or config file size */
#define HL_TEXT_ANSWER_MAX   2000          /* code points of a text answer, at most */
#define HL_TEXT_ANSWER_BYTES 6000          /* its bytes: 3 a code point, what Vietnamese needs */
#define HL_VALUE_MAX         (HL_TEXT_ANSWER_BYTES + 1) /* stored value, a text answer the largest */
#define HL_NOTE_BODY_MAX     600 /* characters of a note's body, per language */
#define HL_CONSENT_MAX_CHARS                                                                       \
    300                                   /* characters of a survey's consent, per language: it    \
                                             fits beside the keypad at 800x480 */
#define HL_NOTE_IMAGE_BYTES (1024 * 1024) /* a note's picture file (PNG or JPEG) */
#define HL_NOTE_IMAGE_SIDE  2048          /* its width and height in pixels, at most */
#define HL_NOTE_IMAGE_PATH  255           /* bytes of its path as written in the survey */
#define HL_UUID_LEN         36            /* 8-4-4-4-12 hex digits */

#endif
