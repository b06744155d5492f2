# Writes the HTML report's assets header: the CSS and JavaScript files as
# C++ raw string literals (html_report_assets.h.in). Run at build time:
#   cmake -DCSS=<file.css> -DJS=<file.js> -DTEMPLATE=<file.h.in> -DOUT=<file.h> -P embed_assets.cmake
# configure_file rewrites OUT only when its text changes, so an unchanged
# asset recompiles nothing.
foreach(var CSS JS TEMPLATE OUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "embed_assets.cmake: -D${var}=... is required")
  endif()
endforeach()
file(READ "${CSS}" DISCOSIM_CSS)
file(READ "${JS}" DISCOSIM_JS)
foreach(asset CSS JS)
  # The literal's closing delimiter must not occur in the asset itself.
  string(FIND "${DISCOSIM_${asset}}" ")discosim_asset\"" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "${${asset}}: contains )discosim_asset\", which would end the C++ literal")
  endif()
endforeach()
configure_file("${TEMPLATE}" "${OUT}" @ONLY)
