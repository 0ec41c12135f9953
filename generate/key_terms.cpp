#include "generate/key_terms.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace sf::gen {
namespace {

constexpr std::size_t max_words = 4;
constexpr std::size_t tiny_document_tokens = 400;
constexpr double min_counted_quality = 0.1;  // below this a sentence is code, table or index
constexpr std::size_t short_document_tokens = 3000;

struct candidate {
  std::size_t count = 0;
  std::size_t spread = 0;
  std::size_t last_unit = std::numeric_limits<std::size_t>::max();
  std::size_t in_headings = 0;
  std::size_t mid = 0;        // occurrences not at the start of a sentence
  std::size_t mid_upper = 0;  // ... of which capitalised
  std::size_t caps = 0;       // all-capital occurrences
  std::size_t titled = 0;     // occurrences with every word capitalised
  std::size_t nested_sum = 0;
  std::size_t nested_n = 0;
  std::vector<occurrence> occurrences;
};

bool word_ok(const text::token& t) {
  if (!t.clean || t.url || t.numeric) return false;
  if (t.norm.size() >= 3) return true;
  return t.norm.size() == 2 && t.all_caps;  // "QA", "RC", but not "ab"
}

bool linking_word(std::string_view norm, text::language lang) {
  return lang == text::language::de ? (norm == "von" || norm == "für") : norm == "of";
}

double idf(std::size_t units, std::size_t spread) {
  return std::max(0.05, std::log((static_cast<double>(units) + 1.0) / (static_cast<double>(spread) + 0.5)));
}

// English verbs, learnt from the document itself: words right after a modal ("you should
// propose"), or after "to" when an object follows ("to add the key"). Their inflected forms
// ("proposes", "added", "adding") count too. A key term is a thing, so it never ends in one.
class verb_forms {
 public:
  explicit verb_forms(const document& doc) {
    if (doc.lang != text::language::en) return;
    static const std::set<std::string_view> modals = {"will", "can", "should", "must", "may", "might", "could",
                                                      "would", "cannot", "don't", "doesn't", "didn't", "please",
                                                      "shall", "won't", "can't", "shouldn't"};
    static const std::set<std::string_view> objects = {"the", "a", "an", "your", "this", "it", "them", "that",
                                                       "their", "its", "any", "all", "some", "these", "those"};
    for (const auto& s : doc.sentences) {
      const auto& t = s.tokens;
      for (std::size_t i = 0; i + 1 < t.size(); ++i) {
        if (t[i + 1].break_before || t[i + 1].upper_initial) continue;
        const bool modal = modals.contains(t[i].norm);
        const bool to_object = t[i].norm == "to" && i + 2 < t.size() && !t[i + 2].break_before &&
                               objects.contains(t[i + 2].norm);
        if (modal || to_object) bases_.insert(t[i + 1].norm);
      }
    }
  }

  bool contains(const std::string& w) const {
    if (bases_.empty()) return false;
    if (bases_.contains(w)) return true;
    auto base = [&](std::size_t cut, std::string_view add) {
      return w.size() > cut + 2 && bases_.contains(w.substr(0, w.size() - cut) + std::string(add));
    };
    if (w.ends_with("ies") && base(3, "y")) return true;
    if (w.ends_with("es") && base(2, "")) return true;
    if (w.ends_with("s") && base(1, "")) return true;
    if (w.ends_with("ed") && (base(2, "") || base(1, ""))) return true;
    if (w.ends_with("ing") && (base(3, "") || base(3, "e"))) return true;
    return false;
  }

 private:
  std::set<std::string> bases_;
};

}  // namespace

std::string phrase_key(const sentence& s, std::size_t first, std::size_t n) {
  std::string key;
  for (std::size_t k = first; k < first + n && k < s.tokens.size(); ++k) {
    if (k > first) key += ' ';
    key += s.tokens[k].norm;
  }
  return key;
}

term_index extract_terms(const document& doc) {
  const auto lang = doc.lang;
  const verb_forms verbs(doc);
  std::unordered_map<std::string, candidate> cands;
  std::unordered_map<std::string, std::pair<std::size_t, std::size_t>> words;  // norm -> (tf, df)
  std::unordered_map<std::string, std::size_t> word_last_unit;
  std::size_t total_tokens = 0;

  for (std::size_t si = 0; si < doc.sentences.size(); ++si) {
    const sentence& s = doc.sentences[si];
    const bool heading = doc.paragraphs[s.paragraph].heading;
    if (!heading && s.quality < min_counted_quality) continue;
    const std::size_t unit = doc.unit_of(s);
    const auto& toks = s.tokens;
    total_tokens += toks.size();
    for (std::size_t i = 0; i < toks.size(); ++i) {
      const auto& first = toks[i];
      const bool content = word_ok(first) && !text::is_stopword(first.norm, lang);
      if (content && !text::is_generic(first.norm, lang)) {
        auto& [tf, df] = words[first.norm];
        ++tf;
        auto [it, fresh] = word_last_unit.try_emplace(first.norm, unit);
        if (fresh || it->second != unit) { ++df; it->second = unit; }
      }
      if (!content || text::is_generic(first.norm, lang) || verbs.contains(first.norm)) continue;
      std::string key;
      bool all_caps = true, titled = true;
      for (std::size_t n = 1; n <= max_words && i + n <= toks.size(); ++n) {
        const auto& last = toks[i + n - 1];
        if (n > 1) {
          if (last.break_before || !word_ok(last)) break;
          if (text::is_stopword(last.norm, lang) && !linking_word(last.norm, lang)) break;
          // Vague words may only head a longer term: "mailing list", never "command changes tics".
          if (text::is_generic(last.norm, lang) && !text::is_generic_noun(last.norm, lang)) break;
          if (toks[i + n - 2].possessive && n > 2) break;  // "X's Y's": not a term
          key += ' ';
        }
        key += last.norm;
        all_caps = all_caps && last.all_caps;
        titled = titled && (last.upper_initial || last.all_caps);
        // The same word twice is a listing ("ATOM ATOM"), not a phrase.
        bool repeated = false;
        for (std::size_t k = i; k + 1 < i + n; ++k) repeated = repeated || toks[k].norm == last.norm;
        if (repeated) break;
        const bool vague = text::is_generic(last.norm, lang) && !(n >= 2 && text::is_generic_noun(last.norm, lang));
        bool edge = !text::is_stopword(last.norm, lang) && !vague && !last.possessive && !verbs.contains(last.norm);
        // German noun phrases end in a (capitalised) noun: "formale Sprache", not "Syntax beschreibt".
        if (lang == text::language::de && n > 1 && !last.upper_initial) edge = false;
        if (!edge) continue;
        auto& c = cands[key];
        ++c.count;
        if (c.last_unit != unit) { ++c.spread; c.last_unit = unit; }
        c.in_headings += heading;
        if (i > 0) {
          ++c.mid;
          c.mid_upper += first.upper_initial;
        }
        c.caps += all_caps;
        c.titled += titled;
        c.occurrences.push_back({si, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(n)});
      }
    }
  }

  const bool short_doc = total_tokens < short_document_tokens;
  // A tiny text (a screenshot, a two-sentence clip) names most things once: every term counts.
  const bool tiny_doc = total_tokens < tiny_document_tokens;
  // A short text may name a thing once; only capitalised names are trusted on one sighting.
  auto min_count = [&](std::size_t n_words, const candidate& c) -> std::size_t {
    if (tiny_doc) return 1;
    return short_doc && n_words > 1 && c.mid > 0 && c.titled == c.count ? 1 : 2;
  };
  auto word_count = [](const std::string& key) { return 1 + static_cast<std::size_t>(std::count(key.begin(), key.end(), ' ')); };

  // A phrase inside a longer recurring phrase only counts where it stands alone (C-value).
  for (auto& [key, c] : cands) {
    const std::size_t n = word_count(key);
    if (n < 2 || c.count < min_count(n, c)) continue;
    for (std::string sub : {key.substr(0, key.rfind(' ')), key.substr(key.find(' ') + 1)}) {
      auto it = cands.find(sub);
      if (it == cands.end()) continue;
      it->second.nested_sum += c.count;
      ++it->second.nested_n;
    }
  }

  term_index index;
  for (auto& [key, c] : cands) {
    const std::size_t n = word_count(key);
    if (c.count < min_count(n, c)) continue;
    double adjusted = static_cast<double>(c.count);
    if (c.nested_n > 0)
      adjusted -= static_cast<double>(c.nested_sum) / static_cast<double>(c.nested_n);
    if (adjusted < 1.0 && c.count >= 2) continue;
    // A lower-case single word that reads as a participle is rarely the thing to learn.
    if (lang == text::language::en && n == 1 && c.mid_upper * 2 < c.mid &&
        (key.ends_with("ing") || key.ends_with("ed")))
      continue;
    // German capitalises nouns: a word written in lower case inside sentences is no term.
    if (lang == text::language::de && n == 1 && (c.mid == 0 || c.mid_upper * 10 < c.mid * 6)) continue;
    adjusted = std::max(adjusted, 0.5);

    term t;
    t.key = key;
    t.words = n;
    t.count = c.count;
    t.spread = c.spread;
    t.proper = c.caps * 2 >= c.count ||
               (c.mid > 0 ? c.mid_upper * 10 >= c.mid * 6 : false);
    const double length_bonus = n == 1 ? 1.0 : n == 2 ? 1.6 : 1.8;
    double score = std::log2(1.0 + adjusted) * idf(doc.units, c.spread) * length_bonus;
    if (t.proper) score *= 1.25;
    if (n == 1 && !t.proper) score *= 0.8;
    if (c.in_headings > 0) score *= 1.3;
    if (c.count < 2) score *= 0.5;
    t.score = score;

    // The spelling a student sees: the most frequent one away from sentence starts.
    std::map<std::string_view, std::size_t> spellings;
    for (bool mid_only : {true, false}) {
      for (const auto& o : c.occurrences) {
        if (mid_only && o.first_token == 0) continue;
        const sentence& s = doc.sentences[o.sentence];
        const text::span b{s.tokens[o.first_token].bytes.begin, s.tokens[o.first_token + o.length - 1].bytes.end};
        ++spellings[doc.str(s.page, b)];
      }
      if (!spellings.empty()) break;
    }
    std::size_t best = 0;
    for (const auto& [sp, k] : spellings)
      if (k > best) { best = k; t.surface = std::string(sp); }
    t.occurrences = std::move(c.occurrences);
    index.terms.push_back(std::move(t));
  }
  std::sort(index.terms.begin(), index.terms.end(), [](const term& a, const term& b) {
    return a.score != b.score ? a.score > b.score : a.key < b.key;
  });
  for (std::size_t i = 0; i < index.terms.size(); ++i) {
    index.by_key.emplace(index.terms[i].key, i);
    index.max_count = std::max(index.max_count, index.terms[i].count);
  }
  for (const auto& [w, f] : words)
    index.word_weight.emplace(w, std::log(1.0 + static_cast<double>(f.first)) * idf(doc.units, f.second));
  return index;
}

double term_index::weight(const term& t, level l) const {
  const double share = terms.empty() ? 0.0 : t.score / std::max(1e-9, terms.front().score);
  const double relevance = 0.4 + 0.6 * share;
  const double familiarity = std::log(1.0 + static_cast<double>(t.count)) / std::log(1.0 + static_cast<double>(max_count));
  switch (l) {
    case level::easy: return relevance * std::pow(0.2 + 0.8 * familiarity, 2.0);
    case level::hard: return relevance * std::pow(1.0 - 0.8 * familiarity, 2.0);
    case level::medium: break;
  }
  return relevance;
}

}  // namespace sf::gen
