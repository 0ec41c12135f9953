// Flashcards: definitions mined from sentences ("X is a ...", "X means ...", "X: ...")
// first, then cloze cards on central sentences for the key terms still missing.
#include <algorithm>
#include <optional>
#include <set>
#include <string>

#include "generate/citation.hpp"
#include "generate/cloze.hpp"
#include "generate/generators.hpp"
#include "generate/ranking.hpp"
#include "generate/wording.hpp"

namespace sf::gen {
namespace {

constexpr std::size_t default_count = 20;
constexpr std::size_t max_count = 200;
constexpr std::size_t max_subject_words = 5;
constexpr std::size_t min_predicate_words = 4;
constexpr double definition_weight = 1.5;  // a definition teaches more than a cloze

struct card {
  std::string front;
  std::string back;
  std::size_t sentence = 0;
  std::string subject;  // lower-cased term the card is about, one card per term
};

bool is_article(std::string_view w, text::language lang) {
  if (lang == text::language::de) return w == "der" || w == "die" || w == "das" || w == "ein" || w == "eine" || w == "einer";
  return w == "a" || w == "an" || w == "the";
}

// Which question a definition verb answers; empty when the verb does not define.
std::string_view definition_question(const sentence& s, std::size_t v, const wording& w, text::language lang) {
  const auto& t = s.tokens;
  auto at = [&](std::size_t i) -> std::string_view { return i < t.size() ? std::string_view(t[i].norm) : ""; };
  const std::string_view verb = at(v), next = at(v + 1);
  if (lang == text::language::de) {
    if (verb == "ist" && is_article(next, lang)) return w.what_is;
    if (verb == "sind" && (next == "die" || next == "der" || next == "das")) return w.what_are;
    if (verb == "bezeichnet" || verb == "bedeutet") return w.what_does_mean;
    if (verb == "beschreibt") return w.what_does_describe;
    if (verb == "enthält") return w.what_does_contain;
    if (verb == "besteht" && next == "aus") return w.what_does_consist_of;
    return {};
  }
  if (verb == "is" || verb == "are") {
    if (next == "used" && (at(v + 2) == "to" || at(v + 2) == "for")) return verb == "is" ? w.what_is_used_for : std::string_view{};
    if (next == "a" || next == "an" || next == "the" || next == "one") return verb == "is" ? w.what_is : w.what_are;
    if ((next == "called" || next == "defined" || next == "known") && verb == "is") return w.what_is;
    return {};
  }
  if (verb == "means" || verb == "denotes" || verb == "represents") return w.what_does_mean;
  if (verb == "refers" && next == "to") return w.what_does_refer_to;
  if (verb == "consists" && next == "of") return w.what_does_consist_of;
  if (verb == "stands" && next == "for") return w.what_does_stand_for;
  if (verb == "contains") return w.what_does_contain;
  if (verb == "describes") return w.what_does_describe;
  return {};
}

// Labels that introduce a remark, not a term being defined.
bool label_word(std::string_view key) {
  static const std::set<std::string_view> labels = {
      "note", "nb", "hint", "tip", "warning", "caution", "important", "example", "examples", "syntax", "usage",
      "default", "defaults", "rationale", "remark", "attention", "summary", "abstract", "keywords", "beispiel",
      "hinweis", "achtung", "bemerkung", "tipp", "warnung", "zusammenfassung", "definition", "answer", "question",
      "solution", "lösung", "antwort", "frage", "see also", "result", "output", "input"};
  return labels.contains(key);
}

// Predicates that say something about the subject without saying what it is.
bool vague_predicate(const sentence& s, std::size_t first) {
  std::string head;
  for (std::size_t k = first; k < s.tokens.size() && k < first + 3; ++k) head += s.tokens[k].norm + " ";
  for (std::string_view v : {"a good ", "an example", "a bad ", "a nice ", "a great ", "a bit ", "a lot ",
                             "a matter ", "a mistake", "a problem", "a good idea", "the same ", "the case",
                             "the only ", "the first ", "the last ", "the default", "the best ", "ein gutes ",
                             "ein beispiel", "eine gute "})
    if (head.starts_with(v)) return true;
  return false;
}

bool subject_word_ok(const text::token& t) { return !t.url && !t.numeric && (t.clean || t.possessive); }

// The words [from, to) name a thing: no stopword or vague word at either end, no commas.
bool good_subject(const sentence& s, std::size_t from, std::size_t to, text::language lang) {
  if (to <= from || to - from > max_subject_words) return false;
  for (std::size_t i = from; i < to; ++i) {
    const auto& t = s.tokens[i];
    if (!subject_word_ok(t) || (i > from && t.break_before)) return false;
    const bool edge = i == from || i + 1 == to;
    if (text::is_stopword(t.norm, lang) && (edge || !(t.norm == "of" || t.norm == "von" || t.norm == "für"))) return false;
    if (edge && text::is_generic(t.norm, lang)) return false;
  }
  return true;
}

// How the subject reads inside a question: sentence-initial capitals are undone unless the
// term is usually capitalised (or the language capitalises nouns).
std::string subject_text(const document& doc, const term_index& terms, const sentence& s, std::size_t from,
                         std::size_t to, bool has_article) {
  std::string out(doc.str(s.page, {s.tokens[from].bytes.begin, s.tokens[to - 1].bytes.end}));
  if (has_article) out = s.tokens[from - 1].norm + " " + out;
  const bool sentence_start = from == 0;
  const term* t = terms.find(phrase_key(s, from, to - from));
  const bool keep_case = doc.lang == text::language::de || s.tokens[from].all_caps || (t && t->proper);
  if (sentence_start && !keep_case && !out.empty() && out[0] >= 'A' && out[0] <= 'Z') out[0] = static_cast<char>(out[0] + 32);
  return out;
}

// `same_language`: the questions are asked in the document's language, so its articles fit.
std::optional<card> definition_card(const document& doc, const term_index& terms, std::size_t si, const wording& w,
                                    bool same_language) {
  const sentence& s = doc.sentences[si];
  const auto lang = doc.lang;
  const auto& t = s.tokens;
  if (t.size() < 4) return std::nullopt;
  const bool article = is_article(t[0].norm, lang);
  const std::size_t from = article ? 1 : 0;

  // "Term: explanation" — the colon must follow the first few words directly.
  const std::string_view str = doc.str(s);
  for (std::size_t v = from + 1; v <= from + 4 && v < t.size(); ++v) {
    const std::size_t gap = t[v - 1].bytes.end;
    if (doc.page_text(s.page).substr(gap, 2) != ": ") continue;
    if (!good_subject(s, from, v, lang) || t.size() - v < min_predicate_words + 1) break;
    if (!terms.find(phrase_key(s, from, v - from)) || label_word(phrase_key(s, from, v - from))) break;
    // A glossary entry goes on "a ...", "the ..." or lower case; anything else is a remark.
    if (t[v].upper_initial && !is_article(t[v].norm, lang)) break;
    card c;
    c.sentence = si;
    c.subject = phrase_key(s, from, v - from);
    c.front = format(w.what_is, {subject_text(doc, terms, s, from, v, article && same_language)});
    c.back = std::string(str.substr(gap + 2 - s.bytes.begin));
    return c;
  }

  for (std::size_t v = from + 1; v <= from + max_subject_words && v < t.size(); ++v) {
    if (t[v].break_before) return std::nullopt;
    const auto question = definition_question(s, v, w, lang);
    if (question.empty()) continue;
    if (!good_subject(s, from, v, lang)) return std::nullopt;
    if (t.size() - v - 1 < min_predicate_words) return std::nullopt;
    const std::string_view after = t[v + 1].norm;
    if (after == "not" || after == "nicht" || vague_predicate(s, v + 1)) return std::nullopt;
    // "The symbol is ..." points back at a symbol named earlier; "A symbol is ..." defines.
    const std::string key = phrase_key(s, from, v - from);
    const term* known = terms.find(key);
    if (article && t[0].norm == "the" && v - from == 1 && !(known && known->proper)) return std::nullopt;
    if (label_word(key)) return std::nullopt;
    card c;
    c.sentence = si;
    c.subject = phrase_key(s, from, v - from);
    c.front = format(question, {subject_text(doc, terms, s, from, v, article && same_language)});
    c.back = std::string(str);
    return c;
  }
  return std::nullopt;
}

}  // namespace

result<nlohmann::json> make_flashcards(const analysis& a, const options& opts) {
  const document& doc = a.doc;
  const auto language = output_language(doc, opts);
  const wording& w = wording_for(language);
  std::size_t usable = 0;
  for (const auto& s : doc.sentences) usable += fit_for_item(s);
  // Even a two-sentence clip is worth a card or a question; nothing readable is not.
  if (usable == 0)
    return failure(errc::invalid_value, "The text has no complete, readable sentence, so no flashcards can be made from it.");

  std::vector<card> cards;
  std::vector<pick> candidates;
  const level difficulty = level_of(opts.difficulty);
  for (std::size_t si = 0; si < doc.sentences.size(); ++si) {
    const sentence& s = doc.sentences[si];
    if (!fit_for_item(s)) continue;
    auto c = definition_card(doc, a.terms, si, w, language == doc.lang);
    if (!c) continue;
    const term* known = a.terms.find(c->subject);
    const double term_factor = known ? 0.3 + a.terms.weight(*known, difficulty) : 0.5;
    candidates.push_back({si, definition_weight * s.salience * s.quality * term_factor, cards.size()});
    cards.push_back(std::move(*c));
  }
  for (const auto& choice : cloze_choices(doc, a.terms, 2, difficulty)) {
    const term& t = a.terms.terms[choice.term];
    auto cz = make_cloze(doc, t, choice.where);
    if (!cz) continue;
    candidates.push_back({choice.where.sentence, choice.score, cards.size()});
    cards.push_back({format(w.fill_in, {cz->prompt}), cz->answer, choice.where.sentence, t.key});
  }
  if (cards.empty())
    return failure(errc::invalid_value, "No definitions or recurring key terms were found in the text, so no flashcards can be made from it.");

  std::set<std::string> fronts, subjects;
  std::set<std::size_t> sentences;
  auto accept = [&](const pick& p) {
    const card& c = cards[p.item];
    const std::string front = text::lower(c.front);
    if (fronts.contains(front) || subjects.contains(c.subject) || sentences.contains(c.sentence)) return false;
    if (front.find(text::lower(c.back)) != std::string::npos) return false;  // the front would give it away
    fronts.insert(front);
    subjects.insert(c.subject);
    sentences.insert(c.sentence);
    return true;
  };
  const std::size_t count = wanted_count(opts, default_count, max_count);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : pick_spread(candidates, count, doc.sentences.size(), accept)) {
    const card& c = cards[p.item];
    out.push_back({{"front", c.front}, {"back", c.back}, {"citations", citations_of(doc, doc.sentences[c.sentence])}});
  }
  return nlohmann::json{{"cards", out}};
}

}  // namespace sf::gen
