#include "cli/progress_bar.hpp"

#include <unistd.h>

#include <algorithm>

namespace sf::cli {

progress_bar::progress_bar(std::FILE* out) : out_(out), tty_(isatty(fileno(out)) != 0) {}

void progress_bar::update(int percent, const std::string& step) {
  percent = std::clamp(percent, 0, 100);
  if (percent == percent_ && step == step_) return;
  bool new_step = step != step_;
  percent_ = percent;
  step_ = step;
  constexpr int width = 30;
  int filled = percent * width / 100;
  std::string bar(1, '[');
  bar.append(static_cast<std::size_t>(filled), '#').append(static_cast<std::size_t>(width - filled), '-') += ']';
  std::string shown = step.size() > 60 ? step.substr(0, 57) + "..." : step;
  if (tty_) {
    std::fprintf(out_, "\r\033[K%s %3d%%  %s", bar.c_str(), percent, shown.c_str());
    std::fflush(out_);
  } else if (new_step) {
    std::fprintf(out_, "%s %3d%%  %s\n", bar.c_str(), percent, shown.c_str());
  }
}

void progress_bar::finish(const std::string& last_line) {
  if (tty_) std::fprintf(out_, "\r\033[K");
  std::fprintf(out_, "%s\n", last_line.c_str());
  std::fflush(out_);
}

}  // namespace sf::cli
