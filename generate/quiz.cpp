// Multiple-choice cloze quiz: a central sentence with a key term blanked; the options are
// that term and three other terms of the same document that look like it.
#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "common/hash.hpp"
#include "generate/citation.hpp"
#include "generate/cloze.hpp"
#include "generate/generators.hpp"
#include "generate/ranking.hpp"
#include "generate/wording.hpp"

namespace sf::gen {
namespace {

constexpr std::size_t default_count = 10;
constexpr std::size_t max_count = 100;
constexpr std::size_t distractor_pool = 600;
constexpr std::size_t near_pages = 3;

struct question {
  std::size_t sentence = 0;
  std::string prompt;
  std::string answer;
  std::array<std::string, 3> distractors;
};

bool plural_looking(std::string_view key) { return key.size() > 3 && key.back() == 's' && !key.ends_with("ss"); }

// True when the term occurs within `near_pages` of page index `page`.
bool occurs_near(const document& doc, const term& t, std::size_t page) {
  const std::size_t lo = page > near_pages ? page - near_pages : 0;
  auto it = std::lower_bound(t.occurrences.begin(), t.occurrences.end(), lo,
                             [&](const occurrence& o, std::size_t p) { return doc.sentences[o.sentence].page < p; });
  return it != t.occurrences.end() && doc.sentences[it->sentence].page <= page + near_pages;
}

// "Uu" for "Debian Policy", "ll" for "source package", "A" for "NMU": options that differ in
// shape give the answer away.
std::string casing(std::string_view surface) {
  std::string out;
  for (const auto& t : text::tokenize(surface, {0, surface.size()})) out += t.all_caps ? 'A' : t.upper_initial ? 'U' : 'l';
  return out;
}

// Crude English stem, enough to see that "plotting styles" and "plot styles" are one thing.
std::string stem_phrase(std::string_view key) {
  std::string out;
  std::size_t start = 0;
  while (start <= key.size()) {
    std::size_t end = key.find(' ', start);
    if (end == std::string_view::npos) end = key.size();
    std::string w(key.substr(start, end - start));
    if (w.size() > 3 && w.back() == 's' && !w.ends_with("ss")) w.pop_back();
    if (w.size() > 5 && w.ends_with("ing")) w.resize(w.size() - 3);
    else if (w.size() > 4 && w.ends_with("ed")) w.resize(w.size() - 2);
    if (w.size() > 3 && w[w.size() - 1] == w[w.size() - 2]) w.pop_back();
    if (w.size() > 3 && w.back() == 'e') w.pop_back();
    if (!out.empty()) out += ' ';
    out += w;
    start = end + 1;
  }
  return out;
}

// A term as an option: its spelling, lower-cased and stemmed once.
struct option_form {
  std::string low;
  std::string stem;
  bool noun = true;  // see noun_like()
  explicit option_form(std::string_view surface) : low(text::lower(surface)), stem(stem_phrase(low)) {}
};

// Equal, one inside the other, or the same words in another form: not a real alternative.
bool overlapping(const option_form& a, const option_form& b) {
  return a.low == b.low || a.low.find(b.low) != std::string::npos || b.low.find(a.low) != std::string::npos ||
         a.stem == b.stem;
}

// Three terms that could stand in the blank: same length in words, same capitalisation and
// number, similar length, found near the question's page; none overlapping the answer.
// `used` counts earlier questions' distractors, to vary them; the chosen ones are added.
// Harder questions draw their wrong options from the question's own pages, easier ones from
// elsewhere in the document.
std::optional<std::array<std::string, 3>> distractors_for(const analysis& a, const std::vector<option_form>& forms,
                                                          const term& answer, std::string_view answer_text,
                                                          const sentence& s, level l, std::map<std::size_t, int>& used) {
  const double near_bonus = l == level::easy ? -0.5 : l == level::hard ? 3.0 : 1.5;
  const document& doc = a.doc;
  const option_form answer_form(answer_text);
  const std::string sentence_low = text::lower(doc.str(s));
  const double answer_len = static_cast<double>(answer_text.size());
  const std::string answer_casing = casing(answer_text);
  const double top = std::max(1e-9, a.terms.terms.front().score);
  struct scored { double score; std::size_t index; };
  std::vector<scored> pool;
  for (std::size_t i = 0; i < forms.size(); ++i) {
    const term& t = a.terms.terms[i];
    if (t.key == answer.key) continue;
    if (overlapping(forms[i], answer_form) || sentence_low.find(forms[i].low) != std::string::npos) continue;
    if (!forms[i].noun) continue;
    const std::size_t dw = t.words > answer.words ? t.words - answer.words : answer.words - t.words;
    if (dw > 1) continue;
    double v = dw == 0 ? 2.0 : 0.5;
    const std::string c = casing(t.surface);
    v += c == answer_casing ? 1.5 : c.front() == answer_casing.front() ? 0.3 : -1.0;
    const double ratio = static_cast<double>(t.surface.size()) / answer_len;
    v += ratio >= 0.6 && ratio <= 1.6 ? 1.0 : -1.0;
    v += plural_looking(t.key) == plural_looking(answer.key) ? 0.5 : 0.0;
    v += occurs_near(doc, t, s.page) ? near_bonus : 0.0;
    v += 0.5 * t.score / top;
    // The same wrong options in every question teach the student to skip them.
    if (auto u = used.find(i); u != used.end()) v -= 2.0 * u->second;
    pool.push_back({v, i});
  }
  std::sort(pool.begin(), pool.end(), [](const scored& x, const scored& y) {
    return x.score != y.score ? x.score > y.score : x.index < y.index;
  });
  std::array<std::string, 3> out;
  std::array<std::size_t, 3> chosen{};
  std::size_t n = 0;
  for (const auto& c : pool) {
    if (n == 3) break;
    bool clash = false;
    for (std::size_t k = 0; k < n; ++k) clash = clash || overlapping(forms[chosen[k]], forms[c.index]);
    if (!clash) {
      chosen[n] = c.index;
      out[n++] = a.terms.terms[c.index].surface;
    }
  }
  if (n < 3) return std::nullopt;
  for (std::size_t k : chosen) ++used[k];
  return out;
}

}  // namespace

result<nlohmann::json> make_quiz(const analysis& a, const options& opts) {
  const document& doc = a.doc;
  if (a.terms.terms.size() < 4)
    return failure(errc::invalid_value, "The text has fewer than 4 recurring key terms, too few to build multiple-choice options.");
  std::size_t usable = 0;
  for (const auto& s : doc.sentences) usable += fit_for_item(s);
  // Even a two-sentence clip is worth a card or a question; nothing readable is not.
  if (usable == 0)
    return failure(errc::invalid_value, "The text has no complete, readable sentence, so no quiz can be made from it.");

  const level difficulty = level_of(opts.difficulty);
  const auto choices = cloze_choices(doc, a.terms, 2, difficulty);
  std::vector<pick> candidates;
  for (std::size_t i = 0; i < choices.size(); ++i) candidates.push_back({choices[i].where.sentence, choices[i].score, i});

  std::vector<question> questions;
  std::set<std::string> prompts, answers;
  std::set<std::size_t> sentences;
  std::map<std::size_t, int> distractor_use;
  std::vector<option_form> forms;
  for (std::size_t i = 0; i < std::min(distractor_pool, a.terms.terms.size()); ++i) {
    forms.emplace_back(a.terms.terms[i].surface);
    forms.back().noun = noun_like(doc, a.terms.terms[i]);
  }
  auto accept = [&](const pick& p) {
    const auto& choice = choices[p.item];
    const term& t = a.terms.terms[choice.term];
    if (answers.contains(t.key) || sentences.contains(p.sentence)) return false;
    auto cz = make_cloze(doc, t, choice.where);
    if (!cz || prompts.contains(cz->prompt)) return false;
    auto d = distractors_for(a, forms, t, cz->answer, doc.sentences[p.sentence], difficulty, distractor_use);
    if (!d) return false;
    answers.insert(t.key);
    sentences.insert(p.sentence);
    prompts.insert(cz->prompt);
    questions.push_back({p.sentence, std::move(cz->prompt), std::move(cz->answer), std::move(*d)});
    return true;
  };
  const std::size_t count = wanted_count(opts, default_count, max_count);
  const auto picks = pick_spread(candidates, count, doc.sentences.size(), accept);
  if (picks.empty())
    return failure(errc::invalid_value, "No sentence of the text holds a key term with three fitting alternatives, so no quiz can be made from it.");
  std::sort(questions.begin(), questions.end(), [](const question& x, const question& y) { return x.sentence < y.sentence; });

  const wording& w = wording_for(output_language(doc, opts));
  nlohmann::json out = nlohmann::json::array();
  std::set<std::size_t> positions;
  for (std::size_t qi = 0; qi < questions.size(); ++qi) {
    auto& q = questions[qi];
    const std::uint64_t seed = fnv1a(q.prompt);
    std::sort(q.distractors.begin(), q.distractors.end(), [](const std::string& x, const std::string& y) {
      return fnv1a(x) != fnv1a(y) ? fnv1a(x) < fnv1a(y) : x < y;
    });
    std::size_t answer_index = seed % 4;
    // Keep the right answer from sitting at one index throughout.
    if (qi + 1 == questions.size() && qi > 0 && positions.size() == 1 && positions.contains(answer_index))
      answer_index = (answer_index + 1) % 4;
    positions.insert(answer_index);
    nlohmann::json opts_json = nlohmann::json::array();
    for (std::size_t k = 0, d = 0; k < 4; ++k) opts_json.push_back(k == answer_index ? q.answer : q.distractors[d++]);
    const sentence& s = doc.sentences[q.sentence];
    const std::string page = std::to_string(doc.source->pages[s.page].page);
    out.push_back({{"question", format(w.fill_in, {q.prompt})},
                   {"options", opts_json},
                   {"answer_index", answer_index},
                   {"explanation", format(w.text_on_page, {page, doc.str(s)})},
                   {"citations", citations_of(doc, s)}});
  }
  return nlohmann::json{{"questions", out}};
}

}  // namespace sf::gen
