/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_fuzz.h: the one entry point every fuzz target in tests/fuzz/ defines.
 *
 * Each fuzz_<target>.c defines LLVMFuzzerTestOneInput. With clang and
 * -fsanitize=fuzzer (HL_FUZZ=ON, tests/fuzz/run.sh) libFuzzer calls it; in the
 * normal builds replay_main.c calls it once per corpus file (the
 * fuzz_replay_<target> CTests), so the corpora are replayed under ASan+UBSan
 * without clang.
 */
#ifndef HL_FUZZ_H
#define HL_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Runs the code under test on one input; always returns 0 (libFuzzer's rule). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
