#include "http/connection_counter.hpp"

namespace sf::http {

connection_counter::slot& connection_counter::slot::operator=(slot&& o) noexcept {
  if (this != &o) {
    if (counter_) counter_->release(key_);
    counter_ = o.counter_;
    key_ = std::move(o.key_);
    o.counter_ = nullptr;
  }
  return *this;
}

connection_counter::slot::~slot() {
  if (counter_) counter_->release(key_);
}

std::optional<connection_counter::slot> connection_counter::take(const std::string& key) {
  std::lock_guard lock(mu_);
  auto& n = open_[key];
  if (n >= limit_) {
    if (n == 0) open_.erase(key);
    return std::nullopt;
  }
  ++n;
  return slot(this, key);
}

void connection_counter::release(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = open_.find(key);
  if (it == open_.end()) return;
  if (--it->second <= 0) open_.erase(it);  // keys without connections take no memory
}

int connection_counter::held(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = open_.find(key);
  return it == open_.end() ? 0 : it->second;
}

}  // namespace sf::http
