#pragma once
// Short-lived links to stored files: HMAC-SHA256 over what the link grants, with an expiry,
// so a browser can fetch a file without a bearer token and nobody can forge or extend one.
#include <string>

namespace sf::http {

std::string sign_file_link(const std::string& key, const std::string& sha256, const std::string& name, long long expires);
bool check_file_link(const std::string& key, const std::string& sha256, const std::string& name, long long expires,
                     const std::string& signature, long long now);
std::string url_encode(const std::string& s);

}  // namespace sf::http
