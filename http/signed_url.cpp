#include "http/signed_url.hpp"

#include <sodium.h>

#include <cctype>

namespace sf::http {

std::string sign_file_link(const std::string& key, const std::string& sha256, const std::string& name, long long expires) {
  std::string message = sha256 + "\n" + name + "\n" + std::to_string(expires);
  unsigned char k[crypto_auth_hmacsha256_KEYBYTES] = {0};
  crypto_hash_sha256(k, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256(mac, reinterpret_cast<const unsigned char*>(message.data()), message.size(), k);
  char hex[crypto_auth_hmacsha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  return hex;
}

bool check_file_link(const std::string& key, const std::string& sha256, const std::string& name, long long expires,
                     const std::string& signature, long long now) {
  if (expires < now) return false;
  auto expected = sign_file_link(key, sha256, name, expires);
  return expected.size() == signature.size() &&
         sodium_memcmp(expected.data(), signature.data(), expected.size()) == 0;  // constant time
}

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace sf::http
