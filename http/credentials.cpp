#include "http/credentials.hpp"

#include <sodium.h>

#include <array>

#include "common/digest.hpp"

namespace sf::http {

std::optional<std::string> hash_password(const std::string& password) {
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return std::nullopt;
  return std::string(out.data());
}

bool verify_password(const std::string& stored_hash, const std::string& password) {
  return crypto_pwhash_str_verify(stored_hash.c_str(), password.data(), password.size()) == 0;
}

std::optional<std::string> weak_password(const std::string& password) {
  if (password.size() < 8) return "the password must have at least 8 characters";
  if (password.size() > 256) return "the password must have at most 256 characters";
  bool all_same = password.find_first_not_of(password[0]) == std::string::npos;
  if (all_same) return "the password must not repeat one character";
  return std::nullopt;
}

bool plausible_email(const std::string& email) {
  auto at = email.find('@');
  return email.size() <= 254 && at != std::string::npos && at > 0 && at + 1 < email.size() &&
         email.find('@', at + 1) == std::string::npos && email.find_first_of(" \t\r\n<>\"") == std::string::npos;
}

std::string new_token() {
  std::array<unsigned char, 32> raw{};
  randombytes_buf(raw.data(), raw.size());
  std::array<char, sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)> out{};
  sodium_bin2base64(out.data(), out.size(), raw.data(), raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return std::string(out.data());
}

std::string token_hash(const std::string& token) { return sha256_hex(token); }

}  // namespace sf::http
