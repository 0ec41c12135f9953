#include "ingest/text_layout.hpp"

#include "common/utf8.hpp"

namespace sf::ingest {
namespace {

bool is_space(char32_t c) { return c == U' ' || c == U'\t' || c == U'\r' || c == U'\n' || c == 0xA0 || c == 0x2009; }
bool is_lower(char32_t c) { return (c >= U'a' && c <= U'z') || (c >= 0xDF && c <= 0xFF && c != 0xF7); }
bool is_letter(char32_t c) { return is_lower(c) || (c >= U'A' && c <= U'Z') || (c >= 0xC0 && c <= 0x24F); }
bool is_hyphen(char32_t c) { return c == U'-' || c == 0x2010 || c == 0xAD; }

// Appends `line` to `para`, collapsing runs of spaces and dropping control characters.
void append_collapsed(std::u32string& para, const std::u32string& line) {
  for (char32_t c : line) {
    if (c < 0x20 && !is_space(c)) continue;
    if (is_space(c)) {
      if (!para.empty() && para.back() != U' ') para.push_back(U' ');
    } else {
      para.push_back(c);
    }
  }
}

void trim_right(std::u32string& s) {
  while (!s.empty() && s.back() == U' ') s.pop_back();
}

}  // namespace

std::string layout_text(const std::vector<layout_block>& blocks) {
  std::string out;
  for (const auto& block : blocks) {
    std::u32string para;
    for (const auto& line : block.lines) {
      trim_right(para);
      if (!para.empty()) {
        std::size_t first = line.find_first_not_of(U" \t");
        char32_t next = first == std::u32string::npos ? U' ' : line[first];
        bool soft_break = para.size() >= 2 && is_hyphen(para.back()) && is_letter(para[para.size() - 2]) && is_lower(next);
        if (soft_break) para.pop_back();  // "extrac-" + "tion" -> "extraction"
        else para.push_back(U' ');
      }
      append_collapsed(para, line);
    }
    trim_right(para);
    std::size_t lead = para.find_first_not_of(U' ');
    if (lead == std::u32string::npos) continue;
    if (!out.empty()) out += "\n\n";
    out += utf8::encode(std::u32string_view(para).substr(lead));
  }
  return out;
}

}  // namespace sf::ingest
