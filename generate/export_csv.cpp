#include "generate/export_csv.hpp"

#include <cstdint>

#include "common/hash.hpp"

namespace sf::gen {
namespace {

std::string guid_of(const std::string& seed, const std::string& front) {
  static const char* alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::uint64_t h = card_hash(seed, front);
  std::string out;
  for (int i = 0; i < 10; ++i) {
    out += alphabet[h % 62];
    h /= 62;
  }
  return out;
}

// A header line's value: a line break in it (a course title may hold one) would end the header
// and start rows or headers of its own.
std::string one_line(const std::string& s) {
  std::string out = s;
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return out;
}

}  // namespace

std::uint64_t card_hash(const std::string& guid_seed, const std::string& front) {
  return fnv1a(guid_seed + "\x1f" + front, fnv_basis_v1);
}

std::string card_page_tag(const nlohmann::json& card) {
  if (!card.contains("citations") || !card["citations"].is_array() || card["citations"].empty()) return "";
  const auto& c = card["citations"][0];
  return c.contains("page") ? "page_" + std::to_string(c["page"].get<int>()) : "";
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string flashcards_csv(const nlohmann::json& content, const std::string& deck, const std::string& guid_seed) {
  std::string out =
      "#separator:Comma\n#html:false\n#notetype:Basic\n#deck:" + one_line(deck) +
      "\n#columns:guid,Front,Back,Tags\n#guid column:1\n#tags column:4\n";
  if (!content.contains("cards") || !content["cards"].is_array()) return out;
  for (const auto& card : content["cards"]) {
    std::string front = card.value("front", ""), back = card.value("back", "");
    out += csv_field(guid_of(guid_seed, front)) + "," + csv_field(front) + "," + csv_field(back) + "," +
           csv_field("studyforge " + card_page_tag(card)) + "\n";
  }
  return out;
}

}  // namespace sf::gen
