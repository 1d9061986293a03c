#include "services/admin/limits_commands.h"

#include <nlohmann/json.hpp>
#include <optional>

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/strings.h"
#include "common/user_limits.h"
#include "services/admin/admin_cli.h"
#include "services/admin/csv_cell.h"

namespace llmsrouter::admin {
namespace {

using auth::v1::AdminService;

std::string Flag(const CommandArgs& args, const std::string& name, std::string fallback = "") {
  auto it = args.flags.find(name);
  return it == args.flags.end() ? fallback : it->second;
}

// --rpm/--tpm/--parallel/--budget/--period over `limits` (the user's current ones: a flag not
// given keeps its value); false on a bad number.
bool ParseLimits(const CommandArgs& args, auth::v1::Limits* limits) {
  bool ok = true;
  auto number = [&](const char* flag, auto set) {
    std::string value = Flag(args, flag);
    int64_t n = 0;
    if (value.empty()) return;
    if (!ParseInt(value, &n) || n < 0) ok = false;
    set(n);
  };
  number("--rpm", [&](int64_t n) { limits->set_rpm(n); });
  number("--tpm", [&](int64_t n) { limits->set_tpm(n); });
  number("--parallel", [&](int64_t n) { limits->set_parallel(n); });
  if (std::string budget = Flag(args, "--budget"); !budget.empty()) {
    char* end = nullptr;
    double usd = std::strtod(budget.c_str(), &end);
    if (end == nullptr || *end != '\0' || !(usd >= 0)) ok = false;
    limits->set_budget_usd(usd);
    std::string kept = limits->budget_period().empty() ? "month" : limits->budget_period();
    limits->set_budget_period(Flag(args, "--period", kept));
  }
  return ok;
}

// Refuses a `set` that would change nothing or drop a flag silently.
std::string SetFlagsProblem(const CommandArgs& args) {
  bool any = false;
  for (const char* flag : {"--rpm", "--tpm", "--parallel", "--budget"}) {
    any = any || !Flag(args, flag).empty();
  }
  if (!Flag(args, "--period").empty() && Flag(args, "--budget").empty()) {
    return "--period needs --budget (the budget it applies to)";
  }
  if (!any)
    return "nothing to set: give --rpm, --tpm, --parallel or --budget ('clear' removes all)";
  return "";
}

// The user named `name`, from the admin list; nullopt (message on `err`) when there is none.
std::optional<auth::v1::User> FindUser(const CommandArgs& args, const std::string& name,
                                       AdminService::StubInterface& stub, std::ostream& err,
                                       int* code) {
  auth::v1::ListUsersResponse users;
  grpc::Status status = stub.ListUsers(Context(args.token).get(), {}, &users);
  if (!status.ok()) {
    *code = ExitCodeFor(status, err);
    return std::nullopt;
  }
  for (const auto& u : users.users()) {
    if (u.name() == name) return u;
  }
  err << "error: no user named '" << name << "'\n";
  *code = kFailed;
  return std::nullopt;
}

// A protobuf map has no order: scopes are shown sorted by name.
std::map<std::string, const auth::v1::Limits*> SortedScopes(const auth::v1::Limits& limits) {
  std::map<std::string, const auth::v1::Limits*> scopes;
  for (const auto& [name, scope] : limits.scopes()) scopes[name] = &scope;
  return scopes;
}

nlohmann::ordered_json LimitsJson(const auth::v1::Limits& l) {
  return {{"rpm", l.rpm()},
          {"tpm", l.tpm()},
          {"parallel", l.parallel()},
          {"budget_usd", l.budget_usd()},
          {"budget_period", l.budget_period()}};
}

nlohmann::ordered_json LimitsJson(const auth::v1::User& user) {
  nlohmann::ordered_json j = {{"user", user.name()}};
  j.update(LimitsJson(user.limits()));
  nlohmann::ordered_json scopes = nlohmann::ordered_json::object();
  for (const auto& [name, scope] : SortedScopes(user.limits())) scopes[name] = LimitsJson(*scope);
  j["scopes"] = std::move(scopes);
  return j;
}

void PrintOwnLimits(const auth::v1::Limits& l, const char* indent, std::ostream& out) {
  auto n = [](int64_t v) { return v > 0 ? std::to_string(v) : std::string("-"); };
  out << indent << "rpm\t" << n(l.rpm()) << "\n"
      << indent << "tpm\t" << n(l.tpm()) << "\n"
      << indent << "parallel\t" << n(l.parallel()) << "\n"
      << indent << "budget\t"
      << (l.budget_usd() > 0 ? StrCat("$", FormatUsd(l.budget_usd()), " per ", l.budget_period())
                             : "-")
      << "\n";
}

void PrintLimits(const auth::v1::User& user, std::ostream& out) {
  out << "user\t" << user.name() << "\n";
  PrintOwnLimits(user.limits(), "", out);
  for (const auto& [name, scope] : SortedScopes(user.limits())) {
    out << "scope\t" << name << "\n";
    PrintOwnLimits(*scope, "  ", out);
  }
}

int ShowLimits(const CommandArgs& args, AdminService::StubInterface& stub, std::ostream& out,
               std::ostream& err) {
  int code = kOk;
  auto user = FindUser(args, args.positional[1], stub, err, &code);
  if (!user) return code;
  if (Flag(args, "--format") == "json") {
    out << LimitsJson(*user).dump(2) << "\n";
  } else {
    PrintLimits(*user, out);
  }
  return kOk;
}

// Stores the request's limits and prints what the user has now.
int SendLimits(const CommandArgs& args, const auth::v1::SetLimitsRequest& request,
               AdminService::StubInterface& stub, std::ostream& out, std::ostream& err) {
  auth::v1::User user;
  grpc::Status status = stub.SetLimits(Context(args.token).get(), request, &user);
  if (!status.ok()) return ExitCodeFor(status, err);
  PrintLimits(user, out);
  return kOk;
}

// --scope, when given, must name a scope (never empty: `--scope ""` is not "no scope", which
// would change or clear the user's own limits). False after printing the problem.
bool ScopeFlag(const CommandArgs& args, std::ostream& err, std::optional<std::string>* scope) {
  auto it = args.flags.find("--scope");
  if (it == args.flags.end()) return true;
  if (!ValidScopeName(it->second)) {
    err << "error: invalid scope '" << it->second
        << "': --scope takes a provider alias or a group name (1 to 128 characters, no space, "
           "control character or any of , ; = [ ] |)\n";
    return false;
  }
  *scope = it->second;
  return true;
}

// `set` merges the flags given into the user's current limits.
int SetLimits(const CommandArgs& args, AdminService::StubInterface& stub, std::ostream& out,
              std::ostream& err) {
  if (std::string problem = SetFlagsProblem(args); !problem.empty()) {
    err << "error: " << problem << "\n";
    return kUsage;
  }
  std::optional<std::string> scope;
  if (!ScopeFlag(args, err, &scope)) return kUsage;
  int code = kOk;
  auto current = FindUser(args, args.positional[1], stub, err, &code);
  if (!current) return code;
  auth::v1::SetLimitsRequest request;
  request.set_name(args.positional[1]);
  *request.mutable_limits() = current->limits();
  auth::v1::Limits* target =
      !scope ? request.mutable_limits() : &(*request.mutable_limits()->mutable_scopes())[*scope];
  if (!ParseLimits(args, target)) {
    err << "error: limits are whole numbers (budget: USD), zero or more\n";
    return kUsage;
  }
  return SendLimits(args, request, stub, out, err);
}

// `clear` removes every limit, or with --scope only that scope's (the rest is kept).
int ClearLimits(const CommandArgs& args, AdminService::StubInterface& stub, std::ostream& out,
                std::ostream& err) {
  std::optional<std::string> scope;
  if (!ScopeFlag(args, err, &scope)) return kUsage;
  auth::v1::SetLimitsRequest request;
  request.set_name(args.positional[1]);
  if (scope) {
    int code = kOk;
    auto current = FindUser(args, args.positional[1], stub, err, &code);
    if (!current) return code;
    *request.mutable_limits() = current->limits();
    if (request.mutable_limits()->mutable_scopes()->erase(*scope) == 0) {
      err << "error: user '" << args.positional[1] << "' has no limits for scope '" << *scope
          << "'\n";
      return kFailed;
    }
  }
  return SendLimits(args, request, stub, out, err);
}

}  // namespace

int LimitsCommand(const CommandArgs& args, AdminService::StubInterface& stub, std::ostream& out,
                  std::ostream& err) {
  const std::string verb = args.positional.empty() ? "" : args.positional[0];
  if (args.positional.size() != 2 || (verb != "set" && verb != "show" && verb != "clear")) {
    err << "usage: llmsrouter-admin limits set USER [--scope S] [--rpm N] [--tpm N] "
           "[--parallel N] [--budget USD --period day|week|month|total]\n"
           "       llmsrouter-admin limits show USER [--format json]\n"
           "       llmsrouter-admin limits clear USER [--scope S]\n";
    return kUsage;
  }
  if (verb == "show") return ShowLimits(args, stub, out, err);
  if (verb == "set") return SetLimits(args, stub, out, err);
  return ClearLimits(args, stub, out, err);
}

namespace {

struct Totals {
  int64_t calls = 0, prompt = 0, cached = 0, completion = 0, cost_micros = 0, estimated = 0;
};

std::string GroupKey(const auth::v1::UsageRow& row, const std::string& by) {
  if (by == "model") return row.model();
  if (by == "user") return row.user();
  return row.day();
}

void PrintUsage(const std::map<std::string, Totals>& groups, const std::string& by,
                const std::string& format, std::ostream& out) {
  if (format == "json") {
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (const auto& [key, t] : groups) {
      rows.push_back({{by, key},
                      {"calls", t.calls},
                      {"prompt_tokens", t.prompt},
                      {"cached_tokens", t.cached},
                      {"completion_tokens", t.completion},
                      {"cost_usd", MicrosToUsd(t.cost_micros)},
                      {"estimated_calls", t.estimated}});
    }
    out << rows.dump(2) << "\n";
    return;
  }
  const char* sep = format == "csv" ? "," : "\t";
  out << by << sep << "calls" << sep << "prompt_tokens" << sep << "cached_tokens" << sep
      << "completion_tokens" << sep << "cost_usd" << sep << "estimated_calls\n";
  for (const auto& [key, t] : groups) {
    out << (format == "csv" ? CsvCell(key) : key) << sep << t.calls << sep << t.prompt << sep
        << t.cached << sep << t.completion << sep << FormatUsd(MicrosToUsd(t.cost_micros)) << sep
        << t.estimated << "\n";
  }
}

}  // namespace

int UsageCommand(const CommandArgs& args, AdminService::StubInterface& stub, std::ostream& out,
                 std::ostream& err) {
  std::string by = Flag(args, "--by", "day");
  std::string format = Flag(args, "--format", "table");
  if (!args.positional.empty() || (by != "day" && by != "model" && by != "user") ||
      (format != "table" && format != "csv" && format != "json")) {
    err << "usage: llmsrouter-admin usage [--user U] [--since YYYY-MM-DD] [--until YYYY-MM-DD] "
           "[--by day|model|user] [--format table|csv|json]\n";
    return kUsage;
  }
  absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  auth::v1::GetUsageRequest request;
  request.set_user(Flag(args, "--user"));
  request.set_since(Flag(args, "--since", absl::FormatCivilTime(today - 29)));
  request.set_until(Flag(args, "--until", absl::FormatCivilTime(today)));
  auth::v1::GetUsageResponse response;
  grpc::Status status = stub.GetUsage(Context(args.token).get(), request, &response);
  if (!status.ok()) return ExitCodeFor(status, err);
  std::map<std::string, Totals> groups;
  for (const auto& row : response.rows()) {
    Totals& t = groups[GroupKey(row, by)];
    t.calls += row.calls();
    t.prompt += row.prompt_tokens();
    t.cached += row.cached_tokens();
    t.completion += row.completion_tokens();
    t.cost_micros += row.cost_micros();
    t.estimated += row.estimated_calls();
  }
  PrintUsage(groups, by, format, out);
  return kOk;
}

}  // namespace llmsrouter::admin
