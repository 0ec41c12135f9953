#pragma once
// Running other programs without a shell (no quoting, no injection), with a time limit.
#include <chrono>
#include <string>
#include <vector>

namespace sf::proc {

struct outcome {
  int exit_code = -1;      // -1 when it could not start, was killed, or ran out of time
  bool timed_out = false;
  std::string out;         // standard output
  std::string err;         // standard error
};

// `max_output` bounds what is kept of each stream; the rest is read and dropped.
outcome run(const std::vector<std::string>& argv, std::chrono::milliseconds limit = std::chrono::minutes(10),
            std::size_t max_output = 64u << 20);

// Starts `argv` in its own session, detached from us, output appended to `log_file`.
// Returns 0 once started (servers report their pid through a pid file), or -1.
int spawn_detached(const std::vector<std::string>& argv, const std::string& log_file);
bool alive(int pid);
// The first of `names` found on PATH (or given as a path), or empty.
std::string find_program(const std::vector<std::string>& names);

}  // namespace sf::proc
