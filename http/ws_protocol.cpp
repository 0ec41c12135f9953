#include "http/ws_protocol.hpp"

#include <nlohmann/json.hpp>

#include "common/ids.hpp"

namespace sf::http::ws {

client_message parse(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad{"invalid_json", "messages are JSON objects"};
  auto op = j.find("op");
  if (op == j.end() || !op->is_string()) return bad{"invalid_op", "op is required"};
  auto name = op->get<std::string>();
  if (name == "ping") return ping{};
  if (name != "subscribe" && name != "unsubscribe") return bad{"invalid_op", "unknown op"};
  auto course = j.find("course_id");
  if (course == j.end() || !course->is_string() || !is_uuid(course->get<std::string>()))
    return bad{"not_found", "no such course"};
  // Events carry ids as PostgreSQL writes them; a subscription must match them.
  auto id = canonical_uuid(course->get<std::string>());
  if (name == "unsubscribe") return unsubscribe{id};
  subscribe s{id, std::nullopt};
  if (auto since = j.find("since"); since != j.end() && !since->is_null()) {
    // Past 2^53 it is no event number (a JSON client cannot even hold it), and seq + 1 must not overflow.
    if (!since->is_number_integer() || since->get<long long>() < 0 || since->get<long long>() > (1LL << 53))
      return bad{"invalid_value", "since must be a non-negative integer"};
    s.since = since->get<long long>();
  }
  return s;
}

std::string error_message(const std::string& code, const std::string& message) {
  return nlohmann::json{{"type", "error"}, {"code", code}, {"message", message}}.dump();
}

std::string pong_message() { return R"({"type":"pong"})"; }

}  // namespace sf::http::ws
