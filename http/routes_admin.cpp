// Operator routes: lane health, Prometheus metrics, and probe jobs for testing the runtime.
#include <pqxx/pqxx>

#include "actors/runtime.hpp"
#include "config/settings.hpp"
#include "http/api.hpp"
#include "http/recent.hpp"
#include "pipeline/submit.hpp"
#include "storage/jobs.hpp"

namespace sf::http {
namespace {

// One lane as three sources see it: JetStream, PostgreSQL and this node.
struct lane_view {
  std::string lane;
  messaging::lane_stats bus;
  storage::lane_db_stats db;
  actors::lane_status node;
};

std::vector<lane_view> collect(api_deps& d) {
  std::map<std::string, lane_view> lanes;
  for (const char* name : config::lane_names) {
    auto& v = lanes[name];
    v.lane = name;
    if (auto st = d.services.bus.stats(name)) v.bus = st.value();
  }
  {
    auto conn = d.services.db.acquire();
    pqxx::read_transaction tx(*conn);
    for (auto& row : storage::lane_stats(tx, d.services.cfg.nats_namespace))
      if (auto it = lanes.find(row.lane); it != lanes.end()) it->second.db = row;
  }
  if (d.runtime)
    for (auto& l : d.runtime->lanes())
      if (auto it = lanes.find(l.lane); it != lanes.end()) it->second.node = l;
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
                      {"pending", v.bus.pending},
                      {"in_flight", v.bus.in_flight},
                      {"redelivered", v.bus.redelivered},
                      {"failed", v.db.failed_last_hour},
                      {"oldest_pending_age_s", v.db.oldest_waiting_age_s},
                      {"consumers", v.bus.waiting},
                      {"queued_in_db", v.db.waiting},
                      {"running_in_db", v.db.running},
                      {"node", {{"capacity", v.node.capacity}, {"in_flight", v.node.in_flight}, {"started", v.node.started},
                                {"succeeded", v.node.succeeded}, {"failed", v.node.failed}, {"retried", v.node.retried},
                                {"cancelled", v.node.cancelled}, {"skipped", v.node.skipped}}}});
    return json_response(200, {{"node_id", d.services.cfg.node_id}, {"lanes", list}});
  }, "none");

  auto* d_metrics = &a.metrics();
  // Anyone may scrape: the lanes' figures (PostgreSQL and JetStream) are read at most once a second.
  auto lane_figures = std::make_shared<recent<std::vector<lane_view>>>(std::chrono::seconds(1));
  a.add("GET", "/metrics", false, [&d, d_metrics, lane_figures](call&) {
    auto lanes = lane_figures->get([&] { return collect(d); });
    std::string out;
    auto series = [&](const std::string& name, const std::string& help, const std::string& type, auto value) {
      metric(out, name, help, type);
      for (const auto& v : lanes)
        out += name + "{lane=\"" + v.lane + "\"} " + std::to_string(value(v)) + "\n";
    };
    series("studyforge_lane_pending", "messages waiting in the lane's stream", "gauge", [](const lane_view& v) { return v.bus.pending; });
    series("studyforge_lane_in_flight", "messages delivered and not yet acknowledged, all nodes", "gauge",
           [](const lane_view& v) { return v.bus.in_flight; });
    series("studyforge_lane_redelivered", "messages delivered more than once", "gauge",
           [](const lane_view& v) { return v.bus.redelivered; });
    series("studyforge_lane_failed_last_hour", "jobs that ended failed in the last hour", "gauge",
           [](const lane_view& v) { return v.db.failed_last_hour; });
    series("studyforge_lane_oldest_pending_age_seconds", "age of the oldest waiting job", "gauge",
           [](const lane_view& v) { return v.db.oldest_waiting_age_s; });
    series("studyforge_node_lane_capacity", "jobs this node runs at once in the lane", "gauge",
           [](const lane_view& v) { return v.node.capacity; });
    series("studyforge_node_lane_running", "jobs running on this node", "gauge", [](const lane_view& v) { return v.node.in_flight; });
    series("studyforge_node_jobs_started_total", "jobs started on this node", "counter", [](const lane_view& v) { return v.node.started; });
    series("studyforge_node_jobs_succeeded_total", "jobs that succeeded on this node", "counter",
           [](const lane_view& v) { return v.node.succeeded; });
    series("studyforge_node_jobs_retried_total", "messages handed back for another attempt on this node", "counter",
           [](const lane_view& v) { return v.node.retried; });
    series("studyforge_node_jobs_failed_total", "jobs that failed for good on this node", "counter",
           [](const lane_view& v) { return v.node.failed; });
    series("studyforge_node_jobs_cancelled_total", "jobs that ended cancelled on this node", "counter",
           [](const lane_view& v) { return v.node.cancelled; });
    series("studyforge_node_jobs_skipped_total", "deliveries of jobs that had already ended", "counter",
           [](const lane_view& v) { return v.node.skipped; });
    response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = std::move(out) + d_metrics->prometheus();
    return r;
  }, "none");

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
    // Answered once its batch is made and queued; this request worker goes on meanwhile.
    pipeline::submit_probe(d.services, c.user->id, lane, payload.dump(),
                           [reply = c.answer_later(), req = c.req](result<std::string> r) {
                             reply(r ? json_response(202, {{"job_id", r.value()}}) : error_response(r.error(), req));
                           });
    return response{};
  }, "none");
}

}  // namespace sf::http
