#!/usr/bin/env bash
# kiosk.sh: the README's "run" command. Installs what is missing, builds the
# firmware (release) into build/, and runs the kiosk. Until the kiosk screen
# lands it plays the bundled demo script through the default survey headless
# and prints the stored response. Extra arguments go to `hailong run`
# (e.g. --data-dir DIR, --config FILE).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$top/platform/dev/deps.sh"
hl_install_missing "${hl_packages[@]}"
cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$top/build" --target hailong -j"$(nproc)" >/dev/null
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--headless --script "$top/assets/scripts/demo.txt")
exec "$top/build/hailong" run "${args[@]}"
