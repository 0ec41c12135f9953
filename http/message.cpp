#include "http/message.hpp"

namespace sf::http {

std::optional<std::string> request::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> request::param(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::string percent_decode(std::string_view s, bool plus_is_space, bool& ok) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) { ok = false; return out; }
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) { ok = false; return out; }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

bool parse_target(const std::string& target, std::string& path, std::map<std::string, std::string>& query) {
  bool ok = true;
  auto q = target.find('?');
  path = percent_decode(std::string_view(target).substr(0, q), false, ok);
  if (!ok || path.empty() || path[0] != '/') return false;
  if (path.find('\0') != std::string::npos) return false;
  if (q == std::string::npos) return true;
  std::string_view rest = std::string_view(target).substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), true, ok);
    auto value = eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true, ok);
    if (!ok) return false;
    if (!key.empty()) query.emplace(std::move(key), std::move(value));
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return true;
}

}  // namespace sf::http
