# tracehub_test(<name> SOURCES ... LIBS ... [LABELS ...])
# One GoogleTest binary, registered with ctest under the same name. Tests that need the real
# Postgres/Redis started by scripts/test-env.sh carry the label "integration".
function(tracehub_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  if(T_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()

# tracehub_fuzzer(<name> SOURCES ... LIBS ...)
# One libFuzzer harness (TRACEHUB_FUZZ builds only), instrumented with ASan and UBSan; any
# UBSan finding aborts, so libFuzzer reports it as a crash. -O1 with asserts on, whatever the
# build type.
function(tracehub_fuzzer name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${F_SOURCES})
  set(sanitizers -fsanitize=fuzzer,address,undefined)
  target_compile_options(${name} PRIVATE ${sanitizers} -fno-sanitize-recover=undefined
                                         -fno-omit-frame-pointer -O1 -g -UNDEBUG)
  target_link_options(${name} PRIVATE ${sanitizers})
  target_link_libraries(${name} PRIVATE ${F_LIBS})
endfunction()
