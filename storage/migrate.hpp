#pragma once
// Versioned schema migrations, embedded in the binary and applied under an advisory lock so
// that nodes starting together never race.
#include <string>
#include <vector>

#include "common/error.hpp"

namespace sf::storage {

struct migration {
  int version;
  const char* name;
  const char* sql;
};

const std::vector<migration>& migrations();

// Applies every migration the database lacks; returns how many it applied.
result<int> migrate(const std::string& database_url);

}  // namespace sf::storage
