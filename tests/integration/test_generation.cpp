// Generation through real model-provider HTTP (a scripted OpenAI-compatible server on
// loopback), the semantic cache, idempotent requests, exports and topic-only courses.
#include <sqlite3.h>

#include <fstream>
#include <future>
#include <set>
#include <thread>

#include "harness.hpp"

using namespace sf::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// Provider tests share one database; their answers must come from the provider, not from the
// cache of a neighbouring test (only an identical request would match at 1.0).
std::map<std::string, std::string> provider_env(const std::string& tag, const std::string& providers,
                                                std::map<std::string, std::string> extra = {}) {
  extra["STUDYFORGE_PROVIDERS"] = providers;
  extra.emplace("STUDYFORGE_GENERATE_CACHE_HIT_SIMILARITY", "1.0");
  extra.emplace("STUDYFORGE_GENERATE_CACHE_NEAR_SIMILARITY", "1.0");
  return runtime_env(unique_namespace(tag), extra);
}

// A course made from the Developer's Reference excerpt, in its end state.
json devref_course(user& u, const std::string& title) {
  return finished_course(u, "devref_p45-47.pdf", fixture("devref_p45-47.pdf"), 240s, title);
}

std::map<std::string, json> materials(user& u, const std::string& course_id) {
  std::map<std::string, json> out;
  auto list = u.get("/v1/courses/" + course_id + "/materials");
  for (const auto& m : list["materials"]) out[m["type"]] = m;
  return out;
}

// The bytes of one stored entry of a zip file.
std::string unzip_entry(const std::string& zip, const std::string& name) {
  for (std::size_t at = 0; at + 30 < zip.size();) {
    if (zip.compare(at, 4, "PK\x03\x04") != 0) break;
    auto u16 = [&](std::size_t i) { return static_cast<std::size_t>(static_cast<unsigned char>(zip[i])) | static_cast<std::size_t>(static_cast<unsigned char>(zip[i + 1])) << 8; };
    auto u32 = [&](std::size_t i) { return u16(i) | u16(i + 2) << 16; };
    std::size_t size = u32(at + 18), name_len = u16(at + 26), extra = u16(at + 28);
    std::string entry = zip.substr(at + 30, name_len);
    std::size_t data = at + 30 + name_len + extra;
    if (entry == name) return zip.substr(data, size);
    at = data + size;
  }
  return {};
}

}  // namespace

TEST_CASE("a rate-limited provider falls back to the next, items cite the course text", "[generation]") {
  scripted_openai server;
  node_process node(provider_env("fallback", providers_json(server, {"ratelimit", "ok"})));
  user u(node.endpoint(), "fallback");
  auto c = devref_course(u, unique_email("Developer duties"));
  REQUIRE(c["status"] == "ready");
  auto m = materials(u, c["id"]);
  for (const auto* type : {"summary", "flashcards", "quiz"}) {
    INFO(type << ": " << m[type].dump().substr(0, 400));
    CHECK(m[type]["status"] == "completed");
    CHECK(m[type]["provider"] == "scripted-ok");
  }
  auto source_id = c["sources"][0]["id"].get<std::string>();
  for (const auto& card : m["flashcards"]["content"]["cards"]) {
    CHECK(card["citations"][0]["source_id"] == source_id);
    CHECK(card["citations"][0]["end"].get<int>() > card["citations"][0]["start"].get<int>());
  }
  CHECK(server.calls("ratelimit") >= 1);
  CHECK(server.calls("ok") == 3);
  auto me = u.get("/v1/me");
  CHECK(me["usage"]["today"]["scripted-ok"]["calls"] == 3);
  CHECK(me["usage"]["today"]["scripted-ok"]["prompt_tokens"].get<long long>() > 0);
}

TEST_CASE("every provider down: retried, then failed with the reason", "[generation]") {
  scripted_openai server;
  node_process node(provider_env("down", providers_json(server, {"unavailable"}), {{"STUDYFORGE_JOBS_GENERATE_BACKOFF_S", "0,1"}}));
  user u(node.endpoint(), "down");
  auto c = devref_course(u, unique_email("Nothing answers"));
  CHECK(c["status"] == "failed");
  auto m = materials(u, c["id"]);
  CHECK(m["quiz"]["status"] == "failed");
  // The provider's own words, or its open circuit after three failures in a row.
  CHECK(m["quiz"]["error"].get<std::string>().find("scripted-unavailable") != std::string::npos);
  CHECK(server.calls("unavailable") >= 3);
}

TEST_CASE("a malformed answer is retried, a schema-violating one is refused", "[generation]") {
  scripted_openai server;
  {
    node_process node(provider_env("flaky", providers_json(server, {"flaky"}), {{"STUDYFORGE_JOBS_GENERATE_BACKOFF_S", "0,0,0"}}));
    user u(node.endpoint(), "flaky");
    auto c = devref_course(u, unique_email("Flaky model"));
    CHECK(c["status"] == "ready");
    auto jobs = u.get("/v1/jobs");
    int retried = 0;
    for (const auto& j : jobs["jobs"]) retried += j["course_id"] == c["id"] && j["attempt"].get<int>() == 2;
    CHECK(retried == 1);
  }
  {
    node_process node(provider_env("invalid", providers_json(server, {"invalid"})));
    user u(node.endpoint(), "invalid");
    auto c = devref_course(u, unique_email("Junk model"));
    CHECK(c["status"] == "failed");
    auto m = materials(u, c["id"]);
    CHECK(m["quiz"]["error"].get<std::string>().find("usable items") != std::string::npos);
  }
}

TEST_CASE("a slow provider times out and the next one answers", "[generation]") {
  scripted_openai server;
  node_process node(provider_env("slow", providers_json(server, {"slow", "ok"}, 1)));
  user u(node.endpoint(), "slow");
  auto c = devref_course(u, unique_email("Slow model"));
  CHECK(c["status"] == "ready");
  CHECK(materials(u, c["id"])["summary"]["provider"] == "scripted-ok");
  CHECK(server.calls("slow") >= 1);
}

TEST_CASE("the semantic cache answers repeats without a model call, and stands in when providers fail", "[generation]") {
  scripted_openai server;
  auto ns = unique_namespace("cache");
  const auto title = unique_email("Cached course");  // unique per run: the database may outlive it
  {
    // Only an identical request hits: earlier runs' answers (another title) must not.
    node_process node(runtime_env(ns, {{"STUDYFORGE_PROVIDERS", providers_json(server, {"ok"})},
                                       {"STUDYFORGE_GENERATE_CACHE_HIT_SIMILARITY", "1.0"}}));
    user u(node.endpoint(), "cache-a");
    // A document no other generation test uses, so the first answers come from the model.
    REQUIRE(finished_course(u, "els-cas-dc-sample.pdf", fixture("els-cas-dc-sample.pdf"), 240s, title)["status"] == "ready");
    REQUIRE(server.calls("ok") == 3);
    // The same request again: answered from the cache.
    user v(node.endpoint(), "cache-b");
    auto again = finished_course(v, "els-cas-dc-sample.pdf", fixture("els-cas-dc-sample.pdf"), 240s, title);
    CHECK(again["status"] == "ready");
    CHECK(server.calls("ok") == 3);
    CHECK(materials(v, again["id"])["quiz"]["provider"].get<std::string>().find("cached") != std::string::npos);
  }
  {
    // Providers down and a slightly different request (another title): a near match serves.
    node_process node(runtime_env(ns, {{"STUDYFORGE_PROVIDERS", providers_json(server, {"unavailable"})},
                                       {"STUDYFORGE_GENERATE_CACHE_HIT_SIMILARITY", "1.0"}}));
    user w(node.endpoint(), "cache-c");
    auto near = finished_course(w, "els-cas-dc-sample.pdf", fixture("els-cas-dc-sample.pdf"), 240s, title + ", second group");
    CHECK(near["status"] == "ready");
    CHECK(materials(w, near["id"])["quiz"]["provider"].get<std::string>().find("near match") != std::string::npos);
  }
}

TEST_CASE("a provider's embeddings rank chunks and key the cache, and generation goes on when they fail", "[generation]") {
  scripted_openai server;
  auto ns = unique_namespace("embed");
  const auto title = unique_email("Embedded course");
  // A model name of this run's own: vectors stored by earlier runs are another model's.
  const auto model = "hash-64-" + ns;
  auto embeddings = [&](const std::string& key) {
    return json{{"name", "scripted-embed"}, {"base_url", server.base_url()}, {"model", model}, {"api_key", key}}.dump();
  };
  {
    // One material at a time, so the file's chunks are embedded by the first retrieval alone.
    node_process node(runtime_env(ns, {{"STUDYFORGE_PROVIDERS", providers_json(server, {"ok"})},
                                       {"STUDYFORGE_EMBEDDINGS", embeddings("embed")},
                                       {"STUDYFORGE_LANES_GENERATE_CONCURRENCY", "1"}}));
    user u(node.endpoint(), "embed-a");
    REQUIRE(devref_course(u, title)["status"] == "ready");
    CHECK(server.calls("ok") == 3);
    // Per material a query (retrieval) and a request (cache); once, the file's chunks in one call.
    CHECK(server.calls("embed") == 7);
    const int first = server.embedded("embed");
    CHECK(first > 6 + 3);  // the excerpt has more than three chunks
    auto me = u.get("/v1/me");
    CHECK(me["usage"]["today"]["scripted-embed (embeddings)"]["calls"] == 7);
    CHECK(me["usage"]["today"]["scripted-embed (embeddings)"]["prompt_tokens"].get<long long>() > 0);

    // The same request, embedded by the same model: the cache answers, and the chunks'
    // vectors are reused, not made again.
    user v(node.endpoint(), "embed-b");
    auto again = devref_course(v, title);
    CHECK(again["status"] == "ready");
    CHECK(server.calls("ok") == 3);
    CHECK(server.embedded("embed") == first + 6);
    CHECK(materials(v, again["id"])["summary"]["provider"].get<std::string>().find("cached") != std::string::npos);
  }
  {
    // The embeddings endpoint is down: generation goes on with the offline embedding.
    node_process node(runtime_env(ns, {{"STUDYFORGE_PROVIDERS", providers_json(server, {"ok"})},
                                       {"STUDYFORGE_EMBEDDINGS", embeddings("unavailable")},
                                       // Other tests' offline-embedded answers about this file must not answer.
                                       {"STUDYFORGE_GENERATE_CACHE_HIT_SIMILARITY", "1.0"}}));
    user w(node.endpoint(), "embed-c");
    auto course = devref_course(w, title + ", embeddings down");
    CHECK(course["status"] == "ready");
    CHECK(server.calls("ok") == 6);
    CHECK(server.calls("unavailable") == 6);  // each material asked for its query and its request
    CHECK(materials(w, course["id"])["quiz"]["provider"] == "scripted-ok");
    CHECK_FALSE(w.get("/v1/me")["usage"]["today"].contains("scripted-embed (embeddings)"));
  }
}

TEST_CASE("a quiz on a topic is written from the source about that topic", "[generation]") {
  scripted_openai server;
  node_process node(provider_env("topic_retrieval", providers_json(server, {"ok"})));
  user u(node.endpoint(), "retrieval");
  auto id = u.call("POST", "/v1/courses", {{"title", unique_email("Two sources")}, {"materials", json::array()}}, 201)["id"].get<std::string>();
  std::map<std::string, std::string> source_of_file;
  for (const std::string file : {"devref_p45-47.pdf", "els-cas-dc-sample.pdf"}) {
    auto r = u.http.upload("/v1/courses/" + id + "/sources?filename=" + file, fixture(file));
    REQUIRE(r);
    REQUIRE(r.value().status == 202);
    source_of_file[file] = parse(r.value().body)["source_id"];
  }
  // Ready once each source is extracted (it is ready, briefly, after the first one alone).
  auto all_extracted = [&] {
    auto c = u.get("/v1/courses/" + id);
    std::size_t done = 0;
    for (const auto& src : c["sources"]) done += src["status"] == "extracted";
    return c["status"] == "ready" && done == source_of_file.size();
  };
  for (auto until = std::chrono::steady_clock::now() + 240s; !all_extracted() && std::chrono::steady_clock::now() < until;)
    std::this_thread::sleep_for(100ms);
  REQUIRE(all_extracted());

  // Topics in the students' words: each has a word neither text has, so full text alone
  // (every word must match) finds nothing and similarity has to choose. A course holds one
  // material per type, so each topic asks for another type.
  struct ask {
    std::string file, topic, type, items;
  };
  for (const auto& a : {ask{"devref_p45-47.pdf", "how maintainers reassign, close and tag bug reports wontfix, explained", "quiz", "questions"},
                        ask{"els-cas-dc-sample.pdf", "polariton formation at the cuprous oxide slab, explained", "flashcards", "cards"}}) {
    INFO(a.topic);
    auto m = u.call("POST", "/v1/courses/" + id + "/materials", {{"type", a.type}, {"options", {{"topic", a.topic}, {"count", 3}}}}, 202);
    wait_for_job(u, m["job_id"], 120s);
    auto made = u.get("/v1/courses/" + id + "/materials/" + a.type);
    REQUIRE(made["status"] == "completed");
    REQUIRE_FALSE(made["content"][a.items].empty());
    for (const auto& item : made["content"][a.items]) CHECK(item["citations"][0]["source_id"] == source_of_file[a.file]);
  }
}

TEST_CASE("twenty identical requests make one material and one job", "[generation]") {
  node_process node(env_map{{"STUDYFORGE_THROTTLE_GENERATE_PER_MINUTE", "6000"}});  // all twenty get through
  user u(node.endpoint(), "idempotent");
  auto c = devref_course(u, "Many clicks");
  REQUIRE(c["status"] == "ready");
  std::string course_id = c["id"];
  std::vector<std::future<json>> replies;
  for (int i = 0; i < 20; ++i)
    replies.push_back(std::async(std::launch::async, [&] {
      // No Catch2 assertions here: they are not thread-safe.
      sf::client::http_client client(node.endpoint());
      client.set_token(u.token);
      auto r = client.request("POST", "/v1/courses/" + course_id + "/materials", R"({"type":"notes"})");
      return r ? json::parse(r.value().body, nullptr, false) : json();
    }));
  std::set<std::string> ids, jobs;
  for (auto& f : replies) {
    auto m = f.get();
    REQUIRE(m.is_object());
    REQUIRE(m.contains("id"));
    ids.insert(m["id"].get<std::string>());
    if (m.contains("job_id") && m["job_id"].is_string()) jobs.insert(m["job_id"].get<std::string>());
  }
  CHECK(ids.size() == 1);
  CHECK(jobs.size() == 1);
  int notes_jobs = 0;
  auto list = u.get("/v1/jobs");
  for (const auto& j : list["jobs"]) notes_jobs += j["course_id"] == course_id && jobs.count(j["job_id"].get<std::string>());
  CHECK(notes_jobs == 1);
}

TEST_CASE("flashcards export as an Anki package that opens with SQLite", "[generation]") {
  node_process node;
  user u(node.endpoint(), "anki");
  auto c = devref_course(u, "Anki deck");
  REQUIRE(c["status"] == "ready");
  auto cards = u.get("/v1/courses/" + c["id"].get<std::string>() + "/materials/flashcards")["content"]["cards"];
  auto r = u.http.request("GET", "/v1/courses/" + c["id"].get<std::string>() + "/materials/flashcards/export?format=apkg");
  REQUIRE(r);
  REQUIRE(r.value().status == 200);
  auto collection = unzip_entry(r.value().body, "collection.anki2");
  REQUIRE_FALSE(collection.empty());
  CHECK(unzip_entry(r.value().body, "media") == "{}");
  auto path = std::string(std::getenv("STUDYFORGE_DATA_DIR")) + "/export-" + c["id"].get<std::string>() + ".anki2";
  std::ofstream(path, std::ios::binary) << collection;
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  auto count = [&](const char* sql) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, sql, -1, &st, nullptr);
    long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
  };
  CHECK(count("select count(*) from notes") == static_cast<long long>(cards.size()));
  CHECK(count("select count(*) from cards") == static_cast<long long>(cards.size()));
  CHECK(count("select ver from col") == 11);
  sqlite3_close(db);
  // A second export keeps the note ids: Anki updates instead of duplicating.
  auto again = u.http.request("GET", "/v1/courses/" + c["id"].get<std::string>() + "/materials/flashcards/export?format=apkg");
  REQUIRE(again);
  auto second = unzip_entry(again.value().body, "collection.anki2");
  CHECK(second.size() == collection.size());
}

TEST_CASE("a course from a topic alone gets a marked manual outline offline", "[generation]") {
  node_process node;
  user u(node.endpoint(), "topic");
  auto c = u.call("POST", "/v1/courses", {{"title", "Thermodynamics"}, {"topic", "thermodynamics"}, {"materials", {"outline"}}}, 201);
  std::string id = c["id"];
  json outline;
  for (int i = 0; i < 200; ++i) {
    outline = u.get("/v1/courses/" + id + "/materials/outline", 200);
    if (outline["status"] != "generating") break;
    std::this_thread::sleep_for(50ms);
  }
  CHECK(outline["status"] == "completed");
  CHECK(outline["provider"] == "manual");
  CHECK(outline["content"]["manual"] == true);
  CHECK(outline["content"]["chapters"].size() >= 4);
  CHECK(u.get("/v1/courses/" + id)["status"] == "ready");
}
