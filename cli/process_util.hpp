#pragma once
// Running other programs without a shell (no quoting, no injection).
#include <string>
#include <vector>

namespace sf::cli {

struct command_result {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

command_result run_command(const std::vector<std::string>& argv);
// Starts `argv` in its own session, detached from us, output appended to `log_file`.
// Returns 0 once it is started (servers report their own pid through a pid file), or -1.
int spawn_detached(const std::vector<std::string>& argv, const std::string& log_file);
bool process_alive(int pid);
std::string find_program(const std::vector<std::string>& candidates);

}  // namespace sf::cli
