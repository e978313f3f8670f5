# SPDX-License-Identifier: GPL-2.0-or-later
# Every third-party library IOLab uses, found once. packaging/deps.sh installs them.
find_package(PkgConfig REQUIRED)
pkg_check_modules(PLIST REQUIRED IMPORTED_TARGET libplist-2.0)
pkg_check_modules(LIBELF REQUIRED IMPORTED_TARGET libelf)
find_package(fmt REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(Threads REQUIRED)
if(IOLAB_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(IOLAB_BUILD_BENCH AND NOT IOLAB_SANITIZE AND NOT IOLAB_FUZZ)
  find_package(benchmark REQUIRED)
endif()
