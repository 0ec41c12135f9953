// Every kind of source through the real pipeline: upload, extract (and OCR on its own lane),
// moderate, generate; adversarial files answered with a 4xx or a reason.
#include <fstream>
#include <thread>

#include "harness.hpp"

using namespace sf::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

json source_text(user& u, const json& course) {
  return u.get("/v1/courses/" + course["id"].get<std::string>() + "/sources/" +
               course["sources"][0]["id"].get<std::string>() + "/text");
}

int upload_status(user& u, const std::string& file, const std::string& name, std::string* message = nullptr) {
  auto id = u.call("POST", "/v1/courses", {{"title", name}}, 201)["id"].get<std::string>();
  auto r = u.http.upload("/v1/courses/" + id + "/sources?filename=" + name, file);
  REQUIRE(r);
  if (message) *message = parse(r.value().body)["error"].value("message", "");
  return r.value().status;
}

}  // namespace

TEST_CASE("scans and mixed PDFs: native text first, OCR only where needed", "[extraction]") {
  node_process node;
  user u(node.endpoint(), "scans");

  auto scan = finished_course(u, "scan.pdf", fixture("scan_devref_p45.pdf"));
  INFO(scan.dump());
  REQUIRE(scan["status"] == "ready");
  CHECK(scan["sources"][0]["extraction"]["ocr_pages"] == 1);
  CHECK(scan["sources"][0]["extraction"]["native_pages"] == 0);
  CHECK(scan["sources"][0]["extraction"]["mean_ocr_confidence"].get<double>() > 80);
  auto text = source_text(u, scan);
  CHECK(text["pages"][0]["method"] == "ocr");
  CHECK(text["pages"][0]["text"].get<std::string>().find("Debian") != std::string::npos);
  // The native pass handed the page to an OCR job on the ocr lane (unless this database has
  // read the same file before, when the text comes from the cache).
  auto jobs = u.get("/v1/jobs");
  int ocr_jobs = 0;
  bool cached = false;
  for (const auto& j : jobs["jobs"]) {
    if (j["course_id"] != scan["id"]) continue;
    ocr_jobs += j["kind"] == "ocr";
    auto history = u.get("/v1/jobs/" + j["job_id"].get<std::string>() + "/events");
    for (const auto& e : history["events"])
      cached |= e["step"].is_string() && e["step"].get<std::string>().find("already extracted") != std::string::npos;
  }
  CHECK(ocr_jobs == (cached ? 0 : 1));

  auto mixed = finished_course(u, "mixed.pdf", fixture("mixed_devref_p30-32.pdf"));
  INFO(mixed.dump());
  REQUIRE(mixed["status"] == "ready");
  CHECK(mixed["sources"][0]["extraction"]["ocr_pages"] == 1);
  CHECK(mixed["sources"][0]["extraction"]["native_pages"] == 2);
  auto pages = source_text(u, mixed)["pages"];
  CHECK(pages[0]["method"] == "native");
  CHECK(pages[1]["method"] == "ocr");
  CHECK(pages[2]["method"] == "native");
}

TEST_CASE("images, video, HTML, EPUB and text become study material", "[extraction]") {
  node_process node;
  user u(node.endpoint(), "formats");

  auto image = finished_course(u, "help.png", fixture("terminal_gnuplot-help.png"));
  CHECK(image["status"] == "ready");
  CHECK(image["sources"][0]["media_type"] == "image/png");

  auto video = finished_course(u, "lecture.mp4", fixture("gettysburg_opening_subs.mp4"));
  REQUIRE(video["status"] == "ready");
  auto segments = source_text(u, video)["pages"];
  CHECK(segments[0]["method"] == "subtitle");
  CHECK(segments[0]["text"].get<std::string>().find("Four score") != std::string::npos);

  for (const auto& [file, name] : std::vector<std::pair<std::string, std::string>>{
           {"debian-faq_ch7.html", "faq.html"}, {"debian-faq_ch7.epub", "faq.epub"}, {"debian-faq_ch7.txt", "faq.txt"}}) {
    auto c = finished_course(u, name, fixture(file));
    INFO(name << ": " << c.dump());
    CHECK(c["status"] == "ready");
    CHECK(source_text(u, c)["pages"][0]["method"] == "native");
  }
}

TEST_CASE("adversarial files get a clear answer and the node keeps serving", "[extraction]") {
  node_process node;
  user u(node.endpoint(), "adversary");

  auto blank = finished_course(u, "blank.png", fixture("no_text_gradient.png"));
  CHECK(blank["status"] == "rejected");
  CHECK(blank["reject_reason"].get<std::string>().rfind("no_text", 0) == 0);

  auto bomb = finished_course(u, "bomb.png", fixture("bomb_60000x60000.png"));
  CHECK(bomb["status"] == "rejected");
  CHECK(bomb["reject_reason"].get<std::string>().rfind("too_large", 0) == 0);

  std::string message;
  auto latin1 = std::string(std::getenv("STUDYFORGE_DATA_DIR")) + "/latin1.txt";
  std::ofstream(latin1, std::ios::binary) << "Caf\xe9 cr\xe8me, notes written in an old editor with Latin-1 text.";
  CHECK(upload_status(u, latin1, "notes.txt", &message) == 415);
  CHECK(message.find("not UTF-8") != std::string::npos);

  auto elf = std::string(std::getenv("STUDYFORGE_DATA_DIR")) + "/program.txt";
  std::ofstream(elf, std::ios::binary) << std::string("\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0", 16) << std::string(4000, '\0');
  CHECK(upload_status(u, elf, "program.txt", &message) == 415);
  CHECK(message.find("application/x-executable") != std::string::npos);

  CHECK(u.get("/health")["status"] == "healthy");
}

TEST_CASE("the same file is extracted once, whoever uploads it", "[extraction]") {
  node_process node;
  user first(node.endpoint(), "cache-a"), second(node.endpoint(), "cache-b");
  auto a = finished_course(first, "a.png", fixture("terminal_gnuplot-help_rotated.png"));
  auto b = finished_course(second, "b.png", fixture("terminal_gnuplot-help_rotated.png"));
  REQUIRE(a["status"] == "ready");
  REQUIRE(b["status"] == "ready");
  CHECK(source_text(first, a)["pages"] == source_text(second, b)["pages"]);
  // The second upload's job found the text already extracted and did no OCR of its own.
  auto jobs = second.get("/v1/jobs");
  bool reused = false;
  for (const auto& j : jobs["jobs"]) {
    if (j["course_id"] != b["id"] || j["kind"] != "ocr") continue;
    auto history = second.get("/v1/jobs/" + j["job_id"].get<std::string>() + "/events");
    for (const auto& e : history["events"])
      reused |= e["step"].is_string() && e["step"].get<std::string>().find("already extracted") != std::string::npos;
  }
  CHECK(reused);
}

TEST_CASE("blocked terms reject material before any generation", "[extraction]") {
  // Its own bus namespace: a node without the rule must not pick this job up.
  node_process node(std::map<std::string, std::string>{{"STUDYFORGE_MODERATION_BLOCKED_TERMS", "score,conceived"},
                                                       {"STUDYFORGE_NATS_NAMESPACE", unique_namespace("blocked")}});
  user u(node.endpoint(), "blocked");
  auto c = finished_course(u, "speech.srt", fixture("gettysburg_opening.srt"));
  CHECK(c["status"] == "rejected");
  CHECK(c["reject_reason"].get<std::string>().rfind("blocked", 0) == 0);
  CHECK(c["materials"].empty());
}
