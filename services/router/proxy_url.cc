#include "services/router/proxy_url.h"

#include <arpa/inet.h>

#include <cctype>

#include "common/strings.h"

namespace llmsrouter::router {
namespace {

// The pieces of a URL or pattern, each already checked on its own.
struct Parts {
  std::string scheme;
  std::string host;  // lower-case; an IPv6 literal without its brackets
  bool bracketed = false;
  std::string port;  // empty, digits, or "*" in a pattern
  std::vector<std::string> path;
};

absl::Status Bad(std::string_view what) { return absl::InvalidArgumentError(std::string(what)); }

bool IsUnreserved(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '~' ||
         c == '.';
}

bool IsSegmentChar(char c) {
  return IsUnreserved(c) || Contains("!$&'()*+,;=:", std::string_view(&c, 1));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// One path segment, percent-escapes normalised: unreserved characters decoded, the rest kept
// upper-case; escapes that could bend the path or the match are refused.
absl::StatusOr<std::string> NormaliseSegment(std::string_view raw) {
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c != '%') {
      if (!IsSegmentChar(c)) return Bad(StrCat("character '", std::string(1, c), "' in the path"));
      out.push_back(c);
      continue;
    }
    int hi = i + 1 < raw.size() ? HexValue(raw[i + 1]) : -1;
    int lo = i + 2 < raw.size() ? HexValue(raw[i + 2]) : -1;
    if (hi < 0 || lo < 0) return Bad("a malformed percent-escape in the path");
    char decoded = static_cast<char>(hi * 16 + lo);
    i += 2;
    if (decoded == '.' || decoded == '/' || decoded == '?' || decoded == '#' || decoded == '@' ||
        decoded == '\\' || decoded == '%' || decoded <= 0x20 || decoded >= 0x7f) {
      return Bad("an escaped '/', '?', '#', '@', '\\', '.', '%' or control byte in the path");
    }
    if (IsUnreserved(decoded)) {
      out.push_back(decoded);
    } else {
      StrAppend(&out, "%", std::string(1, "0123456789ABCDEF"[hi]),
                std::string(1, "0123456789ABCDEF"[lo]));
    }
  }
  if (out.empty() || out == "." || out == "..") return Bad("an empty, '.' or '..' path segment");
  return out;
}

absl::Status CheckLabel(std::string_view label) {
  if (label.empty() || label.size() > 63) return Bad("an empty or over-long host label");
  for (char c : label) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return Bad(StrCat("character '", std::string(1, c), "' in the host"));
    }
  }
  return absl::OkStatus();
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A DNS name or dotted quad; with `pattern`, labels may be "*".
absl::Status CheckHost(const std::string& host, bool pattern) {
  if (host.empty() || host.size() > 253) return Bad("an empty or over-long host");
  std::vector<std::string_view> labels = Split(host, '.');
  bool wild = false;
  bool numeric = true;
  int numbers = 0;
  for (std::string_view label : labels) {
    if (pattern && label == "*") {
      wild = true;
      continue;
    }
    if (Contains(label, "*")) return Bad("a '*' that is not a whole host label");
    if (auto s = CheckLabel(label); !s.ok()) return s;
    numeric = numeric && AllDigits(label);
    numbers += AllDigits(label) ? 1 : 0;
  }
  if (wild) {
    // "10.0.*" (the old glob form) would match no address at all.
    if (numeric && numbers > 0 && labels.size() != 4)
      return Bad("an IPv4 pattern without four labels");
    return absl::OkStatus();
  }
  // Resolvers read "127.1", "0x7f.1", "2130706433" or "0177.0.0.1" as addresses: only the
  // canonical dotted quad may look numeric.
  in_addr unused;
  bool numeric_tail = AllDigits(labels.back());
  if ((numeric_tail || inet_aton(host.c_str(), &unused) != 0) && !IpAddress::Parse(host)) {
    return Bad("a host that is a non-canonical IPv4 address");
  }
  return absl::OkStatus();
}

absl::Status SplitAuthority(std::string_view authority, bool pattern, Parts* parts) {
  std::string_view port;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Bad("an unterminated '[' in the host");
    parts->bracketed = true;
    parts->host = Lower(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (!ConsumePrefix(&rest, ":")) return Bad("junk after the IPv6 literal");
      if (rest.empty()) return Bad("an empty port");
      port = rest;
    }
    if (!IpAddress::Parse(parts->host) || !Contains(parts->host, ":")) {
      return Bad("an invalid IPv6 literal");
    }
  } else {
    size_t colon = authority.find(':');
    parts->host = Lower(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return Bad("an empty port");
    }
    if (auto s = CheckHost(parts->host, pattern); !s.ok()) return s;
  }
  if (!port.empty() && !(pattern && port == "*")) {
    int value = 0;
    if (port.size() > 5 || !AllDigits(port) || !ParseInt(port, &value) || value < 1 ||
        value > 65535) {
      return Bad("an invalid port");
    }
  }
  parts->port = std::string(port);
  return absl::OkStatus();
}

absl::StatusOr<Parts> ParseParts(std::string_view text, bool pattern) {
  for (char c : text) {
    if (c <= 0x20 || c >= 0x7f || Contains("\\\"<>^`{|}", std::string_view(&c, 1))) {
      return Bad("a space, control, non-ASCII or unsafe character");
    }
  }
  if (Contains(text, "@")) return Bad("userinfo ('@')");
  if (Contains(text, "?") || Contains(text, "#")) return Bad("a query or fragment");
  Parts parts;
  if (ConsumePrefix(&text, "https://")) {
    parts.scheme = "https";
  } else if (ConsumePrefix(&text, "http://")) {
    parts.scheme = "http";
  } else {
    return Bad("a scheme other than http:// or https://");
  }
  size_t slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : text.substr(slash);
  if (authority.empty()) return Bad("no host");
  if (auto s = SplitAuthority(authority, pattern, &parts); !s.ok()) return s;
  while (path.ends_with('/')) path.remove_suffix(1);
  if (path.empty()) return parts;
  path.remove_prefix(1);
  for (std::string_view raw : Split(path, '/')) {
    if (pattern && raw == "*") {
      parts.path.emplace_back("*");
      continue;
    }
    if (pattern && Contains(raw, "*")) return Bad("a '*' that is not a whole path segment");
    auto segment = NormaliseSegment(raw);
    if (!segment.ok()) return segment.status();
    parts.path.push_back(*std::move(segment));
  }
  return parts;
}

int DefaultPort(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

absl::Status Described(const absl::Status& status, std::string_view what, std::string_view text) {
  return absl::InvalidArgumentError(StrCat(what, " '", text, "' has ", status.message()));
}

}  // namespace

std::string ProxyUrl::Base() const {
  std::string out = StrCat(scheme, "://", address && address->v6 ? StrCat("[", host, "]") : host);
  if (port != DefaultPort(scheme)) StrAppend(&out, ":", port);
  for (const std::string& segment : path) StrAppend(&out, "/", segment);
  return out;
}

std::string ProxyUrl::HostPort() const {
  return StrCat(address && address->v6 ? StrCat("[", host, "]") : host, ":", port);
}

absl::StatusOr<ProxyUrl> ParseProxyUrl(std::string_view text) {
  auto parts = ParseParts(text, /*pattern=*/false);
  if (!parts.ok()) return Described(parts.status(), "the URL", text);
  ProxyUrl url;
  url.scheme = parts->scheme;
  url.address = IpAddress::Parse(parts->host);
  url.host = url.address ? url.address->ToString() : parts->host;
  url.port = parts->port.empty() ? DefaultPort(url.scheme) : std::stoi(parts->port);
  url.path = std::move(parts->path);
  return url;
}

absl::StatusOr<UrlPattern> UrlPattern::Parse(std::string_view text) {
  auto parts = ParseParts(text, /*pattern=*/true);
  if (!parts.ok()) return Described(parts.status(), "the pattern", text);
  UrlPattern pattern;
  pattern.scheme_ = parts->scheme;
  if (parts->bracketed) {
    pattern.address_ = IpAddress::Parse(parts->host);
  } else {
    for (std::string_view label : Split(parts->host, '.')) pattern.labels_.emplace_back(label);
  }
  if (parts->port != "*") {
    pattern.port_ = parts->port.empty() ? DefaultPort(parts->scheme) : std::stoi(parts->port);
  }
  pattern.path_ = std::move(parts->path);
  return pattern;
}

bool UrlPattern::Matches(const ProxyUrl& url) const {
  if (url.scheme != scheme_) return false;
  if (port_ && *port_ != url.port) return false;
  if (address_) {
    if (!url.address || *url.address != *address_) return false;
  } else {
    if (url.address && url.address->v6) return false;
    std::vector<std::string_view> labels = Split(url.host, '.');
    if (labels.size() != labels_.size()) return false;
    for (size_t i = 0; i < labels.size(); ++i) {
      if (labels_[i] != "*" && labels_[i] != labels[i]) return false;
    }
  }
  if (url.path.size() < path_.size()) return false;
  for (size_t i = 0; i < path_.size(); ++i) {
    if (path_[i] == "*" ? Contains(url.path[i], ":") : path_[i] != url.path[i]) return false;
  }
  return true;
}

}  // namespace llmsrouter::router
