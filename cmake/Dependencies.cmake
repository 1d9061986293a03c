# Every external dependency is found here, once.
find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)          # FindProtobuf module: Debian ships no protobuf config
find_package(gRPC CONFIG REQUIRED)       # needs protobuf-compiler-grpc installed
find_package(absl CONFIG REQUIRED)
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)        # SHA-256, CSPRNG for API keys
find_package(nlohmann_json CONFIG REQUIRED)
# simdjson (On-Demand) reads streamed chunks on the hot path without building a DOM.
find_package(simdjson CONFIG REQUIRED)
find_package(yaml-cpp CONFIG REQUIRED)
find_package(Boost 1.74 REQUIRED)        # header-only: Asio and Beast
find_package(PkgConfig REQUIRED)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
# jemalloc: the hot path allocates per request and per chunk; glibc malloc showed up as ~17 %
# of CPU in the profile. Linked into the executables only.
pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
if(LLMSROUTER_SANITIZE)
  # ASan replaces the allocator; jemalloc would hide errors from it.
  add_library(llmsrouter_allocator INTERFACE)
else()
  add_library(llmsrouter_allocator INTERFACE)
  target_link_libraries(llmsrouter_allocator INTERFACE PkgConfig::JEMALLOC)
endif()
if(LLMSROUTER_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)
endif()
find_program(GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)
