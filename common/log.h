// Structured JSON-lines logging to stderr. Never pass API keys or prompts here.
#ifndef LLMSROUTER_COMMON_LOG_H_
#define LLMSROUTER_COMMON_LOG_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace llmsrouter {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

using LogField = std::pair<std::string_view, std::string>;

// Thread-safe. Writes {"ts":..,"level":..,"component":..,"msg":..,<fields>} on one line.
void Log(LogLevel level, std::string_view component, std::string_view message,
         std::initializer_list<LogField> fields = {});
void SetMinLogLevel(LogLevel level);

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_LOG_H_
