# SPDX-License-Identifier: GPL-2.0-or-later
# The SDK as a driver developer gets it (run with cmake -P by ctest):
#  1. cmake --install the current build into a scratch prefix;
#  2. configure and build tests/data/sdk-project against it, knowing IOLab
#     only through -DCMAKE_PREFIX_PATH=<prefix> and find_package(IOLab);
#  3. run the installed iolabd on the bundles it produced and find the
#     driver's class in the registry and both kexts' lines in the log.
# Input: IOLAB_BUILD_DIR, IOLAB_SDK_PROJECT, IOLAB_WORK_DIR, IOLAB_GENERATOR,
# IOLAB_CXX_COMPILER, IOLAB_C_COMPILER.
cmake_minimum_required(VERSION 3.25)

foreach(variable IN ITEMS IOLAB_BUILD_DIR IOLAB_SDK_PROJECT IOLAB_WORK_DIR IOLAB_GENERATOR IOLAB_CXX_COMPILER
                          IOLAB_C_COMPILER)
  if(NOT ${variable})
    message(FATAL_ERROR "InstalledSdkTest.cmake: ${variable} is not set")
  endif()
endforeach()

set(prefix "${IOLAB_WORK_DIR}/prefix")
set(build "${IOLAB_WORK_DIR}/build")
set(kexts "${build}/kexts")
file(REMOVE_RECURSE "${IOLAB_WORK_DIR}")
file(MAKE_DIRECTORY "${IOLAB_WORK_DIR}")

# Runs a command; fails the test with its output if it fails. Its standard
# output is left in `run_output`.
function(run step)
  execute_process(COMMAND ${ARGN}
                  RESULT_VARIABLE result
                  OUTPUT_VARIABLE output
                  ERROR_VARIABLE errors)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${step} failed (${result}):\n  ${ARGN}\n--- stdout\n${output}\n--- stderr\n${errors}")
  endif()
  message(STATUS "${step}: ok")
  set(run_output "${output}" PARENT_SCOPE)
endfunction()

function(expect_file path)
  if(NOT EXISTS "${path}")
    message(FATAL_ERROR "expected ${path} to exist")
  endif()
endfunction()

function(expect_contains what text needle)
  string(FIND "${text}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${what} does not contain \"${needle}\":\n${text}")
  endif()
endfunction()

# 1. Install (what the build has built: run this test after a full build).
run("install (needs a complete build of ${IOLAB_BUILD_DIR})" "${CMAKE_COMMAND}" --install "${IOLAB_BUILD_DIR}" --prefix "${prefix}")
expect_file("${prefix}/include/iolab-sdk/IOKit/IOService.h")
expect_file("${prefix}/include/iolab-sdk/libkern/c++/OSMetaClass.h")
expect_file("${prefix}/include/iolab-sdk/iolab/KextRecord.h")
expect_file("${prefix}/bin/iolabd")
file(GLOB_RECURSE configs "${prefix}/*/IOLabConfig.cmake")
list(LENGTH configs config_count)
if(NOT config_count EQUAL 1)
  message(FATAL_ERROR "expected one IOLabConfig.cmake in ${prefix}, found: ${configs}")
endif()
get_filename_component(config_dir "${configs}" DIRECTORY)
expect_file("${config_dir}/IOLabConfigVersion.cmake")
expect_file("${config_dir}/IOLabKext.cmake")
expect_file("${config_dir}/IOLabSdkTargets.cmake")
# Nothing of the test suite is installed.
file(GLOB_RECURSE test_files "${prefix}/*.kext/*" "${prefix}/*iolab_unit_*" "${prefix}/*iolab_kext_tests*")
if(test_files)
  message(FATAL_ERROR "test files were installed: ${test_files}")
endif()

# 2. Configure and build the driver project against the prefix only.
run("configure sdk-project" "${CMAKE_COMMAND}" -S "${IOLAB_SDK_PROJECT}" -B "${build}" -G "${IOLAB_GENERATOR}"
    "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_CXX_COMPILER=${IOLAB_CXX_COMPILER}"
    "-DCMAKE_C_COMPILER=${IOLAB_C_COMPILER}" -DCMAKE_BUILD_TYPE=Debug)
run("build sdk-project" "${CMAKE_COMMAND}" --build "${build}")

expect_file("${kexts}/SdkProbe.kext/Contents/Info.plist")
expect_file("${kexts}/SdkProbe.kext/Contents/Linux/SdkProbe.so")
expect_file("${kexts}/SdkProbe.kext/Contents/Resources/Greeting.txt")
expect_file("${kexts}/SdkHello.kext/Contents/Linux/SdkHello.so")
file(READ "${kexts}/SdkProbe.kext/Contents/Info.plist" probe_plist)
expect_contains("SdkProbe's Info.plist" "${probe_plist}" "<string>com.example.iolab.sdk.SdkProbe</string>")
string(FIND "${probe_plist}" "\${" unsubstituted)
if(NOT unsubstituted EQUAL -1)
  message(FATAL_ERROR "SdkProbe's Info.plist keeps an Xcode variable:\n${probe_plist}")
endif()
file(READ "${kexts}/SdkHello.kext/Contents/Info.plist" hello_plist)
expect_contains("SdkHello's Info.plist" "${hello_plist}" "<string>com.example.iolab.sdk.Hello</string>")

# 3. Load both bundles in the installed runtime.
run("iolabd" "${prefix}/bin/iolabd" --kext-path "${kexts}" --print --log)
expect_contains("iolabd's registry" "${run_output}" "<class com_example_iolab_sdk_SdkProbe,")
expect_contains("iolabd's log" "${run_output}" "log: SdkProbe::start on IOResources")
expect_contains("iolabd's log" "${run_output}" "log: SdkHello: hello from com.example.iolab.sdk.Hello")
expect_contains("iolabd's log" "${run_output}" "log: kext: loaded com.example.iolab.sdk.SdkProbe (1.0.0)")
message(STATUS "the installed SDK builds kexts that load")
