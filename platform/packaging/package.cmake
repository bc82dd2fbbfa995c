# SPDX-License-Identifier: GPL-3.0-or-later
# package.cmake: the Debian package of hailong, built with CPack (included
# by CMakeLists.txt after its install() lines). With -DHL_PACKAGE=ON (which
# also sets the install prefix to /usr and points HL_ASSETS_DIR and
# HL_FONTS_DIR at /usr/share/hailong), `cpack -G DEB` in the build folder
# makes hailong_<version>_<arch>.deb: amd64 natively, arm64 with
# platform/cross/aarch64-linux-gnu.cmake. platform/packaging/build-debs.sh
# builds both; platform/packaging/test-install.sh installs one into a fresh
# Debian 12 root. The same build folder makes the province server's package,
# hailong-server_<version>_<arch>.deb, with a second CPack config
# (platform/packaging/server.cmake: `cpack -G DEB --config
# CPackServerConfig.cmake`); its files are the install component "server",
# which this package leaves out.
#
# Layout (the units, rules and scripts are platform/systemd, platform/udev,
# platform/polkit and platform/packaging/debian):
#   /usr/bin/hailong                            the program
#   /usr/share/hailong/{surveys,scripts,fonts}  bundled surveys, scripts, fonts
#   /etc/hailong/hailong.json                   the config (a conffile)
#   /etc/default/hailong-usb                    HAILONG_USB_OWNER=hailong (a conffile)
#   /lib/systemd/system/hailong.service         the kiosk on tty1
#   /lib/systemd/system/hailong-usb-mount@.service, /usr/lib/hailong/hailong-usb-mount
#   /lib/udev/rules.d/99-hailong-usb.rules      USB sticks
#   /lib/udev/rules.d/60-hailong-backlight.rules  backlight writable by group video
#   /usr/share/polkit-1/rules.d/50-hailong.rules  user hailong may power off and
#                                       stop hailong-usb-mount@*.service (unmount)
#   /usr/share/doc/hailong/                     README, README.usb.md, copyright, changelog
#   /usr/share/man/man1/hailong{,-bench}.1.gz, /usr/share/lintian/overrides/hailong
# Not in the package, made by postinst: the user hailong, /var/lib/hailong
# (so that dpkg never deletes responses), /var/cache/hailong (by systemd).
#
# Depends: dpkg-shlibdeps on the binary (for arm64 against the arm64
# multiarch libraries: DEB_HOST_ARCH is set for cpack, below), plus what is
# loaded at run time or used by the scripts: SDL opens EGL/GLES and mesa's
# drivers with dlopen, which dpkg-shlibdeps cannot see.

# The packaging check runs in every build (tests/test_package.sh): the units
# pass systemd-analyze verify and the kiosk's and the server's units'
# exposures stay low.
add_test(NAME test_package COMMAND bash ${CMAKE_SOURCE_DIR}/tests/test_package.sh
                                   $<TARGET_FILE:hailong> ${CMAKE_SOURCE_DIR}
                                   $<TARGET_FILE:hailong-server>)
set(hl_pkg_test_env "")
if(CMAKE_CROSSCOMPILING AND CMAKE_CROSSCOMPILING_EMULATOR)
  list(JOIN CMAKE_CROSSCOMPILING_EMULATOR " " hl_pkg_emulator)
  set(hl_pkg_test_env "HL_TEST_EMULATOR=${hl_pkg_emulator}") # runs the arm64 hailong
endif()
set_tests_properties(test_package PROPERTIES TIMEOUT 120 LABELS unit
                     SKIP_REGULAR_EXPRESSION "skipped: " ENVIRONMENT "${hl_pkg_test_env}")

if(NOT HL_PACKAGE)
  return()
endif()

if(NOT HL_ASSETS_DIR STREQUAL "${CMAKE_INSTALL_PREFIX}/share/hailong"
   OR NOT HL_FONTS_DIR STREQUAL "${CMAKE_INSTALL_PREFIX}/share/hailong/fonts")
  message(FATAL_ERROR "HL_PACKAGE: HL_ASSETS_DIR (${HL_ASSETS_DIR}) and HL_FONTS_DIR "
                      "(${HL_FONTS_DIR}) must be under ${CMAKE_INSTALL_PREFIX}/share/hailong: "
                      "use a fresh build folder")
endif()
set(HL_PACKAGE_CONTACT "The hailong project <hailong@example.org>"
    CACHE STRING "Maintainer of the .deb: \"Name <address>\"")
set(hl_pkg ${CMAKE_SOURCE_DIR}/platform)
install(FILES ${hl_pkg}/systemd/hailong.service ${hl_pkg}/systemd/hailong-usb-mount@.service
        DESTINATION /lib/systemd/system)
install(PROGRAMS ${hl_pkg}/systemd/hailong-usb-mount DESTINATION lib/hailong)
install(FILES ${hl_pkg}/udev/99-hailong-usb.rules ${hl_pkg}/udev/60-hailong-backlight.rules
        DESTINATION /lib/udev/rules.d)
install(FILES ${hl_pkg}/packaging/hailong.json DESTINATION /etc/hailong)
install(FILES ${hl_pkg}/packaging/hailong-usb.default DESTINATION /etc/default RENAME hailong-usb)
install(FILES ${hl_pkg}/polkit/50-hailong.rules DESTINATION share/polkit-1/rules.d)

# /usr/share/doc/hailong: README, copyright, and a changelog made from the
# version (gzip -n: the same bytes on every build; changelog.gz, not
# changelog.Debian.gz: the version has no Debian revision, a "native" package).
set(hl_doc ${CMAKE_BINARY_DIR}/hl-doc)
# (string(TIMESTAMP) honours SOURCE_DATE_EPOCH for a reproducible date.)
string(TIMESTAMP hl_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
file(WRITE ${hl_doc}/changelog
     "hailong (${PROJECT_VERSION}) stable; urgency=medium\n\n"
     "  * Built from the hailong sources with CPack.\n\n"
     " -- ${HL_PACKAGE_CONTACT}  ${hl_date}\n")
execute_process(COMMAND gzip -9nkf ${hl_doc}/changelog COMMAND_ERROR_IS_FATAL ANY)
foreach(page hailong.1 hailong-bench.1)
  configure_file(${hl_pkg}/packaging/${page} ${hl_doc}/${page} COPYONLY)
  execute_process(COMMAND gzip -9nkf ${hl_doc}/${page} COMMAND_ERROR_IS_FATAL ANY)
  install(FILES ${hl_doc}/${page}.gz DESTINATION share/man/man1)
endforeach()
install(FILES ${hl_pkg}/packaging/lintian-overrides DESTINATION share/lintian/overrides
        RENAME hailong)
install(FILES ${hl_doc}/changelog.gz ${hl_pkg}/packaging/copyright ${CMAKE_SOURCE_DIR}/README.md
        DESTINATION share/doc/hailong)
install(FILES ${hl_pkg}/udev/README.md DESTINATION share/doc/hailong RENAME README.usb.md)

# The server's package: its install() lines (component "server") and its
# CPack config (hl_server_cpack, called below).
include(${hl_pkg}/packaging/server.cmake)

# ---- CPack ---------------------------------------------------------------------
# cpack installs without building every test program first: build the
# hailong, hailong-bench and hailong-server targets, then run cpack
# (build-debs.sh does).
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(hl_deb_arch arm64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(hl_deb_arch amd64)
else()
  message(FATAL_ERROR "HL_PACKAGE: no Debian architecture known for ${CMAKE_SYSTEM_PROCESSOR}")
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME hailong)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${HL_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "survey kiosk firmware for public service reception halls")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
       "hailong runs a touch-screen satisfaction survey kiosk full screen on\n"
       "the console (SDL2 through KMS, no X or Wayland) as the system user\n"
       "hailong, started by systemd on tty1. Every answer is committed to a\n"
       "local SQLite database in /var/lib/hailong before the kiosk moves on;\n"
       "results are exported to USB sticks (mounted by the included udev rule\n"
       "and service) or pushed to a server.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${hl_deb_arch})
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# adduser, systemd, udev, mount: the maintainer scripts, the units and rules,
# the mount helper (init-system-helpers' deb-systemd-helper and util-linux's
# setterm, blkid, findmnt are essential). EGL/GLES and mesa's DRI drivers
# (vc4/v3d on a Pi): loaded by SDL's kmsdrm driver with dlopen. libcurl4: the
# network sync, loaded with dlopen when a sync starts (hl_sync.c).
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "adduser, systemd, udev, mount, libegl1, libgles2, libegl-mesa0, libgl1-mesa-dri, libcurl4")
# polkitd: powering off from the technician menu and unmounting a stick after
# an export (50-hailong.rules).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "polkitd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "usbguard")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${hl_pkg}/packaging/debian/conffiles ${hl_pkg}/packaging/debian/postinst
    ${hl_pkg}/packaging/debian/prerm ${hl_pkg}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
# Absolute destinations (/etc, /lib) go into the package, not onto this machine.
set(CPACK_SET_DESTDIR ON)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
    GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_OUTPUT_FILE_PREFIX ${CMAKE_BINARY_DIR}/dist)
# dpkg-shlibdeps reads the library search path and the shlibs/symbols files
# of the package's architecture (the :arm64 packages for a cross build).
set(hl_cpack_config ${CMAKE_BINARY_DIR}/HailongCPackConfig.cmake)
file(WRITE ${hl_cpack_config} "set(ENV{DEB_HOST_ARCH} \"${hl_deb_arch}\")\n")
set(CPACK_PROJECT_CONFIG_FILE ${hl_cpack_config})
# CPackServerConfig.cmake: these settings with the server's own on top.
hl_server_cpack()
# The kiosk's package: every install() line but the server's.
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};${PROJECT_NAME};Unspecified;/")
include(CPack)
