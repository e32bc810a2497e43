# install.cmake — what `cmake --install` lays out under the prefix, and the
# Debian package CPack makes of it (`cpack -G DEB` in a build configured with
# -DCMAKE_INSTALL_PREFIX=/usr -DAS_SOURCE_SIGNATURES=OFF, as scripts/test.sh does).
set(AS_DATADIR ${CMAKE_INSTALL_DATADIR}/aisensor)

install(TARGETS aisensor RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The rule files only: data/ holds the inputs they are generated from.
install(DIRECTORY signatures/ DESTINATION ${AS_DATADIR}/signatures
        FILES_MATCHING PATTERN "*.yaml" PATTERN data EXCLUDE)
# The JSON Schemas of the outputs, once schemas/ holds them.
install(DIRECTORY schemas/ DESTINATION ${AS_DATADIR}/schemas OPTIONAL FILES_MATCHING PATTERN "*.json")
# Beside the signatures, not under share/doc: container images leave
# /usr/share/doc out (dpkg path-exclude), and `aisensor check -c` reads it.
install(FILES aisensor.example.yaml DESTINATION ${AS_DATADIR})
install(FILES deploy/debian/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The unit runs the installed binary: deploy/aisensor.service names the
# default prefix's, the installed copy this prefix's.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS deploy/aisensor.service)
file(READ deploy/aisensor.service unit)
string(FIND "${unit}" "/usr/local/bin/aisensor" at)
if(at EQUAL -1)
  message(FATAL_ERROR "deploy/aisensor.service does not name /usr/local/bin/aisensor: update deploy/install.cmake")
endif()
string(REPLACE "/usr/local/bin/aisensor" "${CMAKE_INSTALL_FULL_BINDIR}/aisensor" unit "${unit}")
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/aisensor.service "${unit}")
# systemd reads lib/systemd/system under /usr and /usr/local alike.
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/aisensor.service DESTINATION lib/systemd/system)

# logrotate reads /etc/logrotate.d: GNUInstallDirs puts a /usr prefix's
# sysconfdir there, absolute; another prefix keeps it inside, relative (so
# `cmake --install --prefix DIR` moves it too).
if(CMAKE_INSTALL_FULL_SYSCONFDIR STREQUAL "${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_SYSCONFDIR}")
  set(AS_SYSCONFDIR ${CMAKE_INSTALL_SYSCONFDIR})
else()
  set(AS_SYSCONFDIR ${CMAKE_INSTALL_FULL_SYSCONFDIR})
endif()
install(FILES deploy/aisensor.logrotate DESTINATION ${AS_SYSCONFDIR}/logrotate.d RENAME aisensor)

# The man page, compressed as Debian ships them (-n: no name or time in the
# header, so the package is reproducible).
add_custom_command(OUTPUT aisensor.1.gz
  COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_CURRENT_SOURCE_DIR}/docs/aisensor.1 aisensor.1
  COMMAND gzip -9nf aisensor.1
  DEPENDS docs/aisensor.1 VERBATIM)
add_custom_target(manpage ALL DEPENDS aisensor.1.gz)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/aisensor.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# ---- the .deb ----
set(AS_PACKAGE_MAINTAINER "aisensor maintainers <maintainers@users.noreply.r-seed-ca79de27.example>"
    CACHE STRING "Maintainer field of the .deb")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME aisensor)
set(CPACK_PACKAGE_CONTACT "${AS_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "passive network sensor that finds the AI agents on a network")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "aisensor reads captures or live interfaces and finds the AI agents on a\n"
  "network: SDK scripts calling LLM APIs, coding assistants, chat apps,\n"
  "self-hosted model servers, MCP clients and servers, A2A agents, apps holding\n"
  "OAuth consent. For each it tells where it runs, what it connects to and what\n"
  "it can do, as a JSON event feed, an agent inventory, a Redis registry and a\n"
  "table. Credentials seen on the wire become keyed-hash fingerprints.")
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_CURRENT_SOURCE_DIR}/LICENSE)
# The package puts its files where this build's binary and unit look.
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)     # Depends from the libraries linked (dpkg-shlibdeps)
set(CPACK_DEBIAN_PACKAGE_DEPENDS adduser)  # the postinst makes the aisensor user
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS logrotate)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS redis-server)
configure_file(deploy/debian/conffiles.in debian/conffiles @ONLY)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_SOURCE_DIR}/deploy/debian/postinst ${CMAKE_CURRENT_SOURCE_DIR}/deploy/debian/prerm
    ${CMAKE_CURRENT_SOURCE_DIR}/deploy/debian/postrm ${CMAKE_CURRENT_BINARY_DIR}/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
