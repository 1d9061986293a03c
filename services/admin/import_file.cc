#include "services/admin/import_file.h"

#include <nlohmann/json.hpp>

#include "common/json_fields.h"
#include "common/json_limits.h"
#include "common/strings.h"

namespace llmsrouter::admin {
namespace {

// Splits one CSV record; false when a quote is left open.
bool SplitCsvLine(std::string_view line, std::vector<std::string>* fields) {
  fields->assign(1, "");
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields->back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields->back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields->emplace_back();
    } else if (c != '\r') {
      fields->back().push_back(c);
    }
  }
  for (auto& f : *fields) f = std::string(Trim(f));
  return !quoted;
}

void AddRow(ImportFile& file, int line, std::string username, std::string email,
            std::vector<std::string> permissions) {
  if (username.empty()) {
    file.problems.push_back({line, "username is empty"});
    return;
  }
  file.rows.push_back({line, std::move(username), std::move(email), std::move(permissions)});
}

}  // namespace

std::vector<std::string> ParsePermissions(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  for (char c : text) {
    if (c == ',' || c == ';' || c == ' ' || c == '\t') {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

ImportFile ParseCsv(std::string_view text) {
  ImportFile file;
  std::vector<std::string_view> lines = Split(text, '\n');
  int user_col = -1, email_col = -1, perm_col = -1;
  std::vector<std::string> fields;
  int line_number = 0;
  bool header = true;
  for (std::string_view line : lines) {
    ++line_number;
    if (Trim(line).empty()) continue;
    if (!SplitCsvLine(line, &fields)) {
      file.problems.push_back({line_number, "unterminated quote"});
      continue;
    }
    if (header) {
      header = false;
      for (int i = 0; i < static_cast<int>(fields.size()); ++i) {
        std::string name = Lower(fields[i]);
        if (name == "username" || name == "user" || name == "name") user_col = i;
        if (name == "email") email_col = i;
        if (name == "permissions") perm_col = i;
      }
      if (user_col < 0) {
        file.problems.push_back({line_number, "the header must name a 'username' column"});
        return file;
      }
      continue;
    }
    auto field = [&](int col) {
      return col >= 0 && col < static_cast<int>(fields.size()) ? fields[col] : std::string();
    };
    if (static_cast<int>(fields.size()) <= user_col) {
      file.problems.push_back({line_number, "too few columns"});
      continue;
    }
    AddRow(file, line_number, field(user_col), field(email_col), ParsePermissions(field(perm_col)));
  }
  return file;
}

ImportFile ParseJson(std::string_view text) {
  ImportFile file;
  auto doc = ParseUntrustedJson(text);
  if (!doc.is_array()) {
    file.problems.push_back({0, "the file must hold a JSON array of users"});
    return file;
  }
  int entry = 0;
  for (const auto& item : doc) {
    ++entry;
    if (!item.is_object()) {
      file.problems.push_back({entry, "entry is not an object"});
      continue;
    }
    std::string username = JsonString(item, "username", JsonString(item, "name"));
    std::string email =
        item.contains("email") && item["email"].is_string() ? item["email"].get<std::string>() : "";
    std::vector<std::string> permissions;
    if (auto p = item.find("permissions"); p != item.end()) {
      if (p->is_string()) {
        permissions = ParsePermissions(p->get<std::string>());
      } else if (p->is_array()) {
        for (const auto& v : *p) {
          if (v.is_string()) permissions.push_back(v.get<std::string>());
        }
      } else if (!p->is_null()) {
        file.problems.push_back({entry, "permissions must be a string or a list"});
        continue;
      }
    }
    AddRow(file, entry, std::move(username), std::move(email), std::move(permissions));
  }
  return file;
}

}  // namespace llmsrouter::admin
