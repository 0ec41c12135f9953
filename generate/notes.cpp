// Topic notes: one topic per section of the text (its headings, or equal stretches when it
// has none), each with an explanation, key points, an example and review questions, every
// line quoted from the section and cited.
#include <algorithm>

#include "generate/citation.hpp"
#include "generate/cloze.hpp"
#include "generate/generators.hpp"
#include "generate/headings.hpp"
#include "generate/wording.hpp"

namespace sf::gen {
namespace {

using json = nlohmann::json;

struct section {
  std::string title;
  std::size_t begin = 0, end = 0;  // sentences
};

std::vector<section> sections_of(const document& doc, const wording& w) {
  std::vector<section> out;
  auto heads = find_headings(doc);
  int top = 99;
  for (const auto& h : heads) top = std::min(top, h.level);
  std::vector<heading> level;
  for (const auto& h : heads)
    if (h.level == top) level.push_back(h);
  if (level.size() >= 2) {
    for (std::size_t i = 0; i < level.size(); ++i) {
      std::size_t b = doc.paragraphs[level[i].paragraph].end_sentence;
      std::size_t e = i + 1 < level.size() ? doc.paragraphs[level[i + 1].paragraph].first_sentence : doc.sentences.size();
      if (b < e) out.push_back({level[i].title, b, e});
    }
    return out;
  }
  // No usable headings: equal stretches named by their pages.
  std::size_t parts = std::clamp<std::size_t>(doc.sentences.size() / 40, 1, 8);
  for (std::size_t i = 0; i < parts; ++i) {
    std::size_t b = doc.sentences.size() * i / parts, e = doc.sentences.size() * (i + 1) / parts;
    if (b >= e) continue;
    auto first = std::to_string(doc.source->pages[doc.sentences[b].page].page);
    auto last = std::to_string(doc.source->pages[doc.sentences[e - 1].page].page);
    out.push_back({first == last ? format(w.page_reference, {first}) : format(w.pages_heading, {first, last}), b, e});
  }
  return out;
}

bool has_example_cue(std::string_view s) {
  for (std::string_view cue : {"for example", "For example", "e.g.", "for instance", "For instance", "such as",
                               "zum Beispiel", "Zum Beispiel", "z. B.", "z.B."})
    if (s.find(cue) != std::string_view::npos) return true;
  return false;
}

std::string quoted(const document& doc, const sentence& s, const wording& w) {
  return std::string(doc.str(s)) + " " + format(w.page_reference, {std::to_string(doc.source->pages[s.page].page)});
}

}  // namespace

result<json> make_notes(const analysis& a, const options& opts) {
  const document& doc = a.doc;
  const auto& w = wording_for(output_language(doc, opts));
  const std::size_t want = wanted_count(opts, 8, 40);
  json topics = json::array();
  for (const auto& sec : sections_of(doc, w)) {
    if (topics.size() >= want) break;
    std::vector<std::size_t> usable;
    for (std::size_t i = sec.begin; i < sec.end; ++i)
      if (fit_for_item(doc.sentences[i])) usable.push_back(i);
    if (usable.empty()) continue;
    auto by_weight = usable;
    std::stable_sort(by_weight.begin(), by_weight.end(), [&](std::size_t x, std::size_t y) {
      const auto &sx = doc.sentences[x], &sy = doc.sentences[y];
      return sx.salience * sx.quality > sy.salience * sy.quality;
    });
    std::vector<std::size_t> used;
    std::vector<std::size_t> explain(by_weight.begin(), by_weight.begin() + std::min<std::size_t>(3, by_weight.size()));
    std::sort(explain.begin(), explain.end());
    std::string md;
    for (auto i : explain) {
      md += quoted(doc, doc.sentences[i], w) + "\n\n";
      used.push_back(i);
    }
    // Key points: the section's strongest terms, each with a sentence that uses it.
    std::string points, review;
    int n_points = 0, n_review = 0;
    for (const auto& t : a.terms.terms) {
      if (n_points >= 4 && n_review >= 2) break;
      auto occ = std::find_if(t.occurrences.begin(), t.occurrences.end(), [&](const occurrence& o) {
        return o.sentence >= sec.begin && o.sentence < sec.end && fit_for_item(doc.sentences[o.sentence]);
      });
      if (occ == t.occurrences.end()) continue;
      if (n_points < 4 && std::find(used.begin(), used.end(), occ->sentence) == used.end()) {
        points += "- **" + t.surface + "**: " + quoted(doc, doc.sentences[occ->sentence], w) + "\n";
        used.push_back(occ->sentence);
        ++n_points;
      } else if (n_review < 2) {
        if (auto cz = make_cloze(doc, t, *occ)) {
          review += std::to_string(++n_review) + ". " + cz->prompt + "\n";
          used.push_back(occ->sentence);
        }
      }
    }
    if (!points.empty()) md += "**" + std::string(w.key_points) + "**\n\n" + points + "\n";
    auto example = std::find_if(usable.begin(), usable.end(), [&](std::size_t i) {
      return has_example_cue(doc.str(doc.sentences[i])) && std::find(used.begin(), used.end(), i) == used.end();
    });
    if (example != usable.end()) {
      md += "**" + std::string(w.example) + "**\n\n" + quoted(doc, doc.sentences[*example], w) + "\n\n";
      used.push_back(*example);
    }
    if (!review.empty()) md += "**" + std::string(w.review_questions) + "**\n\n" + review;
    json cites = json::array();
    std::sort(used.begin(), used.end());
    used.erase(std::unique(used.begin(), used.end()), used.end());
    for (auto i : used) cites.push_back(to_json(cite(doc, doc.sentences[i])));
    topics.push_back({{"title", sec.title}, {"markdown", md}, {"citations", cites}});
  }
  if (topics.empty()) return failure(errc::invalid_value, "The text has no section with readable sentences to make notes from.");
  return json{{"note", w.notes_note}, {"topics", topics}};
}

}  // namespace sf::gen
