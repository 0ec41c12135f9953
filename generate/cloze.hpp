#pragma once
// Cloze items ("a sentence with its key term blanked"), shared by flashcards and quizzes.
#include <optional>
#include <string>
#include <vector>

#include "generate/key_terms.hpp"

namespace sf::gen {

struct cloze {
  std::string prompt;  // the sentence, every occurrence of the term replaced by a blank
  std::string answer;  // the term exactly as this sentence spells it
};

// Blanks the term `t` of occurrence `o`. nullopt when the blanked sentence still gives the
// answer away (the term also hides inside another word) or has too little left to read.
std::optional<cloze> make_cloze(const document& doc, const term& t, const occurrence& o);

struct cloze_choice {
  std::size_t term = 0;  // index into term_index::terms
  occurrence where;
  double score = 0;
};

// Sentences fit for a cloze (complete, readable, not too long) and the terms worth blanking
// in each, at most `per_sentence` per sentence, best first.
// Scores weigh terms for the difficulty `l` (see term_weight).
std::vector<cloze_choice> cloze_choices(const document& doc, const term_index& terms, std::size_t per_sentence, level l);

// True unless `t` is a lone lower-case English word never used as the head of a noun phrase
// (an adjective or a verb, most likely).
bool noun_like(const document& doc, const term& t);

// True when `s` is fit to be shown as a question or card: a whole, readable sentence.
bool fit_for_item(const sentence& s);

}  // namespace sf::gen
