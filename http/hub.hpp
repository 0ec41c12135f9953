#pragma once
// Fan-out of course events to this node's WebSocket sessions. Events arrive from NATS (from
// any node), are parsed once, and handed to subscribers as one shared string.
//
// Sessions live on shards (one I/O thread each). Events for a shard wait in its queue, and one
// closure at a time drains that queue: it hands events to that shard's subscribers, which
// queue them, and puts each subscriber that now has something to write at the back of the
// shard's line of subscribers due a flush. Then it flushes a turn's worth from the front of
// that line and posts itself again, so the shard's other I/O runs in between. Hand-outs are
// bounded per turn as well, so a pile of events does not make one long turn either.
//
// A flush writes everything its subscriber has queued: events that arrive while the line is
// being worked through join the writes of subscribers still waiting in it. So a subscriber is
// written to at most once per sweep of the line, and an event waits at most about one sweep
// (writing to 5,000 loopback sockets takes tens of milliseconds here), not for the end of a
// sweep and then its own.
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
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
  // Write everything on_event queued. Called once for any number of events since the last time.
  virtual void flush() = 0;
};

class hub {
 public:
  // Flushes and event hand-outs per turn of a shard's drain: small enough that other I/O on the
  // shard waits at most a few milliseconds behind a fan-out.
  struct turn {
    std::size_t flushes = 128;
    std::size_t handouts = 4096;
  };
  hub() : hub(turn{}) {}
  explicit hub(turn t);

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
    std::size_t shard;
    dispatcher dispatch;
    turn limits;
    std::mutex mu;
    std::vector<pending> events;  // arrived, not yet taken by the drain
    bool draining = false;        // a drain is posted or running
    // Only touched by the drain, on the shard's thread:
    std::deque<pending> backlog;  // taken, being handed out
    std::size_t handed = 0;       // sinks of backlog.front() that have it
    std::deque<std::shared_ptr<event_sink>> due;
    std::unordered_set<const event_sink*> in_line;  // those in `due`
  };
  static void drain(const std::shared_ptr<shard_queue>& q);
  static void hand_out(shard_queue& q);

  const turn turn_;
  mutable std::mutex mu_;
  dispatcher dispatch_;
  std::vector<std::shared_ptr<shard_queue>> queues_;  // by shard
  std::map<std::string, std::map<const event_sink*, std::weak_ptr<event_sink>>> subs_;
};

}  // namespace sf::http
