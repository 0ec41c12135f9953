// Practice test: mixed question kinds built from the quiz and flashcard generators' items.
//   multiple choice - a quiz question as it is;
//   true/false      - the quiz sentence with its own term (true) or a distractor (false);
//   short answer    - a definition card: its front asks, its back answers.
#include <set>

#include "common/hash.hpp"
#include "generate/generators.hpp"
#include "generate/wording.hpp"

namespace sf::gen {
namespace {

using json = nlohmann::json;

// "Fill in the blank: X ____ Y" -> "X term Y".
std::string fill(const std::string& question, const std::string& term) {
  auto colon = question.find(": ");
  std::string s = colon == std::string::npos ? question : question.substr(colon + 2);
  for (auto at = s.find(blank); at != std::string::npos; at = s.find(blank, at + term.size())) s.replace(at, blank.size(), term);
  return s;
}

json true_false(const json& q, bool truth, const wording& w) {
  const auto& options = q["options"];
  std::size_t answer = q["answer_index"].get<std::size_t>();
  std::size_t other = (answer + 1 + fnv1a(q["question"].get<std::string>()) % 3) % 4;
  std::string statement = fill(q["question"], options[truth ? answer : other]);
  return {{"kind", "true_false"},
          {"question", format(w.true_or_false, {statement})},
          {"options", {"True", "False"}},
          {"answer_index", truth ? 0 : 1},
          {"explanation", q["explanation"]},
          {"citations", q["citations"]}};
}

}  // namespace

result<json> make_practice_test(const analysis& a, const options& opts) {
  const auto& w = wording_for(output_language(a.doc, opts));
  const std::size_t want = wanted_count(opts, 15, 100);
  options more = opts;
  more.count = static_cast<int>(want);
  auto quiz = make_quiz(a, more);
  auto cards = make_flashcards(a, more);
  std::vector<json> choice, statements, short_answers;
  if (quiz) {
    for (const auto& q : quiz.value()["questions"]) {
      // Alternate: every third quiz question becomes a true/false statement.
      if (choice.size() + statements.size() < want && (choice.size() + statements.size()) % 3 == 2)
        statements.push_back(true_false(q, fnv1a(q["question"].get<std::string>()) % 2 == 0, w));
      else {
        json mc = q;
        mc["kind"] = "multiple_choice";
        choice.push_back(std::move(mc));
      }
    }
  }
  if (cards) {
    // Definitions first; cloze cards only when they ask something the quiz does not.
    std::set<std::string> asked;
    for (const auto& q : choice) asked.insert(q["question"].get<std::string>());
    std::vector<json> definitions, clozes;
    const auto cloze_prefix = w.fill_in.substr(0, w.fill_in.find('{'));
    for (const auto& c : cards.value()["cards"]) {
      const auto& front = c["front"].get_ref<const std::string&>();
      bool cloze = front.rfind(cloze_prefix, 0) == 0;
      if (cloze && asked.count(front)) continue;
      (cloze ? clozes : definitions)
          .push_back({{"kind", "short_answer"},
                      {"question", front},
                      {"options", json::array()},
                      {"answer", c["back"]},
                      {"explanation", c["back"]},
                      {"citations", c["citations"]}});
    }
    short_answers = std::move(definitions);
    short_answers.insert(short_answers.end(), clozes.begin(), clozes.end());
  }
  json questions = json::array();
  for (std::size_t i = 0; questions.size() < want; ++i) {
    bool added = false;
    for (auto* list : {&choice, &short_answers, &statements}) {
      if (i < list->size() && questions.size() < want) {
        questions.push_back((*list)[i]);
        added = true;
      }
    }
    if (!added) break;
  }
  if (questions.empty())
    return failure(errc::invalid_value, "The text gives neither quiz questions nor definitions to build a practice test from.");
  return json{{"questions", questions}};
}

}  // namespace sf::gen
