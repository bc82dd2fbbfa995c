#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# test_layout.sh: the rules of HACKING.md's "Layout" that the compiler cannot
# see, checked on every build (CTest test_layout, label unit):
#   - sqlite3.h only in firmware/store/ (and the tests' fault VFSes);
#   - SDL headers only in firmware/ui/hl_render.c and platform/sdl/;
#   - a folder's private header (*_int.h) only from that folder;
#   - no file of firmware/ or platform/ over 1,100 lines (about 1,000);
#   - an SPDX line atop every source file.
# Prints each breach as FILE: what is wrong, and exits 1 when there is one.
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top" || exit 1
fail=0
breach() { echo "$1: $2"; fail=1; }
mapfile -t src < <(git ls-files --cached --others --exclude-standard 'firmware/*.[ch]' 'platform/*.[ch]' 2>/dev/null ||
    find firmware platform -name '*.[ch]')
for f in "${src[@]}"; do
    if grep -q '#include <sqlite3.h>' "$f" && [[ $f != firmware/store/* ]]; then
        breach "$f" "includes sqlite3.h: only firmware/store/ may (HACKING.md, Layout)"
    fi
    if grep -qE '#include <SDL2?/' "$f" && [[ $f != firmware/ui/hl_render.c && $f != platform/sdl/* ]]; then
        breach "$f" "includes SDL: only firmware/ui/hl_render.c and platform/sdl/ may"
    fi
    while read -r inc; do
        own=$(dirname "$f")
        [ -e "$own/$inc" ] || breach "$f" "includes $inc, the private header of another folder"
    done < <(grep -oE '#include "[a-z_]+_int\.h"' "$f" | sed 's/#include "//; s/"$//')
    n=$(wc -l <"$f")
    [ "$n" -le 1100 ] || breach "$f" "$n lines: split it by concern (about 1,000 at most)"
done
mapfile -t all < <(git ls-files --cached --others --exclude-standard '*.c' '*.h' '*.sh' '*.py' 'CMakeLists.txt' '*.cmake' 2>/dev/null)
for f in "${all[@]}"; do
    case $f in tests/fuzz/corpus/* | tests/data/*) continue ;; esac
    head -3 "$f" | grep -q 'SPDX-License-Identifier: GPL-3.0-or-later' ||
        breach "$f" "no SPDX line in its first lines (SPDX-License-Identifier: GPL-3.0-or-later)"
done
if [ "$fail" -ne 0 ]; then exit 1; fi
echo "layout: ${#src[@]} firmware and platform files follow HACKING.md's rules"
