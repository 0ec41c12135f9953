#pragma once
// Open WebSocket connections per user, capped: one account cannot hold the node's sockets.
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace sf::http {

class connection_counter {
 public:
  explicit connection_counter(int limit) : limit_(limit) {}

  // False when `user` already holds `limit` connections; otherwise counts one more.
  bool try_acquire(const std::string& user);
  void release(const std::string& user);
  int held(const std::string& user) const;

 private:
  int limit_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, int> open_;
};

}  // namespace sf::http
