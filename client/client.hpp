#pragma once
// A small blocking HTTP and WebSocket client for the command line and the tests.
// Every call has a timeout; nothing here can hang forever.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/error.hpp"

namespace sf::client {

struct reply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
};

struct endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
};

// Parses "http://host:port" (path ignored).
std::optional<endpoint> parse_url(const std::string& url);

class http_client {
 public:
  explicit http_client(endpoint ep, std::chrono::milliseconds timeout = std::chrono::seconds(60));
  http_client(http_client&&) noexcept;
  http_client& operator=(http_client&&) noexcept;
  ~http_client();

  void set_token(std::string token) { token_ = std::move(token); }
  void set_header(std::string name, std::string value) { extra_[std::move(name)] = std::move(value); }

  // Errors are transport failures (unavailable); HTTP errors come back as a reply.
  result<reply> request(const std::string& method, const std::string& target, const std::string& body = "",
                        const std::string& content_type = "application/json");
  result<reply> upload(const std::string& target, const std::filesystem::path& file);

 private:
  struct impl;
  std::unique_ptr<impl> p_;
  endpoint ep_;
  std::chrono::milliseconds timeout_;
  std::string token_;
  std::map<std::string, std::string> extra_;
};

class ws_client {
 public:
  ws_client();
  ~ws_client();
  // `target` is the path with query, e.g. "/v1/ws".
  result<void> connect(const endpoint& ep, const std::string& target, const std::string& token,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));
  result<void> send(const std::string& text);
  // The next text message, or nullopt on timeout; an error when the connection ended.
  result<std::optional<std::string>> receive(std::chrono::milliseconds timeout);
  void close();

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace sf::client
