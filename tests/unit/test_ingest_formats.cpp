// Extraction of every kind of source, on real fixtures, without any server.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/subprocess.hpp"
#include "common/utf8.hpp"
#include "ingest/chunking.hpp"
#include "ingest/extract.hpp"
#include "ingest/gray_pixels.hpp"
#include "ingest/moderation.hpp"
#include "ingest/page_judge.hpp"
#include "ingest/subtitles.hpp"
#include "ingest/text_document.hpp"
#include "ingest/transcription.hpp"

using namespace sf::ingest;

namespace {

std::string fixture(const std::string& name) { return std::string(SF_FIXTURES_DIR) + "/" + name; }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Share of the truth's words (lower-case, as a multiset) found in `text`: how the corpus
// measures OCR.
double word_recall(const std::string& truth, const std::string& text) {
  auto words = [](const std::string& s) {
    std::map<std::string, int> out;
    std::string w;
    for (char c : s + " ") {
      if (std::isalnum(static_cast<unsigned char>(c))) w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      else if (!w.empty()) {
        ++out[w];
        w.clear();
      }
    }
    return out;
  };
  auto t = words(truth), got = words(text);
  int total = 0, found = 0;
  for (auto& [w, n] : t) {
    total += n;
    found += std::min(n, got[w]);
  }
  return total ? static_cast<double>(found) / total : 0;
}

std::string all_text(const document_text& d) {
  std::string out;
  for (const auto& p : d.pages) out += p.text + "\n";
  return out;
}

extract_settings with_ocr(bool on) {
  extract_settings s;
  s.ocr = {on, 2, 300, "eng"};
  s.video.frame_interval_s = 5;
  return s;
}

}  // namespace

TEST_CASE("pages with a trustworthy text layer stay native, scans and garbage go to OCR") {
  // {visible, letters, punctuation, replacement, image coverage}
  CHECK(judge_page({0, 0, 0, 0, 0.95}) == page_verdict::ocr);
  CHECK(judge_page({0, 0, 0, 0, 0.0}) == page_verdict::blank);
  CHECK(judge_page({77, 70, 7, 0, 0.0}) == page_verdict::native);  // an end-of-chapter page: running head only
  CHECK(judge_page({120, 110, 10, 0, 0.8}) == page_verdict::ocr);  // a caption over a scan
  CHECK(judge_page({2000, 1700, 100, 400, 0.0}) == page_verdict::ocr);
  CHECK(judge_page({2000, 300, 100, 0, 0.0}) == page_verdict::ocr);   // odd symbols, not words
  CHECK(judge_page({2000, 600, 1400, 0, 0.0}) == page_verdict::native);  // a contents page of dot leaders
  CHECK(judge_page({2000, 1700, 300, 0, 0.2}) == page_verdict::native);
  auto toc = measure_text("Maintenance automation ........ 102");
  CHECK(toc.punctuation == 8);
  auto s = measure_text("ab \xef\xbf\xbd cd");
  CHECK(s.visible_chars == 5);
  CHECK(s.replacement == 1);
}

TEST_CASE("a scanned PDF is found out, then read by OCR") {
  auto first = extract_file(fixture("scan_devref_p45.pdf"), "application/pdf", with_ocr(false), {});
  REQUIRE(first);
  CHECK(first.value().pages_needing_ocr == std::vector<int>{1});

  int reports = 0;
  auto doc = extract_file(fixture("scan_devref_p45.pdf"), "application/pdf", with_ocr(true),
                          [&](int, int, const char*) { return ++reports > 0; });
  REQUIRE(doc);
  REQUIRE(doc.value().pages.size() == 1);
  CHECK(doc.value().pages[0].method == "ocr");
  CHECK(doc.value().ocr_pages == 1);
  CHECK(doc.value().pages[0].ocr_confidence > 80);
  CHECK(word_recall(slurp(fixture("scan_devref_p45.truth.txt")), doc.value().pages[0].text) > 0.95);
}

TEST_CASE("a scanned page is split into regions that two threads read to the same text as one") {
  auto one = with_ocr(true), two = with_ocr(true);
  one.ocr.threads = 1;
  auto a = extract_file(fixture("scan_devref_p45.pdf"), "application/pdf", one, {});
  auto b = extract_file(fixture("scan_devref_p45.pdf"), "application/pdf", two, {});
  REQUIRE(a);
  REQUIRE(b);
  CHECK(b.value().pages[0].text == a.value().pages[0].text);
  CHECK(b.value().pages[0].ocr_confidence == a.value().pages[0].ocr_confidence);

  // The page's layout gives several regions, and their texts joined read like the page.
  auto page = pack(read_gray(fixture("terminal_gnuplot-help.png")).get(), 300);
  auto engine = ocr_engine::borrow("eng");
  REQUIRE(engine);
  auto regions = engine.value()->regions(page.image, 8);
  CHECK(regions.size() > 1);
  std::vector<region_text> texts;
  for (const auto& r : regions) {
    CHECK((r.left >= 0 && r.top >= 0 && r.left + r.width <= page.image.width && r.top + r.height <= page.image.height));
    texts.push_back(engine.value()->recognize(page.image, r));
  }
  auto joined = join_regions(regions, texts);
  CHECK(word_recall(slurp(fixture("terminal_gnuplot-help.truth.txt")), joined.text) > 0.9);
  CHECK(joined.confidence > 50);
}

TEST_CASE("a mixed PDF OCRs only its scanned page") {
  auto doc = extract_file(fixture("mixed_devref_p30-32.pdf"), "application/pdf", with_ocr(true), {});
  REQUIRE(doc);
  REQUIRE(doc.value().pages.size() == 3);
  CHECK(doc.value().pages[0].method == "native");
  CHECK(doc.value().pages[1].method == "ocr");
  CHECK(doc.value().pages[2].method == "native");
  CHECK(doc.value().ocr_pages == 1);
  CHECK(doc.value().pages[1].text.size() > 1000);
}

TEST_CASE("OCR can be cancelled between pages") {
  auto doc = extract_file(fixture("mixed_devref_p30-32.pdf"), "application/pdf", with_ocr(true),
                          [](int, int, const char* phase) { return std::string(phase) != "OCR page"; });
  REQUIRE_FALSE(doc);
  CHECK(doc.error().code == sf::errc::cancelled);
}

TEST_CASE("a long PDF read by two workers gives the same pages as one, and stops when cancelled") {
  // 21 pages: the fixture seven times over, made with mutool (installed with MuPDF's tools).
  auto twenty_one = std::filesystem::temp_directory_path() / "studyforge-unit-21-pages.pdf";
  std::vector<std::string> cmd{"mutool", "merge", "-o", twenty_one.string()};
  for (int i = 0; i < 7; ++i) cmd.push_back(fixture("devref_p45-47.pdf"));
  REQUIRE(sf::proc::run(cmd).exit_code == 0);

  auto one = with_ocr(false), two = with_ocr(false);
  one.ocr.threads = 1;
  two.ocr.threads = 2;
  auto a = extract_file(twenty_one.string(), "application/pdf", one, {});
  auto b = extract_file(twenty_one.string(), "application/pdf", two, {});
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(a.value().pages.size() == 21);
  REQUIRE(b.value().pages.size() == 21);
  for (std::size_t i = 0; i < 21; ++i) {
    INFO("page " << i + 1);
    CHECK(b.value().pages[i].page == static_cast<int>(i) + 1);
    CHECK(b.value().pages[i].text == a.value().pages[i].text);
    CHECK(b.value().pages[i].text == a.value().pages[i % 3].text);  // the same three pages, in order
  }

  int reports = 0;
  auto cancelled = extract_file(twenty_one.string(), "application/pdf", two, [&](int done, int, const char*) {
    ++reports;
    return done < 5;
  });
  REQUIRE_FALSE(cancelled);
  CHECK(cancelled.error().code == sf::errc::cancelled);
  CHECK(reports < 21);
  std::filesystem::remove(twenty_one);
}

TEST_CASE("images are OCRed upright, text-free and oversized ones are refused") {
  auto truth = slurp(fixture("terminal_gnuplot-help.truth.txt"));
  auto straight = extract_file(fixture("terminal_gnuplot-help.png"), "image/png", with_ocr(true), {});
  REQUIRE(straight);
  CHECK(word_recall(truth, all_text(straight.value())) > 0.9);

  auto turned = extract_file(fixture("terminal_gnuplot-help_rotated.png"), "image/png", with_ocr(true), {});
  REQUIRE(turned);
  CHECK(word_recall(truth, all_text(turned.value())) > 0.8);

  auto blank = extract_file(fixture("no_text_gradient.png"), "image/png", with_ocr(true), {});
  REQUIRE(blank);
  CHECK(moderate(blank.value(), {}).value_or("").rfind("no_text", 0) == 0);

  auto bomb = extract_file(fixture("bomb_60000x60000.png"), "image/png", with_ocr(true), {});
  REQUIRE_FALSE(bomb);
  CHECK(bomb.error().message.rfind("too_large", 0) == 0);
}

TEST_CASE("video: the subtitle track first, speech recognition without one") {
  auto subs = extract_file(fixture("gettysburg_opening_subs.mp4"), "video/mp4", with_ocr(true), {});
  REQUIRE(subs);
  REQUIRE_FALSE(subs.value().pages.empty());
  CHECK(subs.value().pages[0].method == "subtitle");
  CHECK(subs.value().pages[0].start_seconds == 0);
  CHECK(all_text(subs.value()).find("Four score and seven years ago") != std::string::npos);

  auto heard = extract_file(fixture("gettysburg_opening_nosubs.mp4"), "video/mp4", with_ocr(true), {});
  REQUIRE(heard);
  REQUIRE_FALSE(heard.value().pages.empty());
  CHECK(heard.value().pages[0].method == "asr");
  CHECK(word_recall(slurp(fixture("gettysburg_opening_transcript.txt")), all_text(heard.value())) > 0.2);
}

TEST_CASE("HTML, EPUB, Markdown, subtitles and UTF-16 text are read with their structure") {
  auto html = extract_file(fixture("debian-faq_ch7.html"), "text/html", with_ocr(false), {});
  REQUIRE(html);
  CHECK(all_text(html.value()).find("package") != std::string::npos);

  auto epub = extract_file(fixture("debian-faq_ch7.epub"), "application/epub+zip", with_ocr(false), {});
  REQUIRE(epub);
  CHECK(all_text(epub.value()).find("package") != std::string::npos);

  auto md = extract_text("# Duties\n\nA maintainer keeps\nthe package working.\n\nSecond paragraph.\n\nSetup\n=====\n\nMore text.\n");
  REQUIRE(md);
  CHECK(md.value().pages[0].text == "Duties\n\nA maintainer keeps the package working.\n\nSecond paragraph.\n\nSetup\n\nMore text.");

  // Found by the fuzzer: a heading mark with nothing after it.
  auto bare = extract_text("#\na\n");
  REQUIRE(bare);
  CHECK(bare.value().pages[0].text == "a");

  // NUL and other control bytes, past what the sniffer reads, in UTF-8 and in UTF-16: PostgreSQL
  // would refuse the page, so they go.
  auto nul = extract_text(std::string(5000, 'A') + std::string("\0B\x01" "C\x7f", 5));
  REQUIRE(nul);
  auto kept = all_text(nul.value());
  CHECK(kept.find_first_of(std::string("\0\x01\x7f", 3)) == std::string::npos);
  CHECK(kept.find("ABC") != std::string::npos);
  auto wide_nul = extract_text(std::string("\xff\xfe" "A\0\0\0B\0", 8));  // UTF-16LE "A", U+0000, "B"
  REQUIRE(wide_nul);
  CHECK(wide_nul.value().pages[0].text == "AB");

  auto long_text = extract_file(fixture("debian-faq_ch7.txt"), "text/plain", with_ocr(false), {});
  REQUIRE(long_text);
  CHECK(long_text.value().pages.size() > 3);

  auto srt = extract_text(slurp(fixture("gettysburg_opening.srt")));
  REQUIRE(srt);
  CHECK(srt.value().pages[0].method == "subtitle");

  std::string utf16 = "\xff\xfe";
  for (char c : std::string("Gr\xfc\xdf Gott, the notes say hello.")) {
    utf16 += c;
    utf16 += '\0';
  }
  auto wide = extract_text(utf16);
  REQUIRE(wide);
  CHECK(wide.value().pages[0].text == "Gr\xc3\xbc\xc3\x9f Gott, the notes say hello.");

  auto latin1 = extract_text("caf\xe9 cr\xe8me");
  REQUIRE_FALSE(latin1);
  CHECK(latin1.error().message.find("not UTF-8") != std::string::npos);
}

TEST_CASE("subtitle cues parse from SubRip and WebVTT and group into segments") {
  auto cues = parse_subtitles("WEBVTT\n\n00:01.000 --> 00:04.000 align:start\n<i>Hello</i> there\n\n01:05.500 --> 01:07.000\nLater\n");
  REQUIRE(cues.size() == 2);
  CHECK(cues[0].text == "Hello there");
  CHECK(cues[1].start == Approx(65.5));
  auto doc = segment_cues(cues, 60, "subtitle");
  REQUIRE(doc.pages.size() == 2);
  CHECK(doc.pages[1].start_seconds == 60);

  // Found by the fuzzer: times past any recording are not cues (they overflowed page numbers).
  auto absurd = parse_subtitles("1\n00:00:03,000 --> 00:00:05,000\nFine\n\n2\n99999999999999999999999:03 --> "
                                "99999999999999999999999:04\nToo late\n");
  REQUIRE(absurd.size() == 1);
  CHECK(absurd[0].text == "Fine");
}

TEST_CASE("audio goes to a transcription service as WAV pieces, times shifted back") {
  std::vector<std::int16_t> samples(static_cast<std::size_t>(2.5 * speech_sample_rate), 0);
  samples[1] = -2;
  std::vector<double> sent_seconds;
  transcriber fake = [&](const std::string& wav, double seconds) -> sf::result<std::vector<cue>> {
    REQUIRE(wav.size() == 44 + static_cast<std::size_t>(seconds * speech_sample_rate) * 2);
    CHECK(wav.compare(0, 4, "RIFF") == 0);
    CHECK(wav.compare(8, 8, "WAVEfmt ") == 0);
    CHECK(static_cast<unsigned char>(wav[24]) + 256 * static_cast<unsigned char>(wav[25]) == 16000 % 65536);
    sent_seconds.push_back(seconds);
    return std::vector<cue>{{0.25, 0.75, "piece " + std::to_string(sent_seconds.size()), false}};
  };
  auto cues = transcribe_in_pieces(samples, fake, 1.0);
  REQUIRE(cues);
  CHECK(sent_seconds == std::vector<double>{1.0, 1.0, 0.5});
  REQUIRE(cues.value().size() == 3);
  CHECK(cues.value()[2].start == Approx(2.25));
  CHECK(cues.value()[2].text == "piece 3");
  const std::string wav = to_wav(samples.data(), 2);
  CHECK(static_cast<unsigned char>(wav[46]) == 0xFE);  // -2 little-endian
  CHECK(static_cast<unsigned char>(wav[47]) == 0xFF);
  transcriber down = [](const std::string&, double) -> sf::result<std::vector<cue>> {
    return sf::failure(sf::errc::transient, "service down");
  };
  CHECK_FALSE(transcribe_in_pieces(samples, down, 1.0));
}

TEST_CASE("text goes to a moderation service in bounded pieces of whole characters") {
  document_text d;
  std::string page;
  for (int i = 0; i < 300; ++i) page += "Grüße aus Köln, Straße " + std::to_string(i) + ". ";
  d.pages.push_back({1, "native", page, -1, -1});
  d.pages.push_back({2, "native", "A short second page.", -1, -1});
  auto pieces = moderation_pieces(d, 1000, 0);
  std::size_t total = 0;
  for (const auto& p : pieces) {
    CHECK(p.size() <= 1000);
    CHECK(sf::utf8::valid(p));
    total += p.size();
  }
  CHECK(total >= page.size());
  CHECK(pieces.back().find("A short second page.") != std::string::npos);
  CHECK(pieces.front().rfind("Grüße aus Köln, Straße 0.", 0) == 0);
  // Too many: an even spread from start to end.
  auto few = moderation_pieces(d, 1000, 3);
  REQUIRE(few.size() == 3);
  CHECK(few[0] == pieces[0]);
  CHECK(few[2] != pieces[0]);
  CHECK(moderation_pieces(document_text{}, 1000, 3).empty());
}

TEST_CASE("moderation rejects the empty, the unreadable and the blocked") {
  document_text empty;
  empty.pages.push_back({1, "native", "  12  ", -1, -1});
  CHECK(moderate(empty, {}).value_or("").rfind("no_text", 0) == 0);

  document_text poor;
  poor.pages.push_back({1, "ocr", std::string(300, 'x'), 12, -1});
  tally(poor);
  CHECK(moderate(poor, {}).value_or("").rfind("unreadable", 0) == 0);

  document_text fine;
  fine.pages.push_back({1, "native", "The package maintainer uploads a new version of the package.", -1, -1});
  tally(fine);
  CHECK_FALSE(moderate(fine, {}));
  CHECK(moderate(fine, {40, 30, {"Maintainer"}}).value_or("").rfind("blocked", 0) == 0);
  CHECK_FALSE(moderate(fine, {40, 30, {"main"}}));  // whole words only
}

TEST_CASE("printable text is valid UTF-8 without control characters, cut at a character edge") {
  using sf::utf8::printable;
  CHECK(printable(std::string("ok\0\x01 \t\n\x7f", 9), 100) == "ok \t\n");
  CHECK(printable("\xff\xfe", 100) == "\xef\xbf\xbd\xef\xbf\xbd");  // U+FFFD for each bad byte
  CHECK(printable("ab\xc3\xa9", 3) == "ab");                         // é would not fit whole
  CHECK(sf::utf8::valid(printable(std::string(299, 'x') + "\xc3\xa9", 300)));
}

TEST_CASE("a long paragraph of CJK text is cut at its sentence ends, never inside a character") {
  // 3,000 characters (9,000 bytes) of Chinese in one paragraph: no ". " anywhere.
  std::string sentence;
  for (int i = 0; i < 29; ++i) sentence += "\u5b66";  // 学
  sentence += "\u3002";                               // 。
  std::string para = "A";  // one ASCII byte first: byte 1,500 falls inside a character
  while (sentence.size() + para.size() <= 9000) para += sentence;
  std::string nothing_to_cut_at = "A";
  for (int i = 0; i < 3000; ++i) nothing_to_cut_at += "\u5b66";
  for (const auto& text : {para, nothing_to_cut_at}) {
    document_text d;
    d.pages.push_back({1, "native", text, -1, -1});
    auto chunks = make_chunks(d, 1000);
    REQUIRE(chunks.size() >= 3);
    std::string joined;
    for (const auto& c : chunks) {
      CHECK(sf::utf8::valid(c.text));
      CHECK(c.text.size() <= 2000);
      joined += c.text;
    }
    CHECK(joined == text);  // nothing lost or doubled at the cuts
  }
  document_text d;
  d.pages.push_back({1, "native", para, -1, -1});
  for (const auto& c : make_chunks(d, 1000)) CHECK(c.text.substr(c.text.size() - 3) == "\u3002");  // whole sentences
}

TEST_CASE("chunks stay within their size, keep their pages and never cross a heading") {
  document_text d;
  d.pages.push_back({1, "native", "Introduction\n\n" + std::string(900, 'a') + ".\n\n" + std::string(900, 'b') + ".", -1, -1});
  d.pages.push_back({2, "native", "Installation\n\nRun the installer.", -1, -1});
  auto chunks = make_chunks(d, 1000);
  REQUIRE(chunks.size() == 3);
  CHECK(chunks[0].heading == "Introduction");
  CHECK(chunks[0].page_start == 1);
  CHECK(chunks[1].heading == "Introduction");
  CHECK(chunks[2].heading == "Installation");
  CHECK(chunks[2].page_start == 2);
  CHECK(chunks[2].text == "Installation\n\nRun the installer.");
  for (const auto& c : chunks) CHECK(c.text.size() <= 2000);
}
