#pragma once
// A private PostgreSQL and nats-server under the data directory, for users who configured no
// external ones: started on first use, reused while they run, stopped on request.
#include <string>

#include "common/error.hpp"
#include "config/settings.hpp"

namespace sf::cli {

struct stack_options {
  bool fast = false;  // no fsync: for throwaway test instances only
};

// Fills in database_url and nats_url of `s` where they are empty, starting what is needed.
result<void> ensure_private_stack(config::settings& s, const stack_options& opts = {});
// Stops the private servers of this data directory (by their pid files).
result<void> stop_private_stack(const config::settings& s);
// One line per private server: running or not.
std::string private_stack_status(const config::settings& s);

}  // namespace sf::cli
