// Jobs: status, cancellation, retry, listing. Admins see every job.
#include <algorithm>
#include <pqxx/pqxx>

#include "common/ids.hpp"
#include "config/settings.hpp"
#include "http/api.hpp"
#include "http/wire.hpp"
#include "pipeline/control.hpp"
#include "storage/jobs.hpp"

namespace sf::http {
namespace {

std::string scope(const call& c) { return c.user->is_admin ? std::string() : c.user->id; }

const std::vector<std::string> job_statuses{"queued", "running", "retrying", "succeeded", "failed", "cancelled"};

}  // namespace

void add_job_routes(api& a) {
  auto& s = a.deps().services;

  a.add("GET", "/v1/jobs/{job_id}", true, [&s](call& c) {
    if (!is_uuid(c.params[0])) return error_response(404, "not_found", "no such job", c.req);
    auto conn = s.db.acquire();
    pqxx::read_transaction tx(*conn);
    auto job = storage::find_owned_job(tx, scope(c), c.params[0]);
    if (!job) return error_response(404, "not_found", "no such job", c.req);
    return json_response(200, to_json(*job));
  });

  // Every attempt with its node, timing and error.
  a.add("GET", "/v1/jobs/{job_id}/events", true, [&s](call& c) {
    if (!is_uuid(c.params[0])) return error_response(404, "not_found", "no such job", c.req);
    auto conn = s.db.acquire();
    pqxx::read_transaction tx(*conn);
    if (!storage::find_owned_job(tx, scope(c), c.params[0])) return error_response(404, "not_found", "no such job", c.req);
    auto list = nlohmann::json::array();
    for (const auto& e : storage::job_history(tx, c.params[0])) {
      nlohmann::json detail = e.detail_json ? nlohmann::json::parse(*e.detail_json, nullptr, false) : nlohmann::json(nullptr);
      list.push_back({{"status", e.status},
                      {"step", e.step ? nlohmann::json(*e.step) : nlohmann::json(nullptr)},
                      {"detail", detail.is_discarded() ? nlohmann::json(nullptr) : detail},
                      {"at", e.at}});
    }
    return json_response(200, {{"job_id", c.params[0]}, {"events", list}});
  });

  a.add("DELETE", "/v1/jobs/{job_id}", true, [&s](call& c) {
    if (!is_uuid(c.params[0])) return error_response(404, "not_found", "no such job", c.req);
    auto r = pipeline::cancel_job(s, scope(c), c.params[0]);
    if (!r) return error_response(r.error(), c.req);
    return json_response(r.value() == "cancelling" ? 202 : 200, {{"status", r.value()}});
  });

  a.add("POST", "/v1/jobs/{job_id}/retry", true, [&s](call& c) {
    if (!is_uuid(c.params[0])) return error_response(404, "not_found", "no such job", c.req);
    auto r = pipeline::retry_job(s, scope(c), c.params[0]);
    if (!r) return error_response(r.error(), c.req);
    return json_response(202, {{"status", "queued"}, {"job_id", c.params[0]}});
  });

  a.add("GET", "/v1/jobs", true, [&s](call& c) {
    auto status = c.req.param("status");
    auto lane = c.req.param("lane");
    if (status && std::find(job_statuses.begin(), job_statuses.end(), *status) == job_statuses.end())
      return error_response(422, "invalid_value", "unknown status", c.req);
    if (lane && std::none_of(config::lane_names.begin(), config::lane_names.end(), [&](const char* n) { return *lane == n; }))
      return error_response(422, "invalid_value", "unknown lane", c.req);
    auto conn = s.db.acquire();
    pqxx::read_transaction tx(*conn);
    auto list = nlohmann::json::array();
    for (const auto& j : storage::list_jobs(tx, scope(c), status, lane, 500)) list.push_back(to_json(j));
    return json_response(200, {{"jobs", list}});
  });
}

}  // namespace sf::http
