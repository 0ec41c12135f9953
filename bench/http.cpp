// bench/http: a node under HTTP and WebSocket load on 127.0.0.1.
//
//   bench_http --server http://127.0.0.1:PORT --token T --course ID --node-pid PID
//              [--rate 1000] [--seconds 10] [--subscribers 5000]
//
// 1. GET /v1/courses/{id} and GET /health at a fixed rate (4 keep-alive connections):
//    latency p50/p99.
// 2. `subscribers` WebSocket clients subscribe to the course; the node's memory is read
//    before and after (per idle connection); then the course gets a new upload and every
//    client measures when each progress event arrives against the event's own time.
// 3. The floor under any server: the same fan-out of 14 events from plain sockets in this
//    process (no server work at all), for the ratio.
#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "bench/percentile.hpp"
#include "bench/proc_stats.hpp"
#include "client/client.hpp"

using nlohmann::json;

namespace {

struct options {
  sf::client::endpoint ep;
  std::string token, course, upload;
  int node_pid = 0, rate = 1000, seconds = 10, subscribers = 5000;
};

using proc_stats::cpu_seconds;

long rss_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

json fixed_rate(const options& o, const std::string& target, bool auth) {
  const int conns = 4;
  std::vector<std::vector<double>> lat(conns);
  std::vector<std::thread> threads;
  auto start = std::chrono::steady_clock::now();
  int per = o.rate * o.seconds / conns;
  for (int c = 0; c < conns; ++c)
    threads.emplace_back([&, c] {
      sf::client::http_client client(o.ep);
      if (auth) client.set_token(o.token);
      for (int i = 0; i < per; ++i) {
        std::this_thread::sleep_until(start + std::chrono::microseconds((1000000LL * (i * conns + c)) / o.rate));
        auto t0 = std::chrono::steady_clock::now();
        auto r = client.request("GET", target);
        if (!r || r.value().status != 200) continue;
        lat[c].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      }
    });
  for (auto& t : threads) t.join();
  std::vector<double> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  return {{"target", target}, {"rate_per_s", o.rate}, {"ok", all.size()}, {"p50_ms", percentile(all, 0.5)}, {"p99_ms", percentile(all, 0.99)}};
}

// The milliseconds since the epoch of an RFC 3339 UTC time with milliseconds.
double epoch_ms(const std::string& at) {
  std::tm tm{};
  if (at.size() < 23 || !strptime(at.substr(0, 19).c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
  return static_cast<double>(timegm(&tm)) * 1000 + std::stod(at.substr(20, 3));
}

// A string field's value, found without parsing the whole message (the client must stay
// cheaper than the server it measures).
std::string_view field(std::string_view msg, std::string_view name) {
  std::string key(1, '"');
  key.append(name).append("\":\"");
  auto at = msg.find(key);
  if (at == std::string_view::npos) return {};
  at += key.size();
  auto end = msg.find('"', at);
  return end == std::string_view::npos ? std::string_view() : msg.substr(at, end - at);
}

// A number field's value, found the same way.
long long number_field(std::string_view msg, std::string_view name) {
  std::string key(1, '"');
  key.append(name).append("\":");
  auto at = msg.find(key);
  if (at == std::string_view::npos) return -1;
  long long v = 0;
  std::from_chars(msg.data() + at + key.size(), msg.data() + msg.size(), v);
  return v;
}

struct fanout_stats {
  std::atomic<int> ready{0}, refused{0}, failed{0};
  std::vector<double> latencies;
  std::map<long long, std::vector<double>> by_event;  // seq -> latency at each subscriber
};

// Many WebSocket clients on one thread, as lean as a client can be: plain sockets and epoll,
// the handshake and the server's (unmasked) frames read by hand. The clients share the node's two
// cores, so their own cost is part of every latency measured: with a Beast stream per client
// (about 5 us a message on one thread) the clients, not the node, set the delivery latency.
class lean_clients {
 public:
  lean_clients(const sockaddr_in& to, std::string host, std::string target, std::string subscribe_text)
      : to_(to), host_(std::move(host)), target_(std::move(target)), subscribe_(frame(std::move(subscribe_text))),
        epoll_(::epoll_create1(0)) {}
  ~lean_clients() {
    for (auto& c : conns_) ::close(c.fd);
    ::close(epoll_);
  }

  // Connects `n` clients and sends their upgrade requests.
  void connect(int n) {
    std::string request = "GET " + target_ + " HTTP/1.1\r\nHost: " + host_ +
                          "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    conns_.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&to_), sizeof to_) != 0 ||
          ::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
        if (fd >= 0) ::close(fd);
        if (stats.failed++ < 3) std::fprintf(stderr, "websocket connect failed\n");
        continue;
      }
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u32 = static_cast<std::uint32_t>(conns_.size());
      ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
      conns_.push_back({fd, {}, false, false, {}});
    }
  }

  // Reads whatever arrives for `limit`, or until `done()`.
  template <class Done>
  void run_for(std::chrono::milliseconds limit, Done done) {
    auto until = std::chrono::steady_clock::now() + limit;
    std::array<epoll_event, 512> ready{};
    std::vector<char> buf(256 * 1024);
    while (!done() && std::chrono::steady_clock::now() < until) {
      int k = ::epoll_wait(epoll_, ready.data(), static_cast<int>(ready.size()), 20);
      for (int r = 0; r < k; ++r) {
        auto& c = conns_[ready[static_cast<std::size_t>(r)].data.u32];
        ssize_t m;
        while ((m = ::read(c.fd, buf.data(), buf.size())) > 0) c.in.append(buf.data(), static_cast<std::size_t>(m));
        // Arrival is when this connection's read returned, as for the plain-socket floor: not
        // after the messages in that read before it were parsed.
        on_bytes(c, std::chrono::system_clock::now());
      }
      resubscribe_due();
    }
  }

  fanout_stats stats;

 private:
  struct conn {
    int fd;
    std::string in;
    bool open;
    bool counted;
    std::chrono::steady_clock::time_point retry_at;  // subscribe again: the node was busy
  };

  // A client frame: masked text.
  static std::string frame(const std::string& text) {
    std::string f;
    f += static_cast<char>(0x81);
    if (text.size() < 126) {
      f += static_cast<char>(0x80 | text.size());
    } else {
      f += static_cast<char>(0x80 | 126);
      f += static_cast<char>(text.size() >> 8);
      f += static_cast<char>(text.size() & 0xFF);
    }
    const char key[4] = {0x11, 0x22, 0x33, 0x44};
    f.append(key, 4);
    for (std::size_t i = 0; i < text.size(); ++i) f += static_cast<char>(text[i] ^ key[i % 4]);
    return f;
  }

  void send(conn& c, const std::string& bytes) {
    if (::write(c.fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) ++stats.failed;
  }

  void on_bytes(conn& c, std::chrono::system_clock::time_point now) {
    if (!c.open) {
      auto end = c.in.find("\r\n\r\n");
      if (end == std::string::npos) return;
      if (c.in.compare(0, 12, "HTTP/1.1 101") != 0) {
        if (stats.failed++ < 3) std::fprintf(stderr, "websocket upgrade refused: %s\n", c.in.substr(0, c.in.find('\r')).c_str());
        c.in.clear();
        return;
      }
      c.in.erase(0, end + 4);
      c.open = true;
      send(c, subscribe_);
    }
    std::size_t at = 0;
    while (c.in.size() - at >= 2) {
      auto b = [&](std::size_t i) { return static_cast<unsigned char>(c.in[at + i]); };
      std::uint64_t len = b(1) & 0x7F;
      std::size_t head = 2;
      if (len == 126) {
        if (c.in.size() - at < 4) break;
        len = (std::uint64_t{b(2)} << 8) | b(3);
        head = 4;
      } else if (len == 127) {
        if (c.in.size() - at < 10) break;
        len = 0;
        for (std::size_t i = 0; i < 8; ++i) len = (len << 8) | b(2 + i);
        head = 10;
      }
      if (c.in.size() - at < head + len) break;
      if ((b(0) & 0x0F) == 1) on_message(c, std::string_view(c.in).substr(at + head, static_cast<std::size_t>(len)), now);
      at += head + static_cast<std::size_t>(len);
    }
    c.in.erase(0, at);
  }

  void on_message(conn& c, std::string_view msg, std::chrono::system_clock::time_point now) {
    // Keys come sorted, so a snapshot's course (which has "type" fields of its own) comes first.
    auto type = msg.find("\"type\":\"snapshot\"") != std::string_view::npos ? std::string_view("snapshot") : field(msg, "type");
    if (type == "snapshot" && !c.counted) {
      c.counted = true;
      ++stats.ready;
    } else if (type == "event") {
      double got_ms = static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count()) / 1000;
      auto seq = number_field(msg, "seq");
      // Every subscriber gets the same event: its time is parsed once.
      auto [it, fresh] = sent_ms_.try_emplace(seq, 0.0);
      if (fresh) it->second = epoch_ms(std::string(field(msg, "at")));
      double ms = got_ms - it->second;
      stats.latencies.push_back(ms);
      stats.by_event[seq].push_back(ms);
    } else if (type == "error" && field(msg, "code") == "unavailable") {
      ++stats.refused;
      c.retry_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
    }
  }

  void resubscribe_due() {
    auto now = std::chrono::steady_clock::now();
    for (auto& c : conns_)
      if (c.retry_at != std::chrono::steady_clock::time_point{} && c.retry_at <= now) {
        c.retry_at = {};
        send(c, subscribe_);
      }
  }

  sockaddr_in to_;
  std::string host_, target_, subscribe_;
  int epoll_;
  std::vector<conn> conns_;
  // Event seq -> when it was written (ms since the epoch). Seq numbers are per course, and the
  // clients all subscribe to one.
  std::map<long long, double> sent_ms_;
};

json fanout(const options& o) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(o.ep.port));
  ::inet_pton(AF_INET, o.ep.host.c_str(), &to.sin_addr);
  long before = rss_kib(o.node_pid);
  lean_clients clients(to, o.ep.host, "/v1/ws?token=" + o.token, json{{"op", "subscribe"}, {"course_id", o.course}}.dump());
  auto& stats = clients.stats;
  auto t0 = std::chrono::steady_clock::now();
  clients.connect(o.subscribers);
  clients.run_for(std::chrono::seconds(60), [&] { return stats.ready + stats.failed >= o.subscribers; });
  double subscribe_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  long after = rss_kib(o.node_pid);
  // The burst: a new upload to the course sends progress events to every subscriber.
  double node_cpu0 = cpu_seconds(o.node_pid), own_cpu0 = cpu_seconds(getpid());
  std::thread uploader([&] {
    sf::client::http_client c(o.ep);
    c.set_token(o.token);
    (void)c.upload("/v1/courses/" + o.course + "/sources?filename=burst.pdf", o.upload);
  });
  clients.run_for(std::chrono::seconds(20), [] { return false; });
  uploader.join();
  double node_cpu = cpu_seconds(o.node_pid) - node_cpu0, own_cpu = cpu_seconds(getpid()) - own_cpu0;
  auto ready = stats.ready.load();
  // Each event alone: how long its last subscribers waited. The first event of the burst meets
  // an idle node; later ones may queue behind the fan-out of those before them.
  json per_event = json::array();
  for (auto& [seq, l] : stats.by_event)
    per_event.push_back({{"seq", seq}, {"subscribers", l.size()}, {"p50_ms", percentile(l, 0.5)}, {"p99_ms", percentile(l, 0.99)}});
  return {{"per_event", per_event},
          {"subscribers", o.subscribers},
          {"subscribed", ready},
          {"subscribe_seconds", subscribe_s},
          {"subscribe_busy_answers", stats.refused.load()},
          {"connections_failed", stats.failed.load()},
          {"node_rss_kib_before", before},
          {"node_rss_kib_after", after},
          {"kib_per_idle_connection", ready ? static_cast<double>(after - before) / ready : 0},
          {"deliveries", stats.latencies.size()},
          {"events_per_subscriber", ready ? static_cast<double>(stats.latencies.size()) / ready : 0},
          {"delivery_p50_ms", percentile(stats.latencies, 0.5)},
          {"delivery_p99_ms", percentile(stats.latencies, 0.99)},
          {"burst_node_cpu_s", node_cpu},
          {"burst_client_cpu_s", own_cpu},
          {"node_cpu_us_per_delivery", stats.latencies.empty() ? 0 : node_cpu * 1e6 / static_cast<double>(stats.latencies.size())}};
}

// The floor under any server here: the same fan-out from plain sockets. `events` messages of
// `size` bytes go to every one of `subscribers` loopback connections, each by its own send as
// soon as the previous event went to all; one thread reads them all with epoll, as the
// WebSocket clients above share one thread. Latency runs from the moment an event's fan-out
// began, so it counts only the delivery, without the node's own work.
json raw_fanout(int subscribers, int events, std::size_t size) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener, 4096) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return {{"error", "cannot listen"}};
  std::vector<int> readers, writers;
  int epoll = ::epoll_create1(0);
  for (int i = 0; i < subscribers; ++i) {
    int c = ::socket(AF_INET, SOCK_STREAM, 0);
    if (::connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) break;
    int w = ::accept(listener, nullptr, nullptr);
    int one = 1;
    ::setsockopt(w, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::fcntl(c, F_SETFL, ::fcntl(c, F_GETFL) | O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<std::uint32_t>(readers.size());
    ::epoll_ctl(epoll, EPOLL_CTL_ADD, c, &ev);
    readers.push_back(c);
    writers.push_back(w);
  }
  ::close(listener);
  int n = static_cast<int>(readers.size());
  std::vector<std::atomic<long long>> began(static_cast<std::size_t>(events));
  std::vector<std::vector<double>> latency(static_cast<std::size_t>(events));
  auto now_ns = [] { return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count(); };
  double cpu0 = cpu_seconds(getpid());
  std::thread reader([&] {
    std::vector<std::size_t> got(static_cast<std::size_t>(n));
    std::vector<char> buf(64 * 1024);
    std::array<epoll_event, 256> ready{};
    long long total = static_cast<long long>(n) * events, seen = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (seen < total && std::chrono::steady_clock::now() < deadline) {
      int k = ::epoll_wait(epoll, ready.data(), static_cast<int>(ready.size()), 100);
      for (int r = 0; r < k; ++r) {
        auto i = ready[static_cast<std::size_t>(r)].data.u32;
        ssize_t m;
        while ((m = ::read(readers[i], buf.data(), buf.size())) > 0) {
          long long t = now_ns();
          std::size_t before = got[i] / size;
          got[i] += static_cast<std::size_t>(m);
          // Messages arrive in order: the k-th whole one on a connection is event k.
          for (std::size_t e = before; e < got[i] / size && e < latency.size(); ++e, ++seen)
            latency[e].push_back(static_cast<double>(t - began[e].load()) / 1e6);
        }
      }
    }
  });
  std::string message(size, 'x');
  for (int e = 0; e < events; ++e) {
    began[static_cast<std::size_t>(e)] = now_ns();
    for (int w : writers) (void)!::write(w, message.data(), message.size());
  }
  reader.join();
  double cpu = cpu_seconds(getpid()) - cpu0;
  for (int fd : readers) ::close(fd);
  for (int fd : writers) ::close(fd);
  ::close(epoll);
  std::vector<double> all;
  json per_event = json::array();
  for (std::size_t e = 0; e < latency.size(); ++e) {
    all.insert(all.end(), latency[e].begin(), latency[e].end());
    per_event.push_back({{"event", e + 1}, {"p50_ms", percentile(latency[e], 0.5)}, {"p99_ms", percentile(latency[e], 0.99)}});
  }
  return {{"subscribers", n}, {"events", events}, {"message_bytes", size}, {"deliveries", all.size()},
          {"delivery_p50_ms", percentile(all, 0.5)}, {"delivery_p99_ms", percentile(all, 0.99)},
          {"cpu_us_per_delivery", all.empty() ? 0 : cpu * 1e6 / static_cast<double>(all.size())}, {"per_event", per_event}};
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--server") o.ep = *sf::client::parse_url(v);
    else if (k == "--token") o.token = v;
    else if (k == "--course") o.course = v;
    else if (k == "--upload") o.upload = v;
    else if (k == "--node-pid") o.node_pid = std::stoi(v);
    else if (k == "--rate") o.rate = std::stoi(v);
    else if (k == "--seconds") o.seconds = std::stoi(v);
    else if (k == "--subscribers") o.subscribers = std::stoi(v);
  }
  json out{{"get_course", fixed_rate(o, "/v1/courses/" + o.course, true)},
           {"health", fixed_rate(o, "/health", false)},
           {"websocket", fanout(o)},
           {"raw_socket_floor", raw_fanout(o.subscribers, 14, 300)}};
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}
