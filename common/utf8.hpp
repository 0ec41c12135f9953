#pragma once
// Small UTF-8 helpers shared by extraction and generation.
#include <cstddef>
#include <string>
#include <string_view>

namespace sf::utf8 {

void append(std::string& out, char32_t c);
std::string encode(std::u32string_view s);
std::u32string decode(std::string_view s);  // invalid bytes become U+FFFD
// The code point at byte `i`, advancing `i`; an invalid byte gives U+FFFD and advances by one.
char32_t next(std::string_view s, std::size_t& i);
// Well-formed UTF-8: no overlong forms, surrogates or values past U+10FFFF. With
// `may_be_truncated`, a sequence cut by the end of `s` (a buffer boundary) is accepted.
bool valid(std::string_view s, bool may_be_truncated = false);

// Text fit for a message stored or shown anywhere (PostgreSQL text and jsonb, logs, JSON
// replies): invalid bytes become U+FFFD, control characters other than tab and newline are
// dropped (PostgreSQL refuses NUL), and it is cut to at most `max_bytes` at a character edge.
std::string printable(std::string_view s, std::size_t max_bytes);

// Number of code points in `s` (the unit of citation offsets).
std::size_t length(std::string_view s);
// Byte offset of code point index `cp` in `s` (s.size() when past the end).
std::size_t byte_offset(std::string_view s, std::size_t cp);
// Code point index of byte offset `byte` in `s`.
std::size_t cp_offset(std::string_view s, std::size_t byte);

}  // namespace sf::utf8
