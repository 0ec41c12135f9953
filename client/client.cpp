#include "client/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace sf::client {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::optional<endpoint> parse_url(const std::string& url) {
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  else if (rest.find("://") != std::string::npos) return std::nullopt;
  rest = rest.substr(0, rest.find('/'));
  auto colon = rest.rfind(':');
  endpoint ep;
  if (colon == std::string::npos) {
    ep.host = rest;
    ep.port = 80;
  } else {
    ep.host = rest.substr(0, colon);
    try {
      int p = std::stoi(rest.substr(colon + 1));
      if (p <= 0 || p > 65535) return std::nullopt;
      ep.port = static_cast<std::uint16_t>(p);
    } catch (...) {
      return std::nullopt;
    }
  }
  if (ep.host.empty()) return std::nullopt;
  return ep;
}

namespace {

// Runs one async operation with a deadline on a private io_context. On timeout `cancel`
// aborts it and the handler is drained before returning, so it never outlives this frame.
template <class Start, class Cancel>
beast::error_code run_with_deadline(net::io_context& ioc, std::chrono::milliseconds timeout, Start start, Cancel cancel) {
  beast::error_code result = net::error::would_block;
  bool done = false;
  start([&](beast::error_code ec) {
    result = ec;
    done = true;
  });
  // Until done, not for the whole timeout: a read left pending keeps the loop busy.
  ioc.restart();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done && ioc.run_one_until(deadline) > 0) {
  }
  if (done) return result;
  cancel();
  ioc.restart();
  while (!done && ioc.run_one() > 0) {
  }
  return net::error::timed_out;
}

}  // namespace

struct http_client::impl {
  net::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
};

http_client::http_client(endpoint ep, std::chrono::milliseconds timeout)
    : p_(std::make_unique<impl>()), ep_(std::move(ep)), timeout_(timeout) {}
http_client::http_client(http_client&&) noexcept = default;
http_client& http_client::operator=(http_client&&) noexcept = default;
http_client::~http_client() = default;

namespace {

template <class Body>
result<reply> exchange(net::io_context& ioc, std::optional<beast::tcp_stream>& stream, beast::flat_buffer& buffer,
                       const endpoint& ep, std::chrono::milliseconds timeout, bhttp::request<Body>& req) {
  // One retry on a fresh connection: a kept-alive connection may have been closed by the server.
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!stream) {
      tcp::resolver resolver(ioc);
      beast::error_code ec;
      auto results = resolver.resolve(ep.host, std::to_string(ep.port), ec);
      if (ec) return failure(errc::unavailable, "cannot resolve " + ep.host + ": " + ec.message());
      stream.emplace(ioc);
      auto cancel = [&] { stream->close(); };
      ec = run_with_deadline(ioc, timeout, [&](auto done) {
        stream->async_connect(results, [done](beast::error_code e, const tcp::endpoint&) { done(e); });
      }, cancel);
      if (ec) {
        stream.reset();
        return failure(errc::unavailable, "cannot connect to " + ep.host + ":" + std::to_string(ep.port) + ": " + ec.message());
      }
    }
    req.prepare_payload();
    auto cancel = [&] { stream->close(); };
    auto ec = run_with_deadline(ioc, timeout, [&](auto done) {
      bhttp::async_write(*stream, req, [done](beast::error_code e, std::size_t) { done(e); });
    }, cancel);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1ull << 30);
    if (!ec) {
      ec = run_with_deadline(ioc, timeout, [&](auto done) {
        bhttp::async_read(*stream, buffer, parser, [done](beast::error_code e, std::size_t) { done(e); });
      }, cancel);
    }
    if (ec) {
      stream.reset();
      buffer.clear();
      if (attempt == 0 && ec != net::error::timed_out) continue;
      return failure(errc::unavailable, "request failed: " + ec.message());
    }
    auto res = parser.release();
    reply out;
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
    if (!res.keep_alive()) stream.reset();
    return out;
  }
  return failure(errc::unavailable, "request failed");
}

}  // namespace

result<reply> http_client::request(const std::string& method, const std::string& target, const std::string& body,
                                   const std::string& content_type) {
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, ep_.host);
  if (!token_.empty()) req.set(bhttp::field::authorization, "Bearer " + token_);
  for (const auto& [k, v] : extra_) req.set(k, v);
  if (!body.empty()) req.set(bhttp::field::content_type, content_type);
  req.body() = body;
  req.keep_alive(true);
  return exchange(p_->ioc, p_->stream, p_->buffer, ep_, timeout_, req);
}

result<reply> http_client::upload(const std::string& target, const std::filesystem::path& file) {
  bhttp::request<bhttp::file_body> req{bhttp::verb::post, target, 11};
  req.set(bhttp::field::host, ep_.host);
  if (!token_.empty()) req.set(bhttp::field::authorization, "Bearer " + token_);
  req.set(bhttp::field::content_type, "application/octet-stream");
  beast::error_code ec;
  req.body().open(file.c_str(), beast::file_mode::scan, ec);
  if (ec) return failure(errc::invalid_argument, "cannot read " + file.string() + ": " + ec.message());
  req.keep_alive(true);
  return exchange(p_->ioc, p_->stream, p_->buffer, ep_, timeout_, req);
}

struct ws_client::impl {
  net::io_context ioc;
  std::optional<websocket::stream<beast::tcp_stream>> ws;
  beast::flat_buffer buffer;
  // A read may outlive one receive() call that timed out; its result lands here.
  bool read_pending = false;
  std::optional<beast::error_code> read_result;
  void drop() {
    if (!ws) return;
    beast::error_code ec;
    beast::get_lowest_layer(*ws).socket().close(ec);
    ioc.restart();
    while (read_pending && ioc.run_one() > 0) {
    }
    ws.reset();
    read_pending = false;
    read_result.reset();
  }
};

ws_client::ws_client() : p_(std::make_unique<impl>()) {}
ws_client::~ws_client() { close(); }

result<void> ws_client::connect(const endpoint& ep, const std::string& target, const std::string& token,
                                std::chrono::milliseconds timeout) {
  tcp::resolver resolver(p_->ioc);
  beast::error_code ec;
  auto results = resolver.resolve(ep.host, std::to_string(ep.port), ec);
  if (ec) return failure(errc::unavailable, "cannot resolve " + ep.host);
  p_->drop();
  p_->ws.emplace(p_->ioc);
  auto cancel = [&] { beast::get_lowest_layer(*p_->ws).close(); };
  ec = run_with_deadline(p_->ioc, timeout, [&](auto done) {
    beast::get_lowest_layer(*p_->ws).async_connect(results, [done](beast::error_code e, const tcp::endpoint&) { done(e); });
  }, cancel);
  if (ec) return failure(errc::unavailable, "cannot connect: " + ec.message());
  p_->ws->set_option(websocket::stream_base::decorator([token](websocket::request_type& req) {
    if (!token.empty()) req.set(bhttp::field::authorization, "Bearer " + token);
  }));
  websocket::response_type res;
  ec = run_with_deadline(p_->ioc, timeout, [&](auto done) {
    p_->ws->async_handshake(res, ep.host, target, [done](beast::error_code e) { done(e); });
  }, cancel);
  if (ec) {
    p_->ws.reset();
    return failure(errc::unavailable, "WebSocket handshake failed (HTTP " + std::to_string(res.result_int()) + "): " + ec.message());
  }
  return success();
}

result<void> ws_client::send(const std::string& text) {
  if (!p_->ws) return failure(errc::unavailable, "not connected");
  p_->ws->text(true);
  auto ec = run_with_deadline(p_->ioc, std::chrono::seconds(10), [&](auto done) {
    p_->ws->async_write(net::buffer(text), [done](beast::error_code e, std::size_t) { done(e); });
  }, [&] { beast::get_lowest_layer(*p_->ws).close(); });
  if (ec) {
    p_->drop();
    return failure(errc::unavailable, "send failed: " + ec.message());
  }
  return success();
}

result<std::optional<std::string>> ws_client::receive(std::chrono::milliseconds timeout) {
  if (!p_->ws) return failure(errc::unavailable, "not connected");
  // A read that completed while send() ran the loop is kept for this call, not restarted.
  if (!p_->read_pending && !p_->read_result) {
    p_->read_pending = true;
    auto* state = p_.get();
    p_->ws->async_read(p_->buffer, [state](beast::error_code e, std::size_t) {
      state->read_pending = false;
      state->read_result = e;
    });
  }
  p_->ioc.restart();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!p_->read_result && std::chrono::steady_clock::now() < deadline)
    p_->ioc.run_one_until(deadline);
  if (!p_->read_result) return std::optional<std::string>{};  // still pending; the next call waits on
  auto ec = *p_->read_result;
  p_->read_result.reset();
  if (ec) {
    p_->drop();
    return failure(errc::unavailable, "connection ended: " + ec.message());
  }
  std::string text = beast::buffers_to_string(p_->buffer.data());
  p_->buffer.consume(p_->buffer.size());
  return std::optional<std::string>{std::move(text)};
}

void ws_client::close() {
  if (p_) p_->drop();
}

}  // namespace sf::client
