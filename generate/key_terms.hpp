#pragma once
// Key terms of a document: recurring noun-like phrases and technical or capitalised words,
// scored by TF-IDF across pages with a bonus for multi-word and heading terms.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "generate/document.hpp"

namespace sf::gen {

struct occurrence {
  std::size_t sentence = 0;
  std::uint32_t first_token = 0;
  std::uint32_t length = 0;  // tokens
};

struct term {
  std::string key;      // lower-cased words joined by single spaces
  std::string surface;  // its most common spelling in the text
  std::size_t words = 0;
  std::size_t count = 0;   // occurrences
  std::size_t spread = 0;  // units (pages) it occurs in
  double score = 0;
  bool proper = false;  // usually written capitalised, or an acronym
  std::vector<occurrence> occurrences;
};

struct term_index {
  std::vector<term> terms;  // best first
  std::unordered_map<std::string, std::size_t> by_key;
  // TF-IDF weight of each content word, the document's centroid for sentence ranking.
  std::unordered_map<std::string, double> word_weight;

  std::size_t max_count = 1;  // occurrences of the most frequent term

  const term* find(const std::string& key) const {
    auto it = by_key.find(key);
    return it == by_key.end() ? nullptr : &terms[it->second];
  }
  // How much `t` is worth asking about at difficulty `l`, 0..1: its score against the top
  // term's, tilted towards familiar (frequent) terms for easy items and towards rare ones
  // for hard items.
  double weight(const term& t, level l) const;
};

term_index extract_terms(const document& doc);

// Key of the tokens [first, first + n) of `s`, as `term::key` spells it.
std::string phrase_key(const sentence& s, std::size_t first, std::size_t n);

}  // namespace sf::gen
