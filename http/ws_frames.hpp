#pragma once
// The server's side of WebSocket framing (RFC 6455), without I/O: frames a client sent, read as
// bytes arrive, and the headers of frames we send. Our own rather than Beast's stream because a
// stream writes one message per write: with thousands of subscribers, a burst of events is then
// thousands of system calls per event, where our queue sends all that is waiting in one.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sf::http::ws {

enum class opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

// Close codes we send.
namespace close_code {
constexpr std::uint16_t normal = 1000;
constexpr std::uint16_t protocol_error = 1002;
constexpr std::uint16_t unsupported = 1003;
constexpr std::uint16_t bad_payload = 1007;
constexpr std::uint16_t policy = 1008;
constexpr std::uint16_t too_big = 1009;
}  // namespace close_code

// A server frame's header (servers never mask): 2, 4 or 10 bytes.
struct frame_header {
  std::array<unsigned char, 10> bytes{};
  std::size_t size = 0;
};
frame_header header_for(opcode op, std::size_t payload_size);

// The Sec-WebSocket-Accept answer to a client's Sec-WebSocket-Key.
std::string accept_key(std::string_view client_key);

// A close frame's payload: the code, then a reason cut to fit a control frame.
std::string close_payload(std::uint16_t code, std::string_view reason);

// What a client sent: a whole message, a control frame, or a violation that ends the connection
// with `code`.
struct client_frame {
  enum class kind { message, ping, pong, close, violation } what;
  std::string payload;     // message text, ping or pong data, or the close reason
  std::uint16_t code = 0;  // close: the client's code (0: none given); violation: ours to send
};

class frame_reader {
 public:
  // Messages (after reassembly of fragments) of more than `max_message` bytes are a violation.
  explicit frame_reader(std::size_t max_message) : max_message_(max_message) {}

  // Reads `bytes` and appends what they complete to `out`. After a violation or a close it reads
  // nothing more.
  void feed(std::string_view bytes, std::vector<client_frame>& out);

 private:
  bool parse_one(std::vector<client_frame>& out);  // false: needs more bytes, or finished
  bool violate(std::uint16_t code, std::string reason, std::vector<client_frame>& out);  // false

  std::size_t max_message_;
  std::string pending_;  // bytes of frames not yet whole
  std::string message_;  // a fragmented message so far
  bool in_message_ = false;
  bool message_is_text_ = false;
  bool done_ = false;
};

}  // namespace sf::http::ws
