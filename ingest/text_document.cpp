#include "ingest/text_document.hpp"

#include <sstream>

#include "common/utf8.hpp"
#include "ingest/subtitles.hpp"

namespace sf::ingest {
namespace {

constexpr std::size_t page_target = 4000;   // bytes of text per page, roughly a printed page
constexpr std::size_t heading_break = 1200; // a heading starts a new page once this much is on it

bool is_heading(const std::string& line, const std::string& next) {
  if (line.rfind("#", 0) == 0) return true;  // Markdown ATX
  // Markdown setext and reStructuredText: a line underlined with = - ~ or ^
  return !line.empty() && next.size() >= 3 && next.find_first_not_of(next[0]) == std::string::npos &&
         std::string("=-~^*").find(next[0]) != std::string::npos;
}

std::string strip_heading(const std::string& line) {
  auto start = line.find_first_not_of("# ");
  return start == std::string::npos ? std::string() : line.substr(start);  // a bare "#" heads nothing
}

struct paragraph {
  std::string text;
  bool heading = false;
};

std::vector<paragraph> paragraphs(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    lines.push_back(l);
  }
  std::vector<paragraph> out;
  std::string current;
  auto flush = [&] {
    if (!current.empty()) out.push_back({current, false});
    current.clear();
  };
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto& line = lines[i];
    const std::string next = i + 1 < lines.size() ? lines[i + 1] : std::string();
    if (line.find_first_not_of(" \t") == std::string::npos) {
      flush();
      continue;
    }
    if (current.empty() && is_heading(line, next)) {
      bool atx = line.rfind("#", 0) == 0;
      if (atx && strip_heading(line).empty()) continue;  // "#" alone: a heading with no words
      out.push_back({atx ? strip_heading(line) : line, true});
      if (!atx) ++i;  // skip the underline
      continue;
    }
    auto first = line.find_first_not_of(" \t");
    if (!current.empty()) current += ' ';
    current.append(line, first);
  }
  flush();
  return out;
}

}  // namespace

std::optional<std::string> utf16_to_utf8(std::string_view b) {
  if (b.size() < 2) return std::nullopt;
  bool little = static_cast<unsigned char>(b[0]) == 0xFF && static_cast<unsigned char>(b[1]) == 0xFE;
  bool big = static_cast<unsigned char>(b[0]) == 0xFE && static_cast<unsigned char>(b[1]) == 0xFF;
  if ((!little && !big) || b.size() % 2) return std::nullopt;
  auto unit = [&](std::size_t i) {
    auto lo = static_cast<unsigned char>(b[i + (little ? 0 : 1)]), hi = static_cast<unsigned char>(b[i + (little ? 1 : 0)]);
    return static_cast<char32_t>(hi << 8 | lo);
  };
  std::string out;
  for (std::size_t i = 2; i < b.size(); i += 2) {
    char32_t u = unit(i);
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (i + 2 >= b.size()) return std::nullopt;
      char32_t v = unit(i + 2);
      if (v < 0xDC00 || v > 0xDFFF) return std::nullopt;
      u = 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00);
      i += 2;
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      return std::nullopt;
    }
    utf8::append(out, u);
  }
  return out;
}

result<document_text> extract_text(const std::string& bytes, double subtitle_segment_s) {
  std::string text;
  if (auto wide = utf16_to_utf8(bytes)) {
    text = std::move(*wide);
  } else {
    text = bytes.rfind("\xef\xbb\xbf", 0) == 0 ? bytes.substr(3) : bytes;
    if (!utf8::valid(text))
      return failure(errc::rejected, "unreadable: the text is not UTF-8 (save it as UTF-8 and upload it again)");
  }
  // PostgreSQL stores no NUL, and no other control character means anything in prose. (Bytes
  // below 0x80 never occur inside a UTF-8 sequence, so they can go one by one.)
  std::erase_if(text, [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7f;
  });
  if (looks_like_subtitles(text)) {
    auto cues = parse_subtitles(text);
    if (!cues.empty()) return segment_cues(cues, subtitle_segment_s, "subtitle");
  }
  document_text out;
  std::string page;
  auto flush = [&] {
    if (page.empty()) return;
    out.pages.push_back({static_cast<int>(out.pages.size()) + 1, "native", page, -1, -1});
    page.clear();
  };
  for (auto& p : paragraphs(text)) {
    if ((p.heading && page.size() >= heading_break) || page.size() + p.text.size() > page_target) flush();
    page += (page.empty() ? "" : "\n\n") + p.text;
  }
  flush();
  if (out.pages.empty()) return failure(errc::rejected, "empty: the file holds no text");
  tally(out);
  return out;
}

}  // namespace sf::ingest
