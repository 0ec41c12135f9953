// `studyforge process FILE...`: the main job from a shell. Uses a node given by --server (or
// STUDYFORGE_SERVER), else runs one in-process on the private stack; uploads each file to a
// course of its own, follows the course's events over the WebSocket with a progress bar, and
// writes summary.md, flashcards.csv and quiz.json.
#include <algorithm>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/commands.hpp"
#include "cli/node.hpp"
#include "cli/private_stack.hpp"
#include "cli/progress_bar.hpp"
#include "client/client.hpp"

namespace sf::cli {
namespace fs = std::filesystem;
namespace {

struct options {
  std::vector<fs::path> files;
  fs::path out = "studyforge-out";
  std::string server;
  std::string token;
};

struct outcome {
  bool ok = false;
  std::string message;  // one line
};

std::string body_error(const client::reply& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object()) return j["error"].value("message", r.body);
  return "HTTP " + std::to_string(r.status);
}

result<nlohmann::json> call_json(client::http_client& c, const std::string& method, const std::string& target,
                                 const std::string& body, int expect) {
  BOOST_OUTCOME_TRY(r, c.request(method, target, body));
  if (r.status != expect) return failure(errc::invalid_value, body_error(r));
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return failure(errc::internal, "the node sent invalid JSON");
  return j;
}

// The private node's local account: created on first use, its password kept 0600 in data_dir.
result<std::string> local_token(client::http_client& c, const fs::path& data_dir) {
  auto file = data_dir / "cli-account.json";
  nlohmann::json acct;
  if (std::ifstream in(file); in) acct = nlohmann::json::parse(in, nullptr, false);
  if (acct.is_object() && acct.contains("email") && acct.contains("password")) {
    auto login = c.request("POST", "/v1/auth/login", nlohmann::json{{"email", acct["email"]}, {"password", acct["password"]}}.dump());
    if (login && login.value().status == 200) return nlohmann::json::parse(login.value().body).at("token").get<std::string>();
  }
  unsigned char raw[12];
  randombytes_buf(raw, sizeof raw);
  char hex[25];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  acct = {{"email", std::string("cli-") + std::string(hex, 8) + "@localhost.localdomain"}, {"password", std::string(hex)}};
  BOOST_OUTCOME_TRY(j, call_json(c, "POST", "/v1/auth/signup", acct.dump(), 201));
  {
    std::ofstream out(file, std::ios::trunc);
    out << acct.dump();
  }
  chmod(file.c_str(), 0600);
  return j.at("token").get<std::string>();
}

fs::path unique_dir(const fs::path& base, const std::string& stem) {
  auto dir = base / stem;
  for (int i = 2; fs::exists(dir / ".studyforge-claimed"); ++i) dir = base / (stem + "-" + std::to_string(i));
  fs::create_directories(dir);
  std::ofstream(dir / ".studyforge-claimed").put('\n');
  return dir;
}

// Follows the course's events until it reaches an end state.
result<nlohmann::json> follow(client::http_client& c, client::ws_client& ws, const std::string& course_id,
                              progress_bar& bar) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::hours(2);
  auto last_poll = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < deadline) {
    auto msg = ws.receive(std::chrono::seconds(1));
    if (!msg) std::this_thread::sleep_for(std::chrono::seconds(1));  // connection lost: polling only
    bool ended = false;
    if (msg && msg.value()) {
      auto j = nlohmann::json::parse(*msg.value(), nullptr, false);
      if (j.is_object() && j.value("type", "") == "event") {
        bar.update(j.value("course_progress", 0), j["step"].is_string() ? j["step"].get<std::string>() : "");
        std::string status = j.value("status", "");
        ended = j.value("kind", "") == "course" && (status == "ready" || status == "rejected" || status == "failed");
      } else if (j.is_object() && j.value("type", "") == "error") {
        return failure(errc::internal, j.value("message", "WebSocket error"));
      }
    }
    // The event stream is the fast path; a periodic look at the course is the safety net.
    if (ended || !msg || std::chrono::steady_clock::now() - last_poll > std::chrono::seconds(5)) {
      last_poll = std::chrono::steady_clock::now();
      BOOST_OUTCOME_TRY(course, call_json(c, "GET", "/v1/courses/" + course_id, "", 200));
      std::string status = course.value("status", "");
      if (status == "ready" || status == "rejected" || status == "failed") return course;
    }
  }
  return failure(errc::time_limit, "the course did not finish within two hours");
}

result<void> write_outputs(client::http_client& c, const std::string& course_id, const fs::path& dir) {
  BOOST_OUTCOME_TRY(list, call_json(c, "GET", "/v1/courses/" + course_id + "/materials", "", 200));
  for (const auto& m : list["materials"]) {
    if (m.value("status", "") != "completed") continue;
    auto type = m.value("type", "");
    if (type == "summary") {
      std::ofstream(dir / "summary.md") << m["content"].value("markdown", "");
    } else if (type == "quiz") {
      std::ofstream(dir / "quiz.json") << m["content"].dump(2) << "\n";
    } else if (type == "flashcards") {
      for (const char* format : {"csv", "apkg"}) {
        BOOST_OUTCOME_TRY(file, c.request("GET", "/v1/courses/" + course_id + "/materials/flashcards/export?format=" + format));
        if (file.status != 200) return failure(errc::internal, "flashcards export: " + body_error(file));
        std::ofstream(dir / (std::string("flashcards.") + format), std::ios::binary) << file.body;
      }
    } else {
      std::ofstream(dir / (type + ".json")) << m["content"].dump(2) << "\n";
    }
  }
  return success();
}

outcome process_one(client::http_client& c, const client::endpoint& ep, const std::string& token, const fs::path& file,
                    const fs::path& out_base) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return {false, file.string() + ": not a readable file"};
  auto stem = file.stem().string();
  auto course = call_json(c, "POST", "/v1/courses", nlohmann::json{{"title", stem}}.dump(), 201);
  if (!course) return {false, file.string() + ": " + course.error().message};
  std::string course_id = course.value()["id"];

  client::ws_client ws;
  if (auto r = ws.connect(ep, "/v1/ws", token); !r) return {false, "cannot follow progress: " + r.error().message};
  (void)ws.send(nlohmann::json{{"op", "subscribe"}, {"course_id", course_id}, {"since", 0}}.dump());

  auto up = c.upload("/v1/courses/" + course_id + "/sources?filename=" + stem + file.extension().string(), file);
  if (!up) return {false, file.string() + ": " + up.error().message};
  if (up.value().status != 202) return {false, file.string() + ": " + body_error(up.value())};

  progress_bar bar(stderr);
  std::fprintf(stderr, "studyforge: %s\n", file.string().c_str());
  auto done = follow(c, ws, course_id, bar);
  if (!done) {
    bar.finish("");
    return {false, file.string() + ": " + done.error().message};
  }
  auto status = done.value().value("status", "");
  if (status == "rejected") {
    bar.finish("rejected");
    return {false, file.string() + ": rejected: " + done.value().value("reject_reason", std::string("no reason given"))};
  }
  if (status == "failed") {
    bar.finish("failed");
    auto err = done.value()["error"].is_string() ? done.value()["error"].get<std::string>() : std::string("unknown error");
    return {false, file.string() + ": failed: " + err};
  }
  bar.update(100, "ready");
  auto dir = unique_dir(out_base, stem);
  if (auto w = write_outputs(c, course_id, dir); !w) return {false, file.string() + ": " + w.error().message};
  bar.finish("done: " + dir.string());
  return {true, dir.string()};
}

std::optional<options> parse(const args& a, std::string& problem) {
  options o;
  if (const char* s = std::getenv("STUDYFORGE_SERVER")) o.server = s;
  if (const char* t = std::getenv("STUDYFORGE_TOKEN")) o.token = t;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if ((a[i] == "--out" || a[i] == "-o") && i + 1 < a.size()) o.out = a[++i];
    else if (a[i] == "--server" && i + 1 < a.size()) o.server = a[++i];
    else if (a[i].rfind("--", 0) == 0) { problem = "unknown option " + a[i]; return std::nullopt; }
    else o.files.emplace_back(a[i]);
  }
  if (o.files.empty()) { problem = "usage: studyforge process FILE... [--out DIR] [--server URL]"; return std::nullopt; }
  return o;
}

}  // namespace

int process_command(const args& a) {
  std::string problem;
  auto opts = parse(a, problem);
  if (!opts) {
    std::fprintf(stderr, "studyforge: %s\n", problem.c_str());
    return 2;
  }
  auto loaded = config::load_from_process();
  if (!loaded) {
    std::fprintf(stderr, "studyforge: %s\n", loaded.error().message.c_str());
    return 2;
  }
  auto cfg = loaded.value();
  spdlog::set_level(spdlog::level::warn);  // the progress bar speaks for the node

  std::unique_ptr<node> local;
  client::endpoint ep;
  std::string token = opts->token;
  if (!opts->server.empty()) {
    auto parsed = client::parse_url(opts->server);
    if (!parsed) {
      std::fprintf(stderr, "studyforge: bad server URL %s\n", opts->server.c_str());
      return 2;
    }
    if (token.empty()) {
      std::fprintf(stderr, "studyforge: set STUDYFORGE_TOKEN to use --server\n");
      return 2;
    }
    ep = *parsed;
  } else {
    if (auto r = ensure_private_stack(cfg); !r) {
      std::fprintf(stderr, "studyforge: %s\n", r.error().message.c_str());
      return 1;
    }
    cfg.listen_host = "127.0.0.1";
    cfg.listen_port = 0;
    // This node is the whole system for the run: it serves and works, whatever the environment
    // says for nodes of a cluster (an `api` role or a lane at 0 would leave the files waiting).
    cfg.role = "all";
    for (auto& [name, lane] : cfg.lanes) lane.concurrency = std::max(lane.concurrency, 1);
    cfg.log_level = "warn";  // the progress bar speaks for the node
    cfg.log_json = false;
    auto n = node::start(cfg);
    if (!n) {
      std::fprintf(stderr, "studyforge: cannot start a node: %s\n", n.error().message.c_str());
      return 1;
    }
    local = std::move(n.value());
    ep = {"127.0.0.1", local->port()};
  }

  client::http_client c(ep);
  if (token.empty()) {
    auto t = local_token(c, cfg.data_dir);
    if (!t) {
      std::fprintf(stderr, "studyforge: cannot sign in to the local node: %s\n", t.error().message.c_str());
      return 1;
    }
    token = t.value();
  }
  c.set_token(token);

  std::fprintf(stderr, "studyforge: writing results under %s\n", fs::absolute(opts->out).string().c_str());
  int failures = 0;
  for (const auto& file : opts->files) {
    auto r = process_one(c, ep, token, file, opts->out);
    if (!r.ok) {
      std::fprintf(stderr, "studyforge: %s\n", r.message.c_str());
      ++failures;
    } else {
      std::printf("%s\n", r.message.c_str());
    }
  }
  if (local) local->stop(std::chrono::seconds(10), 1);  // a file's job stuck past its limit: not a clean run
  return failures == 0 ? 0 : 1;
}

}  // namespace sf::cli
