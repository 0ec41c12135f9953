#pragma once
// Flashcards as a CSV file Anki imports: header lines name the separator, columns, note type
// and a guid column, so importing the file again updates the cards instead of adding copies.
#include <nlohmann/json.hpp>
#include <string>

namespace sf::gen {

// `deck` names the deck; `guid_seed` (for example the course id) makes guids stable per course.
std::string flashcards_csv(const nlohmann::json& flashcards_content, const std::string& deck, const std::string& guid_seed);

// A card's id, the same in every export of a course: a hash of `guid_seed` and the front.
std::uint64_t card_hash(const std::string& guid_seed, const std::string& front);
// "page_12" for a card whose first citation is page 12, else "".
std::string card_page_tag(const nlohmann::json& card);

// RFC 4180 quoting.
std::string csv_field(const std::string& s);

}  // namespace sf::gen
