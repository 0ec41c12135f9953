#include "ingest/chunking.hpp"

#include <cctype>
#include <string_view>

namespace sf::ingest {

bool looks_like_heading(const std::string& p) {
  if (p.empty() || p.size() > 80 || p.find('\n') != std::string::npos) return false;
  char last = p.back();
  if (last == '.' || last == ',' || last == ';' || last == ':') return false;
  auto first = static_cast<unsigned char>(p[0]);
  return std::isupper(first) || std::isdigit(first) || first >= 0x80;
}

namespace {

// Where to cut a paragraph longer than a chunk: just after the last sentence end at or before
// `max` (Latin ". ", "! ", "? " or the full-width 。！？ of CJK text), if it is past max/2;
// else at `max`, moved back to the start of a character so UTF-8 is never split.
std::size_t sentence_cut(const std::string& text, std::size_t max) {
  std::size_t best = std::string::npos;
  for (std::string_view end : {". ", "! ", "? "})
    if (auto at = text.rfind(end, max - 1); at != std::string::npos && (best == std::string::npos || at + 1 > best))
      best = at + 1;
  for (std::string_view end : {"\u3002", "\uff01", "\uff1f"})
    if (auto at = text.rfind(end, max - end.size()); at != std::string::npos && (best == std::string::npos || at + end.size() > best))
      best = at + end.size();
  if (best != std::string::npos && best >= max / 2) return best;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return cut;
}

}  // namespace

std::vector<chunk> make_chunks(const document_text& doc, std::size_t max_chars) {
  std::vector<chunk> out;
  chunk current;
  std::string heading;
  auto flush = [&] {
    if (current.text.empty()) return;
    current.ordinal = static_cast<int>(out.size());
    out.push_back(std::move(current));
    current = chunk{};
  };
  for (const auto& page : doc.pages) {
    std::size_t start = 0;
    while (start < page.text.size()) {
      auto end = page.text.find("\n\n", start);
      if (end == std::string::npos) end = page.text.size();
      std::string para = page.text.substr(start, end - start);
      start = end + 2;
      if (para.empty()) continue;
      if (looks_like_heading(para)) {
        flush();
        heading = para;
      }
      if (!current.text.empty() && current.text.size() + para.size() > max_chars) flush();
      if (current.text.empty()) {
        current.page_start = page.page;
        current.heading = heading;
      }
      current.page_end = page.page;
      current.text += (current.text.empty() ? "" : "\n\n") + para;
      // A single paragraph longer than a chunk is cut at a sentence end near the limit.
      while (current.text.size() > max_chars * 2) {
        auto cut = sentence_cut(current.text, max_chars);
        chunk head = current;
        head.text = current.text.substr(0, cut);
        current.text = current.text.substr(cut);
        head.ordinal = static_cast<int>(out.size());
        out.push_back(std::move(head));
        current.page_start = page.page;
      }
    }
  }
  flush();
  return out;
}

}  // namespace sf::ingest
