#include "common/options.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/strings.h"

namespace llmsrouter {
namespace {

std::string KeyOf(const FlagSpec& spec) { return spec.name.empty() ? spec.env : spec.name; }

std::string Unquote(std::string_view value) {
  value = Trim(value);
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front()) {
    return std::string(value.substr(1, value.size() - 2));
  }
  // Unquoted values may carry a trailing comment.
  if (auto hash = value.find(" #"); hash != std::string_view::npos) {
    value = Trim(value.substr(0, hash));
  }
  return std::string(value);
}

}  // namespace

std::map<std::string, std::string> ParseDotEnv(std::string_view text) {
  std::map<std::string, std::string> out;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    std::string_view view = Trim(line);
    if (view.empty() || view.front() == '#') continue;
    ConsumePrefix(&view, "export ");
    auto eq = view.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key(Trim(view.substr(0, eq)));
    if (key.empty()) continue;
    out[key] = Unquote(view.substr(eq + 1));
  }
  return out;
}

EnvLookup ProcessEnv() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

absl::StatusOr<Options> Options::Parse(std::vector<FlagSpec> specs,
                                       const std::vector<std::string>& args, const EnvLookup& env,
                                       const std::map<std::string, std::string>& dotenv) {
  Options options;
  options.specs_ = std::move(specs);
  for (const FlagSpec& spec : options.specs_) {
    std::string value = spec.default_value;
    if (!spec.env.empty()) {
      if (auto it = dotenv.find(spec.env); it != dotenv.end()) value = it->second;
      if (auto from_env = env(spec.env)) value = *from_env;
    }
    options.values_[KeyOf(spec)] = value;
  }
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "-h" || arg == "--help") {
      options.help_ = true;
      continue;
    }
    if (!ConsumePrefix(&arg, "--")) {
      return absl::InvalidArgumentError(StrCat("unexpected argument '", arg, "'"));
    }
    std::string_view name = arg;
    std::optional<std::string> value;
    if (auto eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = std::string(arg.substr(eq + 1));
    }
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& s : options.specs_) {
      if (!s.name.empty() && s.name == name) spec = &s;
    }
    if (spec == nullptr) {
      return absl::InvalidArgumentError(StrCat("unknown flag --", name, " (see --help)"));
    }
    if (!value) {
      if (spec->is_bool) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return absl::InvalidArgumentError(StrCat("flag --", name, " needs a value"));
      }
    }
    options.values_[spec->name] = *value;
  }
  return options;
}

absl::StatusOr<Options> Options::FromProcess(std::vector<FlagSpec> specs, int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::map<std::string, std::string> dotenv;
  if (std::ifstream file(".env"); file) {
    std::stringstream buffer;
    buffer << file.rdbuf();
    dotenv = ParseDotEnv(buffer.str());
  }
  return Parse(std::move(specs), args, ProcessEnv(), dotenv);
}

const std::string& Options::Get(std::string_view key) const {
  static const std::string kEmpty;
  auto it = values_.find(key);
  return it == values_.end() ? kEmpty : it->second;
}

bool Options::GetBool(std::string_view key) const {
  std::string value = Lower(Get(key));
  return value == "1" || value == "true" || value == "yes" || value == "on";
}

std::string Options::HelpText(std::string_view usage) const {
  std::string text = StrCat(usage, "\n\nOptions (flag, then environment, then ./.env):\n");
  for (const FlagSpec& spec : specs_) {
    std::string left = spec.name.empty() ? StrCat("  ", spec.env)
                                         : StrCat("  --", spec.name, spec.is_bool ? "" : " VALUE");
    if (!spec.name.empty() && !spec.env.empty()) StrAppend(&left, "  [", spec.env, "]");
    StrAppend(&text, left, "\n      ", spec.help);
    if (!spec.default_value.empty()) StrAppend(&text, " (default: ", spec.default_value, ")");
    StrAppend(&text, "\n");
  }
  StrAppend(&text, "  -h, --help\n      Show this help.\n");
  return text;
}

}  // namespace llmsrouter
