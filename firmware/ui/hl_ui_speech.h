/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_ui_speech.h: what speech says about the citizen screens (issue 17):
 * the screen as a whole (the question with its position, hint and options,
 * which is chosen, what was typed; a note; "still there?" with the seconds
 * left; thanks with the follow-up code spelled out), one target alone (the
 * focused one, or one tapped while speech is on), and how to use the
 * tactile keys. Plain text in the response's language, Vietnamese with
 * full diacritics; numbers stay digits (the speech engine, firmware/speech,
 * reads them as words), digits typed are spaced so that each is read on its
 * own. No allocation: the caller's buffer, cut at a character boundary when
 * it is too small. The words are this file's own (hl_ui_speech.c), the
 * screens' (hl_strings.h) and the survey's.
 *
 * Recorded voices: a survey text with a recording in lang (hl_survey_audio:
 * a recorded human voice, the best source) is written as a recording
 * reference that no survey text can hold (they refuse control characters):
 *
 *     HL_SPEECH_REC_OPEN PATH HL_SPEECH_REC_WORDS WORDS HL_SPEECH_REC_CLOSE
 *
 * PATH the WAV file to play, WORDS the text as it would have been said,
 * synthesised in its place when the recording cannot be played. Everything
 * else (the question's position, an option's number, "đang chọn", built-in
 * words, digits) is words to synthesise, as is every text without a
 * recording in lang. The kiosk's voice (firmware/app/hl_voice.h) plays the
 * pieces in order as one utterance. A text cut short may end inside a
 * reference (without its CLOSE).
 */
#ifndef HL_UI_SPEECH_H
#define HL_UI_SPEECH_H

#include "hl_ui.h"

/* Bytes that hold any screen's text (a 500-character question and its
 * options, a note's 600-character body, in UTF-8). */
#define HL_UI_SPEECH_MAX 8192

#define HL_SPEECH_REC_OPEN  '\x01' /* a recording: its WAV file's path follows */
#define HL_SPEECH_REC_WORDS '\x1F' /* then its text, said when the file cannot be played */
#define HL_SPEECH_REC_CLOSE '\x02' /* the end of the recording's reference */

/* The current screen of f as the kiosk shows it (ui: out of service, the
 * keyboard's state), in lang. "Câu 2 trên 7. Ông/Bà đến đây để làm gì?
 * Lựa chọn 1 trên 4: Đất đai. Lựa chọn 2 trên 4: Hộ tịch, đang chọn. ..."
 * "still there?" reads the flow's clock for the seconds left. HL_OK;
 * HL_ERR_FULL when out (size bytes) was too small: it holds what fitted. */
int hl_ui_speech_screen(const hl_ui_t *ui, const hl_flow_t *f, hl_lang_t lang, char *out,
                        size_t size);

/* The target id of the current screen alone: an answer with its number, of
 * how many, and whether it is chosen ("Lựa chọn 2 trên 3: Bình thường, đang
 * chọn."); a digit; a key of the keyboard by its letter or name ("dấu
 * sắc", "a mũ", "dấu chấm hỏi"); back, next (and whether it works yet),
 * skip, continue; a language by its name; Listen, Aa and the volume with
 * their state ("Tăng âm lượng, mức 6 trên 8."). HL_ERR_USAGE (out "") when
 * the screen has no such target; HL_ERR_FULL as above. */
int hl_ui_speech_target(const hl_ui_t *ui, const hl_flow_t *f, const char *id, hl_lang_t lang,
                        char *out, size_t size);

/* hl_ui_speech_target for the focused target of scene (the screen built
 * last): what the kiosk says after each hl_ui_focus_move. HL_ERR_STATE (out
 * "") when nothing on scene is focused. */
int hl_ui_speech_focus(const hl_ui_t *ui, const hl_flow_t *f, const hl_scene_t *scene,
                       hl_lang_t lang, char *out, size_t size);

/* How to use the tactile keys (the help key): up and down move, the round
 * key chooses, back goes back, plus and minus set the volume, help says
 * this again; a number pad's 8, 2, 4, 6 and 5. HL_OK or HL_ERR_FULL. */
int hl_ui_speech_help(hl_lang_t lang, char *out, size_t size);

#endif
