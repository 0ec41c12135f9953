#include "http/api.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <cmath>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include <pqxx/pqxx>

#include "http/credentials.hpp"
#include "http/wire.hpp"
#include "storage/courses.hpp"
#include "storage/events.hpp"
#include "storage/limits.hpp"
#include "storage/users.hpp"

namespace sf::http {
namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t i = 1;
  while (i <= path.size()) {
    auto slash = path.find('/', i);
    if (slash == std::string::npos) slash = path.size();
    out.push_back(path.substr(i, slash - i));
    i = slash + 1;
  }
  if (!out.empty() && out.back().empty()) out.pop_back();  // trailing slash
  return out;
}

int status_of(errc c) {
  switch (c) {
    case errc::invalid_argument: return 400;
    case errc::invalid_value: return 422;
    case errc::rejected: return 422;
    case errc::not_found: return 404;
    case errc::conflict: return 409;
    case errc::cancelled: return 409;
    case errc::too_large: return 413;
    case errc::unsupported_media: return 415;
    case errc::transient: return 503;
    case errc::unavailable: return 503;
    case errc::time_limit: return 504;
    case errc::internal: return 500;
  }
  return 500;
}

std::optional<std::string> bearer(const request& r) {
  if (auto h = r.header("authorization")) {
    const std::string prefix = "Bearer ";
    if (h->size() > prefix.size() && h->compare(0, prefix.size(), prefix) == 0) return h->substr(prefix.size());
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

struct api::route {
  std::string method;
  std::vector<std::string> pattern;  // "{name}" matches one segment
  bool needs_user;
  route_handler handler;
  std::string scope;
  std::string name;  // "GET /v1/courses/{}": the label of its metrics
  route_precheck precheck;
};

struct api::match {
  const route* rt;
  std::vector<std::string> params;
};

namespace {

std::map<std::string, rate_limiter::rule> throttle_rules(const config::settings& c) {
  auto per_minute = [](int n) { return rate_limiter::rule{n / 60.0, static_cast<double>(std::max(1, n / 4))}; };
  auto per_second = [](int n) { return rate_limiter::rule{static_cast<double>(n), 2.0 * n}; };
  return {{"auth", per_minute(c.throttle_auth_per_minute)},
          {"login", per_minute(c.throttle_login_per_account_per_minute)},
          {"upload", per_minute(c.throttle_upload_per_minute)},
          {"generate", per_minute(c.throttle_generate_per_minute)},
          {"read", per_second(c.throttle_read_per_second)},
          {"write", per_second(c.throttle_write_per_second)},
          // Tokens that named nobody, per address: guessing costs a database lookup each.
          {"bad_token", per_minute(c.throttle_auth_per_minute)}};
}

}  // namespace

struct api::token_cache {
  static constexpr auto ttl = std::chrono::seconds(10);
  static constexpr std::size_t max_entries = 100000;
  std::mutex mu;
  std::unordered_map<std::string, std::pair<storage::user_record, std::chrono::steady_clock::time_point>> entries;
};

api::api(api_deps deps)
    : deps_(std::move(deps)), tokens_(std::make_unique<token_cache>()), limiter_(throttle_rules(deps_.services.cfg)) {
  add_ops_routes(*this);
  add_account_routes(*this);
  add_course_routes(*this);
  add_job_routes(*this);
  add_admin_routes(*this);
}

api::~api() = default;

void api::add(std::string method, std::string pattern, bool needs_user, route_handler h, std::string scope,
              route_precheck precheck) {
  if (scope.empty()) scope = method == "GET" ? "read" : "write";
  std::string name = method + " " + pattern;
  routes_.push_back({std::move(method), split_path(pattern), needs_user, std::move(h), std::move(scope), std::move(name),
                     std::move(precheck)});
}

std::optional<response> api::check_rate(const std::string& scope, const std::string& key, const request& r) {
  auto wait = limiter_.take(scope, key);
  if (!wait) return std::nullopt;
  return throttled(*wait, r);
}

response api::throttled(double seconds, const request& r) {
  ++metrics_.throttled;
  auto res = error_response(429, "throttled", "too many requests; try again in a moment", r);
  res.headers.push_back({"Retry-After", std::to_string(std::max(1LL, static_cast<long long>(std::ceil(seconds))))});
  return res;
}

std::optional<response> api::authenticate(const std::string& token, const request& r,
                                          std::optional<storage::user_record>& user) {
  user = known_user(token);
  if (user) return std::nullopt;  // a token this node knows costs nothing to check
  if (auto wait = limiter_.wait("bad_token", r.remote)) return throttled(*wait, r);
  user = user_for_token(token);
  if (user) return std::nullopt;
  (void)limiter_.take("bad_token", r.remote);
  return error_response(401, "unauthorized", "the token is invalid or expired", r);
}

std::vector<std::pair<std::string, std::string>> api::route_list() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : routes_) out.emplace_back(r.name.substr(r.method.size() + 1), r.method);
  return out;
}

response json_response(int status, const nlohmann::json& body) {
  response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

response error_response(int status, const std::string& code, const std::string& message, const request& r) {
  return json_response(status, error_json(code, message, r.request_id));
}

response error_response(const error& e, const request& r) {
  int status = status_of(e.code);
  std::string code = status == 503 ? "unavailable" : std::string(to_string(e.code));
  // Internal details stay in the log; the client gets a sentence and the request id.
  if (status == 500) {
    spdlog::error("request {}: {}", r.request_id, e.message);
    return error_response(500, "internal", "something went wrong; quote the request id when reporting it", r);
  }
  return error_response(status, code, e.message, r);
}

namespace {

// libpq takes parameters as C strings: text after a NUL would be cut off unseen (an email
// that names another account's throttle bucket, a title stored empty), and jsonb refuses it.
bool holds_nul(const nlohmann::json& j) {
  if (j.is_string()) return j.get_ref<const std::string&>().find('\0') != std::string::npos;
  if (j.is_object())
    for (const auto& [k, v] : j.items())
      if (k.find('\0') != std::string::npos || holds_nul(v)) return true;
  if (j.is_array())
    for (const auto& v : j)
      if (holds_nul(v)) return true;
  return false;
}

}  // namespace

std::optional<nlohmann::json> parse_object(const request& r, response& err) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) {
    err = error_response(400, "invalid_json", "the body is not valid JSON", r);
    return std::nullopt;
  }
  if (!j.is_object()) {
    err = error_response(400, "invalid_json", "the body must be a JSON object", r);
    return std::nullopt;
  }
  if (holds_nul(j)) {
    err = error_response(422, "invalid_value", "text in the body must not contain NUL characters (\\u0000)", r);
    return std::nullopt;
  }
  return j;
}

std::optional<api::match> api::find_route(const request& r, response& no_route) const {
  auto segments = split_path(r.path);
  bool path_matched = false;
  for (const auto& rt : routes_) {
    if (rt.pattern.size() != segments.size()) continue;
    std::vector<std::string> params;
    bool match = true;
    for (std::size_t i = 0; i < segments.size() && match; ++i) {
      if (!rt.pattern[i].empty() && rt.pattern[i][0] == '{') params.push_back(segments[i]);
      else match = rt.pattern[i] == segments[i];
    }
    if (!match) continue;
    path_matched = true;
    if (rt.method != r.method) continue;
    return api::match{&rt, std::move(params)};
  }
  no_route = path_matched ? error_response(405, "method_not_allowed", "this route does not take " + r.method, r)
                          : error_response(404, "not_found", "no such route", r);
  return std::nullopt;
}

std::optional<response> api::caller(const route& rt, const request& r, call& c, bool take) {
  if (rt.needs_user) {
    auto token = bearer(r);
    if (!token) return error_response(401, "unauthorized", "send Authorization: Bearer <token>", r);
    if (auto refused = authenticate(*token, r, c.user)) return refused;
  }
  // Checked before any expensive work: per user when known, else per address.
  if (rt.scope == "none") return std::nullopt;
  auto key = c.user ? c.user->id : r.remote;
  if (take) return check_rate(rt.scope, key, r);
  if (auto wait = limiter_.wait(rt.scope, key)) return throttled(*wait, r);
  return std::nullopt;
}

// Answered once: a route that threw after handing its responder on is answered with the
// error only if the work it handed on has not answered yet. Work lost on the way (its last
// responder gone unanswered) answers 500 instead of leaving the client waiting for ever.
struct call::pending {
  responder reply;
  std::string route, user, request_id;
  std::atomic<bool> answered{false};

  void answer(response res) {
    if (answered.exchange(true)) return;
    res.route = route;
    res.user_id = user;
    try {
      reply(std::move(res));
    } catch (...) {
      spdlog::error("request {}: its answer could not be sent", request_id);
    }
  }
  ~pending() {
    if (answered) return;
    request r;
    r.request_id = request_id;
    spdlog::error("request {}: its work ended without an answer", request_id);
    answer(error_response(500, "internal", "the request's work ended without an answer", r));
  }
};

responder call::answer_later() {
  if (!reply_) throw std::logic_error("this route cannot answer later here");
  if (!pending_)
    pending_ = std::make_shared<pending>(reply_, route_, user ? user->id : std::string(), req.request_id);
  deferred_ = true;
  return [p = pending_](response res) { p->answer(std::move(res)); };
}

void api::handle(const request& r, const responder& reply) {
  if (auto out = answer(r, true, &reply)) reply(std::move(*out));
}

std::optional<response> api::admit(const request& r) { return answer(r, false); }

std::optional<response> api::answer(const request& r, bool body_in, const responder* reply) {
  response no_route;
  auto m = find_route(r, no_route);
  if (!m) return no_route;
  call c(r, std::move(m->params));
  if (reply) {
    c.reply_ = *reply;
    c.route_ = m->rt->name;
  }
  std::optional<response> out;
  try {
    if (body_in && r.body_file.empty() && json_depth(r.body) > deps_.services.cfg.max_json_depth)
      out = error_response(400, "too_deep", "the JSON body is nested too deeply", r);
    else if (!(out = caller(*m->rt, r, c, body_in)))
      out = body_in ? m->rt->handler(c) : m->rt->precheck ? m->rt->precheck(c) : std::nullopt;
  } catch (const std::exception& e) {
    out = error_response(storage::classify(e), r);
    if (c.deferred_) c.answer_later()(std::move(*out));
  }
  if (c.deferred_) return std::nullopt;  // the route answers
  if (!out) return out;                  // admitted
  if (c.user) out->user_id = c.user->id;
  out->route = m->rt->name;
  return out;
}

std::optional<storage::user_record> api::known_user(const std::string& token) {
  if (token.empty() || token.size() > 128) return std::nullopt;
  auto key = token_hash(token);
  std::lock_guard lock(tokens_->mu);
  if (auto it = tokens_->entries.find(key); it != tokens_->entries.end() && it->second.second > std::chrono::steady_clock::now())
    return it->second.first;
  return std::nullopt;
}

std::optional<storage::user_record> api::user_for_token(const std::string& token) {
  if (token.empty() || token.size() > 128) return std::nullopt;
  if (auto user = known_user(token)) return user;
  auto key = token_hash(token);
  auto now = std::chrono::steady_clock::now();
  auto conn = deps_.services.db.acquire();
  pqxx::nontransaction tx(*conn);  // one statement: no BEGIN/COMMIT round trips
  auto user = storage::find_user_by_token(tx, key);
  if (user) {
    std::lock_guard lock(tokens_->mu);
    if (tokens_->entries.size() >= token_cache::max_entries) tokens_->entries.clear();
    tokens_->entries[key] = {*user, now + token_cache::ttl};
  }
  return user;
}

std::string api::signing_key() {
  std::lock_guard lock(key_mu_);
  if (signing_key_.empty()) {
    auto conn = deps_.services.db.acquire();
    pqxx::work tx(*conn);
    signing_key_ = storage::shared_secret(tx, "file_links", new_token());
    tx.commit();
  }
  return signing_key_;
}

void api::forget_token(const std::string& token) {
  std::lock_guard lock(tokens_->mu);
  tokens_->entries.erase(token_hash(token));
}

std::optional<nlohmann::json> api::course_snapshot(const std::string& owner_id, const std::string& course_id) {
  auto conn = deps_.services.db.acquire();
  pqxx::read_transaction tx(*conn);
  auto c = storage::find_course(tx, owner_id, course_id);
  if (!c) return std::nullopt;
  storage::load_course_parts(tx, *c);
  return to_json(*c);
}

std::vector<storage::event_record> api::events_after(const std::string& course_id, long long since, int limit) {
  auto conn = deps_.services.db.acquire();
  pqxx::read_transaction tx(*conn);
  return storage::events_since(tx, course_id, since, limit);
}

}  // namespace sf::http
