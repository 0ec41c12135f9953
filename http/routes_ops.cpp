// Health and readiness for load balancers and operators.
#include <memory>

#include "http/api.hpp"
#include "http/recent.hpp"
#include "web/index_html.hpp"

namespace sf::http {
namespace {

// The OpenAPI 3 document, made from the route table itself so it cannot drift from it.
nlohmann::json openapi(const api& a, const std::string& version) {
  nlohmann::json paths = nlohmann::json::object();
  for (const auto& [path, method] : a.route_list()) {
    nlohmann::json op{{"operationId", method + path}, {"responses", {{"200", {{"description", "done"}}}}}};
    op["responses"]["default"] = {
        {"description", "an error"},
        {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
    nlohmann::json params = nlohmann::json::array();
    for (std::size_t at = path.find('{'); at != std::string::npos; at = path.find('{', at + 1)) {
      auto name = path.substr(at + 1, path.find('}', at) - at - 1);
      params.push_back({{"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
    }
    if (!params.empty()) op["parameters"] = params;
    bool open = path.rfind("/v1/", 0) != 0 || path == "/v1/auth/signup" || path == "/v1/auth/login";
    if (!open) op["security"] = nlohmann::json::array({{{"bearer", nlohmann::json::array()}}});
    std::string lower = method;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    paths[path][lower] = op;
  }
  paths["/v1/ws"]["get"] = {{"operationId", "GET/v1/ws"},
                            {"description", "WebSocket: subscribe to course events (see docs/api.md)"},
                            {"responses", {{"101", {{"description", "switching protocols"}}}}}};
  return {{"openapi", "3.0.3"},
          {"info", {{"title", "studyforge"}, {"version", version}}},
          {"paths", paths},
          {"components",
           {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
            {"schemas",
             {{"Error",
               {{"type", "object"},
                {"properties",
                 {{"error",
                   {{"type", "object"},
                    {"properties",
                     {{"code", {{"type", "string"}}}, {"message", {{"type", "string"}}}, {"request_id", {{"type", "string"}}}}}}}}}}}}}}}};
}

}  // namespace

void add_ops_routes(api& a) {
  auto& d = a.deps();

  a.add("GET", "/", false, [](call&) {
    response r;
    r.content_type = "text/html; charset=utf-8";
    r.body = web::index_html;
    r.headers.push_back({"Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self' ws: wss:"});
    r.headers.push_back({"X-Content-Type-Options", "nosniff"});
    return r;
  }, "none");

  a.add("GET", "/openapi.json", false, [&a, &d](call&) { return json_response(200, openapi(a, d.version)); }, "none");

  // Anyone may probe: PostgreSQL is asked at most once a second.
  auto pg_up = std::make_shared<recent<bool>>(std::chrono::seconds(1));
  a.add("GET", "/health", false, [&d, pg_up](call&) {
    bool pg = pg_up->get([&] { return d.services.db.healthy(); });
    bool nats = d.services.bus.connected();
    return json_response(200, {{"status", pg && nats ? "healthy" : "degraded"},
                               {"postgres", pg ? "up" : "down"},
                               {"nats", nats ? "up" : "down"},
                               {"node_id", d.services.cfg.node_id},
                               {"version", d.version}});
  }, "none");

  a.add("GET", "/ready", false, [&d, pg_up](call& c) {
    if (!d.services.bus.connected() || !pg_up->get([&] { return d.services.db.healthy(); }))
      return error_response(503, "unavailable", "a dependency is down", c.req);
    return json_response(200, {{"status", "ready"}});
  }, "none");
}

}  // namespace sf::http
