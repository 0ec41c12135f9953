#pragma once
// Fan-out of course events to this node's WebSocket sessions. Events arrive from NATS (from
// any node), are parsed once, and handed to each subscriber as one shared string.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sf::http {

class event_sink {
 public:
  virtual ~event_sink() = default;
  // Called on a NATS thread: must only hand off (post to the session's strand).
  virtual void on_event(const std::string& course_id, long long seq, std::shared_ptr<const std::string> msg) = 0;
};

class hub {
 public:
  void subscribe(const std::string& course_id, const std::shared_ptr<event_sink>& sink);
  void unsubscribe(const std::string& course_id, const event_sink* sink);
  // `payload` is an event message as published by pipeline::publish_events.
  void deliver(const std::string& payload);
  std::size_t subscriptions() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::vector<std::weak_ptr<event_sink>>> subs_;
};

}  // namespace sf::http
