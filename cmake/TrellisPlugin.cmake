# SPDX-License-Identifier: Apache-2.0
# trellis_add_plugin(<target> SOURCES ... [LIBS ...] [NO_INSTALL])
# NO_INSTALL is for test fixtures, which must never reach the package.
# Builds one plugin shared library the way the ABI requires: hidden visibility
# (only trellis_plugin_entry_v1 is exported; tests/abi checks it), no undefined
# symbols, output next to the other plugins of the build tree, installed into
# lib/trellis/plugins. The file is named trellis-<kind>-<name>.so by convention.
# A version script makes the entry the only exported symbol even where
# -fvisibility=hidden cannot reach (std template instances, inline statics).
set(TRELLIS_PLUGIN_VERSION_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/../sdk/cmake/trellis-plugin.map)
function(trellis_add_plugin target)
  cmake_parse_arguments(P "NO_INSTALL" "" "SOURCES;LIBS" ${ARGN})
  add_library(${target} MODULE ${P_SOURCES})
  target_link_libraries(${target} PRIVATE trellis::sdk ${P_LIBS})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY ${TRELLIS_BUILD_PLUGIN_DIR})
  target_link_options(${target} PRIVATE "-Wl,--version-script=${TRELLIS_PLUGIN_VERSION_SCRIPT}")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${TRELLIS_PLUGIN_VERSION_SCRIPT}")
  if(NOT TRELLIS_SANITIZE)
    target_link_options(${target} PRIVATE -Wl,--no-undefined -Wl,--exclude-libs,ALL)
  endif()
  if(NOT P_NO_INSTALL)
    install(TARGETS ${target} LIBRARY DESTINATION ${TRELLIS_PLUGIN_INSTALL_DIR} COMPONENT runtime)
  endif()
endfunction()
