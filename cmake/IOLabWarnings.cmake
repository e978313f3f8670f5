# SPDX-License-Identifier: GPL-2.0-or-later
# Warning and sanitizer flags shared by every IOLab target.
add_library(iolab_flags INTERFACE)
target_compile_options(iolab_flags INTERFACE -Wall -Wextra -Wno-unused-parameter)
if(IOLAB_WERROR)
  target_compile_options(iolab_flags INTERFACE -Werror)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  target_compile_options(iolab_flags INTERFACE -Wthread-safety)
endif()

if(IOLAB_SANITIZE)
  string(REPLACE ";" "," _iolab_san "${IOLAB_SANITIZE}")
  add_compile_options(-fsanitize=${_iolab_san} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_iolab_san})
endif()
