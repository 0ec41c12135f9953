// The offline provider on a real document (Debian Developer's Reference, chapter 3) and the
// validator on hand-made bad content.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "common/utf8.hpp"
#include "generate/model_material.hpp"
#include "generate/offline.hpp"
#include "generate/text_analysis.hpp"
#include "generate/validate.hpp"

#ifndef SF_FIXTURES_DIR
#error "SF_FIXTURES_DIR must name the tests/fixtures folder"
#endif

using namespace sf::gen;
using nlohmann::json;

namespace {

// The reST chapter as extraction would give it: lines of a paragraph joined by spaces,
// heading underlines and link targets dropped, pages of about 1500 characters.
corpus chapter3() {
  std::ifstream in(std::string(SF_FIXTURES_DIR) + "/developers-reference_ch3_developer-duties.rst");
  REQUIRE(in.good());
  std::vector<std::string> paragraphs;
  std::string line, current;
  auto flush = [&] {
    if (!current.empty()) paragraphs.push_back(current);
    current.clear();
  };
  while (std::getline(in, line)) {
    const auto b = line.find_first_not_of(' ');
    const std::string s = b == std::string::npos ? "" : line.substr(b);
    const bool underline = s.size() >= 4 && s.find_first_not_of(s[0]) == std::string::npos && !std::isalnum(static_cast<unsigned char>(s[0]));
    if (s.starts_with(".. _") || underline) continue;
    if (s.empty()) { flush(); continue; }
    current += (current.empty() ? "" : " ") + s;
  }
  flush();
  corpus c;
  c.title = "Debian Developer's Duties";
  std::string page;
  for (const auto& p : paragraphs) {
    page += (page.empty() ? "" : "\n\n") + p;
    if (page.size() >= 1500) {
      c.pages.push_back({"devref-ch3", static_cast<int>(c.pages.size()) + 1, page});
      page.clear();
    }
  }
  if (!page.empty()) c.pages.push_back({"devref-ch3", static_cast<int>(c.pages.size()) + 1, page});
  return c;
}

const corpus& fixture() {
  static const corpus c = chapter3();
  return c;
}

json generate(material_type t, const corpus& c, int count = 0) {
  options o;
  o.count = count;
  auto r = generate_offline(t, c, o);
  INFO(to_string(t) << ": " << (r ? std::string() : r.error().message));
  REQUIRE(r.has_value());
  return r.value();
}

// The cited span of a citation, cut by code points as a client would.
std::string cited(const corpus& c, const json& cite) {
  for (const auto& p : c.pages) {
    if (p.source_id != cite["source_id"].get<std::string>() || p.page != cite["page"].get<int>()) continue;
    const std::u32string cps = sf::utf8::decode(p.text);
    const auto start = cite["start"].get<std::size_t>(), end = cite["end"].get<std::size_t>();
    REQUIRE(start < end);
    REQUIRE(end <= cps.size());
    return sf::utf8::encode(cps.substr(start, end - start));
  }
  FAIL("citation of a page the corpus does not have");
  return {};
}

std::string lower(const std::string& s) { return text::lower(s); }

}  // namespace

TEST_CASE("every offline material type is produced and passes validation") {
  for (auto t : {material_type::summary, material_type::flashcards, material_type::quiz, material_type::outline}) {
    const json content = generate(t, fixture());
    auto v = validate(t, content, fixture());
    INFO(to_string(t) << ": " << (v ? std::string() : v.error().message));
    CHECK(v.has_value());
  }
}

TEST_CASE("generation is deterministic") {
  const corpus copy = fixture();
  for (auto t : {material_type::summary, material_type::flashcards, material_type::quiz, material_type::outline})
    CHECK(generate(t, fixture()).dump() == generate(t, copy).dump());
}

TEST_CASE("summary quotes real sentences in document order") {
  const json s = generate(material_type::summary, fixture());
  const auto& sentences = s["sentences"];
  REQUIRE(sentences.size() >= 5);
  CHECK(sentences.size() <= 12);
  std::pair<int, std::size_t> last{0, 0};
  for (const auto& item : sentences) {
    const auto& cite = item["citations"][0];
    CHECK(cited(fixture(), cite) == item["text"].get<std::string>());
    const std::pair<int, std::size_t> at{cite["page"].get<int>(), cite["start"].get<std::size_t>()};
    CHECK(last < at);
    last = at;
    const std::string text = item["text"];
    CHECK(std::string(".!?").find(text.back()) != std::string::npos);  // whole sentences
  }
  const std::string md = s["markdown"];
  CHECK(md.starts_with("# Debian Developer's Duties\n"));
  CHECK(lower(md).find("extractive summary") != std::string::npos);
  CHECK(md.find("(p. ") != std::string::npos);
  CHECK(generate(material_type::summary, fixture(), 5)["sentences"].size() == 5);
}

TEST_CASE("flashcard backs are found in the cited text and fronts do not give them away") {
  const json cards = generate(material_type::flashcards, fixture())["cards"];
  REQUIRE(cards.size() >= 10);
  CHECK(cards.size() <= 20);
  std::set<std::string> fronts;
  for (const auto& card : cards) {
    const std::string front = card["front"], back = card["back"];
    INFO(front << " / " << back);
    CHECK(cited(fixture(), card["citations"][0]).find(back) != std::string::npos);
    CHECK(lower(front).find(lower(back)) == std::string::npos);
    CHECK(fronts.insert(lower(front)).second);
  }
  CHECK(generate(material_type::flashcards, fixture(), 7)["cards"].size() == 7);
}

TEST_CASE("quiz answers are in the cited text and the options are distinct") {
  const json questions = generate(material_type::quiz, fixture())["questions"];
  REQUIRE(questions.size() == 10);
  std::set<std::string> asked;
  std::set<int> answer_positions;
  for (const auto& q : questions) {
    const std::string question = q["question"];
    INFO(question);
    CHECK(asked.insert(question).second);
    REQUIRE(q["options"].size() == 4);
    std::set<std::string> options;
    for (const auto& o : q["options"]) options.insert(lower(o.get<std::string>()));
    CHECK(options.size() == 4);
    const int answer = q["answer_index"];
    REQUIRE(answer >= 0);
    REQUIRE(answer < 4);
    answer_positions.insert(answer);
    const std::string correct = q["options"][static_cast<std::size_t>(answer)];
    CHECK(cited(fixture(), q["citations"][0]).find(correct) != std::string::npos);
    CHECK(lower(question).find(lower(correct)) == std::string::npos);
    const std::string page = std::to_string(q["citations"][0]["page"].get<int>());
    CHECK(q["explanation"].get<std::string>().find("page " + page) != std::string::npos);
  }
  CHECK(answer_positions.size() > 1);
  CHECK(generate(material_type::quiz, fixture(), 4)["questions"].size() == 4);
}

TEST_CASE("difficulty steers the quiz: easy asks for central terms, hard for specific ones") {
  std::string all;
  for (const auto& p : fixture().pages) all += lower(p.text) + "\n";
  auto occurrences = [&](const std::string& term) {
    std::size_t n = 0;
    for (auto at = all.find(lower(term)); at != std::string::npos; at = all.find(lower(term), at + 1)) ++n;
    return n;
  };
  auto quiz_at = [&](const std::string& difficulty) {
    options o;
    o.difficulty = difficulty;
    auto r = generate_offline(material_type::quiz, fixture(), o);
    REQUIRE(r.has_value());
    REQUIRE(validate(material_type::quiz, r.value(), fixture()).has_value());
    return r.value()["questions"];
  };
  auto mean_answer_frequency = [&](const json& questions) {
    double sum = 0;
    for (const auto& q : questions) sum += static_cast<double>(occurrences(q["options"][q["answer_index"].get<std::size_t>()]));
    return sum / static_cast<double>(questions.size());
  };
  const json easy = quiz_at("easy"), medium = quiz_at(""), hard = quiz_at("Advanced");
  const double f_easy = mean_answer_frequency(easy), f_medium = mean_answer_frequency(medium), f_hard = mean_answer_frequency(hard);
  INFO("mean occurrences of the answers: easy " << f_easy << ", medium " << f_medium << ", hard " << f_hard);
  CHECK(f_easy > f_medium);
  CHECK(f_medium > f_hard);
  CHECK(easy.dump() != hard.dump());
  options easy_cards, hard_cards;
  easy_cards.difficulty = "beginner";
  hard_cards.difficulty = "expert";
  CHECK(generate_offline(material_type::flashcards, fixture(), easy_cards).value().dump() !=
        generate_offline(material_type::flashcards, fixture(), hard_cards).value().dump());
  CHECK(level_of("Beginner") == level::easy);
  CHECK(level_of("intermediate") == level::medium);
  CHECK(level_of("hard") == level::hard);
}

TEST_CASE("outline follows the chapter's headings") {
  const json chapters = generate(material_type::outline, fixture())["chapters"];
  std::vector<std::string> titles;
  for (const auto& c : chapters) titles.push_back(c["title"]);
  CHECK(std::find(titles.begin(), titles.end(), "Administrative Duties") != titles.end());
  CHECK(std::find(titles.begin(), titles.end(), "Voting") != titles.end());
}

TEST_CASE("running heads and page numbers never become study items") {
  corpus c = fixture();
  for (auto& p : c.pages) p.text = "Debian Developer's Reference, Release 12.18\n\n" + p.text + "\n\n" + std::to_string(p.page);
  for (auto t : {material_type::summary, material_type::flashcards, material_type::quiz}) {
    const std::string dump = generate(t, c).dump();
    CHECK(dump.find("Release 12.18") == std::string::npos);
  }
}

TEST_CASE("a topic steers the summary") {
  options o;
  o.topic = "vacation";
  auto r = generate_offline(material_type::summary, fixture(), o);
  REQUIRE(r.has_value());
  CHECK(r.value()["markdown"].get<std::string>().find("vacation") != std::string::npos);
}

TEST_CASE("German text with umlauts gets cited by code points") {
  corpus c;
  c.title = "Formale Sprachen";
  c.pages.push_back({"de", 1,
                     "Ein Alphabet ist eine endliche Menge von Symbolen.\n\nEin Wort über einem Alphabet ist eine endliche "
                     "Folge von Symbolen.\n\nDie Länge eines Wortes ist die Anzahl seiner Symbole."});
  c.pages.push_back({"de", 2,
                     "Eine formale Sprache ist eine Menge von Worten über einem Alphabet.\n\nDie Syntax einer Sprache "
                     "legt fest, welche Worte zur Sprache gehören.\n\nDie Semantik ordnet den Worten eine Bedeutung zu."});
  c.pages.push_back({"de", 3,
                     "Natürliche Sprachen sind größer und unschärfer als formale Sprachen.\n\nÜbungsaufgaben prüfen, "
                     "ob ein Wort zu einer formalen Sprache gehört.\n\nJedes Alphabet enthält mindestens ein Symbol."});
  for (auto t : {material_type::summary, material_type::flashcards}) {
    const json content = generate(t, c);
    CHECK(validate(t, content, c).has_value());
  }
  const json cards = generate(material_type::flashcards, c)["cards"];
  bool defined = false;
  for (const auto& card : cards) {
    CHECK(cited(c, card["citations"][0]).find(card["back"].get<std::string>()) != std::string::npos);
    defined = defined || card["front"] == "Was ist ein Alphabet?";
  }
  CHECK(defined);
}

TEST_CASE("text that cannot support a material fails with invalid_value") {
  corpus empty;
  corpus numbers;
  for (int p = 1; p <= 5; ++p) numbers.pages.push_back({"n", p, std::to_string(p) + "\n\niv\n\n- " + std::to_string(p * 7)});
  corpus tiny;
  tiny.pages.push_back({"t", 1, "Only one short sentence is here."});
  for (const corpus* c : {&empty, &numbers, &tiny}) {
    for (auto t : {material_type::summary, material_type::flashcards, material_type::quiz, material_type::outline}) {
      auto r = generate_offline(t, *c, {});
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == sf::errc::invalid_value);
      CHECK_FALSE(r.error().message.empty());
    }
  }
}

TEST_CASE("validate rejects hand-made bad content") {
  const corpus& c = fixture();
  const json quiz = generate(material_type::quiz, c, 3);
  const json cards = generate(material_type::flashcards, c, 3);
  auto rejected = [&](material_type t, const json& content, const std::string& why) {
    auto r = validate(t, content, c);
    INFO(why);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == sf::errc::invalid_value);
    CHECK_FALSE(r.error().message.empty());
  };

  json bad = quiz;
  bad["questions"][0]["answer_index"] = 4;
  rejected(material_type::quiz, bad, "answer_index out of range");

  bad = quiz;
  bad["questions"][1]["options"][1] = bad["questions"][1]["options"][0];
  rejected(material_type::quiz, bad, "duplicate options");

  bad = quiz;
  bad["questions"][0]["options"].erase(3);
  rejected(material_type::quiz, bad, "three options");

  bad = quiz;
  const std::size_t length = sf::utf8::length(c.pages[static_cast<std::size_t>(bad["questions"][0]["citations"][0]["page"].get<int>() - 1)].text);
  bad["questions"][0]["citations"][0]["end"] = length + 1;
  rejected(material_type::quiz, bad, "citation past the end of the page");

  bad = quiz;
  bad["questions"][0]["citations"][0]["page"] = 999;
  rejected(material_type::quiz, bad, "citation of a page that does not exist");

  bad = quiz;
  const int answer = bad["questions"][2]["answer_index"];
  bad["questions"][2]["options"][static_cast<std::size_t>(answer)] = "a phrase nowhere in the text";
  rejected(material_type::quiz, bad, "correct option not in the cited span");

  bad = cards;
  bad["cards"][0]["back"] = "Something the text never says.";
  rejected(material_type::flashcards, bad, "back not in the cited span");

  bad = cards;
  bad["cards"][1]["front"] = bad["cards"][0]["front"];
  rejected(material_type::flashcards, bad, "duplicate fronts");

  bad = cards;
  bad["cards"][0]["front"] = "Fill in the blank: " + bad["cards"][0]["back"].get<std::string>();
  rejected(material_type::flashcards, bad, "front gives the back away");

  bad = cards;
  bad["cards"][0].erase("citations");
  rejected(material_type::flashcards, bad, "no citations");

  bad = cards;
  bad["cards"][0]["citations"][0]["start"] = bad["cards"][0]["citations"][0]["end"];
  rejected(material_type::flashcards, bad, "empty span");

  rejected(material_type::summary, json{{"markdown", "# x"}, {"sentences", json::array()}}, "no sentences");
  rejected(material_type::outline, json{{"chapters", json::array({{{"title", ""}, {"topics", json::array()}}})}}, "empty title");
  rejected(material_type::quiz, json::array(), "not an object");

  CHECK(validate(material_type::quiz, quiz, c).has_value());
  CHECK(validate(material_type::flashcards, cards, c).has_value());
}

TEST_CASE("a tiny text (two spoken sentences) still gives cards and a quiz") {
  std::ifstream in(std::string(SF_FIXTURES_DIR) + "/gettysburg_opening_transcript.txt");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  corpus c;
  c.title = "Gettysburg";
  c.pages.push_back({"video", 1, text});
  auto cards = generate_offline(material_type::flashcards, c, {});
  REQUIRE(cards);
  CHECK_FALSE(cards.value()["cards"].empty());
  CHECK(validate(material_type::flashcards, cards.value(), c));
  auto quiz = generate_offline(material_type::quiz, c, {});
  REQUIRE(quiz);
  CHECK_FALSE(quiz.value()["questions"].empty());
  CHECK(validate(material_type::quiz, quiz.value(), c));
}

TEST_CASE("notes and practice tests are made offline, valid and grounded") {
  const corpus& c = fixture();
  auto notes = generate_offline(material_type::notes, c, {});
  REQUIRE(notes);
  INFO(notes.value().dump(2).substr(0, 3000));
  REQUIRE(notes.value()["topics"].size() >= 2);
  CHECK(validate(material_type::notes, notes.value(), c));
  for (const auto& t : notes.value()["topics"]) {
    CHECK_FALSE(t["title"].get<std::string>().empty());
    CHECK(t["markdown"].get<std::string>().find("(p. ") != std::string::npos);
  }

  auto test = generate_offline(material_type::practice_test, c, {});
  REQUIRE(test);
  INFO(test.value().dump(2).substr(0, 3000));
  CHECK(validate(material_type::practice_test, test.value(), c));
  std::set<std::string> kinds;
  for (const auto& q : test.value()["questions"]) kinds.insert(q["kind"].get<std::string>());
  INFO(generate_offline(material_type::flashcards, c, {}).value().dump(1));
  CHECK(kinds.count("multiple_choice") == 1);
  CHECK(kinds.count("true_false") == 1);
  CHECK(kinds.count("short_answer") == 1);
  CHECK(generate_offline(material_type::practice_test, c, {}).value() == test.value());  // deterministic
}

TEST_CASE("model answers keep only their valid items") {
  const corpus& c = fixture();
  auto cards = generate_offline(material_type::flashcards, c, {}).value();
  auto broken = cards;
  broken["cards"].push_back({{"front", "Orphan?"}, {"back", "x"}, {"citations", json::array()}});
  broken["cards"].push_back(cards["cards"][0]);  // a duplicate front
  int dropped = 0;
  auto kept = keep_valid_items(material_type::flashcards, broken, c, grounding::cited, dropped);
  CHECK(dropped == 2);
  CHECK(kept["cards"].size() == cards["cards"].size());
}

TEST_CASE("a model's hostile answer is refused or trimmed, never a crash") {
  const corpus& c = fixture();
  // As a model would answer: offline cards with "quote" and "page" instead of citations.
  auto as_model_answer = [&](json cards) {
    for (auto& card : cards["cards"]) {
      card["quote"] = cited(c, card["citations"][0]);
      card["page"] = card["citations"][0]["page"];
      card.erase("citations");
    }
    return cards;
  };
  auto answer = as_model_answer(generate(material_type::flashcards, c, 4));
  options four;
  four.count = 4;
  REQUIRE(material_from_reply(material_type::flashcards, answer.dump(), c, four));

  // 200,000 levels deep inside an item: refused before anything copies it level by level.
  auto deep = answer.dump();
  deep.insert(deep.rfind(']'), ",{\"x\":" + std::string(200000, '[') + std::string(200000, ']') + "}");
  auto refused = material_from_reply(material_type::flashcards, deep, c, four);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("nested too deeply") != std::string::npos);

  // A page given as a string: a malformed answer (worth another try), not an exception.
  auto typed = answer;
  for (auto& card : typed["cards"]) card["page"] = "3";
  sf::result<model_content> wrong = sf::failure(sf::errc::internal, "not run");
  REQUIRE_NOTHROW(wrong = material_from_reply(material_type::flashcards, typed.dump(), c, four));
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code == sf::errc::transient);

  // U+0000 in a string, which PostgreSQL's jsonb refuses: dropped.
  auto nul = answer;
  nul["cards"][0]["front"] = std::string("What\0 is it?", 12);
  auto kept = material_from_reply(material_type::flashcards, nul.dump(), c, four);
  REQUIRE(kept);
  CHECK(kept.value().content.dump().find("\\u0000") == std::string::npos);
  CHECK(kept.value().content["cards"][0]["front"] == "What is it?");
}
