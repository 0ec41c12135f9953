#include "common/redact.hpp"

namespace sf {

std::string without_password(std::string_view url) {
  std::string out(url);
  // key=value form (libpq): the value runs to the next space.
  for (auto at = out.find("password="); at != std::string::npos; at = out.find("password=", at + 1)) {
    auto from = at + 9, to = out.find(' ', from);
    out.replace(from, (to == std::string::npos ? out.size() : to) - from, "***");
  }
  // URL form, a mistyped scheme ("postgres//u:pw@h") included: "user:password@", up to the
  // last '@' before any query (a password may hold '@' or '/' when not encoded).
  auto start = out.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  auto query = out.find_first_of("?#", start);
  auto at = out.rfind('@', query == std::string::npos ? std::string::npos : query - 1);
  if (at == std::string::npos || at < start) return out;
  auto colon = out.find(':', start);
  if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
  return out;
}

}  // namespace sf
