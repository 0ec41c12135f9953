#pragma once
#include <string>
#include <string_view>

namespace sf {

// A random (version 4) UUID, lower case: ids made before their row, so a batch of new rows
// needs no RETURNING order to tell which is which.
std::string new_uuid();

// Canonical textual UUID (8-4-4-4-12 hex digits).
inline bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

// A UUID as PostgreSQL writes it (lower case): ids from clients may be upper case, and are
// compared with ids read back from rows.
inline std::string canonical_uuid(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace sf
