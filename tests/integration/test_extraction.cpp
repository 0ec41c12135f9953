// Every kind of source through the real pipeline: upload, extract (and OCR on its own lane),
// moderate, generate; adversarial files answered with a 4xx or a reason.
#include <cstdio>
#include <cstdlib>
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

// A course that only extracts (no materials), in its end state.
json extracted_course(user& u, const std::string& filename, const std::string& path) {
  return finished_course(u, filename, path, 240s, filename, json::array());
}

// The fixture video with a unique comment: bytes no earlier run extracted (the extraction
// cache would answer for those without listening).
std::string unique_video(const std::string& tag) {
  std::string out = "/tmp/sf-test-" + unique_namespace(tag) + ".mp4";
  std::string cmd = "ffmpeg -v error -y -i " + fixture("gettysburg_opening_nosubs.mp4") + " -c copy -metadata comment=" +
                    unique_namespace(tag) + " " + out;
  REQUIRE(std::system(cmd.c_str()) == 0);
  return out;
}

std::string service_json(const scripted_openai& server, const std::string& name, const std::string& model,
                         const std::string& key) {
  return json{{"name", name}, {"base_url", server.base_url()}, {"model", model}, {"api_key", key}}.dump();
}

std::string page_text(user& u, const json& course) {
  std::string all;
  const json text = source_text(u, course);  // kept: a loop over a temporary's member would dangle
  for (const auto& p : text["pages"]) all += p["text"].get<std::string>() + "\n";
  return all;
}

}  // namespace

TEST_CASE("a configured transcription service hears a video, and pocketsphinx stands in when it fails", "[extraction]") {
  scripted_openai server;
  const auto ns = unique_namespace("asr");
  // A node whose transcription service answers with `key`; the method and text of a video.
  auto hear = [&](const std::string& key) {
    node_process node(runtime_env(ns, {{"STUDYFORGE_TRANSCRIPTION", service_json(server, "scripted-asr", "whisper-test", key)}}));
    user u(node.endpoint(), "asr-" + key);
    auto video = unique_video("asr_" + key);
    auto c = extracted_course(u, "lecture.mp4", video);
    std::remove(video.c_str());
    REQUIRE(c["status"] == "ready");
    return std::make_pair(source_text(u, c)["pages"][0]["method"].get<std::string>(), page_text(u, c));
  };
  const auto [method, text] = hear("ok");
  CHECK(method == "asr");
  // What the service measured of the audio we sent: 16 kHz WAV of the clip's length.
  CHECK(text.find("Hz audio for whisper-test, first half.") != std::string::npos);
  CHECK(text.find("of 16000 Hz audio") != std::string::npos);
  CHECK(server.calls("ok") == 1);

  const auto [fallback_method, fallback_text] = hear("unavailable");
  CHECK(server.calls("unavailable") == 1);
  CHECK(fallback_method == "asr");
  CHECK(fallback_text.find("Hz audio") == std::string::npos);  // pocketsphinx's words, not the service's
  CHECK_FALSE(fallback_text.empty());
}

TEST_CASE("a configured moderation service rejects flagged text, and when it is down nothing unchecked goes on", "[extraction]") {
  scripted_openai server;
  const auto ns = unique_namespace("moderation");
  auto write_text = [](const std::string& tag, const std::string& extra) {
    std::string path = "/tmp/sf-test-" + unique_namespace(tag) + ".txt";
    std::ofstream out(path);
    out << "Notes for " << unique_email(tag) << ".\n\nThe water cycle moves water between the oceans, the air and the land. "
        << extra << "\n";
    return path;
  };
  {
    node_process node(runtime_env(ns, {{"STUDYFORGE_MODERATION_ENDPOINT", service_json(server, "scripted-mod", "omni-test", "ok")}}));
    user u(node.endpoint(), "moderated");
    auto clean = write_text("clean", "Evaporation lifts it, condensation forms clouds, and rain brings it back down.");
    auto flagged = write_text("flagged", "This line mentions a forbidden-example-term on purpose.");
    auto fine = extracted_course(u, "clean.txt", clean);
    auto bad = extracted_course(u, "flagged.txt", flagged);
    std::remove(clean.c_str());
    std::remove(flagged.c_str());
    CHECK(fine["status"] == "ready");
    CHECK(bad["status"] == "rejected");
    CHECK(bad["reject_reason"].get<std::string>().rfind("flagged", 0) == 0);
    CHECK(bad["reject_reason"].get<std::string>().find("violence") != std::string::npos);
    CHECK(server.calls("ok") == 2);
  }
  {
    node_process node(runtime_env(ns, {{"STUDYFORGE_MODERATION_ENDPOINT", service_json(server, "scripted-mod", "omni-test", "unavailable")},
                                       {"STUDYFORGE_JOBS_EXTRACT_BACKOFF_S", "0,0"}}));
    user u(node.endpoint(), "moderation-down");
    auto text = write_text("unchecked", "Evaporation lifts it again.");
    auto c = extracted_course(u, "unchecked.txt", text);
    std::remove(text.c_str());
    CHECK(c["status"] == "failed");
    CHECK(c["error"].get<std::string>().find("moderation") != std::string::npos);
    CHECK(server.calls("unavailable") == 2);  // both attempts asked
  }
}

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
