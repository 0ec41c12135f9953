#include "http/metrics.hpp"

#include <cstdio>

namespace sf::http {

void request_metrics::observe(const std::string& route, int status, double ms) {
  std::lock_guard lock(mu_);
  auto& s = routes_[route];
  ++s.by_status[status];
  std::size_t i = 0;
  while (i < bounds_ms.size() && ms > bounds_ms[i]) ++i;
  ++s.buckets[i];
  s.sum_ms += ms;
  ++s.count;
}

std::string request_metrics::prometheus() const {
  std::string out =
      "# HELP studyforge_http_requests_total requests answered, by route and status\n"
      "# TYPE studyforge_http_requests_total counter\n";
  std::lock_guard lock(mu_);
  for (const auto& [route, s] : routes_)
    for (const auto& [status, n] : s.by_status)
      out += "studyforge_http_requests_total{route=\"" + route + "\",status=\"" + std::to_string(status) + "\"} " +
             std::to_string(n) + "\n";
  out += "# HELP studyforge_http_request_duration_seconds time to answer, by route\n"
         "# TYPE studyforge_http_request_duration_seconds histogram\n";
  char num[32];
  for (const auto& [route, s] : routes_) {
    long long cumulative = 0;
    for (std::size_t i = 0; i <= bounds_ms.size(); ++i) {
      cumulative += s.buckets[i];
      std::string le = "+Inf";
      if (i < bounds_ms.size()) {
        std::snprintf(num, sizeof num, "%g", bounds_ms[i] / 1000.0);
        le = num;
      }
      out += "studyforge_http_request_duration_seconds_bucket{route=\"" + route + "\",le=\"" + le + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    std::snprintf(num, sizeof num, "%.6f", s.sum_ms / 1000.0);
    out += "studyforge_http_request_duration_seconds_sum{route=\"" + route + "\"} " + num + "\n";
    out += "studyforge_http_request_duration_seconds_count{route=\"" + route + "\"} " + std::to_string(s.count) + "\n";
  }
  out += "# TYPE studyforge_websocket_sessions gauge\nstudyforge_websocket_sessions " + std::to_string(websocket_sessions.load()) +
         "\n# TYPE studyforge_websocket_messages_sent_total counter\nstudyforge_websocket_messages_sent_total " +
         std::to_string(websocket_messages_out.load()) + "\n# TYPE studyforge_http_throttled_total counter\n"
         "studyforge_http_throttled_total " + std::to_string(throttled.load()) +
         "\n# TYPE studyforge_http_connections_refused_total counter\nstudyforge_http_connections_refused_total " +
         std::to_string(connections_refused.load()) + "\n";
  return out;
}

}  // namespace sf::http
