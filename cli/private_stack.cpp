#include "cli/private_stack.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <pqxx/pqxx>
#include <thread>

#include "common/subprocess.hpp"

namespace sf::cli {
namespace fs = std::filesystem;
namespace {

constexpr const char* database_name = "studyforge";

bool port_open(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

bool wait_for(const std::function<bool()>& ready, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return ready();
}

bool is_root() { return geteuid() == 0; }

struct cmd_result {
  int exit_code;
  std::string output;
};
cmd_result run_cmd(const std::vector<std::string>& argv) {
  auto r = proc::run(argv, std::chrono::minutes(2));
  return {r.exit_code, r.out + r.err};
}

// PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user.
std::vector<std::string> as_postgres(std::vector<std::string> argv) {
  if (!is_root()) return argv;
  argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  return argv;
}

std::string pg_bin_dir() {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec))
    if (fs::exists(e.path() / "bin" / "pg_ctl")) found.push_back((e.path() / "bin").string());
  std::sort(found.begin(), found.end(), [](const std::string& a, const std::string& b) {
    return std::stoi(fs::path(a).parent_path().filename().string()) < std::stoi(fs::path(b).parent_path().filename().string());
  });
  if (!found.empty()) return found.back();
  auto pg_ctl = proc::find_program({"pg_ctl"});
  return pg_ctl.empty() ? std::string() : fs::path(pg_ctl).parent_path().string();
}

// The cluster lives in <data_dir>/postgres, unless the `postgres` user cannot reach that
// path (a home directory closed to others): then in a folder of its own under /var/tmp.
fs::path pg_dir(const config::settings& s) {
  auto wanted = fs::absolute(fs::path(s.data_dir)) / "postgres";
  if (!is_root()) return wanted;
  auto parent = wanted.parent_path();
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (run_cmd({"runuser", "-u", "postgres", "--", "test", "-x", parent.string()}).exit_code == 0) return wanted;
  auto tag = std::to_string(std::hash<std::string>{}(wanted.string()));
  return fs::path("/var/tmp") / ("studyforge-postgres-" + tag);
}

fs::path nats_dir(const config::settings& s) { return fs::absolute(fs::path(s.data_dir)) / "nats"; }

std::string pg_url(const config::settings& s, const std::string& db) {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(s.private_postgres_port) + "/" + db;
}

bool pg_running(const std::string& bin, const fs::path& dir) {
  return fs::exists(dir / "PG_VERSION") && run_cmd(as_postgres({bin + "/pg_ctl", "-D", dir.string(), "status"})).exit_code == 0;
}

result<void> ensure_postgres(config::settings& s, const stack_options& opts) {
  auto bin = pg_bin_dir();
  if (bin.empty()) return failure(errc::unavailable, "PostgreSQL is not installed (no pg_ctl); run scripts/setup.sh");
  auto dir = pg_dir(s);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (is_root()) run_cmd({"chown", "-R", "postgres:postgres", dir.string()});
  fs::permissions(dir, fs::perms::owner_all, ec);
  if (!fs::exists(dir / "PG_VERSION")) {
    auto r = run_cmd(as_postgres({bin + "/initdb", "-D", dir.string(), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                                      "--locale=C.UTF-8"}));
    if (r.exit_code != 0) return failure(errc::unavailable, "initdb failed: " + r.output);
  }
  if (!pg_running(bin, dir)) {
    if (port_open(s.private_postgres_port))
      return failure(errc::unavailable, "port " + std::to_string(s.private_postgres_port) +
                                            " is taken by another program; set private_postgres_port");
    std::string server_opts = "-c listen_addresses=127.0.0.1 -p " + std::to_string(s.private_postgres_port) + " -k " +
                              dir.string() + " -c max_connections=200";
    if (opts.fast) server_opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
    auto r = run_cmd(as_postgres({bin + "/pg_ctl", "-D", dir.string(), "-l", (dir / "server.log").string(), "-w",
                                      "-t", "60", "-o", server_opts, "start"}));
    if (r.exit_code != 0) return failure(errc::unavailable, "PostgreSQL did not start: " + r.output);
  }
  try {
    pqxx::connection c{pg_url(s, "postgres")};
    pqxx::nontransaction tx(c);
    if (tx.exec_params("select 1 from pg_database where datname = $1", database_name).empty())
      tx.exec(std::string("create database ") + database_name);
  } catch (const std::exception& e) {
    return failure(errc::unavailable, std::string("cannot prepare the database: ") + e.what());
  }
  s.database_url = pg_url(s, database_name);
  return success();
}

int read_pid(const fs::path& file) {
  std::ifstream in(file);
  int pid = -1;
  in >> pid;
  return pid;
}

// The pid in our nats.pid, if that process is still our nats-server. After a crash or a reboot
// the number may belong to another program, which must be neither trusted nor stopped.
int our_nats_pid(const config::settings& s) {
  auto dir = nats_dir(s);
  int pid = read_pid(dir / "nats.pid");
  if (!proc::alive(pid)) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bool is_nats = cmdline.find("nats-server") != std::string::npos;
  bool our_store = cmdline.find((dir / "jetstream").string()) != std::string::npos;
  return is_nats && our_store ? pid : -1;
}

result<void> ensure_nats(config::settings& s) {
  auto dir = nats_dir(s);
  auto pid_file = dir / "nats.pid";
  bool ours = our_nats_pid(s) > 0;
  if (!ours) {
    auto server = proc::find_program({"nats-server"});
    if (server.empty()) return failure(errc::unavailable, "nats-server is not installed; run scripts/setup.sh");
    if (port_open(s.private_nats_port))
      return failure(errc::unavailable, "port " + std::to_string(s.private_nats_port) +
                                            " is taken by another program; set private_nats_port");
    std::error_code ec;
    fs::create_directories(dir / "jetstream", ec);
    if (proc::spawn_detached({server, "-js", "-a", "127.0.0.1", "-p", std::to_string(s.private_nats_port), "-sd",
                        (dir / "jetstream").string(), "-P", pid_file.string()},
                       (dir / "server.log").string()) != 0)
      return failure(errc::unavailable, "cannot start nats-server");
  }
  if (!wait_for([&] { return port_open(s.private_nats_port); }, std::chrono::seconds(10)))
    return failure(errc::unavailable, "nats-server did not start; see " + (dir / "server.log").string());
  s.nats_url = "nats://127.0.0.1:" + std::to_string(s.private_nats_port);
  return success();
}

}  // namespace

result<void> ensure_private_stack(config::settings& s, const stack_options& opts) {
  if (s.database_url.empty()) {
    BOOST_OUTCOME_TRYV(ensure_postgres(s, opts));
  }
  if (s.nats_url.empty()) {
    BOOST_OUTCOME_TRYV(ensure_nats(s));
  }
  return success();
}

result<void> stop_private_stack(const config::settings& s) {
  auto bin = pg_bin_dir();
  auto dir = pg_dir(s);
  if (!bin.empty() && pg_running(bin, dir)) {
    auto r = run_cmd(as_postgres({bin + "/pg_ctl", "-D", dir.string(), "-m", "fast", "-w", "stop"}));
    if (r.exit_code != 0) return failure(errc::internal, "PostgreSQL did not stop: " + r.output);
  }
  auto pid = our_nats_pid(s);
  if (pid > 0) {
    kill(pid, SIGTERM);
    if (!wait_for([&] { return !proc::alive(pid); }, std::chrono::seconds(10))) kill(pid, SIGKILL);
  }
  return success();
}

std::string private_stack_status(const config::settings& s) {
  auto bin = pg_bin_dir();
  bool pg = !bin.empty() && pg_running(bin, pg_dir(s));
  bool nats = our_nats_pid(s) > 0;
  return std::string("postgres: ") + (pg ? "running on 127.0.0.1:" + std::to_string(s.private_postgres_port) : "stopped") +
         " (" + pg_dir(s).string() + ")\nnats: " +
         (nats ? "running on 127.0.0.1:" + std::to_string(s.private_nats_port) : "stopped") + " (" + nats_dir(s).string() + ")\n";
}

}  // namespace sf::cli
