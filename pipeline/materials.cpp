#include "pipeline/materials.hpp"

#include "storage/jobs.hpp"
#include "storage/materials.hpp"

namespace sf::pipeline {
namespace {

std::string queue_generation(journal& j, const config::settings& cfg, const material_request& req,
                             const storage::material_record& m, int course_progress) {
  storage::new_job nj;
  nj.owner_id = req.owner_id;
  nj.course_id = req.course_id;
  nj.material_id = m.id;
  nj.kind = "generate";
  nj.lane = "generate";
  nj.cluster = cfg.nats_namespace;
  nj.max_attempts = static_cast<int>(cfg.job_kind("generate").backoff_s.size());
  auto job = j.job(nj);
  j.event({req.course_id, job.id, "generate", "queued", 0, course_progress, "queued: " + req.type, std::nullopt});
  return job.id;
}

}  // namespace

material_outcome request_material_in(pqxx::transaction_base& tx, journal& j, const config::settings& cfg,
                                     const material_request& req, int course_progress) {
  auto existing = storage::find_material(tx, req.course_id, req.type, true);
  if (!existing) {
    existing = storage::insert_material(tx, req.course_id, req.type, req.options_json);
    if (existing) {
      auto job_id = queue_generation(j, cfg, req, *existing, course_progress);
      storage::attach_material_job(tx, existing->id, job_id);
      existing->job_id = job_id;
      return {*existing, job_id, true};
    }
    // Lost a race with a concurrent request: the winner's row is committed now.
    existing = storage::find_material(tx, req.course_id, req.type, true);
  }
  auto& m = *existing;
  bool restart = m.status == "failed" || (m.status == "completed" && req.refresh_completed);
  if (!restart) {
    // A job that already runs has read the sources before this one: made again after it.
    if (m.status == "generating" && req.refresh_completed && m.job_id)
      if (auto job = storage::find_job(tx, *m.job_id); job && job->status == "running") storage::ask_refresh(tx, m.id);
    return {m, m.job_id, false};
  }
  // Made again for a new source: with the options it was asked for, not the defaults.
  auto again = storage::restart_material(tx, m.id, req.refresh_completed ? m.options_json : req.options_json);
  auto job_id = queue_generation(j, cfg, req, again, course_progress);
  storage::attach_material_job(tx, again.id, job_id);
  again.job_id = job_id;
  return {again, job_id, true};
}

}  // namespace sf::pipeline
