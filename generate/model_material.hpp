#pragma once
// Study material from a language model: the request (instructions, the JSON schema of the
// answer, the course text with page labels) and the way back (parse, ground every item on a
// verbatim quote, keep the valid items, refuse a material with too few).
#include <nlohmann/json.hpp>

#include "generate/material.hpp"
#include "generate/provider.hpp"
#include "generate/validate.hpp"

namespace sf::gen {

chat_request material_request(material_type type, const corpus& context, const options& opts);

struct model_content {
  nlohmann::json content;
  int dropped = 0;  // items refused: no quote found in the text, or invalid
};

// Errors: transient "malformed: ..." for an answer that is not the JSON asked for (worth
// another try), invalid_value when too few items survive.
result<model_content> material_from_reply(material_type type, const std::string& reply, const corpus& input,
                                          const options& opts);

// JSON schema (as text) of the model's answer for `type`.
std::string answer_schema(material_type type);

}  // namespace sf::gen

namespace sf::gen {

// A course from a topic alone: the model drafts the outline...
chat_request topic_outline_request(const std::string& topic, const options& opts);
std::optional<nlohmann::json> outline_from_reply(const std::string& reply);
// ...or, without a usable model, a plan every course can follow, marked as such.
nlohmann::json manual_outline(const std::string& topic, const options& opts);

}  // namespace sf::gen
