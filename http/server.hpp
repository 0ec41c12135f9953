#pragma once
// The HTTP and WebSocket front end (Boost.Beast lives only in server.cpp).
#include <cstdint>
#include <memory>
#include <string>

#include "common/error.hpp"

namespace sf::storage {
class blob_store;
}

namespace sf::http {

class api;
class hub;

struct server_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  int io_threads = 2;
  int request_workers = 4;
  int request_queue = 256;
  std::uint64_t max_upload_bytes = 100ull << 20;
  std::uint64_t max_json_bytes = 1ull << 20;
  std::size_t max_ws_queue = 4096;  // outgoing messages per WebSocket before it is closed as too slow
  int ws_messages_per_second = 20;
  int ws_keepalive_s = 150;  // silent this long: pinged; as long again: dropped
  int ws_connections_per_user = 20;
  int connections_per_address = 1024;  // open TCP connections from one client address
};

class server {
 public:
  server(api& a, hub& h, storage::blob_store& blobs, server_options opts);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds and starts serving; returns the bound port (useful with port 0).
  result<std::uint16_t> start();
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace sf::http
