# SPDX-License-Identifier: GPL-2.0-or-later
# Warning and sanitizer flags shared by every IOLab target.
add_library(iolab_flags INTERFACE)
target_compile_options(iolab_flags INTERFACE -Wall -Wextra -Wno-unused-parameter)
if(IOLAB_WERROR)
  target_compile_options(iolab_flags INTERFACE -Werror)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # The I/O Kit declaration macros (OSDeclareDefaultStructors) add virtual
  # methods without `override`, and I/O Kit classes overload init() with
  # signatures that hide their superclass's, both as in xnu; clang before 16
  # also needs sized deallocation asked for (OSObject::operator delete passes
  # the size on).
  target_compile_options(iolab_flags INTERFACE -Wthread-safety -Wno-inconsistent-missing-override
                                               -Wno-overloaded-virtual -fsized-deallocation)
endif()

if(IOLAB_SANITIZE)
  string(REPLACE ";" "," _iolab_san "${IOLAB_SANITIZE}")
  add_compile_options(-fsanitize=${_iolab_san} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_iolab_san})
endif()
