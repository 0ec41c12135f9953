#pragma once
// Integration test helpers: real `studyforge serve` processes against the PostgreSQL and
// nats-server that scripts/test.sh started (their URLs are in the environment).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/client.hpp"

namespace sf::test {

using env_map = std::map<std::string, std::string>;

std::string fixture(const std::string& name);
std::string unique_email(const std::string& tag);

// A node in a child process, listening on a free loopback port; stopped (SIGTERM, then
// SIGKILL) by its pid when the object goes away.
class node_process {
 public:
  explicit node_process(std::map<std::string, std::string> env = {});
  ~node_process();
  node_process(const node_process&) = delete;
  node_process& operator=(const node_process&) = delete;

  client::endpoint endpoint() const { return {"127.0.0.1", port_}; }
  int pid() const { return pid_; }
  // False once the process has exited (it is reaped then).
  bool alive();
  // SIGTERM and wait; returns the exit status.
  int terminate(std::chrono::seconds wait = std::chrono::seconds(60));
  void kill_hard();

 private:
  int pid_ = -1;
  std::uint16_t port_ = 0;
  std::string log_;
};

// A signed-up user with a client bound to a node.
struct user {
  client::http_client http;
  std::string id;
  std::string token;
  user(const client::endpoint& ep, const std::string& tag);
  // Signs in an existing account.
  user(const client::endpoint& ep, const std::string& email, const std::string& password);
  // The same account through another node.
  user(const client::endpoint& ep, const user& same);
  nlohmann::json call(const std::string& method, const std::string& target, const nlohmann::json& body, int expect);
  nlohmann::json get(const std::string& target, int expect = 200) { return call("GET", target, nullptr, expect); }
};

nlohmann::json parse(const std::string& s);

// Creates a course titled `title` (the file name when empty) asking for `materials` (null: the
// default ones), uploads `bytes` as `filename` and waits until the course is ready, rejected or
// failed; returns it then.
nlohmann::json finished_course(user& u, const std::string& filename, const std::string& bytes,
                               std::chrono::seconds limit = std::chrono::seconds(240), const std::string& title = "",
                               const nlohmann::json& materials = nullptr);

// A plain TCP connection to a node, for what the client library would not send: a request
// header without its body, bare WebSocket control frames.
class raw_connection {
 public:
  explicit raw_connection(const client::endpoint& ep);
  ~raw_connection();
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;
  bool send(std::string_view bytes);
  // What arrives within `limit`, stopping early once `until` was seen (empty: only at the
  // peer's end of stream).
  std::string receive(std::chrono::milliseconds limit, std::string_view until = "\r\n\r\n");
  bool peer_closed() const { return peer_closed_; }

 private:
  int fd_ = -1;
  bool peer_closed_ = false;
};

// Collects a course's WebSocket messages until the course reaches an end state.
struct course_feed {
  nlohmann::json snapshot;
  std::vector<nlohmann::json> events;
  std::string final_status;
};
course_feed follow_course(client::ws_client& ws, std::chrono::seconds limit);

}  // namespace sf::test

namespace sf::test {


// Settings for nodes of one test: their own bus namespace, probe jobs on, fast heartbeats.
std::map<std::string, std::string> runtime_env(const std::string& ns, std::map<std::string, std::string> extra = {});
std::string unique_namespace(const std::string& tag);

// An admin account (made with `studyforge admin create-user --admin`), signed in.
user make_admin(const client::endpoint& ep, const std::string& tag);

// A nats-server of the test's own, for tests that stop and start it.
class nats_process {
 public:
  nats_process();
  ~nats_process();
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  void start();
  void stop();

 private:
  int pid_ = -1;
  std::uint16_t port_ = 0;
  std::string store_;
};

// Waits until the job is in an end state; returns it.
nlohmann::json wait_for_job(user& u, const std::string& job_id, std::chrono::seconds limit = std::chrono::seconds(60));
std::string submit_probe(user& u, const std::string& lane, const nlohmann::json& payload);
// Milliseconds between two RFC 3339 times of the API.
double millis_between(const std::string& from, const std::string& to);

}  // namespace sf::test

namespace sf::test {


// tests/integration/scripted_openai.py on a loopback port; stopped by pid when destroyed.
class scripted_openai {
 public:
  scripted_openai();
  ~scripted_openai();
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  // Calls made with this API key so far.
  int calls(const std::string& key) const;
  // Texts embedded with this API key so far (a call may embed several).
  int embedded(const std::string& key) const;

 private:
  int pid_ = -1;
  int port_ = 0;
  std::string log_;
};

// A providers setting naming the scripted server once per key, in order.
std::string providers_json(const scripted_openai& server, const std::vector<std::string>& keys, int timeout_s = 10);

}  // namespace sf::test
