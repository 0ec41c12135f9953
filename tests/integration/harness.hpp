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
#include <vector>

#include "client/client.hpp"

namespace sf::test {

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
  nlohmann::json call(const std::string& method, const std::string& target, const nlohmann::json& body, int expect);
  nlohmann::json get(const std::string& target, int expect = 200) { return call("GET", target, nullptr, expect); }
};

nlohmann::json parse(const std::string& s);

// Collects a course's WebSocket messages until the course reaches an end state.
struct course_feed {
  nlohmann::json snapshot;
  std::vector<nlohmann::json> events;
  std::string final_status;
};
course_feed follow_course(client::ws_client& ws, std::chrono::seconds limit);

}  // namespace sf::test
