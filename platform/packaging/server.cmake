# SPDX-License-Identifier: GPL-3.0-or-later
# server.cmake: the Debian package of hailong-server, the province's server
# (firmware/server), built with CPack from the same -DHL_PACKAGE=ON build
# folder as the kiosk's package but with a second CPack config of its own:
# `cpack -G DEB --config CPackServerConfig.cmake` makes
# hailong-server_<version>_<arch>.deb (platform/packaging/build-debs.sh runs
# both). Included by package.cmake; its install() lines are the component
# "server" (as is `install(TARGETS hailong-server ...)` in CMakeLists.txt),
# which the kiosk's package leaves out and this one holds alone.
#
# Layout (the unit is platform/systemd/hailong-server.service, the rest
# platform/packaging/server/ and hailong-server.8):
#   /usr/bin/hailong-server                       the program
#   /usr/share/hailong-server/sql/*.sql           the schema's migrations
#   /lib/systemd/system/hailong-server.service    the service, not enabled by the package
#   /etc/default/hailong-server                   its settings (a conffile, 0600)
#   /etc/hailong-server/tls/                      for the certificate and key
#                                       (root:hailong-server 0750 by postinst)
#   /usr/share/man/man8/hailong-server.8.gz, /usr/share/lintian/overrides/hailong-server
#   /usr/share/doc/hailong-server/                README.md (the README's section
#                                       "The province's server"), copyright, changelog
# Not in the package, made by postinst: the user hailong-server. Nothing
# else: the database (PostgreSQL, maybe on another machine) is the only state.
#
# Depends: dpkg-shlibdeps on the binary (libpq5, libmicrohttpd12,
# libjansson4, libssl3, libc6: no SDL, no SQLite, no libcurl), plus adduser
# for postinst. Recommends postgresql-15: the database may be elsewhere.

set(hl_srv ${hl_pkg}/packaging/server)
install(FILES ${hl_pkg}/systemd/hailong-server.service DESTINATION /lib/systemd/system
        COMPONENT server)
install(FILES ${hl_srv}/hailong-server.default DESTINATION /etc/default RENAME hailong-server
        PERMISSIONS OWNER_READ OWNER_WRITE COMPONENT server)
install(FILES ${hl_srv}/lintian-overrides DESTINATION share/lintian/overrides
        RENAME hailong-server COMPONENT server)
install(DIRECTORY DESTINATION /etc/hailong-server/tls COMPONENT server)

# /usr/share/doc/hailong-server and the manual page, as for the kiosk
# (gzip -n: the same bytes on every build).
set(hl_srv_doc ${CMAKE_BINARY_DIR}/hl-doc-server)
file(WRITE ${hl_srv_doc}/changelog
     "hailong-server (${PROJECT_VERSION}) stable; urgency=medium\n\n"
     "  * Built from the hailong sources with CPack.\n\n"
     " -- ${HL_PACKAGE_CONTACT}  ${hl_date}\n")
execute_process(COMMAND gzip -9nkf ${hl_srv_doc}/changelog COMMAND_ERROR_IS_FATAL ANY)
configure_file(${hl_pkg}/packaging/hailong-server.8 ${hl_srv_doc}/hailong-server.8 COPYONLY)
execute_process(COMMAND gzip -9nkf ${hl_srv_doc}/hailong-server.8 COMMAND_ERROR_IS_FATAL ANY)
install(FILES ${hl_srv_doc}/hailong-server.8.gz DESTINATION share/man/man8 COMPONENT server)
# The README's section on the server is the package's README.md, cut out at
# configure time (configure runs again when the README changes).
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/README.md)
file(READ ${CMAKE_SOURCE_DIR}/README.md hl_readme)
string(FIND "${hl_readme}" "\n## The province's server\n" hl_at)
if(hl_at LESS 0)
  message(FATAL_ERROR "README.md has no section \"## The province's server\" for the "
                      "hailong-server package's README")
endif()
math(EXPR hl_at "${hl_at} + 1")
string(SUBSTRING "${hl_readme}" ${hl_at} -1 hl_section)
string(FIND "${hl_section}" "\n## " hl_end)
string(SUBSTRING "${hl_section}" 0 ${hl_end} hl_section) # -1: to the end
string(REGEX REPLACE "^## [^\n]*\n" "" hl_section "${hl_section}")
file(WRITE ${hl_srv_doc}/README.md
     "# hailong-server: the province's server\n\n"
     "From the hailong README (its links are relative to the sources); the manual page\n"
     "hailong-server(8) summarises the commands and settings.\n\n"
     "${hl_section}\n")
install(FILES ${hl_srv_doc}/README.md ${hl_srv_doc}/changelog.gz ${hl_srv}/copyright
        DESTINATION share/doc/hailong-server COMPONENT server)
# The administrator's guide, once it is in the sources.
if(EXISTS ${CMAKE_SOURCE_DIR}/docs/province-server.md)
  install(FILES ${CMAKE_SOURCE_DIR}/docs/province-server.md ${CMAKE_SOURCE_DIR}/docs/dashboard.md
          ${CMAKE_SOURCE_DIR}/docs/reports.md
          DESTINATION share/doc/hailong-server COMPONENT server)
endif()

# The second CPack config: the kiosk's settings that both share (version,
# maintainer, architecture, file names, strip, prefix, output folder, the
# DEB_HOST_ARCH for dpkg-shlibdeps) with the server's own on top. Called by
# package.cmake just before its include(CPack); the function's scope keeps
# these values, and CPack's own, out of the kiosk's config.
function(hl_server_cpack)
  set(CPACK_PACKAGE_NAME hailong-server)
  set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "province server for hailong survey kiosks (PostgreSQL)")
  string(CONCAT CPACK_PACKAGE_DESCRIPTION
         "hailong-server receives the pushes of hailong survey kiosks over HTTPS\n"
         "and stores every response exactly once in a PostgreSQL 15 database,\n"
         "with the kiosks' chain heads, status and alerts; it also registers\n"
         "kiosks and their tokens, sends them surveys and officers, and shows\n"
         "the fleet's health. It runs as the system user hailong-server under\n"
         "a sandboxed systemd unit, behind nginx or with its own TLS.")
  set(CPACK_DEBIAN_PACKAGE_SECTION net)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
  # The database may run on another machine (HAILONG_SERVER_DB).
  set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "postgresql-15")
  # TLS in front of the loopback port, or certificates for the server itself.
  set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nginx, certbot")
  set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${hl_srv}/conffiles ${hl_srv}/postinst
      ${hl_srv}/prerm ${hl_srv}/postrm)
  set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};${PROJECT_NAME};server;/")
  set(CPACK_OUTPUT_CONFIG_FILE ${CMAKE_BINARY_DIR}/CPackServerConfig.cmake)
  set(CPACK_SOURCE_OUTPUT_CONFIG_FILE ${CMAKE_BINARY_DIR}/CPackServerSourceConfig.cmake)
  include(CPack)
endfunction()
