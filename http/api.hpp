#pragma once
// The REST API: routes from request to response. Blocking (PostgreSQL, password hashing),
// so it runs on the request workers, never on an I/O thread.
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "http/message.hpp"
#include "http/metrics.hpp"
#include "http/rate_limiter.hpp"
#include "pipeline/services.hpp"
#include "storage/records.hpp"

namespace sf::actors {
class runtime;
}

namespace sf::http {

struct api_deps {
  pipeline::services& services;
  actors::runtime* runtime = nullptr;  // null on an api-only node
  std::string version;
};

// Answers a request, on any thread, once.
using responder = std::function<void(response)>;

// One call of a route: the request, the caller and the path's {parameters}.
struct call {
  call(const request& r, std::vector<std::string> p) : req(r), params(std::move(p)) {}

  const request& req;
  std::optional<storage::user_record> user;
  std::vector<std::string> params;

  // For a route whose answer comes from another thread (one that batches its work): it takes
  // this responder, hands it on as the last thing it does, and returns anything (what it
  // returns is dropped). Neither the request nor an uploaded body file outlives the return.
  responder answer_later();

  responder reply_;    // set by api::handle
  std::string route_;  // its name, for the access log
  bool deferred_ = false;
  struct pending;                     // the deferred answer, shared by the responders handed out
  std::shared_ptr<pending> pending_;
};

using route_handler = std::function<response(call&)>;
// Runs before a route's body is received (uploads): an answer refuses the request there.
using route_precheck = std::function<std::optional<response>(call&)>;

class api {
 public:
  explicit api(api_deps deps);
  ~api();

  // Calls `reply` once with the answer: before it returns, or later from another thread.
  void handle(const request& r, const responder& reply);
  // Before a large body is received: the route, the token, the throttle (looked at, not
  // taken) and the route's precheck. An answer refuses the request without its body, so an
  // unauthenticated, throttled or over-quota upload costs no transfer. handle() checks all
  // again once the body is in.
  std::optional<response> admit(const request& r);

  // For the WebSocket session (also on request workers).
  // Tokens are remembered for a few seconds, so most requests cost no database round trip
  // for authentication; logout forgets at once on this node (on others within the TTL).
  std::optional<storage::user_record> user_for_token(const std::string& token);
  // user_for_token, refused with 429 before the database is asked once the caller's address
  // sent too many tokens that named nobody (each costs a lookup); else 401 for a bad token.
  std::optional<response> authenticate(const std::string& token, const request& r, std::optional<storage::user_record>& user);
  void forget_token(const std::string& token);
  // The course as a client sees it, owner-scoped; nullopt when not found.
  std::optional<nlohmann::json> course_snapshot(const std::string& owner_id, const std::string& course_id);
  std::vector<storage::event_record> events_after(const std::string& course_id, long long since, int limit);

  api_deps& deps() { return deps_; }
  // The key of signed file links, shared by every node (stored once in PostgreSQL).
  std::string signing_key();
  request_metrics& metrics() { return metrics_; }
  // `scope` names the throttle (auth, upload, generate, read, write; "" = by method; "none").
  void add(std::string method, std::string pattern, bool needs_user, route_handler h, std::string scope = "",
           route_precheck precheck = {});
  // 429 with Retry-After when `scope` is over its rate for `key`. handle() checks every route;
  // routes with finer keys (login per account) call it themselves.
  std::optional<response> check_rate(const std::string& scope, const std::string& key, const request& r);
  // 429 with Retry-After `seconds`.
  response throttled(double seconds, const request& r);
  // Paths and methods of every route, for the OpenAPI document.
  std::vector<std::pair<std::string, std::string>> route_list() const;

 private:
  struct route;
  struct match;
  std::optional<match> find_route(const request& r, response& no_route) const;
  // The token's user for a route that needs one, and the throttle (taken with `take`); an
  // answer refuses.
  std::optional<response> caller(const route& rt, const request& r, call& c, bool take);
  // handle() once the body is in; admit() before it, where the throttle is looked at, not
  // taken, and the route's precheck stands in for its handler (nullopt lets it through).
  std::optional<response> answer(const request& r, bool body_in, const responder* reply = nullptr);
  // The token's user if this node looked it up lately; no database round trip.
  std::optional<storage::user_record> known_user(const std::string& token);
  struct token_cache;
  api_deps deps_;
  std::vector<route> routes_;
  std::unique_ptr<token_cache> tokens_;
  rate_limiter limiter_;
  request_metrics metrics_;
  std::mutex key_mu_;
  std::string signing_key_;
};

// Responses shared by the route files.
response json_response(int status, const nlohmann::json& body);
response error_response(int status, const std::string& code, const std::string& message, const request& r);
response error_response(const error& e, const request& r);
// Parses a JSON object body; nullopt (with `err` set) on malformed or non-object bodies.
std::optional<nlohmann::json> parse_object(const request& r, response& err);

void add_account_routes(api& a);
void add_course_routes(api& a);
void add_job_routes(api& a);
void add_ops_routes(api& a);
void add_admin_routes(api& a);

}  // namespace sf::http
