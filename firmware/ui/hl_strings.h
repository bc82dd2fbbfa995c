/*
 * hl_strings.h: the kiosk's built-in interface words, in every language the
 * firmware knows (hl_lang.h), Vietnamese first.
 *
 * Survey files bring their own questions and answers; everything else a
 * citizen reads on a screen (back, next, yes/no, "still there?", the keypad's
 * delete key, the out-of-service notice, progress and countdown texts) comes
 * from this table, so that a survey never has to translate it. Texts with a
 * number are printf formats taking ints, formatted with hl_str_format.
 * Vietnamese is written with full diacritics, precomposed (NFC).
 */
#ifndef HL_STRINGS_H
#define HL_STRINGS_H

#include "hl_lang.h"

#include <stddef.h>

typedef enum hl_str_id {
    HL_STR_BACK = 0,       /* "Quay lại" / "Back" */
    HL_STR_NEXT,           /* "Tiếp tục" / "Next" */
    HL_STR_SKIP,           /* "Bỏ qua" / "Skip" */
    HL_STR_YES,            /* "Có" / "Yes" */
    HL_STR_NO,             /* "Không" / "No" */
    HL_STR_STILL_THERE,    /* "Bạn vẫn đang trả lời chứ?" / "Are you still there?" */
    HL_STR_COUNTDOWN,      /* %d seconds left before the survey ends (plural) */
    HL_STR_COUNTDOWN_ONE,  /* the same with one second (singular where the language has one) */
    HL_STR_CONTINUE,       /* "Tiếp tục" / "Continue" */
    HL_STR_CHOOSE_UP_TO,   /* "Chọn tối đa %d" / "Choose up to %d" */
    HL_STR_CHOOSE_ANY,     /* multi without a limit: "Chọn một hoặc nhiều ý" */
    HL_STR_OPTIONAL,       /* "Không bắt buộc" / "Optional" */
    HL_STR_DIGITS_RANGE,   /* number: "Từ %d đến %d chữ số" / "%d to %d digits" */
    HL_STR_DIGITS_EXACT,   /* number with min == max: "%d chữ số" / "%d digits" */
    HL_STR_DELETE,         /* keypad: "Xoá" / "Delete" */
    HL_STR_PROGRESS,       /* "Câu %d/%d" / "Question %d of %d" */
    HL_STR_NPS_LOW,        /* nps 0 end: "Không có khả năng" / "Not likely" */
    HL_STR_NPS_HIGH,       /* nps 10 end: "Rất có khả năng" / "Very likely" */
    HL_STR_OUT_OF_SERVICE, /* calm notice shown when the store fails */
    HL_STR_EXPORT_WRITING, /* "Đang ghi kết quả ra USB" / "Writing results to the USB stick" */
    HL_STR_EXPORT_KEEP,    /* "Xin đừng rút USB" / "Please do not remove the stick" */
    HL_STR_EXPORT_COUNT,   /* "%d phản hồi" / "%d responses" */
    HL_STR_EXPORT_DONE,    /* "Có thể rút USB" / "Safe to remove" */
    HL_STR_EXPORT_NOTHING, /* no new responses since the last export */
    HL_STR_EXPORT_FULL,    /* the stick is full */
    HL_STR_EXPORT_RDONLY,  /* the stick is read-only */
    HL_STR_EXPORT_IO,      /* could not write (stick pulled or faulty) */
    HL_STR_EXPORT_FAILED,  /* any other failure */
    HL_STR_EXPORT_RETRY, /* "Rút USB ra và thử USB khác" / "Remove it and try another stick" */
    HL_STR_COUNT
} hl_str_id_t;

/* The word in lang (never NULL; English when lang is unknown). */
const char *hl_str(hl_lang_t lang, hl_str_id_t id);

/* The language's own name for its button: "Tiếng Việt", "English". Never a
 * flag: flags are countries, not languages. */
const char *hl_str_lang_name(hl_lang_t lang);

/* Formats a text with up to two int arguments (a, b; unused ones ignored)
 * into buf; returns buf. Countdowns pick the singular form for 1. */
const char *hl_str_format(char *buf, size_t n, hl_lang_t lang, hl_str_id_t id, int a, int b);

#endif
