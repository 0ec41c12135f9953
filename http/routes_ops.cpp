// Health and readiness for load balancers and operators.
#include "http/api.hpp"

namespace sf::http {

void add_ops_routes(api& a) {
  auto& d = a.deps();

  a.add("GET", "/health", false, [&d](call&) {
    bool pg = d.services.db.healthy();
    bool nats = d.services.bus.connected();
    return json_response(200, {{"status", pg && nats ? "healthy" : "degraded"},
                               {"postgres", pg ? "up" : "down"},
                               {"nats", nats ? "up" : "down"},
                               {"node_id", d.services.cfg.node_id},
                               {"version", d.version}});
  });

  a.add("GET", "/ready", false, [&d](call& c) {
    if (!d.services.bus.connected() || !d.services.db.healthy())
      return error_response(503, "unavailable", "a dependency is down", c.req);
    return json_response(200, {{"status", "ready"}});
  });
}

}  // namespace sf::http
