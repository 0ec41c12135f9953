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

  // Until started, live events are buffered. `last` is the last seq the client has. A replay
  // read from the log is `partial` when the log holds more after it (a full batch came back).
  std::vector<item> start(long long last, std::vector<item> replay, bool partial = false);
  std::vector<item> on_live(item e);
  std::vector<item> on_replay(std::vector<item> replay, bool partial = false);
  // The log could not be read: the replay is asked for again later, not at once.
  void replay_failed() { replay_in_flight_ = false; }

  // A gap is open, or the log holds more than was replayed, and no replay is in flight: ask
  // the log for events after last().
  bool wants_replay() const { return started_ && !replay_in_flight_ && (!buffer_.empty() || log_ahead_); }
  void replay_requested() { replay_in_flight_ = true; }
  long long last() const { return last_; }
  std::size_t buffered() const { return buffer_.size(); }

 private:
  std::vector<item> drain();

  bool started_ = false;
  bool replay_in_flight_ = false;
  bool log_ahead_ = false;
  long long last_ = 0;
  std::map<long long, std::shared_ptr<const std::string>> buffer_;
};

}  // namespace sf::http
