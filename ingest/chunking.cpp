#include "ingest/chunking.hpp"

#include <cctype>

namespace sf::ingest {

bool looks_like_heading(const std::string& p) {
  if (p.empty() || p.size() > 80 || p.find('\n') != std::string::npos) return false;
  char last = p.back();
  if (last == '.' || last == ',' || last == ';' || last == ':') return false;
  auto first = static_cast<unsigned char>(p[0]);
  return std::isupper(first) || std::isdigit(first) || first >= 0x80;
}

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
        auto cut = current.text.rfind(". ", max_chars);
        if (cut == std::string::npos || cut < max_chars / 2) cut = max_chars;
        else cut += 1;
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
