#include "common/hash.hpp"
#include "generate/offline.hpp"

#include <algorithm>

#include "generate/generators.hpp"
#include "generate/ranking.hpp"

namespace sf::gen {

analysis analyse(const corpus& input, const options& opts) {
  analysis a{read_document(input), {}};
  a.terms = extract_terms(a.doc);
  rank_sentences(a.doc, a.terms, opts.topic);
  return a;
}

std::size_t wanted_count(const options& opts, std::size_t fallback, std::size_t limit) {
  const std::size_t n = opts.count > 0 ? static_cast<std::size_t>(opts.count) : fallback;
  return std::min(n, limit);
}

result<nlohmann::json> generate_offline(material_type type, const corpus& input, const options& opts) {
  if (input.pages.empty()) return failure(errc::invalid_value, "The material has no pages of text.");
  const analysis a = analyse(input, opts);
  if (a.doc.sentences.empty()) return failure(errc::invalid_value, "The material has no readable text.");
  switch (type) {
    case material_type::summary: return make_summary(a, opts);
    case material_type::flashcards: return make_flashcards(a, opts);
    case material_type::quiz: return make_quiz(a, opts);
    case material_type::outline: return make_outline(a, opts);
    case material_type::notes: return make_notes(a, opts);
    case material_type::practice_test: return make_practice_test(a, opts);
  }
  return failure(errc::invalid_value, "unknown material type");
}

}  // namespace sf::gen
