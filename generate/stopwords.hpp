#pragma once
// Word lists for English and German: stopwords (never a key term, never at a phrase
// edge) and generic words (allowed inside a phrase, but too vague to learn on their own).
#include <string_view>

namespace sf::gen::text {

enum class language { en, de };

// `norm` is a lower-cased token.
bool is_stopword(std::string_view norm, language lang);
bool is_generic(std::string_view norm, language lang);
// Generic words that are nouns: vague alone, but fine as the head of a longer term
// ("mailing list", "version number").
bool is_generic_noun(std::string_view norm, language lang);
// Counts how many of `norm` are stopwords in each language; helper for detection.
bool is_english_marker(std::string_view norm);
bool is_german_marker(std::string_view norm);

}  // namespace sf::gen::text
