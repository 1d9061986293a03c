// One CSV cell as llmsrouter-admin writes it.
#ifndef LLMSROUTER_SERVICES_ADMIN_CSV_CELL_H_
#define LLMSROUTER_SERVICES_ADMIN_CSV_CELL_H_

#include <string>
#include <string_view>

namespace llmsrouter::admin {

// Quoted when it holds a comma, quote or line break. A value starting with '=', '+', '-',
// '@', tab or carriage return gets a leading "'" so that spreadsheets show it as text and
// never run it as a formula (OWASP "CSV injection").
std::string CsvCell(std::string_view value);

}  // namespace llmsrouter::admin

#endif  // LLMSROUTER_SERVICES_ADMIN_CSV_CELL_H_
