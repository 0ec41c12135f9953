#pragma once
// Ties a model's item to the text it came from: the model quotes a sentence of the course
// text; the quote is found in the pages and becomes a citation. An item whose quote is
// nowhere in the text is not grounded and is dropped.
#include <optional>
#include <string_view>

#include "generate/material.hpp"

namespace sf::gen {

// Looks for `quote` (whitespace-insensitive) in the page `page_hint` first, then the others.
std::optional<citation> locate_quote(const corpus& input, std::string_view quote, int page_hint);

}  // namespace sf::gen
