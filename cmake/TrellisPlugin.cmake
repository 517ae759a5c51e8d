# SPDX-License-Identifier: Apache-2.0
# trellis_add_plugin(<target> SOURCES ... [LIBS ...])
# Builds one plugin shared library the way the ABI requires: hidden visibility
# (only trellis_plugin_entry_v1 is exported; tests/abi checks it), no undefined
# symbols, output next to the other plugins of the build tree, installed into
# lib/trellis/plugins. The file is named trellis-<kind>-<name>.so by convention.
function(trellis_add_plugin target)
  cmake_parse_arguments(P "" "" "SOURCES;LIBS" ${ARGN})
  add_library(${target} MODULE ${P_SOURCES})
  target_link_libraries(${target} PRIVATE trellis::sdk ${P_LIBS})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY ${TRELLIS_BUILD_PLUGIN_DIR})
  if(NOT TRELLIS_SANITIZE)
    target_link_options(${target} PRIVATE -Wl,--no-undefined -Wl,--exclude-libs,ALL)
  endif()
  install(TARGETS ${target} LIBRARY DESTINATION ${TRELLIS_PLUGIN_INSTALL_DIR} COMPONENT runtime)
endfunction()
