// Extractive summary: the most central, readable sentences, spread over the document and
// not repeating each other, quoted verbatim in document order.
#include <algorithm>
#include <string>

#include "generate/citation.hpp"
#include "generate/generators.hpp"
#include "generate/headings.hpp"
#include "generate/ranking.hpp"
#include "generate/wording.hpp"

namespace sf::gen {
namespace {

constexpr std::size_t default_count = 12;
constexpr std::size_t max_count = 60;
constexpr double min_quality = 0.3;
constexpr std::size_t min_words = 8;
constexpr double max_overlap = 0.5;
constexpr std::size_t min_sentences = 1;  // a short clip is its own summary
constexpr double min_relative_score = 0.15;

std::string escape_markdown(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char ch : s) {
    if (std::string_view("\\`*_[]<>#|").find(ch) != std::string_view::npos) out += '\\';
    out += ch;
  }
  return out;
}

std::string page_label(const document& doc, const sentence& s) {
  return std::to_string(doc.source->pages[s.page].page);
}

}  // namespace

result<nlohmann::json> make_summary(const analysis& a, const options& opts) {
  const document& doc = a.doc;
  std::vector<pick> candidates;
  for (std::size_t i = 0; i < doc.sentences.size(); ++i) {
    const sentence& s = doc.sentences[i];
    std::size_t words = 0;
    for (const auto& t : s.tokens) words += !t.numeric;
    if (s.quality >= min_quality && words >= min_words) candidates.push_back({i, s.salience * s.quality, i});
  }
  if (candidates.size() < min_sentences)
    return failure(errc::invalid_value, "The text has no complete, readable sentence, so there is nothing to summarise.");

  // Only sentences in the same league as the best are worth a summary slot.
  const double best = std::max_element(candidates.begin(), candidates.end(), [](const pick& x, const pick& y) { return x.score < y.score; })->score;
  const std::size_t supported = static_cast<std::size_t>(std::count_if(
      candidates.begin(), candidates.end(), [&](const pick& p) { return p.score >= min_relative_score * best; }));
  const std::size_t count = wanted_count(opts, default_count, std::min(max_count, std::max(min_sentences, supported)));
  std::vector<std::size_t> chosen;
  auto accept = [&](const pick& p) {
    for (std::size_t c : chosen)
      if (overlap(doc.sentences[c], doc.sentences[p.sentence], doc.lang) >= max_overlap) return false;
    chosen.push_back(p.sentence);
    return true;
  };
  const auto picks = pick_spread(candidates, count, doc.sentences.size(), accept);

  const wording& w = wording_for(output_language(doc, opts));
  nlohmann::json sentences = nlohmann::json::array();
  for (const auto& p : picks) {
    const sentence& s = doc.sentences[p.sentence];
    sentences.push_back({{"text", std::string(doc.str(s))}, {"citations", citations_of(doc, s)}});
  }

  // Group under the section each sentence comes from, when the text has sections.
  const auto headings = find_headings(doc);
  std::vector<std::string> group_of(picks.size());
  for (std::size_t i = 0; i < picks.size(); ++i) {
    const std::size_t para = doc.sentences[picks[i].sentence].paragraph;
    auto it = std::upper_bound(headings.begin(), headings.end(), para,
                               [](std::size_t p, const heading& h) { return p < h.paragraph; });
    // Chapters only: deeper levels would give one group per sentence.
    while (it != headings.begin() && std::prev(it)->level > 1) --it;
    if (it != headings.begin()) {
      const heading& h = *std::prev(it);
      group_of[i] = h.number.empty() ? h.title : h.number + " " + h.title;
    }
  }
  std::size_t groups = 0;
  for (std::size_t i = 0; i < picks.size(); ++i) groups += !group_of[i].empty() && (i == 0 || group_of[i] != group_of[i - 1]);
  const bool by_section = groups >= 2 && groups * 2 <= picks.size() + 2;
  if (!by_section) std::fill(group_of.begin(), group_of.end(), std::string());

  const std::string title = doc.source->title.empty() ? "Summary" : doc.source->title;
  std::string md = "# " + escape_markdown(title) + "\n\n";
  md += format(w.summary_note, {std::to_string(picks.size())}) + "\n";
  std::string current = "\x01";
  for (std::size_t i = 0; i < picks.size(); ++i) {
    const sentence& s = doc.sentences[picks[i].sentence];
    if (group_of[i] != current) {
      current = group_of[i];
      md += "\n";
      if (!current.empty()) md += "## " + escape_markdown(current) + "\n\n";
    }
    md += "- " + escape_markdown(doc.str(s)) + " " + format(w.page_reference, {page_label(doc, s)}) + "\n";
  }
  return nlohmann::json{{"markdown", md}, {"sentences", sentences}};
}

}  // namespace sf::gen
