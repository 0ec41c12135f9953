#pragma once
// SHA-256 of bytes as lower-case hex (libsodium).
#include <string>
#include <string_view>

namespace sf {

std::string sha256_hex(std::string_view bytes);

}  // namespace sf
