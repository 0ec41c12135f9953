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
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
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
#include "client/client.hpp"

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using nlohmann::json;

namespace {

struct options {
  sf::client::endpoint ep;
  std::string token, course, upload;
  int node_pid = 0, rate = 1000, seconds = 10, subscribers = 5000;
};

// User + system CPU seconds of a process so far.
double cpu_seconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string f;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i)
    if (i == 14 || i == 15) ticks += std::stod(f);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

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
std::string field(const std::string& msg, const std::string& name) {
  auto key = "\"" + name + "\":\"";
  auto at = msg.find(key);
  if (at == std::string::npos) return {};
  at += key.size();
  auto end = msg.find('"', at);
  return end == std::string::npos ? std::string() : msg.substr(at, end - at);
}

// A number field's value, found the same way.
long long number_field(const std::string& msg, const std::string& name) {
  auto key = "\"" + name + "\":";
  auto at = msg.find(key);
  return at == std::string::npos ? -1 : std::atoll(msg.c_str() + at + key.size());
}

struct fanout_stats {
  std::atomic<int> ready{0}, refused{0}, failed{0};
  std::vector<double> latencies;
  std::map<long long, std::vector<double>> by_event;  // seq -> latency at each subscriber
};

// One WebSocket subscriber, all on one io_context. Like a real client it subscribes again
// when the node answers `unavailable` (busy).
struct subscriber : std::enable_shared_from_this<subscriber> {
  websocket::stream<beast::tcp_stream> ws;
  beast::flat_buffer buffer;
  net::steady_timer retry;
  std::string hello;
  fanout_stats* stats;
  bool counted = false;
  subscriber(net::io_context& ioc, fanout_stats* s) : ws(ioc), retry(ioc), stats(s) {}

  void start(const tcp::resolver::results_type& at, const std::string& host, const std::string& target, std::string sub) {
    hello = std::move(sub);
    beast::get_lowest_layer(ws).async_connect(at, [self = shared_from_this(), host, target](beast::error_code ec, const tcp::endpoint&) {
      if (ec) return self->failed("connect", ec);
      self->ws.async_handshake(host, target, [self](beast::error_code ec2) {
        if (ec2) return self->failed("handshake", ec2);
        self->subscribe();
        self->read();
      });
    });
  }

  void failed(const char* stage, const beast::error_code& ec) {
    if (stats->failed++ < 3) std::fprintf(stderr, "websocket %s failed: %s\n", stage, ec.message().c_str());
  }

  void subscribe() {
    ws.async_write(net::buffer(hello), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) ++self->stats->failed;
    });
  }

  void read() {
    ws.async_read(buffer, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      auto now = std::chrono::system_clock::now();
      std::string msg = beast::buffers_to_string(self->buffer.data());
      self->buffer.consume(self->buffer.size());
      // Keys come sorted, so a snapshot's course (which has "type" fields of its own) comes first.
      auto type = msg.find("\"type\":\"snapshot\"") != std::string::npos ? std::string("snapshot") : field(msg, "type");
      if (type == "snapshot" && !self->counted) {
        self->counted = true;
        ++self->stats->ready;
      } else if (type == "event") {
        double got_ms = static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count()) / 1000;
        double ms = got_ms - epoch_ms(field(msg, "at"));
        self->stats->latencies.push_back(ms);
        self->stats->by_event[number_field(msg, "seq")].push_back(ms);
      } else if (type == "error" && field(msg, "code") == "unavailable") {
        ++self->stats->refused;
        self->retry.expires_after(std::chrono::milliseconds(200));
        self->retry.async_wait([self](beast::error_code e) {
          if (!e) self->subscribe();
        });
      }
      self->read();
    });
  }
};

json fanout(const options& o) {
  net::io_context ioc;
  tcp::resolver resolver(ioc);
  auto at = resolver.resolve(o.ep.host, std::to_string(o.ep.port));
  fanout_stats stats;
  long before = rss_kib(o.node_pid);
  std::vector<std::shared_ptr<subscriber>> subs;
  std::string hello = json{{"op", "subscribe"}, {"course_id", o.course}}.dump();
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < o.subscribers; ++i) {
    subs.push_back(std::make_shared<subscriber>(ioc, &stats));
    subs.back()->start(at, o.ep.host, "/v1/ws?token=" + o.token, hello);
  }
  auto deadline = t0 + std::chrono::seconds(60);
  while (stats.ready + stats.failed < o.subscribers && std::chrono::steady_clock::now() < deadline)
    ioc.run_for(std::chrono::milliseconds(100));
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
  ioc.run_for(std::chrono::seconds(20));
  uploader.join();
  double node_cpu = cpu_seconds(o.node_pid) - node_cpu0, own_cpu = cpu_seconds(getpid()) - own_cpu0;
  auto ready = stats.ready.load();
  // Each event alone: how long its last subscribers waited. The first event of the burst meets
  // an idle node; later ones may queue behind the fan-out of those before them.
  json per_event = json::array();
  for (auto& [seq, l] : stats.by_event)
    per_event.push_back({{"seq", seq}, {"subscribers", l.size()}, {"p50_ms", percentile(l, 0.5)}, {"p99_ms", percentile(l, 0.99)}});
  return {{"per_event", per_event},{"subscribers", o.subscribers},
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
