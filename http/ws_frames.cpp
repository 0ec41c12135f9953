#include "http/ws_frames.hpp"

#include <openssl/sha.h>
#include <sodium.h>

#include "common/utf8.hpp"

namespace sf::http::ws {

frame_header header_for(opcode op, std::size_t payload_size) {
  frame_header h;
  h.bytes[0] = static_cast<unsigned char>(0x80 | static_cast<unsigned>(op));  // FIN: never fragmented
  if (payload_size < 126) {
    h.bytes[1] = static_cast<unsigned char>(payload_size);
    h.size = 2;
  } else if (payload_size <= 0xFFFF) {
    h.bytes[1] = 126;
    h.bytes[2] = static_cast<unsigned char>(payload_size >> 8);
    h.bytes[3] = static_cast<unsigned char>(payload_size);
    h.size = 4;
  } else {
    h.bytes[1] = 127;
    for (int i = 0; i < 8; ++i) h.bytes[2 + i] = static_cast<unsigned char>(static_cast<std::uint64_t>(payload_size) >> (56 - 8 * i));
    h.size = 10;
  }
  return h;
}

std::string accept_key(std::string_view client_key) {
  static constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";  // RFC 6455, 1.3
  std::string keyed(client_key);
  keyed += guid;
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(keyed.data()), keyed.size(), digest);
  char out[sodium_base64_ENCODED_LEN(SHA_DIGEST_LENGTH, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(out, sizeof out, digest, sizeof digest, sodium_base64_VARIANT_ORIGINAL);
  return out;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::string out;
  out += static_cast<char>(code >> 8);
  out += static_cast<char>(code & 0xFF);
  out += reason.substr(0, 123);  // a control frame carries at most 125 bytes
  return out;
}

void frame_reader::feed(std::string_view bytes, std::vector<client_frame>& out) {
  if (done_) return;
  pending_.append(bytes);
  while (parse_one(out)) {
  }
  // An idle connection keeps no buffer a large message once needed.
  if (pending_.empty() && pending_.capacity() > 4096) std::string().swap(pending_);
}

bool frame_reader::violate(std::uint16_t code, std::string reason, std::vector<client_frame>& out) {
  out.push_back({client_frame::kind::violation, std::move(reason), code});
  done_ = true;
  pending_.clear();
  message_.clear();
  return false;
}

bool frame_reader::parse_one(std::vector<client_frame>& out) {
  if (done_ || pending_.size() < 2) return false;
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(pending_[i]); };
  bool fin = byte(0) & 0x80;
  unsigned op = byte(0) & 0x0F;
  if (byte(0) & 0x70) return violate(close_code::protocol_error, "reserved bits set", out);
  if (!(byte(1) & 0x80)) return violate(close_code::protocol_error, "client frames must be masked", out);
  std::uint64_t length = byte(1) & 0x7F;
  std::size_t at = 2;
  if (length == 126) {
    if (pending_.size() < 4) return false;
    length = (std::uint64_t{byte(2)} << 8) | byte(3);
    at = 4;
  } else if (length == 127) {
    if (pending_.size() < 10) return false;
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | byte(2 + static_cast<std::size_t>(i));
    at = 10;
  }
  bool control = op >= 8;
  if (control) {
    if (op > 10) return violate(close_code::protocol_error, "unknown opcode", out);
    if (!fin || length > 125) return violate(close_code::protocol_error, "control frames are short and whole", out);
  } else {
    if (op > 2) return violate(close_code::protocol_error, "unknown opcode", out);
    if ((op == 0) != in_message_)
      return violate(close_code::protocol_error, in_message_ ? "a new message inside a fragmented one" : "continuation of nothing", out);
    // Checked before the payload arrives: a huge frame is refused from its header.
    if (length > max_message_ - std::min(max_message_, message_.size()))
      return violate(close_code::too_big, "message too big", out);
  }
  if (pending_.size() < at + 4 + length) return false;
  const unsigned char* mask = reinterpret_cast<const unsigned char*>(pending_.data()) + at;
  std::string payload = pending_.substr(at + 4, static_cast<std::size_t>(length));
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(payload[i] ^ mask[i % 4]);
  pending_.erase(0, at + 4 + static_cast<std::size_t>(length));

  switch (static_cast<opcode>(op)) {
    case opcode::ping: out.push_back({client_frame::kind::ping, std::move(payload), 0}); return true;
    case opcode::pong: out.push_back({client_frame::kind::pong, std::move(payload), 0}); return true;
    case opcode::close: {
      if (payload.size() == 1) return violate(close_code::protocol_error, "a close code is two bytes", out);
      std::uint16_t code = payload.size() >= 2 ? static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                                                            static_cast<unsigned char>(payload[1]))
                                               : 0;
      // Codes a peer may send (RFC 6455 7.4); 1005, 1006 and 1015 only ever describe a closure.
      bool sendable = code == 0 || (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
                      (code >= 3000 && code <= 4999);
      if (!sendable) return violate(close_code::protocol_error, "invalid close code", out);
      std::string reason = payload.size() > 2 ? payload.substr(2) : std::string();
      if (!utf8::valid(reason)) return violate(close_code::bad_payload, "close reason is not UTF-8", out);
      out.push_back({client_frame::kind::close, std::move(reason), code});
      done_ = true;
      return false;
    }
    default: break;
  }
  if (op != 0) {
    in_message_ = true;
    message_is_text_ = op == 1;
  }
  message_ += payload;
  if (!fin) return true;
  in_message_ = false;
  if (message_is_text_ && !utf8::valid(message_)) return violate(close_code::bad_payload, "text is not UTF-8", out);
  out.push_back({client_frame::kind::message, std::move(message_), 0});
  message_.clear();
  return true;
}

}  // namespace sf::http::ws
