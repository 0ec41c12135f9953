#include "generate/text_analysis.hpp"

#include <array>
#include <cctype>
#include <string_view>

#include "common/utf8.hpp"

namespace sf::gen::text {
namespace {

bool in(char32_t c, std::u32string_view set) { return set.find(c) != std::u32string_view::npos; }

// Latin Extended-A pairs upper/lower by parity, but the parity flips in three runs.
bool latin_ext_a_upper(char32_t c) {
  if (c >= 0x100 && c <= 0x137) return c % 2 == 0;
  if (c >= 0x139 && c <= 0x148) return c % 2 == 1;
  if (c >= 0x14A && c <= 0x177) return c % 2 == 0;
  if (c == 0x178) return true;
  if (c >= 0x179 && c <= 0x17E) return c % 2 == 1;
  return false;
}

constexpr std::u32string_view openers = U"\"'(\u201C\u2018\u201E\u00AB[\u00BF\u00A1";
// German closes quotes with the English opening marks: „so“ and ‚so‘.
constexpr std::u32string_view closers = U"\"')]\u201D\u2019\u00BB\u203A}\u201C\u2018";
constexpr std::u32string_view terminators = U".!?\u2026";

bool is_bullet(char32_t c) {
  return in(c, U"\u2022\u25E6\u25AA\u25CF\u25A0\u25A1\u2023\u2043\u27A2\u25B8\u25BA\u25B6\u2219\u00B7"
               U"\uF0B7\uF0A7\uF0D8\uF076\u2713\u2714\u274F");
}
// Characters that start a list item only at the start of a line or sentence.
bool is_dash_bullet(char32_t c) { return in(c, U"-*\u2013\u2014"); }

// Abbreviations that are followed by a full stop without ending the sentence.
constexpr std::array<std::string_view, 62> abbreviations = {
    "mr",   "mrs",  "ms",   "dr",   "prof", "sr",   "jr",    "st",   "vs",   "fig",  "figs",
    "eq",   "eqs",  "no",   "nos",  "vol",  "ch",   "chap",  "sec",  "sect", "cf",   "approx",
    "resp", "ref",  "refs", "pp",   "ed",   "eds",  "al",    "inc",  "ltd",  "co",   "corp",
    "jan",  "feb",  "mar",  "apr",  "jun",  "jul",  "aug",   "sep",  "sept", "oct",  "nov",
    "dec",  "bzw",  "ca",   "nr",   "vgl",  "abb",  "sog",   "evtl", "ggf",  "inkl", "zzgl",
    "bspw", "hr",   "fr",   "dipl", "ing",  "str",  "tel"};

bool is_abbreviation(std::string_view text, std::size_t dot) {
  std::size_t b = dot;
  while (b > 0) {
    const char32_t c = prev_cp(text, b);
    if (is_space(c) || in(c, openers)) break;
    // step back over the code point
    do { --b; } while (b > 0 && (static_cast<unsigned char>(text[b]) & 0xC0) == 0x80);
  }
  std::string word = lower(text.substr(b, dot - b));
  if (word.empty()) return false;
  if (utf8::length(word) == 1) {
    std::size_t i = 0;
    return is_letter(next_cp(word, i));  // an initial such as "J."
  }
  if (word.find('.') != std::string::npos) {
    // "e.g", "i.e", "z.b", "u.s.a": every part one or two letters; "debian.org" is not.
    std::size_t start = 0;
    while (start <= word.size()) {
      std::size_t end = word.find('.', start);
      if (end == std::string::npos) end = word.size();
      std::string_view part(word.data() + start, end - start);
      if (part.empty() || utf8::length(part) > 2) return false;
      for (char ch : part)
        if (static_cast<unsigned char>(ch) < 0x80 && !std::isalpha(static_cast<unsigned char>(ch))) return false;
      start = end + 1;
    }
    return true;
  }
  for (auto a : abbreviations)
    if (word == a) return true;
  return false;
}

// "1." or "12." at the very start of a sentence numbers a list item; it is not a sentence.
bool is_item_number(std::string_view text, std::size_t sentence_start, std::size_t dot) {
  if (dot <= sentence_start || dot - sentence_start > 3) return false;
  for (std::size_t k = sentence_start; k < dot; ++k)
    if (text[k] < '0' || text[k] > '9') return false;
  return true;
}

span trim(std::string_view text, span s) {
  std::size_t b = s.begin, e = s.end;
  while (b < e) {
    std::size_t i = b;
    const char32_t c = next_cp(text, i);
    if (is_space(c) || is_bullet(c)) { b = i; continue; }
    if (is_dash_bullet(c) && i < e) {
      std::size_t j = i;
      if (is_space(next_cp(text, j))) { b = i; continue; }
    }
    break;
  }
  while (e > b && is_space(prev_cp(text, e))) {
    do { --e; } while (e > b && (static_cast<unsigned char>(text[e]) & 0xC0) == 0x80);
  }
  return {b, e};
}

}  // namespace

bool is_letter(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  if (c == 0xAA || c == 0xB5 || c == 0xBA) return true;
  if (c >= 0xC0 && c <= 0x24F) return c != 0xD7 && c != 0xF7;
  if (c >= 0x250 && c <= 0x2AF) return true;
  if (c >= 0x370 && c <= 0x3FF) return c != 0x37E && c != 0x387;
  if (c >= 0x400 && c <= 0x52F) return c < 0x482 || c > 0x489;
  if (c >= 0x1E00 && c <= 0x1FFF) return true;
  if (c >= 0x3040 && c <= 0x30FF) return true;
  if (c >= 0x4E00 && c <= 0x9FFF) return true;
  if (c >= 0xAC00 && c <= 0xD7AF) return true;
  if (c >= 0xFB00 && c <= 0xFB06) return true;  // ligatures such as "ﬁ" from PDFs
  if (c >= 0x1D400 && c <= 0x1D7FF) return true;  // mathematical alphanumerics
  return false;
}

bool is_digit(char32_t c) { return c >= '0' && c <= '9'; }

bool is_upper(char32_t c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z';
  if (c >= 0xC0 && c <= 0xDE) return c != 0xD7;
  if (c >= 0x100 && c <= 0x17E) return latin_ext_a_upper(c);
  if (c >= 0x391 && c <= 0x3A9) return c != 0x3A2;
  if (c >= 0x400 && c <= 0x42F) return true;
  return false;
}

bool is_lower(char32_t c) {
  if (c < 0x80) return c >= 'a' && c <= 'z';
  if (c >= 0xDF && c <= 0xFF) return c != 0xF7;
  if (c >= 0x100 && c <= 0x17F) return !latin_ext_a_upper(c);
  if (c >= 0x3AC && c <= 0x3CE) return true;
  if (c >= 0x430 && c <= 0x45F) return true;
  return false;
}

bool is_space(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == 0xA0 ||
         (c >= 0x2000 && c <= 0x200B) || c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

char32_t to_lower(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if (c == 0x178) return 0xFF;
  if (c >= 0x100 && c <= 0x17E && latin_ext_a_upper(c)) return c + 1;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}

std::string lower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    char32_t c = next_cp(s, i);
    if (c < 0x80) {
      out += static_cast<char>((c >= 'A' && c <= 'Z') ? c + 32 : c);
      continue;
    }
    switch (c) {
      case 0x2019: out += '\''; break;
      case 0xFB00: out += "ff"; break;
      case 0xFB01: out += "fi"; break;
      case 0xFB02: out += "fl"; break;
      case 0xFB03: out += "ffi"; break;
      case 0xFB04: out += "ffl"; break;
      default: utf8::append(out, to_lower(c));
    }
  }
  return out;
}

char32_t prev_cp(std::string_view s, std::size_t i) {
  if (i == 0) return 0;
  std::size_t b = i - 1;
  while (b > 0 && i - b < 4 && (static_cast<unsigned char>(s[b]) & 0xC0) == 0x80) --b;
  std::size_t k = b;
  char32_t c = next_cp(s, k);
  return k == i ? c : 0xFFFD;
}

std::vector<span> split_paragraphs(std::string_view text) {
  std::vector<span> out;
  auto push = [&](std::size_t b, std::size_t e) {
    span t = trim(text, {b, e});
    if (t.size() > 0) out.push_back(t);
  };
  std::size_t start = 0, i = 0;
  while (i < text.size()) {
    if (text[i] == '\n' || text[i] == '\f') {
      // A blank line (only spaces between two newlines) or a form feed ends a paragraph.
      std::size_t j = i + 1;
      while (j < text.size() && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r')) ++j;
      if (text[i] == '\f' || (j < text.size() && (text[j] == '\n' || text[j] == '\f'))) {
        push(start, i);
        while (j < text.size() && (text[j] == '\n' || text[j] == '\f' || text[j] == ' ' || text[j] == '\t' ||
                                   text[j] == '\r'))
          ++j;
        start = i = j;
        continue;
      }
    }
    ++i;
  }
  push(start, text.size());
  return out;
}

std::vector<span> split_sentences(std::string_view text, span within) {
  std::vector<span> out;
  auto emit = [&](std::size_t b, std::size_t e) {
    span t = trim(text, {b, e});
    if (t.size() > 0) out.push_back(t);
  };
  const std::size_t end = within.end;
  std::size_t start = within.begin;
  std::size_t i = within.begin;
  while (i < end) {
    const std::size_t at = i;
    const char32_t c = next_cp(text, i);
    if (is_bullet(c) && (at == within.begin || is_space(prev_cp(text, at)))) {
      emit(start, at);
      start = i;
      continue;
    }
    if (!in(c, terminators)) continue;
    std::size_t j = i;
    bool single_dot = c == '.';
    while (j < end) {
      std::size_t k = j;
      char32_t d = next_cp(text, k);
      if (!in(d, terminators)) break;
      single_dot = false;
      j = k;
    }
    while (j < end) {
      std::size_t k = j;
      if (!in(next_cp(text, k), closers)) break;
      j = k;
    }
    if (j >= end) break;
    std::size_t k = j;
    if (!is_space(next_cp(text, k))) continue;  // "1.2.3", "e.g.,", "foo.bar"
    while (k < end) {
      std::size_t m = k;
      if (!is_space(next_cp(text, m))) break;
      k = m;
    }
    if (k >= end) break;
    std::size_t m = k;
    const char32_t n = next_cp(text, m);
    if (single_dot && (is_abbreviation(text, at) || is_item_number(text, trim(text, {start, at}).begin, at)))
      continue;
    if (is_lower(n)) continue;
    if (is_letter(n) || is_digit(n) || in(n, openers) || is_bullet(n) || is_dash_bullet(n)) {
      emit(start, j);
      start = i = k;
    }
  }
  emit(start, end);
  return out;
}

std::vector<span> split_sentences(std::string_view text) {
  std::vector<span> out;
  for (const span& p : split_paragraphs(text)) {
    auto s = split_sentences(text, p);
    out.insert(out.end(), s.begin(), s.end());
  }
  return out;
}

std::vector<token> tokenize(std::string_view text, span within) {
  std::vector<token> out;
  const std::size_t end = within.end;
  auto word_char = [](char32_t c) { return is_letter(c) || is_digit(c); };
  std::size_t i = within.begin;
  std::size_t prev_end = within.begin;
  while (i < end) {
    const std::size_t b = i;
    const char32_t first = next_cp(text, i);
    if (!word_char(first)) continue;
    std::size_t e = i;
    while (e < end) {
      std::size_t k = e;
      char32_t c = next_cp(text, k);
      if (word_char(c)) { e = k; continue; }
      if ((c == '-' || c == '_' || c == '.' || c == '\'' || c == 0x2019 || c == '@') && k < end) {
        std::size_t m = k;
        if (word_char(next_cp(text, m))) { e = k; continue; }
      }
      break;
    }
    token t;
    // A scheme such as "https://" swallows the rest of the URL.
    if (text.substr(e, 3) == "://") {
      while (e < end) {
        std::size_t k = e;
        if (is_space(next_cp(text, k))) break;
        e = k;
      }
      while (e > b && std::string_view(".,;:)]'\"").find(text[e - 1]) != std::string_view::npos) --e;
      t.url = true;
    }
    // "C++", "g++"
    if (text.substr(e, 2) == "++") e += 2;
    t.bytes = {b, e};
    std::string_view surface = text.substr(b, e - b);
    t.norm = lower(surface);
    int letters = 0, uppers = 0;
    std::size_t k = 0;
    while (k < surface.size()) {
      char32_t c = next_cp(surface, k);
      if (is_letter(c)) {
        ++letters;
        if (is_upper(c)) ++uppers;
      } else if (is_digit(c)) {
        t.has_digit = true;
      }
    }
    t.upper_initial = is_upper(first);
    t.all_caps = letters >= 2 && uppers == letters;
    t.numeric = letters == 0;
    if (t.norm.starts_with("www.") || t.norm.find('@') != std::string::npos) t.url = true;
    if (!t.url) {
      // A domain or file name: dotted, and its last part is a short alphabetic suffix.
      auto dot = t.norm.rfind('.');
      if (dot != std::string::npos && dot > 0 && std::isalpha(static_cast<unsigned char>(t.norm[0]))) {
        std::string_view tail(t.norm.data() + dot + 1, t.norm.size() - dot - 1);
        bool alpha = tail.size() >= 2 && tail.size() <= 6;
        for (char ch : tail) alpha = alpha && std::isalpha(static_cast<unsigned char>(ch));
        std::string_view head(t.norm.data(), dot);
        auto prev_dot = head.rfind('.');
        std::string_view last_part = prev_dot == std::string_view::npos ? head : head.substr(prev_dot + 1);
        if (alpha && last_part.size() >= 2) t.url = true;
      }
    }
    t.possessive = t.norm.ends_with("'s");
    const char32_t before = prev_cp(text, b);
    std::size_t after_pos = e;
    const char32_t after = e < text.size() ? next_cp(text, after_pos) : U' ';
    bool clean_before = b == within.begin || is_space(before) || in(before, openers);
    bool clean_after = e >= end || is_space(after) || in(after, closers);
    if (!clean_after && in(after, U",.;:!?")) {
      // Punctuation then a space is prose; "foo.bar" or "a,b" is code.
      std::size_t m = after_pos;
      const char32_t next = after_pos < text.size() ? next_cp(text, m) : U' ';
      clean_after = after_pos >= end || is_space(next) || in(next, closers);
    }
    t.clean = clean_before && clean_after && !t.url;
    for (std::size_t p = prev_end; p < b && !out.empty();) {
      if (!is_space(next_cp(text, p))) { t.break_before = true; break; }
    }
    prev_end = e;
    i = e;
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace sf::gen::text
