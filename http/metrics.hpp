#pragma once
// Request counters and latency histograms per route, in Prometheus' text format.
#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <string>

namespace sf::http {

class request_metrics {
 public:
  static constexpr std::array<double, 12> bounds_ms{1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000};

  void observe(const std::string& route, int status, double ms);
  std::string prometheus() const;

  std::atomic<long long> websocket_sessions{0};
  std::atomic<long long> websocket_messages_out{0};
  std::atomic<long long> throttled{0};
  std::atomic<long long> connections_refused{0};  // over the per-address connection cap

 private:
  struct series {
    std::map<int, long long> by_status;
    std::array<long long, bounds_ms.size() + 1> buckets{};
    double sum_ms = 0;
    long long count = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, series> routes_;
};

}  // namespace sf::http
