// serve, migrate, admin, stack and config.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <future>
#include <iostream>
#include <thread>
#include <pqxx/pqxx>

#include "cli/commands.hpp"
#include "cli/node.hpp"
#include "cli/private_stack.hpp"
#include "http/credentials.hpp"
#include "storage/migrate.hpp"
#include "storage/users.hpp"

namespace sf::cli {
namespace {

std::optional<config::settings> settings_or_complain() {
  auto s = config::load_from_process();
  if (!s) {
    std::fprintf(stderr, "studyforge: %s\n", s.error().message.c_str());
    return std::nullopt;
  }
  spdlog::set_level(spdlog::level::from_str(s.value().log_level));
  return s.value();
}

std::optional<config::settings> settings_with_stack(const stack_options& opts = {}) {
  auto s = settings_or_complain();
  if (!s) return std::nullopt;
  if (auto r = ensure_private_stack(*s, opts); !r) {
    std::fprintf(stderr, "studyforge: %s\n", r.error().message.c_str());
    return std::nullopt;
  }
  return s;
}

bool has_flag(const args& a, const std::string& flag) { return std::find(a.begin(), a.end(), flag) != a.end(); }

}  // namespace

int serve_command(const args&) {
  // Block the stop signals before any thread starts, so that only the watcher below takes them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // The first signal during start-up ends the process at once (start-up may wait long: a
  // database that does not answer, a migration lock); once serving, it asks for a graceful
  // stop; a second one during that stop ends the process at once.
  enum phase : int { starting, serving, stopping };
  // Static: the watcher outlives this function (it is never joined).
  static std::atomic<int> now{starting};
  static std::promise<int> asked;
  std::thread([stop_signals] {
    for (;;) {
      int sig = 0;
      if (sigwait(&stop_signals, &sig) != 0) continue;
      int was = now.load();
      if (was == serving && now.compare_exchange_strong(was, stopping)) {
        asked.set_value(sig);
        continue;
      }
      spdlog::warn("signal {} while {}: exiting now", sig, was == starting ? "starting" : "stopping");
      spdlog::default_logger()->flush();
      std::_Exit(1);
    }
  }).detach();

  auto s = settings_with_stack();
  if (!s) return 1;
  auto n = node::start(*s);
  if (!n) {
    spdlog::error("cannot start: {}", n.error().message);
    return 1;
  }
  auto stop_asked = asked.get_future();
  now = serving;
  int sig = stop_asked.get();
  spdlog::info("signal {}: stopping (running jobs get 30 s to finish; a second signal ends it now)", sig);
  n.value()->stop(std::chrono::seconds(30));
  spdlog::info("stopped");
  return 0;
}

int migrate_command(const args&) {
  auto s = settings_with_stack();
  if (!s) return 1;
  auto r = storage::migrate(s->database_url);
  if (!r) {
    std::fprintf(stderr, "studyforge: %s\n", r.error().message.c_str());
    return 1;
  }
  std::printf("applied %d migrations\n", r.value());
  return 0;
}

// admin create-user EMAIL [--admin]: the password is read from standard input.
int admin_command(const args& a) {
  if (a.size() < 2 || a[0] != "create-user") {
    std::fprintf(stderr, "usage: studyforge admin create-user EMAIL [--admin]   (password on standard input)\n");
    return 2;
  }
  const std::string& email = a[1];
  bool admin = has_flag(a, "--admin");
  std::string password;
  std::getline(std::cin, password);
  if (!http::plausible_email(email)) {
    std::fprintf(stderr, "studyforge: '%s' is not an email address\n", email.c_str());
    return 2;
  }
  if (auto why = http::weak_password(password)) {
    std::fprintf(stderr, "studyforge: %s\n", why->c_str());
    return 2;
  }
  auto s = settings_with_stack();
  if (!s) return 1;
  if (auto m = storage::migrate(s->database_url); !m) {
    std::fprintf(stderr, "studyforge: %s\n", m.error().message.c_str());
    return 1;
  }
  try {
    pqxx::connection c{s->database_url};
    pqxx::work tx(c);
    auto hash = http::hash_password(password);
    if (!hash) throw std::runtime_error("cannot hash the password");
    auto user = storage::create_user(tx, email, *hash, admin);
    if (!user) {
      auto existing = storage::find_user_by_email(tx, email);
      if (!existing || !admin) {
        std::fprintf(stderr, "studyforge: a user with that email exists\n");
        return 1;
      }
      storage::set_admin(tx, existing->id, true);
      user = existing;
    }
    tx.commit();
    std::printf("%s %s%s\n", user->id.c_str(), email.c_str(), admin ? " (admin)" : "");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "studyforge: %s\n", e.what());
    return 1;
  }
}

int stack_command(const args& a) {
  std::string verb = a.empty() ? "status" : a[0];
  auto s = settings_or_complain();
  if (!s) return 1;
  if (verb == "up") {
    if (auto r = ensure_private_stack(*s, {has_flag(a, "--fast")}); !r) {
      std::fprintf(stderr, "studyforge: %s\n", r.error().message.c_str());
      return 1;
    }
    std::printf("STUDYFORGE_DATABASE_URL=%s\nSTUDYFORGE_NATS_URL=%s\n", s->database_url.c_str(), s->nats_url.c_str());
    return 0;
  }
  if (verb == "down") {
    if (auto r = stop_private_stack(*s); !r) {
      std::fprintf(stderr, "studyforge: %s\n", r.error().message.c_str());
      return 1;
    }
    return 0;
  }
  if (verb == "status") {
    std::printf("%s", private_stack_status(*s).c_str());
    return 0;
  }
  std::fprintf(stderr, "usage: studyforge stack up [--fast] | down | status\n");
  return 2;
}

int config_command(const args&) {
  std::printf("%s", config::describe().c_str());
  auto s = config::load_from_process();
  if (!s) {
    std::fprintf(stderr, "\ncurrent settings are invalid: %s\n", s.error().message.c_str());
    return 1;
  }
  return 0;
}

}  // namespace sf::cli
