# llmsrouter_service(): the one shape of a service's build.
#
#   llmsrouter_service(<svc>
#     SOURCES <files>           the service's logic, built into <svc>_lib (static)
#     LINK <targets>            what <svc>_lib needs (PUBLIC)
#     [BINARY <name>]           an executable from main.cc: <svc>_lib + BINARY_LINK + allocator
#     [BINARY_LINK <targets>]   what only the main needs (e.g. common_http for --metrics-listen)
#     [TESTS <files>]           <svc>_test (GoogleTest, discovered by ctest)
#     [TEST_LINK <targets>])    what only the tests need
#
# Tests see LLMSROUTER_SOURCE_DIR (the repo root) for test data.
function(llmsrouter_service svc)
  cmake_parse_arguments(ARG "" "BINARY" "SOURCES;LINK;BINARY_LINK;TESTS;TEST_LINK" ${ARGN})
  add_library(${svc}_lib STATIC ${ARG_SOURCES})
  target_link_libraries(${svc}_lib PUBLIC ${ARG_LINK})
  if(ARG_BINARY)
    add_executable(${ARG_BINARY} main.cc)
    target_link_libraries(${ARG_BINARY} PRIVATE ${svc}_lib ${ARG_BINARY_LINK} llmsrouter_allocator)
  endif()
  if(LLMSROUTER_BUILD_TESTS AND ARG_TESTS)
    add_executable(${svc}_test ${ARG_TESTS})
    target_link_libraries(${svc}_test PRIVATE ${svc}_lib ${ARG_TEST_LINK} GTest::gtest_main
                                              GTest::gmock)
    target_compile_definitions(${svc}_test PRIVATE LLMSROUTER_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
    gtest_discover_tests(${svc}_test)
  endif()
endfunction()
