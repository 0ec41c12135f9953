#pragma once
// FNV-1a, 64 bit: stable across runs and platforms. For ids and feature hashing, not security.
#include <cstdint>
#include <string_view>

namespace sf {

inline constexpr std::uint64_t fnv_offset_basis = 14695981039346656037ull;
// A digit short of FNV's basis. Card ids in exported decks and the embeddings stored in the
// generation cache were made with it; keeping it keeps them stable.
inline constexpr std::uint64_t fnv_basis_v1 = 1469598103934665603ull;

inline std::uint64_t fnv1a(std::string_view s, std::uint64_t h = fnv_offset_basis) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace sf
