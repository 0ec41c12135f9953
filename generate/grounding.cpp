#include "generate/grounding.hpp"

#include <algorithm>

#include "common/utf8.hpp"

namespace sf::gen {
namespace {

bool space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

// Whitespace runs become one space; `origin[i]` is the byte of the original behind byte i.
struct collapsed {
  std::string text;
  std::vector<std::size_t> origin;
};

collapsed collapse(std::string_view s) {
  collapsed c;
  c.text.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (space(s[i])) {
      if (c.text.empty() || c.text.back() == ' ') continue;
      c.text += ' ';
    } else {
      c.text += s[i];
    }
    c.origin.push_back(i);
  }
  return c;
}

std::string normal_quote(std::string_view q) {
  auto c = collapse(q).text;
  while (!c.empty() && c.back() == ' ') c.pop_back();
  if (!c.empty() && c.front() == ' ') c.erase(0, 1);
  return c;
}

}  // namespace

std::optional<citation> locate_quote(const corpus& input, std::string_view quote, int page_hint) {
  auto needle = normal_quote(quote);
  if (needle.size() < 12) return std::nullopt;  // too short to prove anything
  std::vector<std::size_t> order(input.pages.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::abs(input.pages[a].page - page_hint) < std::abs(input.pages[b].page - page_hint);
  });
  for (std::size_t i : order) {
    const auto& p = input.pages[i];
    auto hay = collapse(p.text);
    auto at = hay.text.find(needle);
    if (at == std::string::npos) continue;
    std::size_t begin = hay.origin[at], end = hay.origin[at + needle.size() - 1] + 1;
    // Extend to the end of a multi-byte character.
    while (end < p.text.size() && (static_cast<unsigned char>(p.text[end]) & 0xC0) == 0x80) ++end;
    return citation{p.source_id, p.page, utf8::cp_offset(p.text, begin), utf8::cp_offset(p.text, end)};
  }
  return std::nullopt;
}

}  // namespace sf::gen
