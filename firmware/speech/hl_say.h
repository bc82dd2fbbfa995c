/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_say.h: what to say: a screen's text turned into text that espeak-ng
 * reads well, in Vietnamese and English. Pure functions into caller
 * buffers; no allocation, no state, no espeak.
 *
 * espeak-ng's Vietnamese reads numbers badly (15 "mười năm", 21 "hai mươi
 * một", 1000 "một ngàn không trăm", a phone number as hundreds) and spells
 * out symbols and emoji ("dấu thăng", "mặt cười"), so every number is
 * written out as words here and symbols are dropped before synthesis.
 *
 * Vietnamese numbers, the northern standard of official documents (the
 * espeak "vi" voice is northern): 10 "mười", 20 "hai mươi"; after "mươi" 1
 * is "mốt", 4 "tư", 5 "lăm" (21 "hai mươi mốt", 24 "hai mươi tư", 25 "hai
 * mươi lăm"); after "mười" only 5 changes (11 "mười một", 14 "mười bốn", 15
 * "mười lăm"); a zero tens digit is "linh" (105 "một trăm linh năm", not
 * the southern "lẻ"); 1000 "nghìn" (not "ngàn"), 10^6 "triệu", 10^9 "tỷ",
 * 10^12 "nghìn tỷ", 10^15 "triệu tỷ", 10^18 "tỷ tỷ". A group after the
 * first is read whole ("một nghìn không trăm linh năm" for 1005); a group
 * of zeros is skipped ("một triệu không trăm linh năm" for 1000005).
 * Negative: "âm". English: British, as the espeak "en" voice: "twenty-one",
 * "one hundred and five", "one thousand and five", "minus".
 */
#ifndef HL_SAY_H
#define HL_SAY_H

#include "hl_lang.h"

#include <stddef.h>
#include <stdint.h>

#define HL_SAY_NUMBER_MAX 512 /* bytes hl_say_number needs for any int64, NUL included */
/* Bytes hl_say_normalize needs at most for a text of n bytes, NUL included
 * (the worst case is a run of "%": 1 byte, " phần trăm" 11). */
#define HL_SAY_SIZE(n) ((size_t)(n)*16 + 64)

/* Writes v as words in lang ("hai mươi mốt", "twenty-one") into out (size
 * bytes, NUL-terminated). HL_OK; HL_ERR_FULL when it does not fit;
 * HL_ERR_USAGE for an unknown lang. On error out holds "" (size > 0). */
int hl_say_number(hl_lang_t lang, int64_t v, char *out, size_t size);

/* Reads a string of digits one by one ("0912345678": "không chín một hai
 * ba bốn năm sáu bảy tám"; "zero nine one ..."): for the keypad and phone
 * numbers. A space, '-' or '.' between digits is a pause (a comma); a '+'
 * first is "cộng"/"plus". Anything else is HL_ERR_INVALID; HL_ERR_FULL,
 * HL_ERR_USAGE and out as hl_say_number. */
int hl_say_digits(hl_lang_t lang, const char *digits, char *out, size_t size);

/* Turns a UTF-8 text into what espeak-ng should read, in lang:
 *   - numbers as words (hl_say_number); thousands separators "." in
 *     Vietnamese ("1.000.000"), "," in English; decimals "2,5" "hai phẩy
 *     năm", "2.5" "two point five"; a run that starts with 0 or has more
 *     than 9 digits, and "+" before digits, is read digit by digit
 *     (hl_say_digits: phone numbers, codes), its groups ("0912 345 678")
 *     with pauses;
 *   - "2/5" "hai trên năm", "two of five" (question 2 of 5); a date
 *     D/M/YYYY "ngày một tháng bảy năm hai nghìn ..." (April "tháng tư"; no
 *     second "ngày" after one), "the first of July, two thousand and ...";
 *   - a time H:MM (and "7h30" in Vietnamese) "bảy giờ ba mươi", "bảy giờ
 *     năm phút", "bảy giờ"; "seven thirty", "seven oh five", "seven
 *     o'clock", "seventeen hundred" (17:00), "midnight" (0:00, 24:00); a
 *     dash between two numbers or times "đến", "to" ("7:30–11:30" "bảy
 *     giờ ba mươi đến mười một giờ ba mươi");
 *   - English ordinals ("2nd") stay as written (espeak reads them);
 *   - "%" "phần trăm"/"percent", "&" "và"/"and";
 *   - "/" between two forms of address is "hoặc" ("Ông/Bà" "Ông hoặc
 *     Bà", "anh/chị"), between other words a space; a dash between words
 *     and a line break are pauses (a comma);
 *   - Vietnamese words espeak-ng reads wrongly (found by running the
 *     bundled surveys' and the screens' words through its phonemes,
 *     tests/test_tts.c): the one-stop shop's abbreviations written out
 *     ("UBND" "Ủy ban nhân dân", "CCCD" "căn cước công dân": espeak reads
 *     the first as an English word); a word of 2 to 6 capital consonants
 *     ("GX", "HĐ") spelled with the letters' Vietnamese names; a letter
 *     alone whose espeak name is wrong named ("x" "ích xì", not "ích"; "g"
 *     "giê"; "s" "ét xì"; "d" "dê", not "đê"; "f" "ép phờ"; "z" "dét"; "y"
 *     "i dài", unless a word follows: "Y tế"), so that a code spelled
 *     "G, X, 2" is heard right;
 *   - in English, letters with marks made plain ("Tiếng Việt" "Tieng
 *     Viet"): espeak's English voice spells them out ("letter 1EBF");
 *   - letters (Latin, Vietnamese, combining marks), spaces and the
 *     punctuation espeak uses for pauses (. , ; : ! ? ( ) ' " ...) are
 *     kept, curly quotes and the ellipsis made ASCII; everything else that
 *     espeak would spell out (emoji, symbols, arrows, other scripts,
 *     control characters) is dropped; runs of spaces become one.
 * HL_OK; HL_ERR_INVALID when text is not UTF-8; HL_ERR_FULL when the result
 * does not fit (HL_SAY_SIZE(strlen(text)) bytes always do);
 * HL_ERR_USAGE for an unknown lang. On error out holds "" (size > 0). */
int hl_say_normalize(hl_lang_t lang, const char *text, char *out, size_t size);

/* Lower case of a Latin or Vietnamese letter's code point (others as they
 * are): how hl_say compares words, and how tests compare espeak's. */
uint32_t hl_say_lower(uint32_t cp);

#endif
