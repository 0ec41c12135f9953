#pragma once
// The study-material domain: inputs (pages of extracted text) and outputs (content JSON in
// the shapes of the API contract). No I/O, clock or logging here.
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace sf::gen {

enum class material_type { summary, outline, notes, flashcards, quiz, practice_test };

std::string_view to_string(material_type t) noexcept;
// Trims and lower-cases first; nullopt for an unknown name.
std::optional<material_type> parse_material_type(std::string_view name);

struct source_page {
  std::string source_id;
  int page = 0;
  std::string text;  // the page's extracted text, exactly as stored
};

// A character span of one page's text; start/end count Unicode code points, end exclusive.
struct citation {
  std::string source_id;
  int page = 0;
  std::size_t start = 0;
  std::size_t end = 0;
};

struct corpus {
  std::string title;
  std::vector<source_page> pages;
};

// How hard the items should be: the `difficulty` option's usual words; medium otherwise.
enum class level { easy, medium, hard };
level level_of(std::string_view difficulty);

struct options {
  int count = 0;  // items wanted (cards, questions, summary sentences); 0 = the type's default
  std::string difficulty;
  std::string language;
  std::string topic;
};

}  // namespace sf::gen
