// Reading fields of untrusted JSON without exceptions: a field of the wrong type reads as
// the fallback (nlohmann's value() would throw).
#ifndef LLMSROUTER_COMMON_JSON_FIELDS_H_
#define LLMSROUTER_COMMON_JSON_FIELDS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace llmsrouter {

template <typename Json>
std::string JsonString(const Json& object, const char* key, std::string fallback = "") {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->template get<std::string>() : fallback;
}

template <typename Json>
int64_t JsonInt(const Json& object, const char* key, int64_t fallback = 0) {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->template get<int64_t>() : fallback;
}

template <typename Json>
bool JsonBool(const Json& object, const char* key, bool fallback = false) {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() ? it->template get<bool>() : fallback;
}

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_JSON_FIELDS_H_
