#pragma once
// CPU time of the processes a bench drives, read from /proc: unlike wall-clock throughput it
// hardly moves when other tenants share the machine.
#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace proc_stats {

// The fields of /proc/PID/stat after the command name, numbered as in proc(5) from 3.
inline std::vector<std::string> stat_fields(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> out;
  auto close = stat.rfind(')');
  if (close == std::string::npos) return out;
  std::istringstream fields(stat.substr(close + 2));
  for (std::string f; fields >> f;) out.push_back(f);
  return out;
}

inline double ticks(const std::vector<std::string>& f, std::size_t field) {
  return f.size() > field - 3 ? std::strtod(f[field - 3].c_str(), nullptr) : 0;
}

// User + system CPU seconds of a process so far (all its threads).
inline double cpu_seconds(int pid) {
  auto f = stat_fields(pid);
  return (ticks(f, 14) + ticks(f, 15)) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

inline int parent_of(int pid) { return static_cast<int>(ticks(stat_fields(pid), 4)); }

// CPU seconds of a process, its live children, and the children it has reaped: a
// PostgreSQL postmaster and its backends.
inline double cpu_seconds_with_children(int pid) {
  auto own = stat_fields(pid);
  double total = ticks(own, 14) + ticks(own, 15) + ticks(own, 16) + ticks(own, 17);
  if (DIR* d = ::opendir("/proc")) {
    while (auto* e = ::readdir(d)) {
      int child = std::atoi(e->d_name);
      if (child <= 0 || child == pid) continue;
      auto f = stat_fields(child);
      if (static_cast<int>(ticks(f, 4)) == pid) total += ticks(f, 14) + ticks(f, 15);
    }
    ::closedir(d);
  }
  return total / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace proc_stats
