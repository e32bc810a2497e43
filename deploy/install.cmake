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
