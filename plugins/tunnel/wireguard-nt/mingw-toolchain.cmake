# SPDX-License-Identifier: Apache-2.0
# Cross-compiling for 64-bit Windows with Debian's mingw-w64 (posix threads
# variant, package g++-mingw-w64-x86-64-posix):
#   cmake -S plugins/tunnel/wireguard-nt -B build/wgnt-win \
#     -DCMAKE_TOOLCHAIN_FILE=plugins/tunnel/wireguard-nt/mingw-toolchain.cmake -G Ninja
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(WGNT_MINGW_TRIPLE x86_64-w64-mingw32)

set(CMAKE_C_COMPILER ${WGNT_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${WGNT_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${WGNT_MINGW_TRIPLE}-windres)
set(CMAKE_AR ${WGNT_MINGW_TRIPLE}-gcc-ar-posix CACHE FILEPATH "")
set(CMAKE_RANLIB ${WGNT_MINGW_TRIPLE}-gcc-ranlib-posix CACHE FILEPATH "")

set(CMAKE_FIND_ROOT_PATH /usr/${WGNT_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
