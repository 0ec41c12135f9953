#pragma once
// One kept-alive HTTP/1.1 connection on a plain blocking socket to an IPv4 address, for bench
// clients that share the node's cores: whatever a client spends is taken from the node it
// measures. (The Beast client of client/ runs an io_context with a deadline timer per request:
// about 37 us of CPU a submission in bench/jobs, as much as the node's own HTTP thread spends.)
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bench {

class lean_http {
 public:
  lean_http(const std::string& host, std::uint16_t port, std::string token) : host_(host), port_(port), token_(std::move(token)) {}
  ~lean_http() { close_fd(); }
  lean_http(const lean_http&) = delete;
  lean_http& operator=(const lean_http&) = delete;

  struct reply {
    int status = 0;
    std::string body;
  };

  // A JSON POST; nullopt when it failed. Sent again on a fresh connection only when a kept-alive
  // one failed before any byte of the answer came (the server may have closed it meanwhile): a
  // POST the server may have taken is not sent twice.
  std::optional<reply> post(std::string_view target, std::string_view json) {
    request_.clear();
    request_.append("POST ").append(target).append(" HTTP/1.1\r\nHost: ").append(host_);
    request_.append("\r\nAuthorization: Bearer ").append(token_);
    request_.append("\r\nContent-Type: application/json\r\nContent-Length: ").append(std::to_string(json.size()));
    request_.append("\r\n\r\n").append(json);
    bool reused = fd_ >= 0;
    if (!reused && !open()) return std::nullopt;
    if (auto r = exchange()) return r;
    bool answered_some = !in_.empty();
    close_fd();
    if (!reused || answered_some || !open()) return std::nullopt;
    if (auto r = exchange()) return r;
    close_fd();
    return std::nullopt;
  }

 private:
  bool open() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return false;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval limit{30, 0};  // a node that never answers fails the bench instead of hanging it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port_);
    if (::inet_pton(AF_INET, host_.c_str(), &to.sin_addr) != 1 ||
        ::connect(fd_, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
      close_fd();
      return false;
    }
    return true;
  }

  void close_fd() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    in_.clear();
  }

  std::optional<reply> exchange() {
    for (std::size_t sent = 0; sent < request_.size();) {
      auto n = ::send(fd_, request_.data() + sent, request_.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return std::nullopt;
      sent += static_cast<std::size_t>(n);
    }
    std::size_t head_end;
    while ((head_end = in_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return std::nullopt;
    reply r;
    std::string_view head(in_.data(), head_end);
    if (head.size() < 12) return std::nullopt;
    std::from_chars(head.data() + 9, head.data() + 12, r.status);  // "HTTP/1.1 202"
    // The node sends every answer with a Content-Length; anything else is not read here.
    if (find_header(head, "transfer-encoding:") != std::string_view::npos) return std::nullopt;
    std::size_t length = 0;
    if (auto at = find_header(head, "content-length:"); at != std::string_view::npos) {
      auto v = head.substr(at + 15);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      std::from_chars(v.data(), v.data() + v.size(), length);
    }
    while (in_.size() < head_end + 4 + length)
      if (!fill()) return std::nullopt;
    r.body = in_.substr(head_end + 4, length);
    in_.erase(0, head_end + 4 + length);
    return r;
  }

  static std::size_t find_header(std::string_view head, std::string_view lower_name) {
    for (std::size_t at = head.find("\r\n"); at != std::string_view::npos; at = head.find("\r\n", at + 2)) {
      auto line = head.substr(at + 2, lower_name.size());
      bool same = line.size() == lower_name.size();
      for (std::size_t i = 0; same && i < line.size(); ++i)
        same = (line[i] >= 'A' && line[i] <= 'Z' ? line[i] - 'A' + 'a' : line[i]) == lower_name[i];
      if (same) return at + 2;
    }
    return std::string_view::npos;
  }

  bool fill() {
    char buf[4096];
    auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    in_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  std::string host_;
  std::uint16_t port_;
  std::string token_;
  int fd_ = -1;
  std::string request_, in_;
};

}  // namespace bench
