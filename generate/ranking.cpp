#include "generate/ranking.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

namespace sf::gen {
namespace {

constexpr std::size_t bonus_terms = 200;
constexpr double bucket_floor = 0.3;  // a stretch's best must reach this share of the overall best

double length_prior(std::size_t words) {
  if (words < 6) return 0.5;
  if (words < 10) return 0.8;
  if (words <= 35) return 1.0;
  if (words <= 50) return 0.85;
  return 0.6;
}

std::vector<std::string> content_words(const sentence& s, text::language lang) {
  std::vector<std::string> out;
  for (const auto& t : s.tokens)
    if (!t.numeric && t.norm.size() > 1 && !text::is_stopword(t.norm, lang)) out.push_back(t.norm);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

double overlap(const sentence& a, const sentence& b, text::language lang) {
  auto wa = content_words(a, lang), wb = content_words(b, lang);
  if (wa.empty() || wb.empty()) return 0;
  std::vector<std::string> common;
  std::set_intersection(wa.begin(), wa.end(), wb.begin(), wb.end(), std::back_inserter(common));
  return static_cast<double>(common.size()) / static_cast<double>(std::min(wa.size(), wb.size()));
}

void rank_sentences(document& doc, const term_index& terms, std::string_view topic) {
  const std::size_t n = doc.sentences.size();
  if (n == 0) return;
  std::vector<double> centroid(n, 0.0), bonus(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const sentence& s = doc.sentences[i];
    if (s.quality <= 0) continue;
    const auto words = content_words(s, doc.lang);
    double sum = 0;
    for (const auto& w : words) {
      auto it = terms.word_weight.find(w);
      if (it != terms.word_weight.end()) sum += it->second;
    }
    if (!words.empty()) centroid[i] = sum / std::sqrt(static_cast<double>(words.size()));
  }
  for (std::size_t k = 0; k < std::min(bonus_terms, terms.terms.size()); ++k)
    for (const auto& o : terms.terms[k].occurrences) bonus[o.sentence] += terms.terms[k].score;
  const double max_c = std::max(1e-9, *std::max_element(centroid.begin(), centroid.end()));
  const double max_b = std::max(1e-9, *std::max_element(bonus.begin(), bonus.end()));

  std::vector<std::string> topic_words;
  if (!topic.empty()) {
    for (const auto& t : text::tokenize(topic, {0, topic.size()}))
      if (!t.numeric && !text::is_stopword(t.norm, doc.lang)) topic_words.push_back(t.norm);
  }

  double best = 1e-9;
  for (std::size_t i = 0; i < n; ++i) {
    sentence& s = doc.sentences[i];
    if (s.quality <= 0) continue;
    double v = 0.7 * centroid[i] / max_c + 0.3 * std::min(1.0, bonus[i] / max_b);
    std::size_t words = 0;
    for (const auto& t : s.tokens) words += !t.numeric;
    v *= length_prior(words);
    if (s.in_paragraph == 0) {
      v *= 1.15;
      if (s.paragraph > 0 && doc.paragraphs[s.paragraph - 1].heading) v *= 1.1;  // opens a section
    }
    if (!topic_words.empty()) {
      std::size_t hits = 0;
      for (const auto& w : topic_words)
        hits += std::any_of(s.tokens.begin(), s.tokens.end(), [&](const text::token& t) { return t.norm == w; });
      v *= 1.0 + 2.0 * static_cast<double>(hits) / static_cast<double>(topic_words.size());
    }
    s.salience = v;
    best = std::max(best, v);
  }
  for (auto& s : doc.sentences) s.salience /= best;
}

std::vector<pick> pick_spread(std::vector<pick> candidates, std::size_t count, std::size_t total_sentences,
                              const std::function<bool(const pick&)>& accept) {
  std::vector<pick> taken;
  if (candidates.empty() || count == 0) return taken;
  std::sort(candidates.begin(), candidates.end(), [](const pick& a, const pick& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.sentence != b.sentence ? a.sentence < b.sentence : a.item < b.item;
  });
  const double floor = candidates.front().score * bucket_floor;
  const std::size_t total = std::max<std::size_t>(1, total_sentences);
  std::vector<bool> bucket_full(count, false), used(candidates.size(), false);
  for (std::size_t i = 0; i < candidates.size() && taken.size() < count; ++i) {
    const auto& c = candidates[i];
    if (c.score < floor) break;
    const std::size_t b = std::min(count - 1, c.sentence * count / total);
    if (bucket_full[b] || !accept(c)) continue;
    bucket_full[b] = true;
    used[i] = true;
    taken.push_back(c);
  }
  for (std::size_t i = 0; i < candidates.size() && taken.size() < count; ++i) {
    if (used[i] || !accept(candidates[i])) continue;
    used[i] = true;
    taken.push_back(candidates[i]);
  }
  std::sort(taken.begin(), taken.end(), [](const pick& a, const pick& b) {
    return a.sentence != b.sentence ? a.sentence < b.sentence : a.item < b.item;
  });
  return taken;
}

}  // namespace sf::gen
