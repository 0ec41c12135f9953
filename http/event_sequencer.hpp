#pragma once
// Per subscription: turns live events (which may arrive out of order or not at all, since
// nodes publish after their own commits) plus replays from the event log into one stream in
// `seq` order with no gap and no duplicate.
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sf::http {

class event_sequencer {
 public:
  struct item {
    long long seq = 0;
    std::shared_ptr<const std::string> msg;
  };

  // Until started, live events are buffered. `last` is the last seq the client has.
  std::vector<item> start(long long last, std::vector<item> replay);
  std::vector<item> on_live(item e);
  std::vector<item> on_replay(std::vector<item> replay);

  // A gap is open and no replay is in flight: ask the log for events after last().
  bool wants_replay() const { return started_ && !replay_in_flight_ && !buffer_.empty(); }
  void replay_requested() { replay_in_flight_ = true; }
  long long last() const { return last_; }
  std::size_t buffered() const { return buffer_.size(); }

 private:
  std::vector<item> drain();

  bool started_ = false;
  bool replay_in_flight_ = false;
  long long last_ = 0;
  std::map<long long, std::shared_ptr<const std::string>> buffer_;
};

}  // namespace sf::http
