// A course's status as its sources and materials end, against real PostgreSQL and nats-server:
// it is never ready while a source is still to be read, never stuck once nothing is left to
// do, and it comes back from failed when its material is made again.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "harness.hpp"

using namespace sf::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string some_text =
    "Photosynthesis turns light into chemical energy. Chlorophyll absorbs red and blue light. "
    "The light reactions make ATP and NADPH in the thylakoid membranes. The Calvin cycle then "
    "fixes carbon dioxide into sugars in the stroma. Plants, algae and cyanobacteria all do it.";

// `text` in a file of its own under the temp folder.
std::filesystem::path text_file(const std::string& text) {
  auto p = std::filesystem::temp_directory_path() / ("sf-lifecycle-" + std::to_string(std::rand()) + "-" +
                                                     std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + ".txt");
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

json wait_course(user& u, const std::string& id, const std::function<bool(const json&)>& done, std::chrono::seconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  json c;
  while (std::chrono::steady_clock::now() < until) {
    c = u.get("/v1/courses/" + id);
    if (done(c)) return c;
    std::this_thread::sleep_for(100ms);
  }
  FAIL("course " << id << " did not get there: " << c.dump());
  return c;
}

// Uploads `file` (a path) as `name`.
std::string upload(user& u, const std::string& course, const std::string& name, const std::filesystem::path& file,
                   std::string* job = nullptr) {
  auto r = u.http.upload("/v1/courses/" + course + "/sources?filename=" + name, file);
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r);
  INFO(r.value().body);
  REQUIRE(r.value().status == 202);
  auto body = json::parse(r.value().body);
  if (job) *job = body["job_id"];
  return body["source_id"];
}

// "" while the course has no such material yet.
std::string material_status(user& u, const std::string& course, const std::string& type) {
  auto r = u.http.request("GET", "/v1/courses/" + course + "/materials/" + type);
  if (!r || r.value().status != 200) return "";
  return json::parse(r.value().body)["status"];
}

}  // namespace

TEST_CASE("a later source that is rejected leaves a course with text ready, not processing", "[lifecycle]") {
  node_process node(runtime_env(unique_namespace("laterreject")));
  user u(node.endpoint(), "laterreject");
  auto course = u.call("POST", "/v1/courses", {{"title", "Light"}, {"materials", {"summary"}}}, 201)["id"].get<std::string>();
  upload(u, course, "light.txt", text_file(some_text));
  REQUIRE(wait_course(u, course, [](const json& c) { return c["status"] != "pending" && c["status"] != "processing"; }, 60s)["status"] ==
          "ready");

  auto tiny = upload(u, course, "tiny.txt", text_file("hi"));  // too little text: rejected
  for (int i = 0; i < 300 && u.get("/v1/courses/" + course + "/sources/" + tiny)["status"] == "pending"; ++i)
    std::this_thread::sleep_for(100ms);
  CHECK(u.get("/v1/courses/" + course + "/sources/" + tiny)["status"] == "rejected");
  // Before: the course stayed `processing` for good.
  auto c = wait_course(u, course, [](const json& c) { return c["status"] != "pending" && c["status"] != "processing"; }, 30s);
  CHECK(c["status"] == "ready");
}

TEST_CASE("a course is not ready while a source is still to be read, and cancelling that source's job settles it",
          "[lifecycle]") {
  // This node reads no scans: the image's OCR job waits queued.
  node_process node(runtime_env(unique_namespace("waitsource"), {{"STUDYFORGE_LANES_OCR_CONCURRENCY", "0"}}));
  user u(node.endpoint(), "waitsource");
  auto course = u.call("POST", "/v1/courses", {{"title", "Mixed"}, {"materials", {"summary"}}}, 201)["id"].get<std::string>();
  std::string ocr_job;
  auto scan = upload(u, course, "terminal.png", fixture("terminal_gnuplot-help.png"), &ocr_job);
  upload(u, course, "light.txt", text_file(some_text));
  for (int i = 0; i < 600 && material_status(u, course, "summary") != "completed"; ++i) std::this_thread::sleep_for(100ms);
  REQUIRE(material_status(u, course, "summary") == "completed");
  std::this_thread::sleep_for(500ms);
  // Before: `ready` here, with the scan still queued.
  CHECK(u.get("/v1/courses/" + course)["status"] != "ready");

  u.call("DELETE", "/v1/jobs/" + ocr_job, nullptr, 200);
  CHECK(u.get("/v1/courses/" + course + "/sources/" + scan)["status"] == "failed");
  auto c = wait_course(u, course, [](const json& c) { return c["status"] != "pending" && c["status"] != "processing"; }, 30s);
  CHECK(c["status"] == "ready");
}

TEST_CASE("cancelling the only source's queued job fails the course instead of leaving it pending", "[lifecycle]") {
  node_process node(runtime_env(unique_namespace("cancelsource"), {{"STUDYFORGE_LANES_EXTRACT_CONCURRENCY", "0"}}));
  user u(node.endpoint(), "cancelsource");
  auto course = u.call("POST", "/v1/courses", {{"title", "Light"}, {"materials", {"summary"}}}, 201)["id"].get<std::string>();
  std::string job;
  auto source = upload(u, course, "light.txt", text_file(some_text), &job);
  u.call("DELETE", "/v1/jobs/" + job, nullptr, 200);
  CHECK(u.get("/v1/courses/" + course + "/sources/" + source)["status"] == "failed");
  auto c = u.get("/v1/courses/" + course);
  CHECK(c["status"] == "failed");
  CHECK(c["error"].get<std::string>().find("cancelled") != std::string::npos);
}

TEST_CASE("a course failed for a material is ready once that material is made again", "[lifecycle]") {
  auto ns = unique_namespace("refail");
  // First a node that makes no materials: the summary's job waits and is cancelled.
  node_process reader(runtime_env(ns, {{"STUDYFORGE_LANES_GENERATE_CONCURRENCY", "0"}}));
  user u(reader.endpoint(), "refail");
  auto course = u.call("POST", "/v1/courses", {{"title", "Light"}, {"materials", {"summary"}}}, 201)["id"].get<std::string>();
  upload(u, course, "light.txt", text_file(some_text));
  std::string summary_job;
  for (int i = 0; i < 300 && summary_job.empty(); ++i) {
    auto listed = u.get("/v1/jobs");
    for (const auto& j : listed["jobs"])
      if (j["kind"] == "generate" && j["status"] == "queued") summary_job = j["job_id"].get<std::string>();
    if (summary_job.empty()) std::this_thread::sleep_for(100ms);
  }
  REQUIRE_FALSE(summary_job.empty());
  u.call("DELETE", "/v1/jobs/" + summary_job, nullptr, 200);
  REQUIRE(u.get("/v1/courses/" + course)["status"] == "failed");

  node_process writer(runtime_env(ns));
  u.call("POST", "/v1/courses/" + course + "/materials", {{"type", "summary"}}, 202);
  CHECK(u.get("/v1/courses/" + course)["status"] == "processing");
  for (int i = 0; i < 300 && material_status(u, course, "summary") != "completed"; ++i) std::this_thread::sleep_for(100ms);
  REQUIRE(material_status(u, course, "summary") == "completed");
  // Before: it stayed `failed`, every material completed.
  auto c = wait_course(u, course, [](const json& c) { return c["status"] == "ready"; }, 10s);
  CHECK(c["error"].is_null());
}

TEST_CASE("a source extracted while its material is being written gets the material made again", "[lifecycle]") {
  scripted_openai server;  // "slow": each answer takes 5 s, so the second source lands meanwhile
  node_process node(runtime_env(unique_namespace("refresh"), {{"STUDYFORGE_PROVIDERS", providers_json(server, {"slow"})}}));
  user u(node.endpoint(), "refresh");
  // Flashcards: the scripted provider makes a card of every sentence it is sent, so the cards
  // show which sources the last job read.
  auto course = u.call("POST", "/v1/courses", {{"title", "Cells"}, {"materials", {"flashcards"}}}, 201)["id"].get<std::string>();
  // Text of this run only: an answer cached by an earlier run would come at once.
  upload(u, course, "light.txt", text_file(some_text + " This run is named " + unique_namespace("run") + "."));
  auto generate_jobs = [&] {
    std::vector<json> out;
    auto listed = u.get("/v1/jobs");
    for (const auto& j : listed["jobs"])
      if (j["kind"] == "generate" && j["course_id"] == course) out.push_back(j);
    return out;
  };
  bool running = false;
  for (int i = 0; i < 300 && !running; ++i) {
    for (const auto& j : generate_jobs()) running |= j["status"] == "running";
    if (!running) std::this_thread::sleep_for(50ms);
  }
  REQUIRE(running);
  auto later = upload(u, course, "cells.txt",
                      text_file("Mitochondria make most of the cell's ATP. They have their own DNA and two membranes. "
                                "The inner membrane folds into cristae, where the electron transport chain runs."));
  for (int i = 0; i < 300 && u.get("/v1/courses/" + course + "/sources/" + later)["status"] == "pending"; ++i)
    std::this_thread::sleep_for(50ms);
  REQUIRE(u.get("/v1/courses/" + course + "/sources/" + later)["status"] == "extracted");

  auto c = wait_course(u, course, [](const json& c) { return c["status"] != "pending" && c["status"] != "processing"; }, 60s);
  CHECK(c["status"] == "ready");
  // Before: the one job that had read only the first source made the material, and that was all.
  auto jobs = generate_jobs();
  CHECK(jobs.size() == 2);
  for (const auto& j : jobs) CHECK(j["status"] == "succeeded");
  auto cards = u.get("/v1/courses/" + course + "/materials/flashcards");
  REQUIRE(cards["status"] == "completed");
  int from_later = 0;
  for (const auto& card : cards["content"]["cards"]) from_later += card["citations"][0]["source_id"] == later;
  CHECK(from_later > 0);
}

TEST_CASE("an older job of a material requested again cannot be retried into writing it", "[lifecycle]") {
  scripted_openai server;  // "invalid": every answer fails the checks, so each generate job fails
  node_process node(runtime_env(unique_namespace("oldretry"), {{"STUDYFORGE_PROVIDERS", providers_json(server, {"invalid"})},
                                                               {"STUDYFORGE_JOBS_GENERATE_BACKOFF_S", "0"}}));
  user u(node.endpoint(), "oldretry");
  auto course = u.call("POST", "/v1/courses", {{"title", "Retry"}, {"materials", {"summary"}}}, 201)["id"].get<std::string>();
  upload(u, course, "light.txt", text_file(some_text + " Run " + unique_namespace("run") + "."));
  wait_course(u, course, [](const json& c) { return c["status"] == "failed"; }, 60s);
  auto first = u.get("/v1/courses/" + course + "/materials/summary");
  REQUIRE(first["status"] == "failed");
  std::string old_job;
  auto listed = u.get("/v1/jobs");
  for (const auto& j : listed["jobs"])
    if (j["kind"] == "generate" && j["course_id"] == course) old_job = j["job_id"];
  REQUIRE_FALSE(old_job.empty());

  auto again = u.call("POST", "/v1/courses/" + course + "/materials", {{"type", "summary"}}, 202);
  REQUIRE(again["job_id"] != old_job);
  // Two jobs writing one material: refused (before: 202, and the old job could overwrite the new one's result).
  auto r = u.http.request("POST", "/v1/jobs/" + old_job + "/retry");
  REQUIRE(r);
  CHECK(r.value().status == 409);
  CHECK(wait_for_job(u, again["job_id"].get<std::string>(), 60s)["status"] == "failed");
  CHECK(u.get("/v1/courses/" + course + "/materials/summary")["status"] == "failed");
}
