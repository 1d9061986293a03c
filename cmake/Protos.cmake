# Compiles every .proto under proto/ into one library, llmsrouter_proto.
set(PROTO_ROOT ${CMAKE_SOURCE_DIR}/proto)
set(PROTO_OUT ${CMAKE_BINARY_DIR}/proto)
file(MAKE_DIRECTORY ${PROTO_OUT})
file(GLOB_RECURSE PROTO_FILES CONFIGURE_DEPENDS ${PROTO_ROOT}/*.proto)

set(PROTO_SRCS)
foreach(proto ${PROTO_FILES})
  file(RELATIVE_PATH rel ${PROTO_ROOT} ${proto})
  string(REGEX REPLACE "\\.proto$" "" base ${rel})
  set(outs ${PROTO_OUT}/${base}.pb.cc ${PROTO_OUT}/${base}.pb.h
           ${PROTO_OUT}/${base}.grpc.pb.cc ${PROTO_OUT}/${base}.grpc.pb.h)
  add_custom_command(
    OUTPUT ${outs}
    COMMAND ${Protobuf_PROTOC_EXECUTABLE}
      --proto_path=${PROTO_ROOT}
      --cpp_out=${PROTO_OUT}
      --grpc_out=${PROTO_OUT}
      --plugin=protoc-gen-grpc=${GRPC_CPP_PLUGIN}
      ${proto}
    DEPENDS ${proto}
    COMMENT "protoc ${rel}")
  list(APPEND PROTO_SRCS ${PROTO_OUT}/${base}.pb.cc ${PROTO_OUT}/${base}.grpc.pb.cc)
endforeach()

add_library(llmsrouter_proto STATIC ${PROTO_SRCS})
target_include_directories(llmsrouter_proto PUBLIC ${PROTO_OUT})
target_link_libraries(llmsrouter_proto PUBLIC gRPC::grpc++ protobuf::libprotobuf)
