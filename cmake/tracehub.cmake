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
