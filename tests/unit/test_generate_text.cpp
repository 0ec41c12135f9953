// Sentence splitting, tokenising and code-point offsets of the offline generators.
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/utf8.hpp"
#include "common/digest.hpp"
#include "generate/document.hpp"
#include "generate/embedding.hpp"
#include "generate/material.hpp"
#include "generate/retrieval.hpp"
#include "generate/text_analysis.hpp"

using namespace sf::gen;

namespace {

std::vector<std::string> sentences_of(std::string_view t) {
  std::vector<std::string> out;
  for (const auto& s : text::split_sentences(t)) out.emplace_back(t.substr(s.begin, s.size()));
  return out;
}

}  // namespace

TEST_CASE("sentences split at full stops, question and exclamation marks") {
  CHECK(sentences_of("Is it done? Yes! Then we stop.") == std::vector<std::string>{"Is it done?", "Yes!", "Then we stop."});
}

TEST_CASE("abbreviations do not end a sentence") {
  CHECK(sentences_of("Use the tools, e.g. dpkg and apt. They help.") ==
        std::vector<std::string>{"Use the tools, e.g. dpkg and apt.", "They help."});
  CHECK(sentences_of("Use the stable release, i.e. The tested one. Done here.") ==
        std::vector<std::string>{"Use the stable release, i.e. The tested one.", "Done here."});
  CHECK(sentences_of("Dr. Smith met Prof. Jones at the desk. They talked.") ==
        std::vector<std::string>{"Dr. Smith met Prof. Jones at the desk.", "They talked."});
  CHECK(sentences_of("J. R. R. Tolkien wrote books. He died in 1973.") ==
        std::vector<std::string>{"J. R. R. Tolkien wrote books.", "He died in 1973."});
  CHECK(sentences_of("Das ist z.B. ein Test. Die Größe ändert sich.") ==
        std::vector<std::string>{"Das ist z.B. ein Test.", "Die Größe ändert sich."});
}

TEST_CASE("version numbers and URLs stay inside their sentence") {
  CHECK(sentences_of("Version 1.2.3 was released in 2023. The next one follows.") ==
        std::vector<std::string>{"Version 1.2.3 was released in 2023.", "The next one follows."});
  CHECK(sentences_of("See https://www.debian.org/doc/index.html for details. Then read salsa.debian.org. Done.") ==
        std::vector<std::string>{"See https://www.debian.org/doc/index.html for details.", "Then read salsa.debian.org.",
                                 "Done."});
}

TEST_CASE("closing quotes and brackets belong to the sentence they end") {
  CHECK(sentences_of("He said \"stop.\" Then he left.") == std::vector<std::string>{"He said \"stop.\"", "Then he left."});
  CHECK(sentences_of("(This is an aside.) The main text goes on.") ==
        std::vector<std::string>{"(This is an aside.)", "The main text goes on."});
  CHECK(sentences_of("Sie sagte: \u201EGenug.\u201C Dann ging sie.") ==
        std::vector<std::string>{"Sie sagte: \u201EGenug.\u201C", "Dann ging sie."});
}

TEST_CASE("a lower-case word after a full stop continues the sentence") {
  CHECK(sentences_of("It costs 5 dollars etc. and more.") == std::vector<std::string>{"It costs 5 dollars etc. and more."});
}

TEST_CASE("bullets and paragraphs separate sentences") {
  CHECK(sentences_of("Criteria: \u2022 The bug must be fixed. \u2022 The fix is minimal") ==
        std::vector<std::string>{"Criteria:", "The bug must be fixed.", "The fix is minimal"});
  CHECK(sentences_of("A heading\n\nThe first paragraph ends here\n\n- a list item") ==
        std::vector<std::string>{"A heading", "The first paragraph ends here", "a list item"});
}

TEST_CASE("tokens know URLs, code and case") {
  const std::string t = "Fix release-critical bugs on salsa.debian.org (see https://x.org/a) in C++ or foo_bar() now.";
  const auto toks = text::tokenize(t, {0, t.size()});
  std::vector<std::string> norms;
  for (const auto& k : toks) norms.push_back(k.norm);
  REQUIRE(norms == std::vector<std::string>{"fix", "release-critical", "bugs", "on", "salsa.debian.org", "see",
                                            "https://x.org/a", "in", "c++", "or", "foo_bar", "now"});
  CHECK(toks[0].upper_initial);
  CHECK(toks[1].clean);
  CHECK(toks[4].url);
  CHECK(toks[6].url);
  CHECK_FALSE(toks[10].clean);  // followed by "()": code
  CHECK(toks[5].break_before);  // after "("
}

TEST_CASE("lower-casing folds umlauts, apostrophes and ligatures") {
  CHECK(text::lower("ÄÖÜ Straße Developer\u2019s \uFB01le") == "äöü straße developer's file");
}

TEST_CASE("citations count code points, not bytes") {
  corpus c;
  const std::string page = "Die Größe der Übungsgruppe ändert sich oft.\n\nÄpfel und Birnen sind grün und süß.";
  c.pages.push_back({"src", 3, page});
  const document doc = read_document(c);
  REQUIRE(doc.sentences.size() == 2);
  const std::u32string cps = sf::utf8::decode(page);
  for (const auto& s : doc.sentences) {
    CHECK(sf::utf8::encode(cps.substr(s.cp_begin, s.cp_end - s.cp_begin)) == doc.str(s));
  }
  CHECK(doc.sentences[1].cp_begin == 45);  // 44 characters and a blank line before "Äpfel"
  CHECK(doc.sentences[1].cp_end == sf::utf8::length(page));
  CHECK(doc.lang == text::language::de);
}

TEST_CASE("running heads and page numbers are not content") {
  corpus c;
  const char* body[] = {"The maintainer uploads the package to the archive.", "Bugs are tracked in the bug tracking system.",
                        "Translators use the l10n mailing list for questions.", "A porter builds packages for other architectures."};
  for (int p = 1; p <= 4; ++p)
    c.pages.push_back({"src", p, "Developer's Reference, Release 12.18\n\n" + std::string(body[p - 1]) + "\n\n" + std::to_string(p)});
  const document doc = read_document(c);
  REQUIRE(doc.sentences.size() == 4);
  for (const auto& s : doc.sentences) CHECK(doc.str(s).find("Release 12.18") == std::string_view::npos);
}

TEST_CASE("material type names round-trip") {
  for (auto t : {material_type::summary, material_type::outline, material_type::notes, material_type::flashcards,
                 material_type::quiz, material_type::practice_test})
    CHECK(parse_material_type(to_string(t)) == t);
  CHECK(parse_material_type("  Quiz ") == material_type::quiz);
  CHECK(parse_material_type("PRACTICE_TEST") == material_type::practice_test);
  CHECK_FALSE(parse_material_type("lecture").has_value());
  CHECK_FALSE(parse_material_type("").has_value());
}

TEST_CASE("paragraphs with broken UTF-8 are left out, so every quote can be stored as JSON") {
  CHECK(text::valid_utf8("Größe \u201Equoted\u201C"));
  CHECK_FALSE(text::valid_utf8("bad \xC3 byte"));
  CHECK_FALSE(text::valid_utf8("overlong \xC0\xAF"));
  CHECK_FALSE(text::valid_utf8("surrogate \xED\xA0\x80"));
  corpus c;
  c.pages.push_back({"src", 1, "A valid paragraph about packages comes first.\n\nThen a broken \xFF one follows here."});
  const document doc = read_document(c);
  REQUIRE(doc.sentences.size() == 1);
  CHECK(doc.str(doc.sentences[0]) == "A valid paragraph about packages comes first.");
}

TEST_CASE("the offline embedding tells a reworded request from a different one") {
  const std::string request = "Write 10 quiz questions about the Debian release process, the stable release managers "
                              "and how uploads reach the testing distribution after migration.";
  const auto a = embed_offline(request);
  const auto b = embed_offline(request + " Course: second group.");
  const auto c = embed_offline("Photosynthesis turns light, water and carbon dioxide into sugar in the chloroplast.");
  REQUIRE(a.size() == offline_embedding_dims);
  CHECK(cosine(a, a) == Approx(1.0f));
  CHECK(cosine(a, b) > 0.85f);
  CHECK(cosine(a, c) < 0.3f);
  CHECK(embed_offline(request) == a);  // deterministic
}

TEST_CASE("embeddings of different sizes are never similar, and survive storage") {
  embedding small{0.6f, 0.8f};
  CHECK(cosine(small, embed_offline("anything")) == 0.0f);
  embedding back;
  REQUIRE(from_bytes(to_bytes(small), back));
  CHECK(back == small);
  CHECK_FALSE(from_bytes("abc", back));
  CHECK_FALSE(from_bytes("", back));
  embedding raw{3.0f, 4.0f};
  normalise(raw);
  CHECK(raw[0] == Approx(0.6f));
}

TEST_CASE("hex encoding round-trips and refuses what is not hex") {
  const std::string bytes("\x00\x01\xfe\xff", 4);
  CHECK(sf::to_hex(bytes) == "0001feff");
  CHECK(sf::from_hex("0001feff") == bytes);
  CHECK_FALSE(sf::from_hex("0g"));
  CHECK_FALSE(sf::from_hex("abc"));
  CHECK(sf::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("retrieval fuses full-text and similarity rankings") {
  // Found first by one signal and third by the other beats found second by one alone.
  CHECK(fuse_rankings({{7, 1, 2}, {3, 4, 7}}, 10) == std::vector<std::size_t>{7, 3, 1, 4, 2});
  CHECK(fuse_rankings({{5, 6}, {}}, 1) == std::vector<std::size_t>{5});
  CHECK(fuse_rankings({{}, {}}, 5).empty());

  const std::vector<std::string_view> passages = {
      "The stable release managers decide what enters a point release of the distribution.",
      "Photosynthesis turns light into sugar in the chloroplast of the plant cell.",
      "Uploads to the distribution go to unstable first; the release team migrates them.",
      "The chloroplast holds chlorophyll, and the plant cell holds many chloroplasts."};
  // Only some of the words occur anywhere ("explained" nowhere), and "the" counts for nothing.
  CHECK(similar_passages("the chloroplast in photosynthesis, explained", passages, 5) == std::vector<std::size_t>{1, 3});
  CHECK(similar_passages("how the release managers work", passages, 1) == std::vector<std::size_t>{0});
  CHECK(similar_passages("the of and", passages, 5).empty());
  CHECK(similar_passages("anything", {}, 5).empty());

  const std::vector<embedding> dense = {{1.0f, 0.0f}, {0.6f, 0.8f}, {0.0f, 1.0f}, {1.0f}};
  CHECK(nearest({0.0f, 1.0f}, dense, 2) == std::vector<std::size_t>{2, 1});  // the 1-d vector is not comparable
  CHECK(nearest({0.0f, 1.0f}, dense, 9).size() == 3);
}
