#include "harness.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <thread>

namespace {

// A server a test starts ends with the test binary, even when that dies (an ASan abort, a
// failed assertion that skips destructors, SIGKILL). Tests fork from their main thread.
void die_with_parent() { prctl(PR_SET_PDEATHSIG, SIGKILL); }

}  // namespace

namespace sf::test {

std::string fixture(const std::string& name) { return std::string(SF_FIXTURES_DIR) + "/" + name; }

std::string unique_email(const std::string& tag) {
  static std::atomic<int> n{0};
  return tag + "-" + std::to_string(getpid()) + "-" + std::to_string(n++) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000) + "@example.test";
}

nlohmann::json parse(const std::string& s) {
  auto j = nlohmann::json::parse(s, nullptr, false);
  INFO("body: " << s);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

namespace {

std::uint16_t free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

raw_connection::raw_connection(const client::endpoint& ep) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(ep.port);
  REQUIRE(inet_pton(AF_INET, ep.host.c_str(), &addr.sin_addr) == 1);
  REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
}

raw_connection::~raw_connection() { close(fd_); }

bool raw_connection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string raw_connection::receive(std::chrono::milliseconds limit, std::string_view until) {
  std::string got;
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!peer_closed_ && (until.empty() || got.find(until) == std::string::npos)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[4096];
    auto n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) peer_closed_ = true;
    else got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

node_process::node_process(std::map<std::string, std::string> env) {
  port_ = free_port();
  env["STUDYFORGE_LISTEN"] = "127.0.0.1:" + std::to_string(port_);
  if (!env.count("STUDYFORGE_NODE_ID")) env["STUDYFORGE_NODE_ID"] = "test-" + std::to_string(port_);
  if (!env.count("STUDYFORGE_LOG_LEVEL")) env["STUDYFORGE_LOG_LEVEL"] = "warn";
  // Tests run in parallel against one NATS server: each node is its own cluster unless the
  // test puts several in one namespace on purpose.
  if (!env.count("STUDYFORGE_NATS_NAMESPACE")) env["STUDYFORGE_NATS_NAMESPACE"] = unique_namespace("node");
  log_ = std::string(std::getenv("STUDYFORGE_DATA_DIR") ? std::getenv("STUDYFORGE_DATA_DIR") : "/tmp") + "/node-" +
         std::to_string(port_) + ".log";
  pid_ = fork();
  if (pid_ == 0) {
    die_with_parent();
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    FILE* out = std::fopen(log_.c_str(), "a");
    if (out) {
      dup2(fileno(out), 1);
      dup2(fileno(out), 2);
    }
    execl(SF_BINARY, SF_BINARY, "serve", static_cast<char*>(nullptr));
    _exit(127);
  }
  client::http_client c(endpoint(), std::chrono::seconds(2));
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < until) {
    auto r = c.request("GET", "/ready");
    if (r && r.value().status == 200) return;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (pid_ > 0) kill_hard();  // FAIL throws: the destructor will not run
  std::ifstream in(log_);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  FAIL("node did not become ready; its log:\n" << text);
}

node_process::~node_process() {
  if (pid_ > 0) terminate(std::chrono::seconds(20));
}

int node_process::terminate(std::chrono::seconds wait) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  auto until = std::chrono::steady_clock::now() + wait;
  int status = 0;
  while (std::chrono::steady_clock::now() < until) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill_hard();
  return -1;
}

bool node_process::alive() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

void node_process::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

user::user(const client::endpoint& ep, const std::string& tag) : http(ep) {
  auto r = http.request("POST", "/v1/auth/signup",
                        nlohmann::json{{"email", unique_email(tag)}, {"password", "correct horse battery"}}.dump());
  REQUIRE(r);
  REQUIRE(r.value().status == 201);
  auto j = parse(r.value().body);
  id = j["user_id"];
  token = j["token"];
  http.set_token(token);
}

nlohmann::json user::call(const std::string& method, const std::string& target, const nlohmann::json& body, int expect) {
  auto r = http.request(method, target, body.is_null() ? "" : body.dump());
  REQUIRE(r);
  INFO(method << " " << target << " -> " << r.value().status << " " << r.value().body);
  REQUIRE(r.value().status == expect);
  if (r.value().body.empty()) return nullptr;
  return parse(r.value().body);
}

course_feed follow_course(client::ws_client& ws, std::chrono::seconds limit) {
  course_feed feed;
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    auto msg = ws.receive(std::chrono::milliseconds(500));
    REQUIRE(msg);
    if (!msg.value()) continue;
    auto j = parse(*msg.value());
    if (j["type"] == "snapshot") {
      feed.snapshot = j["course"];
      continue;
    }
    if (j["type"] != "event") continue;
    feed.events.push_back(j);
    if (j["kind"] == "course" && (j["status"] == "ready" || j["status"] == "rejected" || j["status"] == "failed")) {
      feed.final_status = j["status"];
      return feed;
    }
  }
  return feed;
}

}  // namespace sf::test

namespace sf::test {

user::user(const client::endpoint& ep, const std::string& email, const std::string& password) : http(ep) {
  auto r = http.request("POST", "/v1/auth/login", nlohmann::json{{"email", email}, {"password", password}}.dump());
  REQUIRE(r);
  REQUIRE(r.value().status == 200);
  auto j = parse(r.value().body);
  id = j["user_id"];
  token = j["token"];
  http.set_token(token);
}

user::user(const client::endpoint& ep, const user& same) : http(ep), id(same.id), token(same.token) {
  http.set_token(token);
}

user make_admin(const client::endpoint& ep, const std::string& tag) {
  auto email = unique_email(tag);
  std::string password = "admin passphrase 42";
  std::string cmd = std::string("echo '") + password + "' | " + SF_BINARY + " admin create-user " + email + " --admin >/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  return user(ep, email, password);
}

std::string unique_namespace(const std::string& tag) {
  static std::atomic<int> n{0};
  return "t" + std::to_string(getpid()) + "_" + std::to_string(n++) + "_" + tag;
}

std::map<std::string, std::string> runtime_env(const std::string& ns, std::map<std::string, std::string> extra) {
  std::map<std::string, std::string> env{
      {"STUDYFORGE_NATS_NAMESPACE", ns},
      {"STUDYFORGE_ENABLE_PROBE_JOBS", "true"},
      {"STUDYFORGE_HEARTBEAT_MS", "200"},
      {"STUDYFORGE_ACK_WAIT_S", "2"},
      {"STUDYFORGE_SWEEP_INTERVAL_S", "1"},
      {"STUDYFORGE_JOBS_PROBE_BACKOFF_S", "0,1,1"},
  };
  for (auto& [k, v] : extra) env[k] = v;
  return env;
}

nats_process::nats_process() {
  port_ = free_port();
  store_ = std::string(std::getenv("STUDYFORGE_DATA_DIR") ? std::getenv("STUDYFORGE_DATA_DIR") : "/tmp") + "/nats-" +
           std::to_string(port_);
  start();
}

nats_process::~nats_process() { stop(); }

void nats_process::start() {
  pid_ = fork();
  if (pid_ == 0) {
    die_with_parent();
    FILE* out = std::fopen((store_ + ".log").c_str(), "a");
    if (out) {
      dup2(fileno(out), 1);
      dup2(fileno(out), 2);
    }
    auto port = std::to_string(port_);
    execlp("nats-server", "nats-server", "-js", "-a", "127.0.0.1", "-p", port.c_str(), "-sd", store_.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < until) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port_);
    bool up = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    if (up) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("nats-server did not start");
}

void nats_process::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

nlohmann::json wait_for_job(user& u, const std::string& job_id, std::chrono::seconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  nlohmann::json job;
  while (std::chrono::steady_clock::now() < until) {
    job = u.get("/v1/jobs/" + job_id);
    std::string status = job["status"];
    if (status == "succeeded" || status == "failed" || status == "cancelled") return job;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL("job " << job_id << " did not end; last seen: " << job.dump());
  return job;
}

std::string submit_probe(user& u, const std::string& lane, const nlohmann::json& payload) {
  return u.call("POST", "/v1/admin/probe-jobs", {{"lane", lane}, {"payload", payload}}, 202)["job_id"];
}

double millis_between(const std::string& from, const std::string& to) {
  auto parse_time = [](const std::string& t) {
    std::tm tm{};
    strptime(t.substr(0, 19).c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    double ms = std::stod(t.substr(20, 3));
    return static_cast<double>(timegm(&tm)) * 1000.0 + ms;
  };
  return parse_time(to) - parse_time(from);
}

}  // namespace sf::test

namespace sf::test {

scripted_openai::scripted_openai() {
  log_ = std::string(std::getenv("STUDYFORGE_DATA_DIR") ? std::getenv("STUDYFORGE_DATA_DIR") : "/tmp") + "/openai-" +
         std::to_string(getpid()) + "-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + ".log";
  std::ofstream(log_).flush();
  int out[2];
  REQUIRE(pipe(out) == 0);
  pid_ = fork();
  if (pid_ == 0) {
    die_with_parent();
    dup2(out[1], 1);
    close(out[0]);
    std::string script = std::string(SF_TESTS_DIR) + "/integration/scripted_openai.py";
    execlp("python3", "python3", script.c_str(), "--log", log_.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string line;
  char c;
  while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
  close(out[0]);
  REQUIRE_FALSE(line.empty());
  port_ = std::stoi(line);
}

scripted_openai::~scripted_openai() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

namespace {

// Sums `count(entry)` over the log entries made with `key`.
int tally(const std::string& log, const std::string& key, const std::function<int(const nlohmann::json&)>& count) {
  std::ifstream in(log);
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    auto entry = nlohmann::json::parse(line, nullptr, false);
    if (entry.is_object() && entry.value("key", "") == key) n += count(entry);
  }
  return n;
}

}  // namespace

int scripted_openai::calls(const std::string& key) const {
  return tally(log_, key, [](const nlohmann::json&) { return 1; });
}

int scripted_openai::embedded(const std::string& key) const {
  return tally(log_, key, [](const nlohmann::json& e) { return e.value("inputs", 0); });
}

std::string providers_json(const scripted_openai& server, const std::vector<std::string>& keys, int timeout_s) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& k : keys)
    list.push_back({{"name", "scripted-" + k}, {"base_url", server.base_url()}, {"model", "scripted"}, {"api_key", k},
                    {"timeout_s", timeout_s}});
  return list.dump();
}

nlohmann::json finished_course(user& u, const std::string& filename, const std::string& bytes,
                               std::chrono::seconds limit, const std::string& title, const nlohmann::json& materials) {
  nlohmann::json body{{"title", title.empty() ? filename : title}};
  if (!materials.is_null()) body["materials"] = materials;
  auto id = u.call("POST", "/v1/courses", body, 201)["id"].get<std::string>();
  auto r = u.http.upload("/v1/courses/" + id + "/sources?filename=" + filename, bytes);
  REQUIRE(r);
  INFO(filename << " -> " << r.value().status << " " << r.value().body);
  REQUIRE(r.value().status == 202);
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    auto c = u.get("/v1/courses/" + id);
    std::string status = c["status"];
    if (status == "ready" || status == "rejected" || status == "failed") return c;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL(filename << " never finished");
  return nullptr;
}

}  // namespace sf::test
