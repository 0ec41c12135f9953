#pragma once
// Fan-out of course events to this node's WebSocket sessions. Events arrive from NATS (from
// any node), are parsed once, and handed to subscribers as one shared string.
//
// Sessions live on shards (one I/O thread each). For each event the hub hands every shard
// one closure that walks that shard's subscribers, instead of one hand-off per subscriber:
// with thousands of subscribers to a course the hand-offs, not the writes, were the cost.
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sf::http {

class event_sink {
 public:
  virtual ~event_sink() = default;
  // Sinks of one shard are only ever called on that shard's thread.
  virtual std::size_t shard() const = 0;
  // Called on the sink's shard thread, in the order events arrived from NATS.
  virtual void on_event(const std::string& course_id, long long seq, const std::shared_ptr<const std::string>& msg) = 0;
};

class hub {
 public:
  // Runs a closure on the thread of a shard; the I/O server installs one while it runs.
  using dispatcher = std::function<void(std::size_t shard, std::function<void()> fn)>;
  void set_dispatcher(dispatcher d);

  void subscribe(const std::string& course_id, const std::shared_ptr<event_sink>& sink);
  void unsubscribe(const std::string& course_id, const event_sink* sink);
  // `payload` is an event message as published by pipeline::publish_events. Without a
  // dispatcher (no server running) there is nobody to deliver to and it is dropped.
  void deliver(const std::string& payload);
  std::size_t subscriptions() const;

 private:
  mutable std::mutex mu_;
  dispatcher dispatch_;
  std::map<std::string, std::map<const event_sink*, std::weak_ptr<event_sink>>> subs_;
};

}  // namespace sf::http
