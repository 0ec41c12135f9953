#pragma once
// Sentence salience and the coverage-aware choice of items shared by all generators.
#include <functional>
#include <string_view>
#include <vector>

#include "generate/document.hpp"
#include "generate/key_terms.hpp"

namespace sf::gen {

// Sets sentence::salience (0..1): cosine-like similarity of the sentence's content words to
// the document centroid, key-term density, and priors for length and for opening a
// paragraph. Words of `topic` (may be empty) raise the sentences that mention them.
void rank_sentences(document& doc, const term_index& terms, std::string_view topic);

struct pick {
  std::size_t sentence = 0;  // where the item comes from, for spreading and ordering
  double score = 0;
  std::size_t item = 0;  // caller's index
};

// Chooses up to `count` of `candidates`: first the best of each of `count` equal stretches
// of the document (so a long text is covered end to end), then the best of the rest.
// `accept` is asked once per candidate about to be taken and may refuse it (duplicates,
// redundancy); it is the place to remember what was taken. Returns the picks in document order.
std::vector<pick> pick_spread(std::vector<pick> candidates, std::size_t count, std::size_t total_sentences,
                              const std::function<bool(const pick&)>& accept);

// Share of the smaller set of content words that the two sentences have in common.
double overlap(const sentence& a, const sentence& b, text::language lang);

}  // namespace sf::gen
