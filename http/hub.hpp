#pragma once
// Fan-out of course events to this node's WebSocket sessions. Events arrive from NATS (from
// any node), are parsed once, and handed to subscribers as one shared string.
//
// Sessions live on shards (one I/O thread each). Events for a shard wait in its queue, and one
// closure at a time drains that queue: it hands each event to that shard's subscribers, then
// tells each subscriber to flush. So the events that piled up while a shard was busy reach a
// subscriber in one write, instead of one write (and one system call) per event.
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
  // Called on the sink's shard thread, in the order events arrived from NATS. The sink queues
  // the event; it need not write it before flush().
  virtual void on_event(const std::string& course_id, long long seq, const std::shared_ptr<const std::string>& msg) = 0;
  // After a drain's events: write what on_event queued. Called once per event the sink got in
  // the drain, so it must be cheap when there is nothing to do.
  virtual void flush() = 0;
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
  struct pending {
    std::vector<std::shared_ptr<event_sink>> sinks;
    std::shared_ptr<const std::string> course_id;
    long long seq;
    std::shared_ptr<const std::string> msg;
  };
  struct shard_queue {
    std::mutex mu;
    std::vector<pending> events;
    bool draining = false;  // a drain is posted or running
  };
  static void drain(shard_queue& q);

  mutable std::mutex mu_;
  dispatcher dispatch_;
  std::vector<std::shared_ptr<shard_queue>> queues_;  // by shard
  std::map<std::string, std::map<const event_sink*, std::weak_ptr<event_sink>>> subs_;
};

}  // namespace sf::http
