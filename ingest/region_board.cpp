#include "ingest/region_board.hpp"

#include <algorithm>
#include <chrono>

namespace sf::ingest {

std::optional<region_board::task> region_board::next(const std::function<bool()>& stopped) {
  std::unique_lock lock(mu_);
  for (;;) {
    if (stopped && stopped()) return std::nullopt;
    for (auto& p : open_)
      if (p.handed_out < p.regions) return task{p.page, p.handed_out++};
    if (next_page_ < pages_) return task{next_page_++, std::nullopt};
    if (finished_ == pages_) return std::nullopt;
    cv_.wait_for(lock, std::chrono::milliseconds(50));
  }
}

void region_board::finish_one() {
  ++finished_;
  if (finished_ == pages_) cv_.notify_all();
}

bool region_board::split(std::size_t page, std::size_t regions) {
  std::lock_guard lock(mu_);
  if (regions == 0) {
    finish_one();
    return true;
  }
  open_.push_back({page, regions, 0, regions});
  cv_.notify_all();
  return false;
}

bool region_board::region_done(std::size_t page) {
  std::lock_guard lock(mu_);
  auto it = std::find_if(open_.begin(), open_.end(), [&](const open_page& p) { return p.page == page; });
  if (it == open_.end() || --it->left > 0) return false;
  open_.erase(it);
  finish_one();
  return true;
}

}  // namespace sf::ingest
