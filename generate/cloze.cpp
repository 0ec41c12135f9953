#include "generate/cloze.hpp"

#include <algorithm>
#include <set>
#include <string_view>

#include "generate/wording.hpp"

namespace sf::gen {
namespace {

constexpr double min_item_quality = 0.35;
constexpr std::size_t min_item_words = 7;
constexpr std::size_t max_item_words = 45;
constexpr std::size_t candidate_terms = 600;

std::size_t word_count(const sentence& s) {
  return static_cast<std::size_t>(std::count_if(s.tokens.begin(), s.tokens.end(), [](const text::token& t) { return !t.numeric; }));
}

// A lone lower-case English word is worth blanking only as the head of a noun phrase:
// "a _____," or "the _____ of", not "some _____ infrastructure" or "being _____".
bool noun_head(const sentence& s, const occurrence& o) {
  static const std::set<std::string_view> determiners = {
      "the", "a", "an", "your", "my", "our", "their", "his", "her", "its", "this", "that", "these", "those",
      "some", "any", "each", "every", "no", "all", "many", "several", "other", "new", "old", "such"};
  if (o.first_token == 0) return false;
  const auto& prev = s.tokens[o.first_token - 1];
  if (!determiners.contains(prev.norm) && !prev.possessive) return false;
  const std::size_t next = o.first_token + 1;
  if (next >= s.tokens.size() || s.tokens[next].break_before) return true;
  return text::is_stopword(s.tokens[next].norm, text::language::en);
}

}  // namespace

bool noun_like(const document& doc, const term& t) {
  if (doc.lang != text::language::en || t.words > 1 || t.proper) return true;
  return std::any_of(t.occurrences.begin(), t.occurrences.end(),
                     [&](const occurrence& o) { return noun_head(doc.sentences[o.sentence], o); });
}

bool fit_for_item(const sentence& s) {
  const std::size_t words = word_count(s);
  return s.quality >= min_item_quality && words >= min_item_words && words <= max_item_words;
}

std::optional<cloze> make_cloze(const document& doc, const term& t, const occurrence& o) {
  const sentence& s = doc.sentences[o.sentence];
  const std::string_view page = doc.page_text(s.page);
  cloze c;
  c.answer = std::string(doc.str(s.page, {s.tokens[o.first_token].bytes.begin, s.tokens[o.first_token + o.length - 1].bytes.end}));
  std::size_t copied = s.bytes.begin;
  std::size_t blanks = 0;
  for (std::size_t j = 0; j + t.words <= s.tokens.size();) {
    if (phrase_key(s, j, t.words) != t.key) { ++j; continue; }
    c.prompt += page.substr(copied, s.tokens[j].bytes.begin - copied);
    // "(see ____)" names a section, not a fact worth recalling.
    const std::string before = text::lower(c.prompt.substr(c.prompt.size() > 8 ? c.prompt.size() - 8 : 0));
    if (before.ends_with("see ") || before.ends_with("siehe ")) return std::nullopt;
    c.prompt += blank;
    copied = s.tokens[j + t.words - 1].bytes.end;
    ++blanks;
    j += t.words;
  }
  if (blanks == 0) return std::nullopt;
  c.prompt += page.substr(copied, s.bytes.end - copied);
  if (s.tokens.size() < t.words * blanks + 5) return std::nullopt;
  if (text::lower(c.prompt).find(text::lower(c.answer)) != std::string::npos) return std::nullopt;
  return c;
}

std::vector<cloze_choice> cloze_choices(const document& doc, const term_index& terms, std::size_t per_sentence, level l) {
  std::vector<std::vector<cloze_choice>> by_sentence(doc.sentences.size());
  const std::size_t limit = std::min(candidate_terms, terms.terms.size());
  if (limit == 0) return {};
  for (std::size_t ti = 0; ti < limit; ++ti) {
    const term& t = terms.terms[ti];
    for (const auto& o : t.occurrences) {
      const sentence& s = doc.sentences[o.sentence];
      // A blank at the start of a sentence shows its answer's capital letter.
      if (o.first_token == 0 && !t.proper) continue;
      if (!fit_for_item(s)) continue;
      if (doc.lang == text::language::en && t.words == 1 && !t.proper && !noun_head(s, o)) continue;
      // Blanking "stable release" in "stable release managers" leaves a broken term behind.
      if ((o.first_token > 0 && terms.find(phrase_key(s, o.first_token - 1, o.length + 1))) ||
          (o.first_token + o.length < s.tokens.size() && terms.find(phrase_key(s, o.first_token, o.length + 1))))
        continue;
      auto& list = by_sentence[o.sentence];
      if (list.size() >= per_sentence) continue;
      if (std::any_of(list.begin(), list.end(), [&](const cloze_choice& c) { return c.term == ti; })) continue;
      list.push_back({ti, o, s.salience * s.quality * terms.weight(t, l)});
    }
  }
  std::vector<cloze_choice> out;
  for (auto& list : by_sentence) {
    // Terms were visited best first, so each list holds the sentence's best terms.
    out.insert(out.end(), list.begin(), list.end());
  }
  return out;
}

}  // namespace sf::gen
