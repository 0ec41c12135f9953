#pragma once
// Passwords (argon2id through libsodium) and bearer tokens (random, stored as sha256).
#include <optional>
#include <string>

namespace sf::http {

// nullopt when libsodium could not allocate the hashing memory.
std::optional<std::string> hash_password(const std::string& password);
bool verify_password(const std::string& stored_hash, const std::string& password);
// Why a password is refused, or nullopt when acceptable.
std::optional<std::string> weak_password(const std::string& password);
bool plausible_email(const std::string& email);

std::string new_token();                            // 256 random bits, URL-safe base64
std::string token_hash(const std::string& token);  // hex sha256: what the database keeps

}  // namespace sf::http
