// The flashcards CSV as Anki reads it: header lines first, then one row per card.
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "generate/export_csv.hpp"

using namespace sf::gen;
using nlohmann::json;

namespace {

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

json one_card(const std::string& front, const std::string& back) {
  return {{"cards", {{{"front", front}, {"back", back}, {"citations", {{{"page", 3}}}}}}}};
}

}  // namespace

TEST_CASE("fields with separators, quotes or line breaks are quoted as RFC 4180 says") {
  CHECK(csv_field("plain") == "plain");
  CHECK(csv_field("a, b") == "\"a, b\"");
  CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_field("two\nlines") == "\"two\nlines\"");
}

TEST_CASE("a course title with line breaks stays on the deck's header line") {
  auto csv = flashcards_csv(one_card("Front", "Back"), "Biology\n#deck:Other\nx,y,z,w\r", "course-1");
  auto lines = lines_of(csv);
  REQUIRE(lines.size() == 8);  // seven header lines and one card
  CHECK(lines[3] == "#deck:Biology #deck:Other x,y,z,w ");
  int decks = 0;
  for (const auto& l : lines) decks += l.rfind("#deck:", 0) == 0;
  CHECK(decks == 1);
  CHECK(lines[7].find(",Front,Back,studyforge page_3") != std::string::npos);
}

TEST_CASE("a card keeps its guid across exports, and another course gives another") {
  auto a = lines_of(flashcards_csv(one_card("What is ATP?", "energy"), "d", "course-1")).back();
  auto again = lines_of(flashcards_csv(one_card("What is ATP?", "the cell's energy"), "d", "course-1")).back();
  auto other = lines_of(flashcards_csv(one_card("What is ATP?", "energy"), "d", "course-2")).back();
  auto guid = [](const std::string& row) { return row.substr(0, row.find(',')); };
  CHECK(guid(a).size() == 10);
  CHECK(guid(a) == guid(again));  // an edited back updates the card on import
  CHECK(guid(a) != guid(other));
}
