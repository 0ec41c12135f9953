// WebSocket framing against RFC 6455's own examples and the ways a client can break it.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "http/ws_frames.hpp"

using namespace sf::http::ws;

namespace {

// A client frame: masked with `key`, as every client frame must be.
std::string client_frame_bytes(unsigned first_byte, const std::string& payload, bool masked = true,
                               std::string key = std::string("\x37\xfa\x21\x3d", 4)) {
  std::string f;
  f += static_cast<char>(first_byte);
  unsigned char mask_bit = masked ? 0x80 : 0;
  if (payload.size() < 126) {
    f += static_cast<char>(mask_bit | payload.size());
  } else if (payload.size() <= 0xFFFF) {
    f += static_cast<char>(mask_bit | 126);
    f += static_cast<char>(payload.size() >> 8);
    f += static_cast<char>(payload.size() & 0xFF);
  } else {
    f += static_cast<char>(mask_bit | 127);
    for (int i = 7; i >= 0; --i) f += static_cast<char>((static_cast<std::uint64_t>(payload.size()) >> (8 * i)) & 0xFF);
  }
  if (!masked) return f + payload;
  f += key;
  for (std::size_t i = 0; i < payload.size(); ++i) f += static_cast<char>(payload[i] ^ key[i % 4]);
  return f;
}

std::vector<client_frame> read_all(frame_reader& r, const std::string& bytes, std::size_t piece = 0) {
  std::vector<client_frame> out;
  if (piece == 0) piece = bytes.size();
  for (std::size_t i = 0; i < bytes.size(); i += piece) r.feed(std::string_view(bytes).substr(i, piece), out);
  return out;
}

}  // namespace

TEST_CASE("the handshake answer is the RFC's example") {
  CHECK(accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST_CASE("server frame headers use the shortest length form") {
  auto small = header_for(opcode::text, 5);
  REQUIRE(small.size == 2);
  CHECK(small.bytes[0] == 0x81);
  CHECK(small.bytes[1] == 5);
  auto medium = header_for(opcode::text, 300);
  REQUIRE(medium.size == 4);
  CHECK((medium.bytes[1] == 126 && medium.bytes[2] == 1 && medium.bytes[3] == 44));
  auto large = header_for(opcode::binary, 70000);
  REQUIRE(large.size == 10);
  CHECK((large.bytes[0] == 0x82 && large.bytes[1] == 127 && large.bytes[7] == 1 && large.bytes[8] == 0x11 && large.bytes[9] == 0x70));
  CHECK(close_payload(1008, "too many messages") == std::string("\x03\xf0too many messages", 19));
  CHECK(close_payload(1000, std::string(300, 'x')).size() == 125);
}

TEST_CASE("masked messages, fragments and control frames in between are read, in any pieces") {
  std::string bytes = client_frame_bytes(0x81, "Hello") +             // RFC 6455 5.7: a masked "Hello"
                      client_frame_bytes(0x01, "{\"op\":") +          // a fragmented message...
                      client_frame_bytes(0x89, "are you there") +     // ...with a ping in between...
                      client_frame_bytes(0x80, "\"ping\"}") +         // ...and its end
                      client_frame_bytes(0x8A, "") +                  // an unasked pong
                      client_frame_bytes(0x81, std::string(1000, 'a'));  // a 16-bit length
  CHECK(client_frame_bytes(0x81, "Hello") == std::string("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11));
  for (std::size_t piece : {0, 1, 3, 7}) {
    INFO("pieces of " << piece);
    frame_reader r(64 * 1024);
    auto got = read_all(r, bytes, piece);
    REQUIRE(got.size() == 5);
    CHECK((got[0].what == client_frame::kind::message && got[0].payload == "Hello"));
    CHECK((got[1].what == client_frame::kind::ping && got[1].payload == "are you there"));
    CHECK((got[2].what == client_frame::kind::message && got[2].payload == "{\"op\":\"ping\"}"));
    CHECK(got[3].what == client_frame::kind::pong);
    CHECK((got[4].what == client_frame::kind::message && got[4].payload == std::string(1000, 'a')));
  }
}

TEST_CASE("a close is read with its code, and nothing after it") {
  frame_reader r(1024);
  auto got = read_all(r, client_frame_bytes(0x88, std::string("\x03\xe8" "bye", 5)) + client_frame_bytes(0x81, "late"));
  REQUIRE(got.size() == 1);
  CHECK(got[0].what == client_frame::kind::close);
  CHECK(got[0].code == 1000);
  CHECK(got[0].payload == "bye");
  frame_reader bare(1024);
  auto empty_close = read_all(bare, client_frame_bytes(0x88, ""));
  REQUIRE(empty_close.size() == 1);
  CHECK(empty_close[0].code == 0);
}

TEST_CASE("broken framing ends the connection with the right close code") {
  struct bad_case {
    const char* what;
    std::string bytes;
    std::uint16_t code;
  };
  std::vector<bad_case> cases{
      {"unmasked", client_frame_bytes(0x81, "hi", false), close_code::protocol_error},
      {"reserved bit", client_frame_bytes(0xC1, "hi"), close_code::protocol_error},
      {"unknown opcode", client_frame_bytes(0x83, "hi"), close_code::protocol_error},
      {"unknown control opcode", client_frame_bytes(0x8B, ""), close_code::protocol_error},
      {"fragmented ping", client_frame_bytes(0x09, "x"), close_code::protocol_error},
      {"long ping", client_frame_bytes(0x89, std::string(126, 'x')), close_code::protocol_error},
      {"continuation of nothing", client_frame_bytes(0x80, "x"), close_code::protocol_error},
      {"new message inside one", client_frame_bytes(0x01, "a") + client_frame_bytes(0x81, "b"), close_code::protocol_error},
      {"one-byte close code", client_frame_bytes(0x88, "x"), close_code::protocol_error},
      {"close code only for describing a closure", client_frame_bytes(0x88, std::string("\x03\xee", 2)), close_code::protocol_error},
      {"close code out of range", client_frame_bytes(0x88, std::string("\x13\x88", 2)), close_code::protocol_error},
      {"close reason not UTF-8", client_frame_bytes(0x88, std::string("\x03\xe8\xff", 3)), close_code::bad_payload},
      {"invalid UTF-8", client_frame_bytes(0x81, "\xff\xfe"), close_code::bad_payload},
      {"too big in one frame", client_frame_bytes(0x81, std::string(2000, 'x')), close_code::too_big},
      {"too big in fragments", client_frame_bytes(0x01, std::string(600, 'x')) + client_frame_bytes(0x80, std::string(600, 'x')),
       close_code::too_big},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    frame_reader r(1024);
    auto got = read_all(r, c.bytes + client_frame_bytes(0x81, "after"));
    REQUIRE(got.size() == 1);
    CHECK(got[0].what == client_frame::kind::violation);
    CHECK(got[0].code == c.code);
  }
  // A huge frame is refused from its header, before its payload is awaited.
  frame_reader r(1024);
  std::string header = client_frame_bytes(0x81, std::string(70000, 'x')).substr(0, 14);
  auto got = read_all(r, header);
  REQUIRE(got.size() == 1);
  CHECK(got[0].code == close_code::too_big);
}
