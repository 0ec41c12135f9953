#include "generate/retrieval.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <unordered_map>

#include "generate/embedding.hpp"

namespace sf::gen {
namespace {

std::vector<std::size_t> best_of(std::vector<std::pair<double, std::size_t>> scored, std::size_t limit) {
  const auto n = std::min(limit, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(n), scored.end(),
                    [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(scored[i].second);
  return out;
}

using term_counts = std::unordered_map<std::string, float>;

term_counts features_of(std::string_view text) {
  term_counts out;
  for_each_feature(text, true, [&](const std::string& f, float weight) { out[f] += weight; });
  return out;
}

// Sublinear: the tenth mention of a word says less than the first. Pairs count half.
double tf(float count) { return std::log1p(static_cast<double>(count)); }

}  // namespace

std::vector<std::size_t> similar_passages(std::string_view query, const std::vector<std::string_view>& passages,
                                          std::size_t limit) {
  const term_counts q = features_of(query);
  if (q.empty() || passages.empty()) return {};
  std::vector<term_counts> docs;
  docs.reserve(passages.size());
  std::unordered_map<std::string, std::size_t> df;
  for (auto p : passages) {
    docs.push_back(features_of(p));
    for (const auto& [f, n] : docs.back()) ++df[f];
  }
  const double n_docs = static_cast<double>(passages.size());
  auto idf = [&](const std::string& f) {
    auto it = df.find(f);
    return std::log(1.0 + n_docs / static_cast<double>(it == df.end() ? 1 : it->second));
  };
  double q_norm = 0;
  for (const auto& [f, n] : q) q_norm += std::pow(tf(n) * idf(f), 2);
  q_norm = std::sqrt(q_norm);
  std::vector<std::pair<double, std::size_t>> scored;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    double dot = 0, norm = 0;
    for (const auto& [f, n] : docs[i]) {
      const double w = tf(n) * idf(f);
      norm += w * w;
      if (auto in_query = q.find(f); in_query != q.end()) dot += w * tf(in_query->second) * idf(f);
    }
    if (dot > 0) scored.emplace_back(dot / (std::sqrt(norm) * q_norm), i);
  }
  return best_of(std::move(scored), limit);
}

std::vector<std::size_t> nearest(const embedding& query, const std::vector<embedding>& items, std::size_t limit) {
  std::vector<std::pair<double, std::size_t>> scored;
  for (std::size_t i = 0; i < items.size(); ++i)
    if (items[i].size() == query.size()) scored.emplace_back(cosine(query, items[i]), i);
  return best_of(std::move(scored), limit);
}

std::vector<std::size_t> fuse_rankings(const std::vector<std::vector<std::size_t>>& rankings, std::size_t limit, double k) {
  std::map<std::size_t, double> score;
  std::map<std::size_t, std::size_t> first_seen;
  std::size_t seen = 0;
  for (std::size_t rank = 0;; ++rank) {
    bool any = false;
    for (const auto& ranking : rankings) {
      if (rank >= ranking.size()) continue;
      any = true;
      score[ranking[rank]] += 1.0 / (k + static_cast<double>(rank) + 1.0);
      first_seen.emplace(ranking[rank], seen++);
    }
    if (!any) break;
  }
  std::vector<std::size_t> out;
  for (const auto& [id, s] : score) out.push_back(id);
  std::sort(out.begin(), out.end(), [&](std::size_t a, std::size_t b) {
    return score[a] != score[b] ? score[a] > score[b] : first_seen[a] < first_seen[b];
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace sf::gen
