#include "services/router/model_catalog.h"

#include <gtest/gtest.h>

#include <optional>

#include "common/testing/fake_clock.h"
#include "services/router/testing/fake_http_client.h"

namespace llmsrouter::router {
namespace {

TEST(ModelFilterTest, AllTermsCaseInsensitiveWithWildcards) {
  EXPECT_TRUE(ModelFilterMatches("gpt free", "openai/GPT-4o:free"));
  EXPECT_FALSE(ModelFilterMatches("gpt free", "gpt-4o"));
  EXPECT_TRUE(ModelFilterMatches("gpt-*-mini", "gpt-4o-mini"));
  EXPECT_FALSE(ModelFilterMatches("gpt-*-mini", "gpt-4o"));
  EXPECT_TRUE(ModelFilterMatches("", "anything"));
  EXPECT_TRUE(ModelFilterMatches("  ", "anything"));
  // Regex metacharacters are plain text: a stray '(' filters, it does not empty the list.
  EXPECT_TRUE(ModelFilterMatches("(beta", "model-(beta)"));
  EXPECT_FALSE(ModelFilterMatches("(beta", "model-beta"));
  EXPECT_TRUE(ModelFilterMatches("a.c", "xa.cx"));
  EXPECT_FALSE(ModelFilterMatches("a.c", "abc"));
}

TEST(ParseModelIdsTest, OpenAiShapeAndBareArrays) {
  auto ids =
      ParseModelIds(R"({"object":"list","data":[{"id":"a","created":5},{"id":"b"},{"x":1}]})");
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], (std::pair<std::string, int64_t>{"a", 5}));
  EXPECT_EQ(ParseModelIds(R"(["x","y"])").size(), 2u);
  EXPECT_TRUE(ParseModelIds("not json").empty());
}

class ModelCatalogTest : public ::testing::Test {
 protected:
  ModelCatalogTest() {
    clock_.now = absl::FromUnixSeconds(1700000000);
    auto config = std::make_shared<RouterConfig>();
    config->providers["a"] = ProviderConfig{
        .alias = "a", .url = "http://a/v1", .api_key = "ka", .filter = "gpt", .append = {"extra"}};
    config->providers["b"] = ProviderConfig{.alias = "b", .url = "http://b/v1"};
    config->providers["c"] =
        ProviderConfig{.alias = "c", .url = "http://c", .override_models = {"only"}};
    config_ = config;
  }

  void TearDown() override { http_.CancelPending(); }

  std::optional<std::vector<std::string>> ids_;
  ModelCatalog::Done Collect() {
    return [this](std::vector<v1::Model> models) {
      std::vector<std::string> ids;
      for (const auto& m : models) ids.push_back(m.id());
      ids_ = ids;
    };
  }

  FakeClock clock_;
  FakeHttpClient http_;
  ModelCatalog catalog_{&http_, &clock_};
  std::shared_ptr<const RouterConfig> config_;
};

TEST_F(ModelCatalogTest, QueriesProvidersInParallelAndShapesTheList) {
  catalog_.List(config_, std::nullopt, Collect());
  ASSERT_EQ(http_.started.size(), 2u);  // c is overridden: no network call
  EXPECT_EQ(http_.started[0]->request.url, "http://a/v1/models");
  EXPECT_EQ(http_.started[0]->request.method, "GET");
  EXPECT_FALSE(ids_.has_value());
  http_.Respond(1, 200, {}, R"({"data":[{"id":"llama"}]})");
  EXPECT_FALSE(ids_.has_value());  // still waiting for a
  http_.Respond(0, 200, {}, R"({"data":[{"id":"gpt-4o"},{"id":"whisper"}]})");
  ASSERT_TRUE(ids_.has_value());
  EXPECT_EQ(*ids_, (std::vector<std::string>{"[a]gpt-4o", "[a]extra", "[b]llama", "[c]only"}));
}

TEST_F(ModelCatalogTest, DeadProviderDoesNotEmptyTheOthers) {
  catalog_.List(config_, std::nullopt, Collect());
  http_.Fail(0, absl::DeadlineExceededError("timeout"));
  http_.Respond(1, 200, {}, R"({"data":[{"id":"llama"}]})");
  ASSERT_TRUE(ids_.has_value());
  EXPECT_EQ(*ids_, (std::vector<std::string>{"[a]extra", "[b]llama", "[c]only"}));
}

// The upstream's answer may complete the fetch on the client's loop before Start() has
// returned its transfer (seen under ASan as a use after free): the list still comes once.
TEST_F(ModelCatalogTest, FetchCompletedBeforeStartReturnedIsSafe) {
  http_.fail_inside_start = absl::UnavailableError("connection refused");
  catalog_.List(config_, std::nullopt, Collect());
  ASSERT_EQ(http_.started.size(), 2u);
  ASSERT_TRUE(ids_.has_value());
  EXPECT_EQ(*ids_, (std::vector<std::string>{"[a]extra", "[c]only"}));
}

TEST_F(ModelCatalogTest, CachedWithTtlAndRefreshedSingleFlight) {
  catalog_.List(config_, std::vector<std::string>{"b"}, Collect());
  catalog_.List(config_, std::vector<std::string>{"b"}, Collect());
  ASSERT_EQ(http_.started.size(), 1u);  // one upstream call however many ask
  http_.Respond(0, 200, {}, R"({"data":[{"id":"m1"}]})");
  ids_.reset();
  catalog_.List(config_, std::vector<std::string>{"b"}, Collect());
  EXPECT_EQ(http_.started.size(), 1u);  // cached
  ASSERT_TRUE(ids_.has_value());
  clock_.now += absl::Minutes(6);
  catalog_.List(config_, std::vector<std::string>{"b"}, Collect());
  EXPECT_EQ(http_.started.size(), 2u);  // TTL passed
}

TEST_F(ModelCatalogTest, FailedRefreshKeepsTheLastGoodListAndRetriesSoon) {
  catalog_.List(config_, std::vector<std::string>{"b"}, Collect());
  http_.Respond(0, 200, {}, R"({"data":[{"id":"m1"}]})");
  clock_.now += absl::Minutes(6);
  ids_.reset();
  catalog_.List(config_, std::vector<std::string>{"b"}, Collect());
  http_.Respond(1, 500, {}, R"({"error":"down"})");
  ASSERT_TRUE(ids_.has_value());
  EXPECT_EQ(*ids_, std::vector<std::string>{"[b]m1"});
  clock_.now += absl::Seconds(5);
  catalog_.List(config_, std::vector<std::string>{"b"}, Collect());
  EXPECT_EQ(http_.started.size(), 2u);  // within the retry delay: no new call
  clock_.now += absl::Seconds(6);
  catalog_.List(config_, std::vector<std::string>{"b"}, Collect());
  EXPECT_EQ(http_.started.size(), 3u);  // retried soon, not after the whole TTL
}

TEST_F(ModelCatalogTest, ListsGroupsTheCallerMayReachByTheirPlainName) {
  auto config = std::make_shared<RouterConfig>(*config_);
  config->groups["team"] = GroupConfig{.name = "team", .deployments = {{"[c]only", "c", 1}}};
  config->groups["elsewhere"] =
      GroupConfig{.name = "elsewhere", .deployments = {{"[zz]m", "zz", 1}}};
  catalog_.List(config, std::vector<std::string>{"c"}, Collect());
  ASSERT_TRUE(ids_);
  EXPECT_EQ(*ids_, (std::vector<std::string>{"[c]only", "team"}));
}

}  // namespace
}  // namespace llmsrouter::router
