#pragma once
// SHA-256 and hex encoding (libsodium).
#include <optional>
#include <string>
#include <string_view>

namespace sf {

std::string sha256_hex(std::string_view bytes);

std::string to_hex(std::string_view bytes);  // lower case
std::optional<std::string> from_hex(std::string_view hex);

}  // namespace sf
