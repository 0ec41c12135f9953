#pragma once
// Citations as the API spells them: {"source_id", "page", "start", "end"}, code points.
#include <nlohmann/json.hpp>

#include "generate/document.hpp"

namespace sf::gen {

citation cite(const document& doc, const sentence& s);
nlohmann::json to_json(const citation& c);
// A one-element array with the citation of `s`: the shape every item carries.
nlohmann::json citations_of(const document& doc, const sentence& s);
// Reads one citation object; fails with invalid_value naming the bad field.
result<citation> citation_from_json(const nlohmann::json& j);

}  // namespace sf::gen
