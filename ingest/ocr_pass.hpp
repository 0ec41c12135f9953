#pragma once
// OCR of some pages by a few threads at once, each with its own engine: one thread reads a
// page's layout, then every thread recognises its regions (see region_board). A page is then
// read in about its time divided by the threads, instead of whole pages going to threads and
// the last, longest page keeping one thread busy while the others wait.
#include <functional>
#include <optional>
#include <vector>

#include "ingest/ocr.hpp"
#include "ingest/region_board.hpp"

namespace sf::ingest {

class ocr_pass {
 public:
  // Page `i`'s pixels; nullopt when it cannot be rendered.
  using render_fn = std::function<std::optional<page_pixels>(std::size_t)>;
  // Page `i` is done: its text, and whether it was rendered. Called once per page, on the
  // thread that read its last region.
  using finished_fn = std::function<void(std::size_t, ocr_text, bool)>;

  explicit ocr_pass(std::size_t pages, int max_lines_per_region = 8) : board_(pages), pages_(pages), max_lines_(max_lines_per_region) {}

  // One thread's share: returns when every page is done, or when `stopped()`.
  void work(ocr_engine& engine, const render_fn& render, const finished_fn& finished, const std::function<bool()>& stopped);

 private:
  struct page {
    page_pixels pixels;
    std::vector<ocr_region> regions;
    std::vector<region_text> texts;
  };
  void finish(std::size_t i, const finished_fn& finished);

  region_board board_;
  std::vector<page> pages_;
  int max_lines_;
};

// Runs `body(thread index)` on `threads` threads (the caller's among them) and waits for all.
void on_threads(int threads, const std::function<void(int)>& body);

}  // namespace sf::ingest
