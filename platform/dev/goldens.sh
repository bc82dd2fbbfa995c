#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# goldens.sh: regenerates the golden screenshots in tests/golden/ on purpose
# (after a deliberate change to how the screens look). Builds the test in
# build-goldens/, runs it with HL_UPDATE_GOLDENS=1, and lists what changed:
# look at every changed picture before committing it.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$top/platform/dev/deps.sh"
hl_build "$top/build-goldens" RelWithDebInfo test_golden
(cd "$top/build-goldens" && HL_UPDATE_GOLDENS=1 ./test_golden)
git -C "$top" status --short -- tests/golden
