#pragma once
// The built-in offline provider: extractive techniques over the extracted text, no network.
// Deterministic: the same corpus and options give the same content.
#include <nlohmann/json.hpp>

#include "generate/material.hpp"

namespace sf::gen {

inline constexpr const char* offline_provider_name = "offline";

// Content JSON for `type` (shapes in docs/api.md). Fails with errc::invalid_value when the
// text cannot support the material (for example too few sentences for a quiz).
result<nlohmann::json> generate_offline(material_type type, const corpus& input, const options& opts);

}  // namespace sf::gen
