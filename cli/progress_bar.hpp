#pragma once
// A one-line progress display: redrawn in place on a terminal, one line per step otherwise.
#include <cstdio>
#include <string>

namespace sf::cli {

class progress_bar {
 public:
  explicit progress_bar(std::FILE* out);
  void update(int percent, const std::string& step);
  void finish(const std::string& last_line);

 private:
  std::FILE* out_;
  bool tty_;
  int percent_ = -1;
  std::string step_;
};

}  // namespace sf::cli
