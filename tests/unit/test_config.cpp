#include <catch2/catch.hpp>

#include "config/settings.hpp"

using sf::config::load;

TEST_CASE("defaults give a local node that works offline") {
  auto s = load("", {});
  REQUIRE(s);
  CHECK(s.value().listen() == "127.0.0.1:8080");
  CHECK(s.value().data_dir == "./var");
  CHECK(s.value().database_url.empty());
  CHECK(s.value().lane("ocr").concurrency == 2);
  // Bulk lanes yield the CPU to interactive work unless told otherwise.
  CHECK(s.value().lane("ocr").nice == 5);
  CHECK(s.value().lane("generate").nice == 5);
  CHECK(s.value().lane("chat").nice == 0);
  CHECK(s.value().job_kind("extract").backoff_s == std::vector<int>{0, 30, 60});
  CHECK_FALSE(s.value().node_id.empty());
}

TEST_CASE("the environment overrides the file, which overrides the defaults") {
  auto s = load(R"({"listen": "0.0.0.0:9000", "lanes": {"ocr": {"concurrency": 4}}, "max_upload_bytes": "5MiB"})",
                {{"STUDYFORGE_LISTEN", "127.0.0.1:9100"}, {"STUDYFORGE_JOBS_GENERATE_BACKOFF_S", "0,5"}});
  REQUIRE(s);
  CHECK(s.value().listen_host == "127.0.0.1");
  CHECK(s.value().listen_port == 9100);
  CHECK(s.value().lane("ocr").concurrency == 4);
  CHECK(s.value().max_upload_bytes == 5u << 20);
  CHECK(s.value().job_kind("generate").backoff_s == std::vector<int>{0, 5});
}

TEST_CASE("a bad value is refused with the name of its key") {
  auto bad_port = load("", {{"STUDYFORGE_LISTEN", "localhost:99999"}});
  REQUIRE_FALSE(bad_port);
  CHECK(bad_port.error().message.find("STUDYFORGE_LISTEN") != std::string::npos);

  auto bad_url = load("", {{"STUDYFORGE_DATABASE_URL", "mysql://x"}});
  REQUIRE_FALSE(bad_url);
  CHECK(bad_url.error().message.find("STUDYFORGE_DATABASE_URL") != std::string::npos);

  auto unknown = load(R"({"lisen": "127.0.0.1:1"})", {});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message.find("'lisen'") != std::string::npos);

  auto bad_lane = load(R"({"lanes": {"chat": {"concurrency": -1}}})", {});
  REQUIRE_FALSE(bad_lane);
  CHECK(bad_lane.error().message.find("lanes.chat.concurrency") != std::string::npos);
  auto bad_nice = load(R"({"lanes": {"ocr": {"nice": 20}}})", {});
  REQUIRE_FALSE(bad_nice);
  CHECK(bad_nice.error().message.find("lanes.ocr.nice") != std::string::npos);

  auto not_json = load("listen = 1", {});
  REQUIRE_FALSE(not_json);

  auto heartbeat = load("", {{"STUDYFORGE_HEARTBEAT_MS", "20000"}, {"STUDYFORGE_ACK_WAIT_S", "30"}});
  REQUIRE_FALSE(heartbeat);
  CHECK(heartbeat.error().message.find("heartbeat_ms") != std::string::npos);
}

TEST_CASE("every key is described with its environment name") {
  auto text = sf::config::describe();
  CHECK(text.find("STUDYFORGE_DATABASE_URL") != std::string::npos);
  CHECK(text.find("STUDYFORGE_LANES_CHAT_CONCURRENCY") != std::string::npos);
  CHECK(text.find("STUDYFORGE_DATA_DIR") != std::string::npos);
}

TEST_CASE("embeddings, transcription and moderation services are one record each, in the file or the environment") {
  auto from_file = load(R"({"embeddings": {"name": "local", "base_url": "http://127.0.0.1:1/v1", "model": "nomic"}})", {});
  REQUIRE(from_file);
  REQUIRE(from_file.value().embeddings);
  CHECK(from_file.value().embeddings->model == "nomic");
  CHECK(from_file.value().embeddings->timeout_s == 60);

  auto from_env = load("", {{"STUDYFORGE_EMBEDDINGS", R"({"name": "e", "base_url": "https://x/v1", "model": "m", "timeout_s": 5})"}});
  REQUIRE(from_env);
  REQUIRE(from_env.value().embeddings);
  CHECK(from_env.value().embeddings->timeout_s == 5);

  CHECK_FALSE(load("", {}).value().embeddings);
  auto no_url = load(R"({"embeddings": {"name": "e", "model": "m"}})", {});
  REQUIRE_FALSE(no_url);
  CHECK(no_url.error().message.find("embeddings") != std::string::npos);
  REQUIRE_FALSE(load("", {{"STUDYFORGE_EMBEDDINGS", "[1, 2]"}}));

  // A record nested under a section stays one value.
  auto nested = load(R"({"moderation": {"min_chars": 10, "endpoint": {"name": "m", "base_url": "http://127.0.0.1:1/v1",
                                                                    "model": "omni"}}})", {});
  REQUIRE(nested);
  REQUIRE(nested.value().moderation_service);
  CHECK(nested.value().moderation_service->model == "omni");
  CHECK(nested.value().moderation_min_chars == 10);
  CHECK_FALSE(nested.value().transcription);
}

TEST_CASE("a misspelt environment name is refused instead of leaving its default in force") {
  auto typo = load("", {{"STUDYFORGE_DATABSE_URL", "postgresql://db.example/sf"}});
  REQUIRE_FALSE(typo);
  CHECK(typo.error().message.find("STUDYFORGE_DATABSE_URL") != std::string::npos);
  // Names read elsewhere pass.
  CHECK(load("", {{"STUDYFORGE_CONFIG", ""}, {"STUDYFORGE_TOKEN", "x"}, {"STUDYFORGE_TEST_NATS_PORT", "1"}}));
}

TEST_CASE("a provider field of the wrong type is refused, and no refusal shows a secret") {
  auto typed = load("", {{"STUDYFORGE_EMBEDDINGS",
                          R"({"name":"e","model":"m","base_url":"http://x","timeout_s":"5","api_key":"sk-SECRET-1"})"}});
  REQUIRE_FALSE(typed);  // before: an uncaught type_error ended the process
  CHECK(typed.error().message.find("wrong type") != std::string::npos);
  CHECK(typed.error().message.find("sk-SECRET-1") == std::string::npos);
  auto bad_url = load("", {{"STUDYFORGE_PROVIDERS", R"([{"name":"a","model":"m","base_url":"x","api_key":"sk-SECRET-2"}])"}});
  REQUIRE_FALSE(bad_url);
  CHECK(bad_url.error().message.find("sk-SECRET-2") == std::string::npos);
}
