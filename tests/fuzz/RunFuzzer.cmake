# SPDX-License-Identifier: GPL-2.0-or-later
# Runs one libFuzzer target for a bounded time over a fresh copy of its
# checked-in corpus, so the source tree is never written to.
# cmake -DFUZZER=… -DCORPUS=… -DWORKDIR=… -DSECONDS=… [-DDICT=…] -P RunFuzzer.cmake
foreach(variable FUZZER CORPUS WORKDIR SECONDS)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "RunFuzzer.cmake: ${variable} is not set")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORKDIR})
file(MAKE_DIRECTORY ${WORKDIR}/artifacts)
file(COPY ${CORPUS}/ DESTINATION ${WORKDIR}/corpus)

set(dictionary)
if(DEFINED DICT AND EXISTS ${DICT})
  set(dictionary -dict=${DICT})
endif()
execute_process(
  COMMAND ${FUZZER} -max_total_time=${SECONDS} ${dictionary} -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
          -artifact_prefix=${WORKDIR}/artifacts/ ${WORKDIR}/corpus
  WORKING_DIRECTORY ${WORKDIR}
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  file(GLOB artifacts ${WORKDIR}/artifacts/*)
  message(FATAL_ERROR "${FUZZER} failed (${result}); inputs kept in: ${artifacts}")
endif()
