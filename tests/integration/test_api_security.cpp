// The API as an attacker meets it: ownership on every route, throttles and quotas, limits on
// input, signed file links, logs without secrets, and the OpenAPI document.
#include <filesystem>
#include <fstream>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <thread>
#include <unistd.h>

#include "harness.hpp"

using namespace sf::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// `text` with the value after `key` (up to the next '&') replaced by `value`.
std::string with_param(std::string text, const std::string& key, const std::string& value) {
  auto at = text.find(key);
  if (at == std::string::npos) return text;
  at += key.size();
  return text.replace(at, text.find('&', at) == std::string::npos ? std::string::npos : text.find('&', at) - at, value);
}

// `path` with every `open ... }` placeholder replaced by `by`.
std::string replace_placeholders(std::string path, const std::string& open, const std::string& by) {
  for (auto at = path.find(open); at != std::string::npos; at = path.find(open, at + by.size()))
    path.replace(at, path.find('}', at) + 1 - at, by);
  return path;
}

// The /v1/ paths a page's script names in "..." or `...` literals, query strings dropped.
std::vector<std::string> script_paths(const std::string& html) {
  std::vector<std::string> out;
  for (auto at = html.find("/v1/"); at != std::string::npos; at = html.find("/v1/", at + 1)) {
    if (at == 0 || (html[at - 1] != '"' && html[at - 1] != '`')) continue;
    out.push_back(html.substr(at, html.find_first_of("\"`?", at) - at));
  }
  return out;
}

json ready_course(user& u, const std::string& file) {
  auto c = finished_course(u, file, fixture(file));
  REQUIRE(c["status"] == "ready");
  return c;
}

}  // namespace

TEST_CASE("every route: strangers get 404, no token 401, users on admin routes 403", "[security]") {
  node_process node;
  user owner(node.endpoint(), "owner"), stranger(node.endpoint(), "stranger");
  sf::client::http_client anonymous(node.endpoint());
  auto c = ready_course(owner, "els-cas-dc-sample.pdf");
  std::string course = c["id"], source = c["sources"][0]["id"];
  std::string job = owner.get("/v1/jobs")["jobs"][0]["job_id"];
  std::vector<std::pair<std::string, std::string>> owned{
      {"GET", "/v1/courses/" + course},
      {"DELETE", "/v1/courses/" + course},
      {"POST", "/v1/courses/" + course + "/materials"},
      {"GET", "/v1/courses/" + course + "/materials"},
      {"GET", "/v1/courses/" + course + "/materials/quiz"},
      {"GET", "/v1/courses/" + course + "/materials/flashcards/export?format=csv"},
      {"GET", "/v1/courses/" + course + "/sources/" + source},
      {"GET", "/v1/courses/" + course + "/sources/" + source + "/text"},
      {"GET", "/v1/courses/" + course + "/sources/" + source + "/download"},
      {"GET", "/v1/jobs/" + job},
      {"GET", "/v1/jobs/" + job + "/events"},
      {"DELETE", "/v1/jobs/" + job},
      {"POST", "/v1/jobs/" + job + "/retry"},
  };
  for (const auto& [method, target] : owned) {
    INFO(method << " " << target);
    auto r = stranger.http.request(method, target, method == "POST" && target.find("materials") != std::string::npos ? R"({"type":"quiz"})" : "");
    CHECK(r.value().status == 404);
    CHECK(anonymous.request(method, target).value().status == 401);
  }
  auto upload = stranger.http.upload("/v1/courses/" + course + "/sources?filename=x.pdf", fixture("els-cas-dc-sample.pdf"));
  CHECK(upload.value().status == 404);
  for (const auto& target : {"/v1/admin/lanes"}) CHECK(owner.http.request("GET", target).value().status == 403);
  CHECK(owner.http.request("POST", "/v1/admin/probe-jobs", "{}").value().status == 403);
  CHECK(anonymous.request("GET", "/v1/me").value().status == 401);
  CHECK(anonymous.request("GET", "/v1/me", "").value().headers.count("x-request-id") == 1);
  // The owner still has everything.
  CHECK(owner.http.request("GET", "/v1/courses/" + course).value().status == 200);
}

TEST_CASE("throttles and quotas answer 429 with Retry-After before any work", "[security]") {
  node_process node(env_map{{"STUDYFORGE_THROTTLE_UPLOAD_PER_MINUTE", "600"}, {"STUDYFORGE_QUOTA_UPLOADS_PER_DAY", "3"},
                     {"STUDYFORGE_THROTTLE_LOGIN_PER_ACCOUNT_PER_MINUTE", "4"}});
  user u(node.endpoint(), "quota");
  auto course = u.call("POST", "/v1/courses", {{"title", "Limits"}}, 201)["id"].get<std::string>();
  int accepted = 0;
  sf::client::reply refused;
  for (int i = 0; i < 4; ++i) {
    auto r = u.http.upload("/v1/courses/" + course + "/sources?filename=n.txt", fixture("gettysburg_opening.srt"));
    if (r.value().status == 202) ++accepted;
    else refused = r.value();
  }
  CHECK(accepted == 3);
  CHECK(refused.status == 429);
  CHECK(parse(refused.body)["error"]["code"] == "quota_exceeded");
  CHECK(std::stoi(refused.headers["retry-after"]) > 0);
  CHECK(u.get("/v1/courses/" + course)["sources"].size() == 3);  // the refused one was not stored

  // Password guessing on one account.
  int throttled = 0;
  sf::client::http_client guesser(node.endpoint());
  auto email = u.get("/v1/me")["email"].get<std::string>();
  for (int i = 0; i < 8; ++i) {
    auto r = guesser.request("POST", "/v1/auth/login", json{{"email", email}, {"password", "wrong guess " + std::to_string(i)}}.dump());
    if (r.value().status == 429) {
      ++throttled;
      CHECK(r.value().headers.count("retry-after") == 1);
    } else {
      CHECK(r.value().status == 401);
    }
  }
  CHECK(throttled >= 3);
}

TEST_CASE("a request that makes nothing costs no quota", "[security]") {
  node_process node(env_map{{"STUDYFORGE_QUOTA_UPLOADS_PER_DAY", "1"}, {"STUDYFORGE_QUOTA_GENERATIONS_PER_DAY", "2"}});
  user u(node.endpoint(), "quotaback");
  auto course = u.call("POST", "/v1/courses", {{"title", "Refunds"}, {"materials", json::array()}}, 201)["id"].get<std::string>();
  // Refused before work: no extracted source yet (409), a type it cannot read (415).
  for (int i = 0; i < 3; ++i) u.call("POST", "/v1/courses/" + course + "/materials", {{"type", "notes"}}, 409);
  auto junk = std::filesystem::temp_directory_path() / ("sf-junk-" + std::to_string(::getpid()) + ".bin");
  std::ofstream(junk, std::ios::binary) << std::string("\x00\x01\x02\x03\xfe\xff\x00\x10", 8) + std::string(500, '\x7f');
  CHECK(u.http.upload("/v1/courses/" + course + "/sources?filename=junk.bin", junk).value().status == 415);
  std::filesystem::remove(junk);

  REQUIRE(u.http.upload("/v1/courses/" + course + "/sources?filename=talk.srt", fixture("gettysburg_opening.srt")).value().status == 202);
  for (int i = 0; i < 300 && u.get("/v1/courses/" + course)["status"] != "ready"; ++i) std::this_thread::sleep_for(100ms);
  REQUIRE(u.get("/v1/courses/" + course)["status"] == "ready");
  u.call("POST", "/v1/courses/" + course + "/materials", {{"type", "notes"}}, 202);
  // The same job again, or the finished material: nothing new is made.
  auto again = u.http.request("POST", "/v1/courses/" + course + "/materials", json{{"type", "notes"}}.dump());
  CHECK((again.value().status == 200 || again.value().status == 202));
  u.call("POST", "/v1/courses/" + course + "/materials", {{"type", "outline"}}, 202);
  auto over = u.http.request("POST", "/v1/courses/" + course + "/materials", json{{"type", "quiz"}}.dump());
  CHECK(over.value().status == 429);  // the two that made something used the day's two
}

TEST_CASE("bad input: each gets its 4xx and the node keeps serving", "[security]") {
  node_process node(env_map{{"STUDYFORGE_MAX_JSON_BYTES", "64KiB"}});
  user u(node.endpoint(), "input");
  auto status = [&](const std::string& method, const std::string& target, const std::string& body) {
    return u.http.request(method, target, body).value().status;
  };
  CHECK(status("POST", "/v1/courses", "{\"title\": ") == 400);
  CHECK(status("POST", "/v1/courses", "[1,2]") == 400);
  CHECK(status("POST", "/v1/courses", R"({"title": 42})") == 422);
  CHECK(status("POST", "/v1/courses", R"({"title": "x", "materials": "quiz"})") == 422);
  CHECK(status("POST", "/v1/courses", "{\"title\": \"bad \xff\xfe utf8\"}") == 400);
  CHECK(status("POST", "/v1/courses", std::string(100, '[') + std::string(100, ']')) == 400);
  CHECK(status("POST", "/v1/courses", "{\"title\": \"" + std::string(70000, 'a') + "\"}") == 413);
  auto weird = u.http.request("GET", "/v1/courses/%ZZ");
  CHECK(weird.value().status == 400);
  // libpq would cut text at a NUL: an email naming another account's throttle bucket, a title
  // stored empty. Refused, as jsonb would refuse it in options.
  CHECK(status("POST", "/v1/courses", R"({"title": "\u0000abc"})") == 422);
  CHECK(status("POST", "/v1/auth/login", R"({"email": "victim@example.test\u00001", "password": "whatever it is"})") == 422);
  CHECK(status("GET", "/v1/jobs?lane=%FF", "") == 422);
  CHECK(status("GET", "/v1/jobs?lane=nope", "") == 422);

  // A file name cannot climb out of anywhere, nor break a header.
  auto course = u.call("POST", "/v1/courses", {{"title", "Names"}}, 201)["id"].get<std::string>();
  auto r = u.http.upload("/v1/courses/" + course + "/sources?filename=..%2F..%2Fetc%2Fpasswd", fixture("gettysburg_opening.srt"));
  REQUIRE(r.value().status == 202);
  auto src = u.get("/v1/courses/" + course + "/sources/" + parse(r.value().body)["source_id"].get<std::string>());
  CHECK(src["filename"] == "passwd");
  // A name that is not UTF-8, or that 200 bytes would cut inside a character, is stored as UTF-8.
  auto stored_name = [&](const std::string& escaped) {
    auto up = u.http.upload("/v1/courses/" + course + "/sources?filename=" + escaped, fixture("gettysburg_opening.srt"));
    REQUIRE(up.value().status == 202);
    return u.get("/v1/courses/" + course + "/sources/" + parse(up.value().body)["source_id"].get<std::string>())["filename"]
        .get<std::string>();
  };
  CHECK(stored_name("%FF%FEnotes.srt") == "\xEF\xBF\xBD\xEF\xBF\xBDnotes.srt");  // U+FFFD twice
  CHECK(stored_name(std::string(199, 'a') + "%C3%A9") == std::string(199, 'a'));

  // A material's options are checked as the course's own settings are, before any work.
  auto material = [&](const json& options) {
    return status("POST", "/v1/courses/" + course + "/materials", json{{"type", "summary"}, {"options", options}}.dump());
  };
  CHECK(material({{"x", std::string(1, '\0')}}) == 422);  // NUL in jsonb: was 500
  CHECK(material({{"x", "y"}}) == 422);
  CHECK(material({{"language", 5}}) == 422);  // accepted before, then every attempt failed
  CHECK(material({{"topic", std::string(501, 't')}}) == 422);
  CHECK(material({{"count", 0}}) == 422);

  // A request id that is not plain is replaced, never echoed into a header.
  u.http.set_header("X-Request-Id", "abc <script>\"x\"</script>");
  auto replaced = u.http.request("GET", "/v1/me");
  REQUIRE(replaced);
  auto rid = replaced.value().headers["x-request-id"];
  CHECK(rid.size() == 16);
  CHECK(rid.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(u.get("/health")["status"] == "healthy");
}

TEST_CASE("files are served through short-lived signed links only", "[security]") {
  node_process node(env_map{{"STUDYFORGE_SIGNED_URL_TTL_S", "10"}});
  user u(node.endpoint(), "links");
  auto c = ready_course(u, "els-cas-dc-sample.pdf");
  auto link = u.get("/v1/courses/" + c["id"].get<std::string>() + "/sources/" + c["sources"][0]["id"].get<std::string>() + "/download");
  std::string url = link["url"];
  sf::client::http_client browser(node.endpoint());  // no token
  auto file = browser.request("GET", url);
  REQUIRE(file);
  CHECK(file.value().status == 200);
  CHECK(file.value().body == slurp(fixture("els-cas-dc-sample.pdf")));
  auto forged = with_param(url, "sig=", "00000000");
  REQUIRE(forged != url);
  CHECK(browser.request("GET", forged).value().status == 403);
  auto extended = with_param(url, "expires=", "9999999999");
  REQUIRE(extended != url);
  CHECK(browser.request("GET", extended).value().status == 403);
}

TEST_CASE("logs carry request ids and never passwords or tokens", "[security]") {
  auto log_dir = std::string(std::getenv("STUDYFORGE_DATA_DIR"));
  node_process node(env_map{{"STUDYFORGE_LOG_LEVEL", "info"}});
  const std::string password = "a very secret passphrase 9";
  sf::client::http_client c(node.endpoint());
  auto email = unique_email("logs");
  auto signup = c.request("POST", "/v1/auth/signup", json{{"email", email}, {"password", password}}.dump());
  REQUIRE(signup.value().status == 201);
  std::string token = parse(signup.value().body)["token"];
  c.set_token(token);
  c.set_header("X-Request-Id", "trace-me-42");
  REQUIRE(c.request("GET", "/v1/me").value().status == 200);
  std::this_thread::sleep_for(200ms);
  auto text = slurp(log_dir + "/node-" + std::to_string(node.endpoint().port) + ".log");
  CHECK(text.find("trace-me-42") != std::string::npos);
  CHECK(text.find(password) == std::string::npos);
  CHECK(text.find(token) == std::string::npos);
  // Every line is one JSON object.
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] != '{') continue;
    INFO(line);
    CHECK_FALSE(json::parse(line, nullptr, false).is_discarded());
  }
}

TEST_CASE("the OpenAPI document lists exactly the routes the server answers", "[security]") {
  node_process node;
  user u(node.endpoint(), "openapi");
  auto doc = u.get("/openapi.json");
  CHECK(doc["openapi"] == "3.0.3");
  for (const auto* path : {"/v1/auth/signup", "/v1/courses", "/v1/courses/{course_id}/sources", "/v1/jobs/{job_id}",
                           "/v1/courses/{course_id}/materials/{type}", "/health", "/metrics"})
    CHECK(doc["paths"].contains(path));
  for (const auto& [path, methods] : doc["paths"].items()) {
    if (path == "/v1/ws" || path == "/v1/auth/logout") continue;  // logout would end this test's session
    std::string target = replace_placeholders(path, "{", "00000000-0000-0000-0000-000000000000");
    for (const auto& [method, op] : methods.items()) {
      std::string m = method;
      for (auto& ch : m) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      auto r = u.http.request(m, target, m == "POST" ? "{}" : "");
      REQUIRE(r);
      INFO(m << " " << target << " -> " << r.value().status << " " << r.value().body);
      CHECK(r.value().status != 405);
      if (r.value().status == 404) CHECK(parse(r.value().body)["error"]["message"] != "no such route");
    }
  }
}

TEST_CASE("the browser page is served and calls only documented routes", "[security]") {
  node_process node;
  user u(node.endpoint(), "webui");
  auto page = u.http.request("GET", "/", "");
  REQUIRE(page);
  CHECK(page.value().status == 200);
  CHECK(page.value().headers["content-type"].rfind("text/html", 0) == 0);
  CHECK_FALSE(page.value().headers["content-security-policy"].empty());
  auto doc = u.get("/openapi.json");
  std::set<std::string> documented;
  for (const auto& [path, methods] : doc["paths"].items()) documented.insert(replace_placeholders(path, "{", "{}"));
  // Paths the page's script asks for, with `${...}` placeholders taken off.
  auto calls = script_paths(page.value().body);
  for (const auto& call : calls) {
    auto path = replace_placeholders(call, "${", "{}");
    INFO(path);
    CHECK(documented.count(path) == 1);
  }
  CHECK(calls.size() >= 6);
}

TEST_CASE("one user holds at most the configured number of WebSocket connections", "[security]") {
  node_process node(env_map{{"STUDYFORGE_LIMITS_WS_CONNECTIONS_PER_USER", "2"}});
  user u(node.endpoint(), "wscap"), other(node.endpoint(), "wscap-other");
  sf::client::ws_client one, two, three, theirs;
  REQUIRE(one.connect(node.endpoint(), "/v1/ws", u.token));
  REQUIRE(two.connect(node.endpoint(), "/v1/ws", u.token));
  auto refused = three.connect(node.endpoint(), "/v1/ws", u.token);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("429") != std::string::npos);
  CHECK(theirs.connect(node.endpoint(), "/v1/ws", other.token));  // the cap is per user
  // A closed connection gives its slot back.
  one.close();
  bool reconnected = false;
  for (int i = 0; i < 50 && !reconnected; ++i) {
    sf::client::ws_client again;
    reconnected = static_cast<bool>(again.connect(node.endpoint(), "/v1/ws", u.token));
    if (!reconnected) std::this_thread::sleep_for(100ms);
  }
  CHECK(reconnected);
}

TEST_CASE("one address holds at most the configured number of connections", "[security]") {
  node_process node(env_map{{"STUDYFORGE_LIMITS_CONNECTIONS_PER_ADDRESS", "4"}});
  // Keep-alive clients each hold one connection open until the cap is reached.
  std::vector<sf::client::http_client> holders;
  std::optional<sf::client::reply> refused;
  for (int i = 0; i < 8 && !refused; ++i) {
    sf::client::http_client c(node.endpoint());
    auto r = c.request("GET", "/health");
    REQUIRE(r);
    if (r.value().status == 429) refused = r.value();
    else holders.push_back(std::move(c));
  }
  REQUIRE(refused);
  CHECK(holders.size() <= 4);
  CHECK(holders.size() >= 3);  // the node's own readiness probe may still be closing
  CHECK(refused->headers["retry-after"] == "1");
  CHECK(parse(refused->body)["error"]["code"] == "throttled");
  CHECK(refused->headers["x-request-id"].size() == 16);  // like every response
  // A closed connection gives its place back.
  holders.pop_back();
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    sf::client::http_client again(node.endpoint());
    auto r = again.request("GET", "/health");
    served = r && r.value().status == 200;
    if (!served) std::this_thread::sleep_for(100ms);
  }
  CHECK(served);
  auto metrics = holders.front().request("GET", "/metrics");
  REQUIRE(metrics);
  CHECK(metrics.value().body.find("studyforge_http_connections_refused_total") != std::string::npos);
}

TEST_CASE("a WebSocket client that reconnects to another node with since misses nothing", "[security]") {
  env_map shared{{"STUDYFORGE_NATS_NAMESPACE", unique_namespace("resume")}};
  node_process a(shared), b(shared);
  user u(a.endpoint(), "resume");
  auto id = u.call("POST", "/v1/courses", {{"title", "Resume"}}, 201)["id"].get<std::string>();
  sf::client::ws_client first;
  REQUIRE(first.connect(a.endpoint(), "/v1/ws", u.token));
  REQUIRE(first.send(json{{"op", "subscribe"}, {"course_id", id}}.dump()));
  auto up = u.http.upload("/v1/courses/" + id + "/sources?filename=d.pdf", fixture("devref_p45-47.pdf"));
  INFO((up ? std::to_string(up.value().status) + up.value().body : up.error().message));
  REQUIRE(up);
  REQUIRE(up.value().status == 202);
  std::vector<json> seen;
  while (seen.size() < 3) {
    auto m = first.receive(5s);
    REQUIRE(m);
    if (!m.value()) continue;
    auto j = parse(*m.value());
    if (j["type"] == "event") seen.push_back(j);
  }
  first.close();  // dropped mid-job
  long long last = seen.back()["seq"];
  sf::client::ws_client second;
  REQUIRE(second.connect(b.endpoint(), "/v1/ws?token=" + u.token, ""));
  REQUIRE(second.send(json{{"op", "subscribe"}, {"course_id", id}, {"since", last}}.dump()));
  auto feed = follow_course(second, 120s);
  REQUIRE(feed.final_status == "ready");
  for (auto& e : feed.events) seen.push_back(e);
  for (std::size_t i = 0; i < seen.size(); ++i) CHECK(seen[i]["seq"].get<long long>() == static_cast<long long>(i + 1));
}

namespace {

// Reads until the server ends the connection; returns the messages it sent before that, or
// nullopt when the connection was still open after `limit`.
std::optional<std::vector<json>> read_until_closed(sf::client::ws_client& ws, std::chrono::seconds limit) {
  std::vector<json> got;
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = ws.receive(500ms);
    if (!m) return got;
    if (m.value()) got.push_back(parse(*m.value()));
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("heartbeats drop a WebSocket client that stopped answering and keep one that answers", "[security]") {
  node_process node(env_map{{"STUDYFORGE_LIMITS_WS_KEEPALIVE_S", "1"}});
  user u(node.endpoint(), "heartbeat");
  // Both send nothing. The live one keeps a read pending, so its WebSocket answers the node's
  // pings; the dead one never reads, as a client whose machine vanished.
  sf::client::ws_client live, dead;
  REQUIRE(live.connect(node.endpoint(), "/v1/ws", u.token));
  REQUIRE(dead.connect(node.endpoint(), "/v1/ws", u.token));
  auto until = std::chrono::steady_clock::now() + 4s;
  while (std::chrono::steady_clock::now() < until) {
    auto m = live.receive(200ms);
    REQUIRE(m);  // still open
  }
  // Past two silent periods the node has dropped the dead one: reading finds the end.
  auto ended = read_until_closed(dead, 5s);
  CHECK(ended);
  REQUIRE(live.send(R"({"op":"ping"})"));
  std::optional<json> answer;
  for (int i = 0; i < 10 && !answer; ++i) {
    auto m = live.receive(500ms);
    REQUIRE(m);
    if (m.value()) answer = parse(*m.value());
  }
  REQUIRE(answer);
  CHECK((*answer)["type"] == "pong");
}

TEST_CASE("a WebSocket client that floods or sends an oversized message is disconnected while others go on", "[security]") {
  node_process node(env_map{{"STUDYFORGE_LIMITS_WS_MESSAGES_PER_SECOND", "5"}});
  user u(node.endpoint(), "wsflood");

  // Within the rate: every ping is answered and the connection stays.
  sf::client::ws_client calm;
  REQUIRE(calm.connect(node.endpoint(), "/v1/ws", u.token));
  for (int i = 0; i < 3; ++i) REQUIRE(calm.send(R"({"op":"ping"})"));
  for (int i = 0; i < 3; ++i) {
    auto m = calm.receive(5s);
    REQUIRE(m);
    REQUIRE(m.value());
    CHECK(parse(*m.value())["type"] == "pong");
  }

  // Past the burst (twice the rate): the node closes the connection.
  sf::client::ws_client flood;
  REQUIRE(flood.connect(node.endpoint(), "/v1/ws", u.token));
  for (int i = 0; i < 40; ++i)
    if (!flood.send(R"({"op":"ping"})")) break;
  auto flooded = read_until_closed(flood, 10s);
  REQUIRE(flooded);  // closed
  CHECK(flooded->size() <= 11);  // at most the burst was answered

  // A message over the 64 KiB limit ends the connection too.
  sf::client::ws_client big;
  REQUIRE(big.connect(node.endpoint(), "/v1/ws", u.token));
  (void)big.send(std::string(100 * 1024, 'x'));
  CHECK(read_until_closed(big, 10s));

  // The calm client and the node are unaffected.
  REQUIRE(calm.send(R"({"op":"ping"})"));
  auto m = calm.receive(5s);
  REQUIRE(m);
  REQUIRE(m.value());
  CHECK(parse(*m.value())["type"] == "pong");
  CHECK(u.http.request("GET", "/health").value().status == 200);
}

namespace {

std::string upload_header(const std::string& course, const std::string& token) {
  return "POST /v1/courses/" + course + "/sources?filename=big.pdf HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
         (token.empty() ? "" : "Authorization: Bearer " + token + "\r\n") + "Content-Length: 50000000\r\n\r\n";
}

int status_of(const std::string& head) {
  return head.rfind("HTTP/1.1 ", 0) == 0 && head.size() >= 12 ? std::stoi(head.substr(9, 3)) : 0;
}

}  // namespace

TEST_CASE("an upload that may not be made is answered before its body is sent", "[security]") {
  node_process node(env_map{{"STUDYFORGE_QUOTA_UPLOADS_PER_DAY", "1"}});
  user u(node.endpoint(), "early"), other(node.endpoint(), "early-other");
  auto course = u.call("POST", "/v1/courses", {{"title", "Early answers"}}, 201)["id"].get<std::string>();
  // Only the header of a 50 MB upload is sent; the answer must not wait for the body.
  auto answer = [&](const std::string& token) {
    raw_connection c(node.endpoint());
    REQUIRE(c.send(upload_header(course, token)));
    auto head = c.receive(5s);
    INFO(head);
    return status_of(head);
  };
  CHECK(answer("") == 401);
  CHECK(answer("not-a-token") == 401);
  CHECK(answer(other.token) == 404);  // not their course
  REQUIRE(u.http.upload("/v1/courses/" + course + "/sources?filename=n.txt", fixture("gettysburg_opening.srt")).value().status == 202);
  CHECK(answer(u.token) == 429);  // today's one upload is used
  CHECK(u.get("/v1/courses/" + course)["sources"].size() == 1);
  CHECK(u.get("/health")["status"] == "healthy");
}

TEST_CASE("tokens that name nobody are throttled per address, and known tokens still work", "[security]") {
  node_process node(env_map{{"STUDYFORGE_THROTTLE_AUTH_PER_MINUTE", "30"}});  // a burst of 7
  user u(node.endpoint(), "badtokens");
  auto email = u.get("/v1/me")["email"];  // the token is known to the node now
  sf::client::http_client guesser(node.endpoint());
  int unauthorized = 0, throttled = 0;
  for (int i = 0; i < 20; ++i) {
    guesser.set_header("Authorization", "Bearer guess-" + std::to_string(i));
    auto r = guesser.request("GET", "/v1/me").value();
    if (r.status == 401) ++unauthorized;
    if (r.status == 429) {
      ++throttled;
      CHECK(std::stoi(r.headers["retry-after"]) >= 1);
    }
  }
  CHECK(unauthorized <= 8);
  CHECK(throttled >= 12);
  sf::client::ws_client ws;
  auto refused = ws.connect(node.endpoint(), "/v1/ws", "guess-ws");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("429") != std::string::npos);
  CHECK(u.get("/v1/me")["email"] == email);  // the owner of a known token is not locked out
}

TEST_CASE("a WebSocket client that sends pings and never reads is closed, not buffered for", "[security]") {
  node_process node(env_map{{"STUDYFORGE_LIMITS_WS_MESSAGES_PER_SECOND", "5"}});
  user u(node.endpoint(), "pingflood");
  raw_connection c(node.endpoint());
  REQUIRE(c.send("GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                 "Authorization: Bearer " + u.token + "\r\n\r\n"));
  REQUIRE(status_of(c.receive(5s)) == 101);
  std::string pings;
  for (int i = 0; i < 2000; ++i) pings += std::string("\x89\x80\0\0\0\0", 6);  // masked, empty
  (void)c.send(pings);
  auto frames = c.receive(10s, "");
  CHECK(c.peer_closed());
  // Pongs (0x8a 0x00) for at most the burst, then a close frame with 1008 (policy).
  int pongs = 0;
  std::size_t at = 0;
  while (at + 1 < frames.size() && frames.compare(at, 2, "\x8a\x00", 2) == 0) {
    ++pongs;
    at += 2;
  }
  CHECK(pongs <= 11);
  REQUIRE(at + 4 <= frames.size());
  CHECK(static_cast<unsigned char>(frames[at]) == 0x88);
  CHECK((static_cast<unsigned char>(frames[at + 2]) << 8 | static_cast<unsigned char>(frames[at + 3])) == 1008);
  CHECK(u.get("/health")["status"] == "healthy");
}

TEST_CASE("a resume from far back replays the whole log, in order, to a client that reads", "[security]") {
  node_process node;
  user u(node.endpoint(), "longlog");
  auto id = u.call("POST", "/v1/courses", {{"title", "Long log"}}, 201)["id"].get<std::string>();
  // More events than one replay reads, written as the node writes them.
  constexpr int total = 2500;
  {
    pqxx::connection db{std::getenv("STUDYFORGE_DATABASE_URL")};
    pqxx::work tx(db);
    tx.exec_params("insert into job_events (course_id, seq, kind, status, progress, course_progress, step) "
                   "select $1::uuid, n, 'extract', 'running', n % 100, 0, 'reading' from generate_series(1, $2) n",
                   id, total);
    tx.exec_params("update courses set event_seq = $2 where id = $1::uuid", id, total);
    tx.commit();
  }
  sf::client::ws_client ws;
  REQUIRE(ws.connect(node.endpoint(), "/v1/ws", u.token));
  REQUIRE(ws.send(json{{"op", "subscribe"}, {"course_id", id}, {"since", 10}}.dump()));
  std::vector<long long> seqs;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (seqs.size() < total - 10 && std::chrono::steady_clock::now() < deadline) {
    auto m = ws.receive(2s);
    REQUIRE(m);
    if (!m.value()) break;
    auto j = parse(*m.value());
    if (j["type"] == "event") seqs.push_back(j["seq"].get<long long>());
  }
  REQUIRE(seqs.size() == total - 10);
  for (std::size_t i = 0; i < seqs.size(); ++i) REQUIRE(seqs[i] == static_cast<long long>(i + 11));
}
