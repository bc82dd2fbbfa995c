#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# goldens.sh: regenerates the golden screenshots in tests/golden/ on purpose
# (after a deliberate change to how the screens look). Builds the tests in
# build-goldens/, runs them with HL_UPDATE_GOLDENS=1 (the kiosk's screens;
# the dashboard's pages in headless Chromium; the monthly report's PDF pages),
# and lists what changed: look at every changed picture before committing it.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$top/platform/dev/deps.sh"
hl_install_missing "${hl_test_packages[@]}"
hl_build "$top/build-goldens" RelWithDebInfo test_golden
cmake --build "$top/build-goldens" -j"$(nproc)" --target test_dashboard test_report hailong-server \
  hailong >/dev/null
(cd "$top/build-goldens" && HL_UPDATE_GOLDENS=1 ./test_golden &&
  HL_UPDATE_GOLDENS=1 ./test_dashboard test_each_page_matches_its_golden_screenshot &&
  HL_UPDATE_GOLDENS=1 ./test_report)
git -C "$top" status --short -- tests/golden
