# SPDX-License-Identifier: GPL-3.0-or-later
# aarch64-linux-gnu.cmake: CMake toolchain file for the Raspberry Pi (64-bit
# Raspberry Pi OS / Debian 12 arm64), built on a Debian 12 x86-64 machine with
# Debian's cross compiler and the arm64 multiarch -dev packages
# (hl_arm64_setup in platform/dev/deps.sh installs them):
#
#   cmake -S . -B build-arm64 \
#         -DCMAKE_TOOLCHAIN_FILE=platform/cross/aarch64-linux-gnu.cmake
#
# Libraries and headers come only from the arm64 multiarch folders
# (/usr/lib/aarch64-linux-gnu, /usr/include/aarch64-linux-gnu): pkg-config
# reads only the arm64 .pc files, and find_* never falls back to the host's
# x86-64 libraries. CTest runs the test programs through qemu user mode
# (qemu-aarch64-static), which needs no binfmt_misc registration; the tests
# that exec build-arm64/hailong themselves get HL_TEST_EMULATOR (CMakeLists).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)

# Multiarch: the arm64 packages live in the host's own /usr (their libraries
# in /usr/lib/aarch64-linux-gnu, which CMAKE_LIBRARY_ARCHITECTURE selects),
# the cross libc in /usr/aarch64-linux-gnu. Programs (pkg-config, python3)
# are the host's; libraries, headers and packages only the target's, and the
# host's x86-64 multiarch folders are ignored outright so that nothing from
# them can be picked even by a fallback search.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_IGNORE_PATH /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/include/x86_64-linux-gnu
    /usr/lib/x86_64-linux-gnu/cmake /usr/lib/x86_64-linux-gnu/pkgconfig)

# pkg-config: the arm64 .pc files and the architecture-independent ones,
# never /usr/lib/x86_64-linux-gnu/pkgconfig. PKG_CONFIG_LIBDIR replaces the
# default search path; the sysroot is / (multiarch), so paths are used as is.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")

# CTest (and add_test COMMANDs naming a target) run arm64 programs this way.
find_program(HL_QEMU_AARCH64 qemu-aarch64-static)
if(HL_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${HL_QEMU_AARCH64})
else()
  set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static)
endif()
