#pragma once
// Schema and grounding checks every material passes before it is stored.
#include <nlohmann/json.hpp>

#include "generate/material.hpp"

namespace sf::gen {

// Checks the shape of `content` for `type`, that every citation points at a real page and
// a span inside its text, and the type's own rules (one correct option, non-empty fields).
result<void> validate(material_type type, const nlohmann::json& content, const corpus& input);

}  // namespace sf::gen
