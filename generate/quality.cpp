#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "generate/document.hpp"

namespace sf::gen {
namespace {

bool contains_any(std::string_view s, std::initializer_list<std::string_view> needles) {
  for (auto n : needles)
    if (s.find(n) != std::string_view::npos) return true;
  return false;
}

bool starts_with_any(std::string_view s, std::initializer_list<std::string_view> prefixes) {
  for (auto p : prefixes)
    if (s.starts_with(p)) return true;
  return false;
}

// "3.2.1 Title ..." at the start: a heading the extractor glued to its paragraph.
bool numbered_heading_prefix(std::string_view s) {
  std::size_t i = 0, dots = 0;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) dots += s[i++] == '.';
  return i > 0 && dots > 0 && i < s.size() && s[i] == ' ' && s[0] != '.';
}

}  // namespace

double sentence_quality(std::string_view s, const std::vector<text::token>& tokens, text::language lang) {
  std::size_t words = 0, unclean = 0, urls = 0, capitalised = 0, content = 0;
  for (const auto& t : tokens) {
    if (t.numeric) continue;
    ++words;
    unclean += !t.clean && !t.url;
    urls += t.url;
    if (!text::is_stopword(t.norm, lang)) {
      ++content;
      capitalised += t.upper_initial;
    }
  }
  if (words < 4 || words > 80) return 0;
  std::size_t caps = 0;
  std::vector<std::string_view> distinct;
  for (const auto& t : tokens) {
    caps += t.all_caps;
    if (std::find(distinct.begin(), distinct.end(), t.norm) == distinct.end()) distinct.push_back(t.norm);
  }

  std::size_t letters = 0, digits = 0, nonspace = 0, code = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    char32_t c = text::next_cp(s, i);
    if (text::is_space(c)) continue;
    ++nonspace;
    if (text::is_letter(c)) ++letters;
    else if (text::is_digit(c)) ++digits;
    else if (std::u32string_view(U"{}[]=<>\\|$#`~^_").find(c) != std::u32string_view::npos) ++code;
  }
  const double letter_ratio = static_cast<double>(letters) / static_cast<double>(nonspace);
  if (letter_ratio < 0.55) return 0;

  double q = 1.0;
  // Listings repeat a few words or shout ("ATOM ATOM ...", "HEADER TITLE COMPND").
  if (distinct.size() * 2 < tokens.size() || caps * 2 > words) q *= 0.2;
  if (letter_ratio < 0.7) q *= 0.3;
  else if (letter_ratio < 0.8) q *= 0.7;
  const double digit_ratio = static_cast<double>(digits) / static_cast<double>(nonspace);
  if (digit_ratio > 0.2) q *= 0.2;
  else if (digit_ratio > 0.1) q *= 0.5;
  if (static_cast<double>(code) > 0.03 * static_cast<double>(nonspace)) q *= 0.2;
  else if (code >= 2) q *= 0.6;
  if (static_cast<double>(unclean) > 0.3 * static_cast<double>(words)) q *= 0.3;
  else if (unclean >= 3) q *= 0.7;
  if (urls > 0) q *= 0.5;
  // Prose is full of function words; keyword lists, tables and code are not.
  const double function_share = static_cast<double>(words - content) / static_cast<double>(words);
  if (words >= 6 && function_share < 0.15) q *= 0.3;
  else if (words >= 6 && function_share < 0.25) q *= 0.7;

  // A sentence a student can read on its own ends like one.
  std::size_t end = s.size();
  while (end > 0 && std::u32string_view(U"\"')]\u201D\u2019\u00BB").find(text::prev_cp(s, end)) != std::u32string_view::npos) {
    do { --end; } while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80);
  }
  const char32_t last = text::prev_cp(s, end);
  if (last == '?') q *= 0.6;
  else if (last == ':') q *= 0.4;  // a lead-in to a list or code
  else if (last != '.' && last != '!' && last != 0x2026) q *= 0.4;

  std::size_t k = 0;
  const char32_t first = text::next_cp(s, k);
  if (s.starts_with("[") && s.size() > 1 && std::isdigit(static_cast<unsigned char>(s[1]))) q *= 0.1;  // "[12] A. Author, ..."
  else if (text::is_lower(first)) q *= 0.3;  // a fragment continued from the previous page
  else if (text::is_digit(first)) q *= numbered_heading_prefix(s) ? 0.2 : 0.6;
  else if (!text::is_letter(first) && std::u32string_view(U"\"'(\u201C\u201E\u00AB").find(first) == std::u32string_view::npos)
    q *= 0.5;
  if (content >= 4 && static_cast<double>(capitalised) > 0.7 * static_cast<double>(content) &&
      lang == text::language::en)
    q *= 0.3;  // a title or a list of names

  const std::string low = text::lower(s);
  if (contains_any(low, {"general public license", "free software foundation", "without any warranty",
                         "merchantability", "all rights reserved", "permission is granted", "redistribute it",
                         "licensed under", "copyright (c)", "copyright ©", "isbn", "printed in", "trademark",
                         "this program is free software", "gnu free documentation", "creative commons",
                         "haftung", "lizenzbedingungen"}))
    q *= 0.02;
  else if (contains_any(low, {"license", "licence", "copyright", "lizenz"}))
    q *= 0.4;
  if (starts_with_any(low, {"see ", "please see ", "siehe ", "refer to ", "please refer ", "cf. ", "vgl. "})) q *= 0.1;
  else if (contains_any(low, {"see section", "see chapter", "(p. ", "see also", "on page", "see the section",
                              "in section", "in chapter", "siehe abschnitt", "siehe kapitel", "auf seite"}))
    q *= 0.5;
  else if (low.find("(see ") != std::string::npos)
    q *= 0.6;
  if (starts_with_any(low, {"it ", "this ", "these ", "they ", "that ", "he ", "she ", "such ", "there ",
                            "those ", "es ", "dies ", "diese ", "dieser ", "er ", "sie "}))
    q *= 0.75;  // leans on the sentence before it
  else if (starts_with_any(low, {"usually", "sometimes", "however", "also", "therefore", "thus", "then ", "but ",
                                 "and ", "so ", "for example", "for instance", "in this case", "in that case",
                                 "otherwise", "instead", "finally", "furthermore", "moreover", "additionally",
                                 "similarly", "again", "hence", "of course", "in addition", "as mentioned",
                                 "as described", "as such", "on the other hand", "außerdem", "daher", "deshalb",
                                 "jedoch", "aber ", "dann ", "also ", "zudem", "trotzdem"}))
    q *= 0.6;
  // "Key The layout of ...": a capitalised function word inside the sentence means a
  // heading or a caption was glued to it.
  for (std::size_t k = 1; k < tokens.size(); ++k) {
    const auto& t = tokens[k];
    if (t.upper_initial && !t.all_caps && !t.break_before && t.norm != "i" && text::is_stopword(t.norm, lang)) {
      q *= 0.3;
      break;
    }
  }
  return q;
}

}  // namespace sf::gen
