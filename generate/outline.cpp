// Outline: the document's own headings as chapters and their sub-headings as topics; a
// chapter without sub-headings lists the key terms of its text instead.
#include <algorithm>
#include <cstdint>
#include <cmath>
#include <map>
#include <string>

#include "generate/cloze.hpp"
#include "generate/generators.hpp"
#include "generate/headings.hpp"

namespace sf::gen {
namespace {

constexpr std::size_t max_chapters = 80;
constexpr std::size_t max_topics = 30;
constexpr std::size_t term_topics = 5;
constexpr std::size_t topic_terms_pool = 400;

std::string label(const heading& h) { return h.number.empty() ? h.title : h.number + " " + h.title; }

}  // namespace

result<nlohmann::json> make_outline(const analysis& a, const options&) {
  const document& doc = a.doc;
  const auto headings = find_headings(doc);
  // Chapters are the highest level that occurs at least twice.
  int chapter_level = 0;
  for (int level = 1; level <= 4 && chapter_level == 0; ++level)
    if (std::count_if(headings.begin(), headings.end(), [&](const heading& h) { return h.level == level; }) >= 2)
      chapter_level = level;
  if (chapter_level == 0)
    return failure(errc::invalid_value, "The text has no recognisable headings, so no outline can be built from it.");

  std::vector<const heading*> chapters;
  for (const auto& h : headings)
    if (h.level == chapter_level && chapters.size() < max_chapters) chapters.push_back(&h);

  // The paragraph range of each chapter, to find the key terms of its text.
  std::vector<std::size_t> chapter_of_paragraph(doc.paragraphs.size(), SIZE_MAX);
  for (std::size_t c = 0; c < chapters.size(); ++c) {
    const std::size_t end = c + 1 < chapters.size() ? chapters[c + 1]->paragraph : doc.paragraphs.size();
    for (std::size_t p = chapters[c]->paragraph; p < end; ++p) chapter_of_paragraph[p] = c;
  }
  // A chapter's topics are the terms concentrated in it, not the document's overall best.
  std::vector<std::vector<std::pair<double, std::size_t>>> ranked(chapters.size());
  for (std::size_t ti = 0; ti < std::min(topic_terms_pool, a.terms.terms.size()); ++ti) {
    const term& t = a.terms.terms[ti];
    if (t.words == 1 && !t.proper && (t.count < 3 || !noun_like(doc, t))) continue;  // too vague to name a topic
    std::map<std::size_t, std::size_t> local;
    for (const auto& o : t.occurrences) {
      const std::size_t para = doc.sentences[o.sentence].paragraph;
      const std::size_t c = chapter_of_paragraph[para];
      if (c != SIZE_MAX && !doc.paragraphs[para].heading) ++local[c];
    }
    for (const auto& [c, n] : local) {
      const double share = static_cast<double>(n) / static_cast<double>(t.count);
      ranked[c].emplace_back(t.score * share * share * std::log2(1.0 + static_cast<double>(n)), ti);
    }
  }
  std::vector<std::vector<std::size_t>> terms_of(chapters.size());
  for (std::size_t c = 0; c < chapters.size(); ++c) {
    auto& r = ranked[c];
    std::sort(r.begin(), r.end(), [](const auto& x, const auto& y) { return x.first != y.first ? x.first > y.first : x.second < y.second; });
    for (std::size_t k = 0; k < r.size() && terms_of[c].size() < term_topics; ++k) {
      // "Debian System" next to "Debian System Administrators" says the same twice.
      // The longer name wins.
      const std::string& key = a.terms.terms[r[k].second].key;
      bool nested = false;
      for (auto& other : terms_of[c]) {
        const std::string& o = a.terms.terms[other].key;
        if (o.find(key) != std::string::npos) nested = true;
        else if (key.find(o) != std::string::npos) { other = r[k].second; nested = true; }
        if (nested) break;
      }
      if (!nested) terms_of[c].push_back(r[k].second);
    }
  }

  nlohmann::json out = nlohmann::json::array();
  for (std::size_t c = 0; c < chapters.size(); ++c) {
    nlohmann::json topics = nlohmann::json::array();
    const std::size_t end = c + 1 < chapters.size() ? chapters[c + 1]->paragraph : SIZE_MAX;
    for (const auto& h : headings)
      if (h.level == chapter_level + 1 && h.paragraph > chapters[c]->paragraph && h.paragraph < end &&
          topics.size() < max_topics)
        topics.push_back({{"title", label(h)}});
    if (topics.empty()) {
      const std::string title = text::lower(chapters[c]->title);
      for (std::size_t ti : terms_of[c])
        if (title.find(a.terms.terms[ti].key) == std::string::npos) topics.push_back({{"title", a.terms.terms[ti].surface}});
    }
    out.push_back({{"title", label(*chapters[c])}, {"topics", topics}});
  }
  return nlohmann::json{{"chapters", out}};
}

}  // namespace sf::gen
