#include "http/connection_counter.hpp"

namespace sf::http {

bool connection_counter::try_acquire(const std::string& user) {
  std::lock_guard lock(mu_);
  auto& n = open_[user];
  if (n >= limit_) {
    if (n == 0) open_.erase(user);
    return false;
  }
  ++n;
  return true;
}

void connection_counter::release(const std::string& user) {
  std::lock_guard lock(mu_);
  auto it = open_.find(user);
  if (it == open_.end()) return;
  if (--it->second <= 0) open_.erase(it);  // users without connections take no memory
}

int connection_counter::held(const std::string& user) const {
  std::lock_guard lock(mu_);
  auto it = open_.find(user);
  return it == open_.end() ? 0 : it->second;
}

}  // namespace sf::http
