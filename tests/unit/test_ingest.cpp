#include <catch2/catch.hpp>

#include <atomic>

#include "common/utf8.hpp"
#include "ingest/mupdf_document.hpp"
#include "ingest/ocr.hpp"
#include "ingest/ocr_pass.hpp"
#include "ingest/region_board.hpp"
#include "ingest/sniff.hpp"
#include "ingest/text_layout.hpp"

using namespace sf::ingest;

TEST_CASE("types come from the bytes, not the name") {
  CHECK(sniff("%PDF-1.7\n...").kind == media_kind::pdf);
  CHECK(sniff(std::string("\x89PNG\r\n\x1a\n\0\0", 10)).media_type == "image/png");
  CHECK(sniff("\xff\xd8\xff\xe0").media_type == "image/jpeg");
  CHECK(sniff("").kind == media_kind::empty);
  CHECK(sniff("# Heading\n\nSome notes.").kind == media_kind::text);
  CHECK(sniff("<!DOCTYPE html><html>").kind == media_kind::html);
  CHECK(sniff(std::string("\x7f" "ELF\x02\x01", 6)).kind == media_kind::unknown);
  CHECK(sniff(std::string("ab\0cd", 5)).media_type == "application/octet-stream");
  CHECK(sniff("Gr\xc3\xbc\xc3\x9f" "e").kind == media_kind::text);
  CHECK(sniff("Latin-1 \xe9t\xe9").kind == media_kind::unknown);
  CHECK(sniff("Latin-1 \xe9t\xe9 with mostly plain letters around it").media_type == "text/plain; charset=unknown");
  CHECK(sniff("\xff\xfeH\0i\0").kind == media_kind::text);
}

TEST_CASE("UTF-8 validation catches what a decoder would choke on") {
  CHECK(sf::utf8::valid("plain"));
  CHECK(sf::utf8::valid("\xe2\x82\xac"));
  CHECK_FALSE(sf::utf8::valid("\xc0\xaf"));          // overlong
  CHECK_FALSE(sf::utf8::valid("\xed\xa0\x80"));      // surrogate
  CHECK_FALSE(sf::utf8::valid("\xe2\x82"));          // cut
  CHECK(sf::utf8::valid("\xe2\x82", true));          // cut at a buffer boundary is fine
}

TEST_CASE("lines become paragraphs, hyphenated breaks are joined") {
  std::vector<layout_block> blocks{
      {{U"The extrac-", U"tion of text is the", U"first   step."}, 10},
      {{U"A second para-", U"Graph keeps its hyphen."}, 10},
      {{U"   "}, 10},
  };
  CHECK(layout_text(blocks) ==
        "The extraction of text is the first step.\n\nA second para- Graph keeps its hyphen.");
}

TEST_CASE("a real PDF gives its text per page, numbered from 1") {
  int calls = 0;
  auto doc = extract_document(SF_FIXTURES_DIR "/devref_p45-47.pdf", "application/pdf", {}, {}, [&](int done, int total, const char*) {
    ++calls;
    CHECK(total == 3);
    CHECK(done == calls);
    return true;
  });
  REQUIRE(doc);
  REQUIRE(doc.value().pages.size() == 3);
  CHECK(doc.value().pages[0].page == 1);
  CHECK(doc.value().pages[2].page == 3);
  CHECK(doc.value().native_pages == 3);
  for (const auto& p : doc.value().pages) {
    CHECK(p.method == "native");
    CHECK(sf::utf8::length(p.text) > 500);
    CHECK(sf::utf8::valid(p.text));
  }
}

TEST_CASE("unreadable and locked PDFs are rejected with a reason") {
  auto locked = extract_document(SF_FIXTURES_DIR "/encrypted_els-cas-dc-sample.pdf", "application/pdf", {}, {}, {});
  REQUIRE_FALSE(locked);
  CHECK(locked.error().code == sf::errc::rejected);
  CHECK(locked.error().message.rfind("encrypted", 0) == 0);

  auto missing = extract_document(SF_FIXTURES_DIR "/no-such-file.pdf", "application/pdf", {}, {}, {});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.rfind("unreadable", 0) == 0);

  limits two_pages;
  two_pages.max_pages = 2;
  auto too_long = extract_document(SF_FIXTURES_DIR "/devref_p45-47.pdf", "application/pdf", two_pages, {}, {});
  REQUIRE_FALSE(too_long);
  CHECK(too_long.error().message.rfind("too_many_pages", 0) == 0);
}

TEST_CASE("extraction stops at a checkpoint when asked") {
  auto doc = extract_document(SF_FIXTURES_DIR "/devref_p45-47.pdf", "application/pdf", {}, {},
                              [](int done, int, const char*) { return done < 2; });
  REQUIRE_FALSE(doc);
  CHECK(doc.error().code == sf::errc::cancelled);
}

TEST_CASE("OCR engines are kept for the next borrower of the same language") {
  const sf::ingest::ocr_engine* first = nullptr;
  {
    auto lease = sf::ingest::ocr_engine::borrow("eng");
    REQUIRE(lease);
    first = lease.value().get();
  }
  auto again = sf::ingest::ocr_engine::borrow("eng");
  REQUIRE(again);
  CHECK(again.value().get() == first);
  auto second = sf::ingest::ocr_engine::borrow("eng");  // the idle one is taken: a new engine
  REQUIRE(second);
  CHECK(second.value().get() != first);
  CHECK_FALSE(sf::ingest::ocr_engine::borrow("no-such-language"));
}

TEST_CASE("a raised, smaller footnote mark is a word of its own") {
  // tests/fixtures/src/footnote_marks.txt, made with `mutool create`: "19" set 7 pt and raised
  // 5 pt against 12 pt text, once after a word and once before one.
  auto doc = extract_document(SF_FIXTURES_DIR "/footnote_marks.pdf", "application/pdf", {}, {}, {});
  REQUIRE(doc);
  REQUIRE(doc.value().pages.size() == 1);
  const auto& text = doc.value().pages[0].text;
  INFO(text);
  CHECK(text.find("bin 19 and more.") != std::string::npos);
  CHECK(text.find("19 Deciding what goes") != std::string::npos);
  CHECK(text.find("Binaries go in bin") != std::string::npos);  // same-size letters stay together
}

TEST_CASE("the region board hands out every region once, regions before new pages") {
  sf::ingest::region_board board(3);
  auto first = board.next({});
  REQUIRE(first);
  CHECK(first->page == 0);
  CHECK_FALSE(first->region);
  CHECK_FALSE(board.split(0, 2));
  auto r0 = board.next({}), r1 = board.next({});
  REQUIRE(r0);
  REQUIRE(r1);
  CHECK((r0->page == 0 && r0->region == 0u && r1->page == 0 && r1->region == 1u));
  auto second = board.next({});  // no region left to hand out: the next page
  REQUIRE(second);
  CHECK((second->page == 1 && !second->region));
  CHECK(board.split(1, 0));  // a page with no text is finished at once
  CHECK_FALSE(board.region_done(0));
  CHECK(board.region_done(0));  // the last region finishes page 0
  auto third = board.next({});
  REQUIRE(third);
  CHECK(third->page == 2);
  bool stop = true;
  CHECK_FALSE(board.next([&] { return stop; }));  // page 2 still open, but asked to stop
  CHECK_FALSE(board.split(2, 1));
  auto last = board.next({});
  REQUIRE(last);
  CHECK(board.region_done(2));
  CHECK_FALSE(board.next({}));  // all finished
}

TEST_CASE("threads share the regions of pages: each region read once, each page finished once") {
  constexpr std::size_t pages = 40;
  sf::ingest::region_board board(pages);
  std::vector<std::atomic<int>> reads(pages * 5), finishes(pages);
  sf::ingest::on_threads(4, [&](int) {
    while (auto t = board.next({})) {
      bool finished = false;
      if (!t->region) finished = board.split(t->page, t->page % 5);  // 0 to 4 regions
      else {
        ++reads[t->page * 5 + *t->region];
        finished = board.region_done(t->page);
      }
      if (finished) ++finishes[t->page];
    }
  });
  for (std::size_t p = 0; p < pages; ++p) {
    INFO("page " << p);
    CHECK(finishes[p] == 1);
    for (std::size_t r = 0; r < 5; ++r) CHECK(reads[p * 5 + r] == (r < p % 5 ? 1 : 0));
  }
}
