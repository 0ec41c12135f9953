#pragma once
// What a WebSocket client may send (docs/api.md), parsed without any I/O.
#include <optional>
#include <string>
#include <variant>

namespace sf::http::ws {

struct subscribe {
  std::string course_id;
  std::optional<long long> since;
};
struct unsubscribe {
  std::string course_id;
};
struct ping {};
struct bad {
  std::string code;
  std::string message;
};
using client_message = std::variant<subscribe, unsubscribe, ping, bad>;

client_message parse(const std::string& text);

std::string error_message(const std::string& code, const std::string& message);
std::string pong_message();

}  // namespace sf::http::ws
