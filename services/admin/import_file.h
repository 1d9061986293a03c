// Reading users to import from CSV (username,email,permissions) or JSON.
#ifndef LLMSROUTER_SERVICES_ADMIN_IMPORT_FILE_H_
#define LLMSROUTER_SERVICES_ADMIN_IMPORT_FILE_H_

#include <string>
#include <string_view>
#include <vector>

namespace llmsrouter::admin {

struct ImportRow {
  int line = 0;  // 1-based line (CSV) or entry number (JSON)
  std::string username;
  std::string email;
  std::vector<std::string> permissions;
};

struct ImportProblem {
  int line = 0;
  std::string message;
};

struct ImportFile {
  std::vector<ImportRow> rows;
  std::vector<ImportProblem> problems;  // rows that cannot be imported; the rest can
};

// CSV with a header naming the columns (username, email, permissions; any order). Fields may
// be double-quoted; permissions are separated by commas (inside quotes), semicolons or spaces,
// "*" for all.
ImportFile ParseCsv(std::string_view text);
// [{"username": .., "email": .., "permissions": "a,b" | ["a","b"]}, ...]
ImportFile ParseJson(std::string_view text);
// Splits a permission list ("a, b;c" -> {a,b,c}).
std::vector<std::string> ParsePermissions(std::string_view text);

}  // namespace llmsrouter::admin

#endif  // LLMSROUTER_SERVICES_ADMIN_IMPORT_FILE_H_
