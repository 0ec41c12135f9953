#include "ingest/subtitles.hpp"

#include <cctype>
#include <map>
#include <sstream>

namespace sf::ingest {
namespace {

constexpr double max_cue_seconds = 1e7;  // about 115 days

// "01:02:03,456", "01:02:03.456" or "02:03.456" -> seconds; -1 when malformed.
double parse_time(std::string_view t) {
  double parts[3] = {0, 0, 0};
  int n = 0;
  std::string cur;
  for (char c : t) {
    if (c == ':') {
      if (n >= 2 || cur.empty()) return -1;
      parts[n++] = std::stod(cur);
      cur.clear();
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == ',' || c == '.') {
      cur += c == ',' ? '.' : c;
    } else {
      return -1;
    }
  }
  if (cur.empty() || n == 0) return -1;
  parts[n++] = std::stod(cur);
  double seconds = 0;
  for (int i = 0; i < n; ++i) seconds = seconds * 60 + parts[i];
  return seconds;
}

std::string trim(std::string s) {
  auto b = s.find_first_not_of(" \t\r");
  auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// Cue text may carry markup such as <i> or {\an8}.
std::string strip_tags(const std::string& s) {
  std::string out;
  int depth = 0;
  for (char c : s) {
    if (c == '<' || c == '{') ++depth;
    else if ((c == '>' || c == '}') && depth > 0) --depth;
    else if (depth == 0) out += c;
  }
  return out;
}

}  // namespace

bool looks_like_subtitles(std::string_view text) {
  if (text.substr(0, 6) == "WEBVTT" || text.substr(0, 9) == "\xef\xbb\xbfWEBVTT") return true;
  auto arrow = text.substr(0, 512).find("-->");
  return arrow != std::string_view::npos && text.substr(0, arrow).find_first_of(":") != std::string_view::npos;
}

std::vector<cue> parse_subtitles(std::string_view text) {
  std::vector<cue> cues;
  std::istringstream in{std::string(text)};
  cue current;
  bool in_cue = false;
  for (std::string line; std::getline(in, line);) {
    line = trim(line);
    auto arrow = line.find("-->");
    if (arrow != std::string::npos) {
      if (in_cue && !current.text.empty()) cues.push_back(current);
      auto end_part = trim(line.substr(arrow + 3));
      end_part = end_part.substr(0, end_part.find(' '));  // WebVTT settings follow the time
      try {
        current = cue{parse_time(trim(line.substr(0, arrow))), parse_time(end_part), {}};
      } catch (const std::exception&) {
        current = cue{-1, -1, {}};
      }
      // Times past any recording (a garbled or hostile file) would overflow page numbers later.
      in_cue = current.start >= 0 && current.end >= current.start && current.end <= max_cue_seconds;
      continue;
    }
    if (line.empty()) {
      if (in_cue && !current.text.empty()) cues.push_back(current);
      in_cue = false;
      continue;
    }
    if (!in_cue) continue;
    if (!current.text.empty()) current.text += ' ';
    current.text += strip_tags(line);
  }
  if (in_cue && !current.text.empty()) cues.push_back(current);
  return cues;
}

document_text segment_cues(const std::vector<cue>& cues, double segment_s, const std::string& method) {
  std::map<long, std::string> windows;
  bool last_was_paragraph = false;
  for (const auto& c : cues) {
    auto& w = windows[static_cast<long>(c.start / segment_s)];
    w += (w.empty() ? "" : (c.paragraph || last_was_paragraph) ? "\n\n" : " ") + c.text;
    last_was_paragraph = c.paragraph;
  }
  document_text out;
  int page = 0;
  for (auto& [index, text] : windows) out.pages.push_back({++page, method, std::move(text), -1, index * segment_s});
  tally(out);
  return out;
}

}  // namespace sf::ingest
