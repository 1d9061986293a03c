#include "services/router/config_keys.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

namespace llmsrouter::router {
namespace {

using KeyTable = std::map<std::string, std::set<std::string>>;

// Every mapping with fixed keys in the schema, by the same paths as KnownConfigKeys().
void CollectSchemaKeys(const nlohmann::json& schema, const std::string& path, KeyTable* out) {
  if (!schema.is_object()) return;
  if (auto properties = schema.find("properties"); properties != schema.end()) {
    std::set<std::string>& keys = (*out)[path];
    for (const auto& [key, value] : properties->items()) {
      keys.insert(key);
      CollectSchemaKeys(value, path.empty() ? key : path + "." + key, out);
    }
  }
  if (auto extra = schema.find("additionalProperties"); extra != schema.end()) {
    CollectSchemaKeys(*extra, path + ".*", out);
  }
  if (auto items = schema.find("items"); items != schema.end()) {
    CollectSchemaKeys(*items, path + ".*", out);  // a list of mappings (groups' deployments)
  }
}

TEST(ConfigKeysTest, TheSchemaAllowsExactlyTheKeysTheLoaderReads) {
  std::ifstream file(LLMSROUTER_SOURCE_DIR "/docs/config.schema.json");
  ASSERT_TRUE(file) << "docs/config.schema.json is missing";
  nlohmann::json schema = nlohmann::json::parse(file);
  KeyTable from_schema;
  CollectSchemaKeys(schema, "", &from_schema);
  KeyTable from_loader;
  for (const auto& [path, keys] : KnownConfigKeys()) {
    from_loader[path] = std::set<std::string>(keys.begin(), keys.end());
  }
  EXPECT_EQ(from_schema, from_loader);
}

TEST(ConfigKeysTest, EveryFixedMappingForbidsOtherKeysInTheSchema) {
  std::ifstream file(LLMSROUTER_SOURCE_DIR "/docs/config.schema.json");
  ASSERT_TRUE(file);
  nlohmann::json schema = nlohmann::json::parse(file);
  EXPECT_EQ(schema["additionalProperties"], false);
  const auto& top = schema["properties"];
  for (const char* block : {"models", "proxy", "limits"}) {
    EXPECT_EQ(top[block]["additionalProperties"], false) << block;
  }
  const auto& provider = top["servers"]["additionalProperties"];
  EXPECT_EQ(provider["additionalProperties"], false);
  for (const char* block : {"timeouts", "retries"}) {
    EXPECT_EQ(provider["properties"][block]["additionalProperties"], false) << block;
  }
}

TEST(ConfigKeysTest, SuggestsTheClosestKeyOnlyWhenItIsNear) {
  const std::vector<std::string>& provider = KnownConfigKeys().at("servers.*");
  EXPECT_EQ(ClosestKey("api_kye", provider), "api_key");
  EXPECT_EQ(ClosestKey("retrys", provider), "retries");
  EXPECT_EQ(ClosestKey("timeout", provider), "timeouts");
  EXPECT_EQ(ClosestKey("URL", provider), "url");
  EXPECT_EQ(ClosestKey("completely_different", provider), "");
}

}  // namespace
}  // namespace llmsrouter::router
