# The library behind `discosim --version` (sim/cli/version.h): its source is
# written by cmake/version.cmake at every build, so the commit it names is the
# one built, not the one configured. DISCOSIM_GIT_COMMIT overrides git (for a
# build from a source tarball).
set(DISCOSIM_GIT_COMMIT "" CACHE STRING
    "The commit `discosim --version` names (default: asked of git at build time)")
set(DISCOSIM_VERSION_CC ${CMAKE_BINARY_DIR}/generated/discosim_version.cc)
set(_version_command ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
    -DVERSION=${PROJECT_VERSION} -DCOMMIT=${DISCOSIM_GIT_COMMIT} -DOUT=${DISCOSIM_VERSION_CC}
    -P ${PROJECT_SOURCE_DIR}/cmake/version.cmake)
execute_process(COMMAND ${_version_command})  # so that the source exists from the start
add_custom_target(discosim_version_text
  COMMAND ${_version_command}
  BYPRODUCTS ${DISCOSIM_VERSION_CC}
  VERBATIM)
add_library(discosim_version STATIC ${DISCOSIM_VERSION_CC})
add_dependencies(discosim_version discosim_version_text)
target_include_directories(discosim_version PUBLIC ${PROJECT_SOURCE_DIR})
discosim_warnings(discosim_version)
