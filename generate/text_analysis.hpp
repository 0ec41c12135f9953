#pragma once
// Low-level text handling for the offline generators: character classes, lower-casing,
// paragraph and sentence splitting, tokenising. Works on byte spans of the page text so
// every result can be cited back into the original string.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/utf8.hpp"

namespace sf::gen::text {

// Half-open byte range [begin, end) of some page text.
struct span {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::size_t size() const { return end - begin; }
  bool operator==(const span&) const = default;
};

bool is_letter(char32_t c);
bool is_digit(char32_t c);
bool is_upper(char32_t c);
bool is_lower(char32_t c);
bool is_space(char32_t c);
char32_t to_lower(char32_t c);
// Lower-cases letters and folds the typographic apostrophe to ASCII, so "Developer’s"
// and "developer's" compare equal.
std::string lower(std::string_view s);

// Strict UTF-8 check (no overlong forms, surrogates or values past U+10FFFF).
inline bool valid_utf8(std::string_view s) { return utf8::valid(s); }

// Decodes the code point at byte `i` (advancing `i`); invalid bytes read as U+FFFD.
inline char32_t next_cp(std::string_view s, std::size_t& i) { return utf8::next(s, i); }
// The code point that ends just before byte `i` (0 at the start).
char32_t prev_cp(std::string_view s, std::size_t i);

// Paragraphs are separated by a blank line; returned spans are trimmed and non-empty.
std::vector<span> split_paragraphs(std::string_view text);

// Sentences of `text` inside `within` (usually a paragraph), trimmed, without list
// bullets. Knows abbreviations (e.g., i.e., Dr., z.B.), initials, version numbers,
// URLs, and closing quotes or brackets after the full stop.
std::vector<span> split_sentences(std::string_view text, span within);
std::vector<span> split_sentences(std::string_view text);

struct token {
  span bytes;
  std::string norm;             // lower-cased form
  bool upper_initial = false;   // starts with an upper-case letter
  bool all_caps = false;        // at least two letters, all upper case (acronym)
  bool has_digit = false;
  bool numeric = false;         // no letters at all
  bool url = false;             // URL, e-mail address or domain name
  bool clean = false;           // bounded by spaces or ordinary punctuation, not code
  bool possessive = false;      // ends in 's
  bool break_before = false;    // punctuation between this token and the previous one
};

// Word tokens of `text` inside `within`.
std::vector<token> tokenize(std::string_view text, span within);

}  // namespace sf::gen::text
