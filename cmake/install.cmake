# `cmake --install` and the Debian package (`cpack -G DEB`):
#   bin/discosim
#   share/man/man1/discosim.1            (with help2man; cmake says when it is missing)
#   share/doc/discosim/README.md, docs/, scenarios/, discosim-help.txt
#   share/discosim/ebin/*.beam           (real mode's: CETS's and ours; real/CMakeLists.txt)
#   share/doc/discosim/cets/LICENSE      (CETS's, whose code is in those beams)
# The docs and scenarios keep the repository's layout, so the README's links
# and the scenarios' schema modeline (../docs/scenario.schema.json) still work.
include(GNUInstallDirs)

install(TARGETS discosim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The help text and the man page, written from the built binary.
find_program(DISCOSIM_HELP2MAN help2man)
set(_help_txt ${CMAKE_BINARY_DIR}/discosim-help.txt)
set(_man ${CMAKE_BINARY_DIR}/discosim.1)
set(_outputs ${_help_txt})
set(_man_args)
if(DISCOSIM_HELP2MAN)
  list(APPEND _outputs ${_man})
  set(_man_args -DHELP2MAN=${DISCOSIM_HELP2MAN} -DMAN=${_man})
else()
  message(STATUS "help2man not found: no man page (the help text is installed); "
                 "apt-get install help2man")
endif()
add_custom_command(
  OUTPUT ${_outputs}
  COMMAND ${CMAKE_COMMAND} -DDISCOSIM=$<TARGET_FILE:discosim> -DHELP_TXT=${_help_txt}
          -DDOC_DIR=${CMAKE_INSTALL_FULL_DOCDIR} ${_man_args}
          -P ${PROJECT_SOURCE_DIR}/cmake/man_page.cmake
  DEPENDS discosim ${PROJECT_SOURCE_DIR}/cmake/man_page.cmake
  COMMENT "Writing discosim's help text and man page"
  VERBATIM)
add_custom_target(discosim_help ALL DEPENDS ${_outputs})
install(FILES ${_help_txt} DESTINATION ${CMAKE_INSTALL_DOCDIR})
if(DISCOSIM_HELP2MAN)
  install(FILES ${_man} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()

install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)
install(DIRECTORY scenarios/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/scenarios
        FILES_MATCHING PATTERN "*.yaml")

# The package. Its dependencies are the shared libraries the binary links
# (absl, yaml-cpp, libstdc++...), found by dpkg-shlibdeps (dpkg-dev).
set(CPACK_PACKAGE_NAME discosim)
set(CPACK_PACKAGE_VENDOR "The discosim developers")
set(CPACK_PACKAGE_CONTACT "The discosim developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
    "Runs scenario files (YAML) of simulated Erlang clusters in virtual time against a C++ port of CETS 0.2.0's cets_discovery, judges their expectations, fuzzes generated fault schedules and writes HTML and Chrome-trace reports.")
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# `discosim real` and `compare` start OTP (erlang-base: erlexec, epmd, kernel,
# stdlib) and, for partitions and cuts, nft; the simulator needs neither.
if(DISCOSIM_REAL_ENABLED)
  set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "erlang-base, nftables")
endif()
set(CPACK_STRIP_FILES ON)
include(CPack)
