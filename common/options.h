// Command-line flags with environment and .env fallbacks, for main.cc files only.
// Precedence: --flag, then the environment variable, then ./.env, then the default.
#ifndef LLMSROUTER_COMMON_OPTIONS_H_
#define LLMSROUTER_COMMON_OPTIONS_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace llmsrouter {

struct FlagSpec {
  std::string name;           // "listen" for --listen; empty for an environment-only setting
  std::string env;            // "LLMSROUTER_LISTEN"; empty when there is none
  std::string default_value;  // used when nothing else sets it
  std::string help;
  bool is_bool = false;  // --flag alone means "true"
};

using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

// The process environment (getenv).
EnvLookup ProcessEnv();

// Parses KEY=VALUE lines (comments, `export`, single/double quotes allowed).
std::map<std::string, std::string> ParseDotEnv(std::string_view text);

class Options {
 public:
  // INVALID_ARGUMENT for an unknown flag or a flag without its value.
  static absl::StatusOr<Options> Parse(std::vector<FlagSpec> specs,
                                       const std::vector<std::string>& args, const EnvLookup& env,
                                       const std::map<std::string, std::string>& dotenv);
  // Parse() with the process environment and ./.env.
  static absl::StatusOr<Options> FromProcess(std::vector<FlagSpec> specs, int argc, char** argv);

  // Value of a flag by name, or of an env-only setting by its variable name.
  const std::string& Get(std::string_view key) const;
  bool GetBool(std::string_view key) const;
  bool help() const { return help_; }
  std::string HelpText(std::string_view usage) const;

 private:
  std::vector<FlagSpec> specs_;
  std::map<std::string, std::string, std::less<>> values_;
  bool help_ = false;
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_OPTIONS_H_
