#pragma once
// The offline generators, one per material type, over one shared analysis of the corpus.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "generate/document.hpp"
#include "generate/key_terms.hpp"

namespace sf::gen {

struct analysis {
  document doc;
  term_index terms;
};

// Reads, scores and ranks `input` once; `input` must outlive the result.
analysis analyse(const corpus& input, const options& opts);

result<nlohmann::json> make_summary(const analysis& a, const options& opts);
result<nlohmann::json> make_flashcards(const analysis& a, const options& opts);
result<nlohmann::json> make_quiz(const analysis& a, const options& opts);
result<nlohmann::json> make_outline(const analysis& a, const options& opts);
result<nlohmann::json> make_notes(const analysis& a, const options& opts);
result<nlohmann::json> make_practice_test(const analysis& a, const options& opts);

// Items wanted: `opts.count` when set, else the type's default; never above `limit`.
std::size_t wanted_count(const options& opts, std::size_t fallback, std::size_t limit);

// FNV-1a: the deterministic seed for choices that only need to look arbitrary.

}  // namespace sf::gen
