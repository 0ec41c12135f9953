#include "ingest/ocr_pass.hpp"

#include <thread>

namespace sf::ingest {

void ocr_pass::work(ocr_engine& engine, const render_fn& render, const finished_fn& finished,
                    const std::function<bool()>& stopped) {
  while (auto task = board_.next(stopped)) {
    auto& p = pages_[task->page];
    if (task->region) {
      p.texts[*task->region] = engine.recognize(p.pixels.image, p.regions[*task->region]);
      if (board_.region_done(task->page)) finish(task->page, finished);
      continue;
    }
    auto pixels = render(task->page);
    if (!pixels) {
      if (board_.split(task->page, 0)) finished(task->page, {}, false);
      continue;
    }
    p.pixels = std::move(*pixels);
    p.regions = engine.regions(p.pixels.image, max_lines_);
    p.texts.assign(p.regions.size(), {});
    // Everything above happens before split() hands the regions to other threads.
    if (board_.split(task->page, p.regions.size())) finish(task->page, finished);
  }
}

void ocr_pass::finish(std::size_t i, const finished_fn& finished) {
  auto& p = pages_[i];
  auto text = join_regions(p.regions, p.texts);
  p = page{};  // the pixels go as soon as the page is read
  finished(i, std::move(text), true);
}

void on_threads(int threads, const std::function<void(int)>& body) {
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(body, t);
  try {
    body(0);
  } catch (...) {
    for (auto& t : pool) t.join();
    throw;
  }
  for (auto& t : pool) t.join();
}

}  // namespace sf::ingest
