#pragma once
// Schema and grounding checks every material passes before it is stored.
#include <nlohmann/json.hpp>

#include "generate/material.hpp"

namespace sf::gen {

// How closely answers must follow the text: `verbatim` (the offline provider quotes: each
// flashcard back and correct option is found in its cited span), or `cited` (a model may
// paraphrase; its citations must still point at real spans of real pages).
enum class grounding { verbatim, cited };

// Checks the shape of `content` for `type`, that every citation points at a real page and
// a span inside its text, and the type's own rules (one correct option, non-empty fields).
result<void> validate(material_type type, const nlohmann::json& content, const corpus& input,
                      grounding g = grounding::verbatim);

// The items of `content` that pass validate() one by one; `dropped` counts the others. Each is
// checked against those kept before it, so the work grows with the square of the count.
nlohmann::json keep_valid_items(material_type type, const nlohmann::json& content, const corpus& input, grounding g,
                                int& dropped);
// The content's list of items ("cards", "questions", "sentences", "topics", "chapters").
const char* items_key(material_type type);

}  // namespace sf::gen
