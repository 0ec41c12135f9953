#pragma once
// Choosing the passages a prompt is written from: rankings by different signals (full text,
// TF-IDF similarity, a provider's embeddings) merged into one.
#include <cstddef>
#include <string_view>
#include <vector>

#include "generate/embedding.hpp"

namespace sf::gen {

// Indices of the `limit` passages closest to `query` by cosine of TF-IDF vectors over content
// words and adjacent content-word pairs (see for_each_feature), with document frequencies
// from the passages themselves; best first. Unlike full-text search it needs only some of
// the query's words, and rare words count for more than common ones. Passages sharing no
// feature with the query are left out.
std::vector<std::size_t> similar_passages(std::string_view query, const std::vector<std::string_view>& passages,
                                          std::size_t limit);

// Indices of the `limit` items nearest to `query` by cosine (dense embeddings of one model),
// best first.
std::vector<std::size_t> nearest(const embedding& query, const std::vector<embedding>& items, std::size_t limit);

// Reciprocal rank fusion: each ranking lists item ids best first; an item scores the sum of
// 1 / (k + rank) over the rankings holding it, so one found high by either signal, or
// fairly high by both, comes first. Ties keep the order of first appearance.
std::vector<std::size_t> fuse_rankings(const std::vector<std::vector<std::size_t>>& rankings, std::size_t limit,
                                       double k = 60);

}  // namespace sf::gen
