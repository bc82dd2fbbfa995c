#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# kiosk.sh: the README's "run" command. Installs what is missing, builds the
# firmware (release) into build/, and runs the kiosk with the default survey:
# in a desktop window when there is a display (X11 or Wayland), fullscreen
# through KMS on a console with a GPU (/dev/dri), and otherwise (a server with
# no screen at all) it plays the bundled demo script headless, saving a
# screenshot of every step into build/demo-shots/ and printing what it stored.
# Without arguments it is a demo: its responses go to a new temporary folder
# (printed), never into the kiosk's real data folder (/var/lib/hailong as root).
# Extra arguments go to `hailong run` instead (e.g. --data-dir DIR, --size WxH).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$top/platform/dev/deps.sh"
hl_build "$top/build" Release hailong
if [ $# -gt 0 ]; then
  exec "$top/build/hailong" run "$@"
fi
demo=$(mktemp -d "${TMPDIR:-/tmp}/hailong-demo.XXXXXX")
echo "hailong: demo data folder (responses, database): $demo (delete it when done)" >&2
# Its own empty config too: never an installed kiosk's (its id, sync server
# and token, PIN), so demo answers cannot reach the province.
printf '{}\n' >"$demo/demo-config.json"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || [ -e /dev/dri/card0 ]; then
  echo "hailong: starting the kiosk (desktop: Ctrl+Alt+Q quits, F11 fullscreen)" >&2
  exec "$top/build/hailong" run --data-dir "$demo" --config "$demo/demo-config.json"
fi
echo "hailong: no display here: playing the demo headless; screenshots in build/demo-shots/" >&2
mkdir -p "$top/build/demo-shots"
exec "$top/build/hailong" run --data-dir "$demo" --config "$demo/demo-config.json" --headless \
  --script "$top/assets/scripts/demo-screen.txt" --screenshots "$top/build/demo-shots"
