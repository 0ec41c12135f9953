#include "http/event_sequencer.hpp"

namespace sf::http {

std::vector<event_sequencer::item> event_sequencer::start(long long last, std::vector<item> replay, bool partial) {
  started_ = true;
  last_ = last;
  return on_replay(std::move(replay), partial);
}

std::vector<event_sequencer::item> event_sequencer::on_live(item e) {
  if (started_ && e.seq <= last_) return {};
  if (started_ && buffer_.empty() && e.seq == last_ + 1) {  // the usual case: next in order
    last_ = e.seq;
    return {std::move(e)};
  }
  buffer_.emplace(e.seq, std::move(e.msg));
  return started_ ? drain() : std::vector<item>{};
}

std::vector<event_sequencer::item> event_sequencer::on_replay(std::vector<item> replay, bool partial) {
  replay_in_flight_ = false;
  log_ahead_ = partial;
  for (auto& e : replay)
    if (e.seq > last_) buffer_.emplace(e.seq, std::move(e.msg));
  return drain();
}

std::vector<event_sequencer::item> event_sequencer::drain() {
  std::vector<item> out;
  while (!buffer_.empty() && buffer_.begin()->first <= last_) buffer_.erase(buffer_.begin());
  while (!buffer_.empty() && buffer_.begin()->first == last_ + 1) {
    out.push_back({buffer_.begin()->first, std::move(buffer_.begin()->second)});
    buffer_.erase(buffer_.begin());
    ++last_;
  }
  return out;
}

}  // namespace sf::http
