// Operator routes: lane health, Prometheus metrics, and probe jobs for testing the runtime.
#include <pqxx/pqxx>

#include "actors/runtime.hpp"
#include "config/settings.hpp"
#include "http/api.hpp"
#include "pipeline/submit.hpp"
#include "storage/jobs.hpp"

namespace sf::http {
namespace {

struct lane_view {
  std::string lane;
  long long pending = 0, in_flight = 0, redelivered = 0, waiting_consumers = 0;
  long long db_waiting = 0, db_running = 0, failed_last_hour = 0;
  double oldest_pending_age_s = 0;
  // this node's own counters
  int capacity = 0, local_in_flight = 0;
  long long started = 0, succeeded = 0, failed = 0, retried = 0;
};

std::vector<lane_view> collect(api_deps& d) {
  std::map<std::string, lane_view> lanes;
  for (const char* name : config::lane_names) lanes[name].lane = name;
  for (auto& [name, v] : lanes) {
    if (auto st = d.services.bus.stats(name)) {
      v.pending = static_cast<long long>(st.value().pending);
      v.in_flight = st.value().in_flight;
      v.redelivered = st.value().redelivered;
      v.waiting_consumers = st.value().waiting;
    }
  }
  {
    auto conn = d.services.db.acquire();
    pqxx::read_transaction tx(*conn);
    for (const auto& row : storage::lane_stats(tx)) {
      auto it = lanes.find(row.lane);
      if (it == lanes.end()) continue;
      it->second.db_waiting = row.waiting;
      it->second.db_running = row.running;
      it->second.failed_last_hour = row.failed_last_hour;
      it->second.oldest_pending_age_s = row.oldest_waiting_age_s;
    }
  }
  if (d.runtime)
    for (const auto& l : d.runtime->lanes()) {
      auto& v = lanes[l.lane];
      v.capacity = l.capacity;
      v.local_in_flight = l.in_flight;
      v.started = l.started;
      v.succeeded = l.succeeded;
      v.failed = l.failed;
      v.retried = l.retried;
    }
  std::vector<lane_view> out;
  for (auto& [name, v] : lanes) out.push_back(v);
  return out;
}

response forbidden(const call& c) { return error_response(403, "forbidden", "this route is for administrators", c.req); }

void metric(std::string& out, const std::string& name, const std::string& help, const std::string& type) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

void add_admin_routes(api& a) {
  auto& d = a.deps();

  a.add("GET", "/v1/admin/lanes", true, [&d](call& c) {
    if (!c.user->is_admin) return forbidden(c);
    auto list = nlohmann::json::array();
    for (const auto& v : collect(d))
      list.push_back({{"lane", v.lane},
                      {"pending", v.pending},
                      {"in_flight", v.in_flight},
                      {"redelivered", v.redelivered},
                      {"failed", v.failed_last_hour},
                      {"oldest_pending_age_s", v.oldest_pending_age_s},
                      {"consumers", v.waiting_consumers},
                      {"queued_in_db", v.db_waiting},
                      {"running_in_db", v.db_running},
                      {"node", {{"capacity", v.capacity}, {"in_flight", v.local_in_flight}, {"started", v.started},
                                {"succeeded", v.succeeded}, {"failed", v.failed}, {"retried", v.retried}}}});
    return json_response(200, {{"node_id", d.services.cfg.node_id}, {"lanes", list}});
  });

  a.add("GET", "/metrics", false, [&d](call&) {
    auto lanes = collect(d);
    std::string out;
    auto series = [&](const std::string& name, const std::string& help, const std::string& type, auto value) {
      metric(out, name, help, type);
      for (const auto& v : lanes)
        out += name + "{lane=\"" + v.lane + "\"} " + std::to_string(value(v)) + "\n";
    };
    series("studyforge_lane_pending", "messages waiting in the lane's stream", "gauge", [](const lane_view& v) { return v.pending; });
    series("studyforge_lane_in_flight", "messages delivered and not yet acknowledged, all nodes", "gauge",
           [](const lane_view& v) { return v.in_flight; });
    series("studyforge_lane_redelivered", "messages delivered more than once", "gauge", [](const lane_view& v) { return v.redelivered; });
    series("studyforge_lane_failed_last_hour", "jobs that ended failed in the last hour", "gauge",
           [](const lane_view& v) { return v.failed_last_hour; });
    series("studyforge_lane_oldest_pending_age_seconds", "age of the oldest waiting job", "gauge",
           [](const lane_view& v) { return v.oldest_pending_age_s; });
    series("studyforge_node_lane_capacity", "jobs this node runs at once in the lane", "gauge", [](const lane_view& v) { return v.capacity; });
    series("studyforge_node_lane_running", "jobs running on this node", "gauge", [](const lane_view& v) { return v.local_in_flight; });
    series("studyforge_node_jobs_started_total", "jobs started on this node", "counter", [](const lane_view& v) { return v.started; });
    series("studyforge_node_jobs_succeeded_total", "messages acknowledged as done on this node", "counter",
           [](const lane_view& v) { return v.succeeded; });
    series("studyforge_node_jobs_retried_total", "messages handed back for another attempt on this node", "counter",
           [](const lane_view& v) { return v.retried; });
    series("studyforge_node_jobs_failed_total", "jobs that failed for good on this node", "counter", [](const lane_view& v) { return v.failed; });
    response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = std::move(out);
    return r;
  });

  a.add("POST", "/v1/admin/probe-jobs", true, [&d](call& c) {
    if (!c.user->is_admin) return forbidden(c);
    if (!d.services.cfg.enable_probe_jobs)
      return error_response(404, "not_found", "probe jobs are disabled on this node (enable_probe_jobs)", c.req);
    response err;
    auto body = parse_object(c.req, err);
    if (!body) return err;
    std::string lane = body->value("lane", std::string("generate"));
    if (std::find(config::lane_names.begin(), config::lane_names.end(), lane) == config::lane_names.end())
      return error_response(422, "invalid_value", "unknown lane", c.req);
    nlohmann::json payload = body->value("payload", nlohmann::json::object());
    if (!payload.is_object()) return error_response(422, "invalid_value", "payload must be an object", c.req);
    auto r = pipeline::submit_probe(d.services, c.user->id, lane, payload.dump());
    if (!r) return error_response(r.error(), c.req);
    return json_response(202, {{"job_id", r.value()}});
  });
}

}  // namespace sf::http
