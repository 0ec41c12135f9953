// A PDF becomes study material through every real part: HTTP, PostgreSQL, JetStream, the job
// actors, MuPDF, the offline generator and the WebSocket.
#include <fstream>
#include <random>
#include <thread>

#include "common/utf8.hpp"
#include "harness.hpp"

using namespace sf::test;
using nlohmann::json;

namespace {

std::string collapse_spaces(const std::string& s) {
  std::string out;
  for (char c : s) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  return out;
}

// The cited span of the cited page, as a user would cut it out of GET .../text.
std::string cited_span(const json& citation, const std::string& source_id, const std::map<int, std::string>& pages) {
  REQUIRE(citation["source_id"] == source_id);
  int page = citation["page"];
  REQUIRE(pages.count(page) == 1);
  const auto& text = pages.at(page);
  std::size_t start = citation["start"], end = citation["end"];
  REQUIRE(start < end);
  REQUIRE(end <= sf::utf8::length(text));
  auto b = sf::utf8::byte_offset(text, start), e = sf::utf8::byte_offset(text, end);
  return collapse_spaces(text.substr(b, e - b));
}

std::string write_temp(const std::string& name, const std::string& bytes) {
  auto path = std::string(std::getenv("STUDYFORGE_DATA_DIR") ? std::getenv("STUDYFORGE_DATA_DIR") : "/tmp") + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

json upload(user& u, const std::string& course_id, const std::string& path, const std::string& name, int expect) {
  auto r = u.http.upload("/v1/courses/" + course_id + "/sources?filename=" + name, path);
  REQUIRE(r);
  INFO("upload " << name << " -> " << r.value().status << " " << r.value().body);
  REQUIRE(r.value().status == expect);
  return parse(r.value().body);
}

json wait_for_course(user& u, const std::string& course_id) {
  for (int i = 0; i < 600; ++i) {
    auto c = u.get("/v1/courses/" + course_id);
    std::string status = c["status"];
    if (status == "ready" || status == "rejected" || status == "failed") return c;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL("the course never reached an end state");
  return nullptr;
}

}  // namespace

TEST_CASE("a PDF becomes study material, watched live over the WebSocket", "[skeleton]") {
  node_process node;
  user u(node.endpoint(), "skeleton");
  auto course = u.call("POST", "/v1/courses", {{"title", "Developer duties"}}, 201);
  std::string course_id = course["id"];
  REQUIRE(course["status"] == "pending");

  sf::client::ws_client ws;
  REQUIRE(ws.connect(node.endpoint(), "/v1/ws", u.token));
  REQUIRE(ws.send(json{{"op", "subscribe"}, {"course_id", course_id}}.dump()));
  auto snapshot = parse(*ws.receive(std::chrono::seconds(10)).value());
  REQUIRE(snapshot["type"] == "snapshot");
  REQUIRE(snapshot["course"]["id"] == course_id);

  auto up = upload(u, course_id, fixture("devref_p45-47.pdf"), "devref.pdf", 202);
  std::string source_id = up["source_id"];
  auto feed = follow_course(ws, std::chrono::seconds(180));
  REQUIRE(feed.final_status == "ready");

  {
    // Every event, in order, no gap, no duplicate.
    long long expected = snapshot["course"]["event_seq"].get<long long>() + 1;
    for (const auto& e : feed.events) {
      REQUIRE(e["course_id"] == course_id);
      REQUIRE(e["seq"].get<long long>() == expected++);
    }
    auto has = [&](const std::string& kind, const std::string& status) {
      return std::any_of(feed.events.begin(), feed.events.end(),
                         [&](const json& e) { return e["kind"] == kind && e["status"] == status; });
    };
    CHECK(has("extract", "running"));
    CHECK(has("extract", "succeeded"));
    CHECK(has("generate", "succeeded"));
    CHECK(has("course", "processing"));
  }

  auto final_course = u.get("/v1/courses/" + course_id);
  CHECK(final_course["status"] == "ready");
  CHECK(final_course["progress"] == 100);
  REQUIRE(final_course["sources"].size() == 1);
  CHECK(final_course["sources"][0]["pages"] == 3);
  CHECK(final_course["sources"][0]["extraction"]["native_pages"] == 3);
  for (const auto& m : final_course["materials"]) CHECK(m["status"] == "completed");

  auto job = u.get("/v1/jobs/" + up["job_id"].get<std::string>());
  CHECK(job["status"] == "succeeded");
  CHECK(job["attempt"] == 1);

  std::map<int, std::string> pages;
  auto text = u.get("/v1/courses/" + course_id + "/sources/" + source_id + "/text");
  for (const auto& p : text["pages"]) {
    CHECK(p["method"] == "native");
    pages[p["page"].get<int>()] = p["text"];
  }
  REQUIRE(pages.size() == 3);
  CHECK(pages[1].find("Debian") != std::string::npos);

  auto summary = u.get("/v1/courses/" + course_id + "/materials/summary");
  CHECK(summary["provider"] == "offline");
  CHECK(summary["content"]["markdown"].get<std::string>().size() > 200);
  for (const auto& s : summary["content"]["sentences"]) {
    auto span = cited_span(s["citations"][0], source_id, pages);
    CHECK(span.find(collapse_spaces(s["text"])) != std::string::npos);
  }

  auto cards = u.get("/v1/courses/" + course_id + "/materials/flashcards")["content"]["cards"];
  REQUIRE(cards.size() >= 5);
  for (const auto& card : cards) {
    INFO(card.dump());
    CHECK_FALSE(card["front"].get<std::string>().empty());
    auto span = cited_span(card["citations"][0], source_id, pages);
    CHECK(span.find(collapse_spaces(card["back"])) != std::string::npos);
  }

  auto questions = u.get("/v1/courses/" + course_id + "/materials/quiz")["content"]["questions"];
  REQUIRE(questions.size() >= 3);
  for (const auto& q : questions) {
    INFO(q.dump());
    REQUIRE(q["options"].size() == 4);
    int answer = q["answer_index"];
    REQUIRE(answer >= 0);
    REQUIRE(answer < 4);
    auto span = cited_span(q["citations"][0], source_id, pages);
    CHECK(span.find(collapse_spaces(q["options"][answer])) != std::string::npos);
  }

  auto csv = u.http.request("GET", "/v1/courses/" + course_id + "/materials/flashcards/export?format=csv");
  REQUIRE(csv);
  CHECK(csv.value().status == 200);
  CHECK(csv.value().body.rfind("#separator:Comma\n", 0) == 0);
  CHECK(csv.value().headers["content-type"].find("text/csv") == 0);

  // Asking again for a completed material returns it without a new job.
  auto again = u.call("POST", "/v1/courses/" + course_id + "/materials", {{"type", " Quiz "}}, 200);
  CHECK(again["status"] == "completed");
}

TEST_CASE("bad input gets a clear answer and the node keeps serving", "[skeleton]") {
  node_process node;
  user u(node.endpoint(), "bad-input");
  auto new_course = [&](const std::string& title) {
    return u.call("POST", "/v1/courses", {{"title", title}}, 201)["id"].get<std::string>();
  };

  SECTION("an empty file is not a document") {
    auto id = new_course("empty");
    auto r = upload(u, id, write_temp("empty.pdf", ""), "empty.pdf", 415);
    CHECK(r["error"]["code"] == "unsupported_media_type");
  }
  SECTION("random bytes named .pdf are refused by their content") {
    std::mt19937 rng(42);
    std::string bytes(16384, '\0');
    for (auto& b : bytes) b = static_cast<char>(rng());
    auto id = new_course("random");
    auto r = upload(u, id, write_temp("random.pdf", bytes), "random.pdf", 415);
    CHECK(r["error"]["message"].get<std::string>().find("application/octet-stream") != std::string::npos);
  }
  SECTION("a truncated PDF is rejected with a reason") {
    auto id = new_course("truncated");
    auto whole = read_file(fixture("devref_p45-47.pdf"));
    upload(u, id, write_temp("truncated.pdf", whole.substr(0, 30000)), "truncated.pdf", 202);
    auto c = wait_for_course(u, id);
    CHECK(c["status"] == "rejected");
    CHECK_FALSE(c["reject_reason"].get<std::string>().empty());
  }
  SECTION("an encrypted PDF is rejected as encrypted") {
    auto id = new_course("encrypted");
    upload(u, id, fixture("encrypted_els-cas-dc-sample.pdf"), "locked.pdf", 202);
    auto c = wait_for_course(u, id);
    CHECK(c["status"] == "rejected");
    CHECK(c["reject_reason"].get<std::string>().rfind("encrypted", 0) == 0);
  }
  SECTION("requests that make no sense") {
    auto r = u.http.request("POST", "/v1/courses", "{not json");
    REQUIRE(r);
    CHECK(r.value().status == 400);
    CHECK(parse(r.value().body)["error"]["code"] == "invalid_json");
    CHECK(u.http.request("GET", "/v1/courses/not-a-uuid").value().status == 404);
    CHECK(u.http.request("GET", "/v1/nothing-here").value().status == 404);
    auto id = new_course("materials");
    CHECK(u.http.request("POST", "/v1/courses/" + id + "/materials", R"({"type":"poem"})").value().status == 400);
    sf::client::http_client anonymous(node.endpoint());
    CHECK(anonymous.request("GET", "/v1/courses").value().status == 401);
  }
  SECTION("another user's course does not exist for you") {
    auto id = new_course("private");
    user stranger(node.endpoint(), "stranger");
    CHECK(stranger.http.request("GET", "/v1/courses/" + id).value().status == 404);
    CHECK(stranger.http.request("DELETE", "/v1/courses/" + id).value().status == 404);
    auto r = stranger.http.upload("/v1/courses/" + id + "/sources?filename=x.pdf", fixture("els-cas-dc-sample.pdf"));
    CHECK(r.value().status == 404);
    sf::client::ws_client ws;
    REQUIRE(ws.connect(node.endpoint(), "/v1/ws", stranger.token));
    REQUIRE(ws.send(json{{"op", "subscribe"}, {"course_id", id}}.dump()));
    auto msg = parse(*ws.receive(std::chrono::seconds(10)).value());
    CHECK(msg["type"] == "error");
    CHECK(msg["code"] == "not_found");
  }

  auto health = u.get("/health");
  CHECK(health["status"] == "healthy");
  CHECK(node.terminate() == 0);
}
