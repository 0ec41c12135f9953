// libFuzzer: the WebSocket frame reader, the message handler's parsing and the event sequencer
// it feeds.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/event_sequencer.hpp"
#include "http/ws_frames.hpp"
#include "http/ws_protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  (void)sf::http::ws::parse(input);
  // The bytes as frames from a client, arriving in two reads split where the first byte says.
  {
    sf::http::ws::frame_reader reader(1024);
    std::vector<sf::http::ws::client_frame> frames;
    std::size_t cut = size > 0 ? data[0] % (size + 1) : 0;
    reader.feed(std::string_view(input).substr(0, cut), frames);
    reader.feed(std::string_view(input).substr(cut), frames);
    for (const auto& f : frames) {
      if (f.what == sf::http::ws::client_frame::kind::message && f.payload.size() > 1024) __builtin_trap();
      if (f.what == sf::http::ws::client_frame::kind::message) (void)sf::http::ws::parse(f.payload);
    }
  }
  // The bytes also drive a sequencer: live events, replays and the start in any order.
  sf::http::event_sequencer seq;
  auto msg = std::make_shared<const std::string>("e");
  for (std::size_t i = 0; i + 1 < size; i += 2) {
    long long n = data[i + 1] % 64;
    // What comes out is always the next seq after the last one out: no gap, no duplicate.
    auto expect_next = [&](long long before, const std::vector<sf::http::event_sequencer::item>& out) {
      for (const auto& e : out)
        if (e.seq != ++before) __builtin_trap();
    };
    long long before = seq.last();
    switch (data[i] % 6) {
      case 0: expect_next(before, seq.on_live({n, msg})); break;
      case 1: expect_next(before, seq.on_replay({{n, msg}, {n + 1, msg}}, data[i] & 8)); break;
      case 2: seq.start(n, {}, data[i] & 8); break;
      case 3:
        if (seq.wants_replay()) seq.replay_requested();
        break;
      case 4: seq.replay_failed(); break;
      case 5: expect_next(before, seq.on_replay({})); break;
    }
  }
  return 0;
}
