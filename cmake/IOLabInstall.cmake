# SPDX-License-Identifier: GPL-2.0-or-later
# What `cmake --install` puts into a prefix: the runtime (iolabd, installed by
# app/), and for driver developers the SDK: the headers under
# include/iolab-sdk, the iolab_add_kext() function, and a package
# configuration, so that an out-of-tree driver project builds with
#
#   find_package(IOLab 0.1 REQUIRED)
#   iolab_add_kext(MyDriver SOURCES MyDriver.cpp INFO_PLIST Info.plist)
#
# Only the SDK's interface target is exported: a kext's symbols resolve
# against the runtime when it is loaded, so nothing here links a library, and
# nothing depends on the test suite.
include(CMakePackageConfigHelpers)

set(IOLAB_INSTALL_CMAKEDIR "lib/cmake/IOLab" CACHE STRING "Where the IOLab package configuration is installed")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/core/include/"
        DESTINATION include/iolab-sdk
        COMPONENT sdk
        FILES_MATCHING PATTERN "*.h")

set_target_properties(iolab_sdk PROPERTIES EXPORT_NAME sdk)
install(TARGETS iolab_sdk EXPORT IOLabSdkTargets COMPONENT sdk)
install(EXPORT IOLabSdkTargets
        NAMESPACE IOLab::
        FILE IOLabSdkTargets.cmake
        DESTINATION "${IOLAB_INSTALL_CMAKEDIR}"
        COMPONENT sdk)

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/IOLabConfig.cmake.in"
                              "${PROJECT_BINARY_DIR}/IOLabConfig.cmake"
                              INSTALL_DESTINATION "${IOLAB_INSTALL_CMAKEDIR}"
                              NO_SET_AND_CHECK_MACRO)
# Before 1.0 a minor release may change the kext ABI (KextRecord.h), so only
# the same major.minor is compatible.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/IOLabConfigVersion.cmake"
                                 VERSION "${PROJECT_VERSION}"
                                 COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/IOLabConfig.cmake"
              "${PROJECT_BINARY_DIR}/IOLabConfigVersion.cmake"
              "${PROJECT_SOURCE_DIR}/cmake/IOLabKext.cmake"
        DESTINATION "${IOLAB_INSTALL_CMAKEDIR}"
        COMPONENT sdk)
