#pragma once
// The fixed phrases the offline provider writes around quoted text, in English and German.
// Patterns use "{}" for each argument, in order.
#include <string>
#include <string_view>
#include <vector>

#include "generate/document.hpp"

namespace sf::gen {

struct wording {
  std::string_view what_is;
  std::string_view what_are;
  std::string_view what_does_mean;
  std::string_view what_does_refer_to;
  std::string_view what_does_consist_of;
  std::string_view what_does_stand_for;
  std::string_view what_is_used_for;
  std::string_view what_does_contain;
  std::string_view what_does_describe;
  std::string_view fill_in;         // {} = sentence with a blank
  std::string_view text_on_page;    // {} = page, {} = sentence
  std::string_view summary_note;    // {} = sentence count
  std::string_view page_reference;  // {} = page
  std::string_view pages_heading;   // {} = first page, {} = last page
  std::string_view true_or_false;   // {} = statement
  std::string_view key_points;
  std::string_view example;
  std::string_view review_questions;
  std::string_view notes_note;
};

const wording& wording_for(text::language lang);
// The language of the prompts: the one asked for in `opts`, else the document's.
text::language output_language(const document& doc, const options& opts);
std::string format(std::string_view pattern, const std::vector<std::string_view>& args);

inline constexpr std::string_view blank = "_____";

}  // namespace sf::gen
