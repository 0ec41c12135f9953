#include "generate/material.hpp"

#include <array>
#include <utility>

#include "generate/text_analysis.hpp"

namespace sf::gen {
namespace {

constexpr std::array<std::pair<material_type, std::string_view>, 6> names = {{
    {material_type::summary, "summary"},
    {material_type::outline, "outline"},
    {material_type::notes, "notes"},
    {material_type::flashcards, "flashcards"},
    {material_type::quiz, "quiz"},
    {material_type::practice_test, "practice_test"},
}};

}  // namespace

std::string_view to_string(material_type t) noexcept {
  for (const auto& [type, name] : names)
    if (type == t) return name;
  return "unknown";
}

std::optional<material_type> parse_material_type(std::string_view name) {
  while (!name.empty() && text::is_space(static_cast<unsigned char>(name.front()))) name.remove_prefix(1);
  while (!name.empty() && text::is_space(static_cast<unsigned char>(name.back()))) name.remove_suffix(1);
  const std::string low = text::lower(name);
  for (const auto& [type, name_of] : names)
    if (low == name_of) return type;
  return std::nullopt;
}

level level_of(std::string_view difficulty) {
  const std::string low = text::lower(difficulty);
  for (std::string_view w : {"easy", "beginner", "basic", "introductory", "elementary", "leicht", "einfach"})
    if (low.find(w) != std::string::npos) return level::easy;
  for (std::string_view w : {"hard", "advanced", "expert", "difficult", "challenging", "schwer", "fortgeschritten"})
    if (low.find(w) != std::string::npos) return level::hard;
  return level::medium;
}

}  // namespace sf::gen
