#pragma once
// Work shared by a few threads: pages that, once one thread has read their layout, split into
// text regions any thread may recognise. Threads take regions before new pages, so open pages
// finish early and few are held in memory at once; and a long page (or a lone image) is shared
// by every thread instead of one thread reading it while the others idle.
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

namespace sf::ingest {

class region_board {
 public:
  struct task {
    std::size_t page = 0;
    std::optional<std::size_t> region;  // none: read the page and split it
  };

  explicit region_board(std::size_t pages) : pages_(pages) {}

  // The next task. Waits while every page is taken and none has a region left to hand out;
  // none once every page is finished, or once `stopped()` (asked at least every 50 ms).
  std::optional<task> next(const std::function<bool()>& stopped);
  // The page was read into `regions` regions; true when that finishes it (no region at all).
  bool split(std::size_t page, std::size_t regions);
  // One of the page's regions is done; true when it was the page's last.
  bool region_done(std::size_t page);

 private:
  struct open_page {
    std::size_t page;
    std::size_t regions;
    std::size_t handed_out = 0;
    std::size_t left;  // regions not yet done
  };
  void finish_one();  // with mu_ held

  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t pages_;
  std::size_t next_page_ = 0;
  std::size_t finished_ = 0;
  std::vector<open_page> open_;  // in the order they were split
};

}  // namespace sf::ingest
