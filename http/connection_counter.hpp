#pragma once
// Open connections per key (a user, an address), capped: one account or one host cannot hold
// all of the node's sockets.
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace sf::http {

class connection_counter {
 public:
  // One counted connection; gives its place back when destroyed. The counter must outlive it.
  class slot {
   public:
    slot(slot&& o) noexcept : counter_(o.counter_), key_(std::move(o.key_)) { o.counter_ = nullptr; }
    slot& operator=(slot&& o) noexcept;
    slot(const slot&) = delete;
    slot& operator=(const slot&) = delete;
    ~slot();

   private:
    friend class connection_counter;
    slot(connection_counter* c, std::string key) : counter_(c), key_(std::move(key)) {}
    connection_counter* counter_ = nullptr;
    std::string key_;
  };

  explicit connection_counter(int limit) : limit_(limit) {}

  // Nothing when `key` already holds `limit` connections.
  std::optional<slot> take(const std::string& key);
  int held(const std::string& key) const;

 private:
  void release(const std::string& key);

  int limit_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, int> open_;
};

}  // namespace sf::http
