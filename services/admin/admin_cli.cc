#include "services/admin/admin_cli.h"

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/time/time.h"
#include "common/strings.h"
#include "services/admin/csv_cell.h"
#include "services/admin/import_file.h"
#include "services/admin/limits_commands.h"

namespace llmsrouter::admin {
namespace {

using auth::v1::AdminService;

struct Parsed {
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;  // "--email" -> value; bool flags -> "true"
};

// Flags that take a value; others are booleans.
bool TakesValue(const std::string& flag) {
  static const std::set<std::string> kValued = {
      "--email",  "--permissions", "--limit", "--rpm",   "--tpm",   "--parallel", "--budget",
      "--period", "--format",      "--user",  "--since", "--until", "--by",       "--scope"};
  return kValued.contains(flag);
}

bool ParseArgs(const std::vector<std::string>& args, Parsed* parsed, std::ostream& err) {
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!a.starts_with("--")) {
      parsed->positional.push_back(a);
    } else if (TakesValue(a)) {
      if (i + 1 >= args.size()) {
        err << "error: " << a << " needs a value\n";
        return false;
      }
      parsed->flags[a] = args[++i];
    } else if (a == "--enable" || a == "--disable") {
      parsed->flags[a] = "true";
    } else {
      err << "error: unknown option " << a << "\n";
      return false;
    }
  }
  return true;
}

std::string Permissions(const auth::v1::User& user) {
  std::vector<std::string> p(user.permissions().begin(), user.permissions().end());
  return p.empty() ? "(none)" : Join(p, ",");
}

std::string Date(int64_t unix) {
  return absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixSeconds(unix), absl::UTCTimeZone());
}

void PrintNewKey(const auth::v1::UserWithKey& r, std::string_view verb, std::ostream& out) {
  out << verb << " user " << r.user().name() << " (permissions: " << Permissions(r.user())
      << ")\nAPI key (shown once — store it now):\n"
      << r.api_key() << "\n";
}

int Add(AdminService::StubInterface& stub, const std::string& token, const Parsed& p,
        std::ostream& out, std::ostream& err) {
  if (p.positional.size() != 1) {
    err << "usage: llmsrouter-admin add USER [--email E] [--permissions \"a,b\"|\"*\"]\n";
    return kUsage;
  }
  auth::v1::AddUserRequest request;
  request.set_name(p.positional[0]);
  if (auto it = p.flags.find("--email"); it != p.flags.end()) request.set_email(it->second);
  if (auto it = p.flags.find("--permissions"); it != p.flags.end()) {
    for (auto& perm : ParsePermissions(it->second)) request.add_permissions(perm);
  }
  auth::v1::UserWithKey response;
  grpc::Status status = stub.AddUser(Context(token).get(), request, &response);
  if (!status.ok()) return ExitCodeFor(status, err);
  PrintNewKey(response, "Added", out);
  return kOk;
}

int List(AdminService::StubInterface& stub, const std::string& token, std::ostream& out,
         std::ostream& err) {
  auth::v1::ListUsersResponse response;
  grpc::Status status = stub.ListUsers(Context(token).get(), {}, &response);
  if (!status.ok()) return ExitCodeFor(status, err);
  out << "USER\tEMAIL\tPERMISSIONS\tENABLED\tKEY\tCREATED\tUPDATED\n";
  for (const auto& u : response.users()) {
    out << u.name() << "\t" << (u.email().empty() ? "-" : u.email()) << "\t" << Permissions(u)
        << "\t" << (u.enabled() ? "yes" : "no") << "\t" << u.key_hint() << "\t"
        << Date(u.created_unix()) << "\t" << Date(u.updated_unix()) << "\n";
  }
  return kOk;
}

// The audit trail, newest first.
int Audit(AdminService::StubInterface& stub, const std::string& token, const Parsed& p,
          std::ostream& out, std::ostream& err) {
  auth::v1::ListAuditRequest request;
  int limit = 100;
  if (auto it = p.flags.find("--limit");
      !p.positional.empty() ||
      (it != p.flags.end() && (!ParseInt(it->second, &limit) || limit <= 0))) {
    err << "usage: llmsrouter-admin audit [--limit N]\n";
    return kUsage;
  }
  request.set_limit(limit);
  auth::v1::ListAuditResponse response;
  grpc::Status status = stub.ListAudit(Context(token).get(), request, &response);
  if (!status.ok()) return ExitCodeFor(status, err);
  out << "TIME\tWHO\tACTION\tTARGET\tFROM\tOUTCOME\n";
  for (const auto& e : response.entries()) {
    out << absl::FormatTime("%Y-%m-%d %H:%M:%E3S", absl::FromUnixMillis(e.unix_ms()),
                            absl::UTCTimeZone())
        << "\t" << e.who() << "\t" << e.action() << "\t" << (e.target().empty() ? "-" : e.target())
        << "\t" << e.from() << "\t" << e.outcome() << "\n";
  }
  return kOk;
}

int Modify(AdminService::StubInterface& stub, const std::string& token, const Parsed& p,
           std::ostream& out, std::ostream& err) {
  if (p.positional.size() != 1 || (p.flags.count("--enable") && p.flags.count("--disable"))) {
    err << "usage: llmsrouter-admin modify USER [--permissions ...] [--email ...] "
           "[--disable|--enable]\n";
    return kUsage;
  }
  auth::v1::ModifyUserRequest request;
  request.set_name(p.positional[0]);
  if (auto it = p.flags.find("--email"); it != p.flags.end()) request.set_email(it->second);
  if (auto it = p.flags.find("--permissions"); it != p.flags.end()) {
    request.set_set_permissions(true);
    for (auto& perm : ParsePermissions(it->second)) request.add_permissions(perm);
  }
  if (p.flags.count("--enable")) request.set_enabled(true);
  if (p.flags.count("--disable")) request.set_enabled(false);
  auth::v1::User user;
  grpc::Status status = stub.ModifyUser(Context(token).get(), request, &user);
  if (!status.ok()) return ExitCodeFor(status, err);
  out << "Modified user " << user.name() << ": permissions " << Permissions(user) << ", "
      << (user.enabled() ? "enabled" : "disabled") << "\n";
  return kOk;
}

int Delete(AdminService::StubInterface& stub, const std::string& token, const Parsed& p,
           std::ostream& out, std::ostream& err) {
  if (p.positional.size() != 1) {
    err << "usage: llmsrouter-admin delete USER\n";
    return kUsage;
  }
  auth::v1::DeleteUserRequest request;
  request.set_name(p.positional[0]);
  auth::v1::DeleteUserResponse response;
  grpc::Status status = stub.DeleteUser(Context(token).get(), request, &response);
  if (!status.ok()) return ExitCodeFor(status, err);
  out << "Deleted user " << p.positional[0] << "\n";
  return kOk;
}

int Rotate(AdminService::StubInterface& stub, const std::string& token, const Parsed& p,
           std::ostream& out, std::ostream& err) {
  if (p.positional.size() != 1) {
    err << "usage: llmsrouter-admin rotate-key USER\n";
    return kUsage;
  }
  auth::v1::RotateKeyRequest request;
  request.set_name(p.positional[0]);
  auth::v1::UserWithKey response;
  grpc::Status status = stub.RotateKey(Context(token).get(), request, &response);
  if (!status.ok()) return ExitCodeFor(status, err);
  PrintNewKey(response, "Rotated the key of", out);
  return kOk;
}

int Import(AdminService::StubInterface& stub, const std::string& token, const Parsed& p,
           std::ostream& out, std::ostream& err) {
  if (p.positional.size() != 1) {
    err << "usage: llmsrouter-admin import FILE.csv|FILE.json\n";
    return kUsage;
  }
  const std::string& path = p.positional[0];
  std::ifstream in(path);
  if (!in) {
    err << "error: cannot read " << path << "\n";
    return kUsage;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  ImportFile file = path.ends_with(".json") ? ParseJson(buffer.str()) : ParseCsv(buffer.str());
  int failed = static_cast<int>(file.problems.size());
  for (const auto& problem : file.problems) {
    err << path << ":" << problem.line << ": " << problem.message << "\n";
  }
  out << "username,api_key\n";
  for (const ImportRow& row : file.rows) {
    auth::v1::AddUserRequest request;
    request.set_name(row.username);
    request.set_email(row.email);
    for (const auto& perm : row.permissions) request.add_permissions(perm);
    auth::v1::UserWithKey response;
    grpc::Status status = stub.AddUser(Context(token).get(), request, &response);
    if (!status.ok()) {
      if (status.error_code() == grpc::StatusCode::UNAVAILABLE) return ExitCodeFor(status, err);
      err << path << ":" << row.line << ": " << row.username << ": " << status.error_message()
          << "\n";
      ++failed;
      continue;
    }
    out << CsvCell(row.username) << "," << response.api_key() << "\n";
  }
  err << "imported " << (file.rows.size() + file.problems.size() - failed) << " user(s), " << failed
      << " failed\n";
  return failed > 0 ? kPartial : kOk;
}

int Export(AdminService::StubInterface& stub, const std::string& token, std::ostream& out,
           std::ostream& err) {
  auth::v1::ListUsersResponse response;
  grpc::Status status = stub.ListUsers(Context(token).get(), {}, &response);
  if (!status.ok()) return ExitCodeFor(status, err);
  out << "username,email,permissions,enabled\n";
  for (const auto& u : response.users()) {
    std::vector<std::string> perms(u.permissions().begin(), u.permissions().end());
    out << CsvCell(u.name()) << "," << CsvCell(u.email()) << "," << CsvCell(Join(perms, ",")) << ","
        << (u.enabled() ? "true" : "false") << "\n";
  }
  return kOk;
}

}  // namespace

int ExitCodeFor(const grpc::Status& status, std::ostream& err) {
  err << "error: " << status.error_message() << "\n";
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      err << "hint: is the auth service running at --auth/AUTH_ADDR, and Redis reachable?\n";
      return kUnreachable;
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      return kUnauthorized;
    case grpc::StatusCode::INVALID_ARGUMENT:
      return kUsage;
    default:
      return kFailed;
  }
}

std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", StrCat("Bearer ", token));
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

std::string UsageText() {
  return "Commands:\n"
         "  add USER [--email E] [--permissions \"a,b\"|\"*\"]   create a user, print its key\n"
         "  list                                              users (never keys; a hint instead)\n"
         "  modify USER [--permissions ...] [--email ...] [--disable|--enable]\n"
         "  delete USER\n"
         "  rotate-key USER                                   new key; the old one stops at once\n"
         "  import FILE.csv|FILE.json                         columns username,email,permissions\n"
         "  export                                            CSV of users (no keys)\n"
         "  audit [--limit N]                                 admin actions, newest first\n"
         "  health                                            model groups at --router: each\n"
         "                                                    deployment's state, cooldown, cause\n"
         "  limits set USER [--scope S] [--rpm N] [--tpm N] [--parallel N] [--budget USD "
         "--period day|week|month|total]\n"
         "                                                    S: a provider alias or group\n"
         "  limits show USER [--format json]                  a user's limits and scopes\n"
         "  limits clear USER [--scope S]                     no limits (or none in S)\n"
         "  usage [--user U] [--since D] [--until D] [--by day|model|user]\n"
         "        [--format table|csv|json]                   recorded spend (UTC days)\n"
         "Exit codes: 0 ok, 1 refused, 2 usage, 3 import partly failed, 4 unreachable,\n"
         "            5 wrong admin token.\n";
}

int RunAdminCommand(const std::vector<std::string>& args, AdminService::StubInterface& stub,
                    const std::string& token, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << UsageText();
    return kUsage;
  }
  if (token.empty()) {
    err << "error: set LLMSROUTER_ADMIN_TOKEN (the same value as on the auth service)\n";
    return kUnauthorized;
  }
  Parsed p;
  if (!ParseArgs(args, &p, err)) return kUsage;
  const std::string& command = args[0];
  if (command == "add") return Add(stub, token, p, out, err);
  if (command == "list") return List(stub, token, out, err);
  if (command == "modify") return Modify(stub, token, p, out, err);
  if (command == "delete") return Delete(stub, token, p, out, err);
  if (command == "rotate-key") return Rotate(stub, token, p, out, err);
  if (command == "import") return Import(stub, token, p, out, err);
  if (command == "export") return Export(stub, token, out, err);
  if (command == "audit") return Audit(stub, token, p, out, err);
  if (command == "limits" || command == "usage") {
    CommandArgs c{p.positional, p.flags, token};
    return command == "limits" ? LimitsCommand(c, stub, out, err) : UsageCommand(c, stub, out, err);
  }
  err << "error: unknown command '" << command << "'\n" << UsageText();
  return kUsage;
}

}  // namespace llmsrouter::admin
