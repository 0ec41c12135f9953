#include "pipeline/control.hpp"

#include <ctime>
#include <pqxx/pqxx>

#include "pipeline/jobs.hpp"
#include "pipeline/journal.hpp"
#include "pipeline/rules.hpp"
#include "storage/courses.hpp"
#include "storage/jobs.hpp"
#include "storage/materials.hpp"
#include "storage/sources.hpp"

namespace sf::pipeline {
namespace {

// The job, locked, if `owner_id` may act on it (empty: an admin, who may act on any).
std::optional<storage::job_record> lock_owned_job(pqxx::transaction_base& tx, const std::string& owner_id,
                                                  const std::string& job_id) {
  auto job = storage::find_job(tx, job_id, true);
  if (!job || (!owner_id.empty() && job->owner_id != owner_id)) return std::nullopt;
  return job;
}

}  // namespace

result<std::string> cancel_job(services& s, const std::string& owner_id, const std::string& job_id) {
  std::string outcome;
  std::vector<storage::event_record> events;
  try {
    auto conn = s.db.acquire();
    pqxx::work tx(*conn);
    auto job = lock_owned_job(tx, owner_id, job_id);
    if (!job) return failure(errc::not_found, "no such job");
    if (job_is_terminal(job->status)) return failure(errc::conflict, "the job already ended: " + job->status);
    storage::request_cancel(tx, job_id);
    journal j(tx);
    if (job->status == "running") {
      outcome = "cancelling";
    } else {
      storage::set_job_status(tx, job_id, "cancelled", "cancelled by request");
      if (job->course_id) {
        auto course = storage::find_course_by_id(tx, *job->course_id, true);
        j.event({*job->course_id, job_id, job->kind, "cancelled", job->progress, course ? course->progress : 0,
                 "cancelled by request", std::nullopt});
      }
      release_cancelled(tx, j, *job);
      outcome = "cancelled";
    }
    tx.commit();
    events = j.events();
  } catch (const std::exception& e) {
    return boost::outcome_v2::failure(storage::classify(e));
  }
  publish_events(s.bus, events);
  // Every node hears this; the one running the job stops it at its next checkpoint. If the
  // message is lost, the job still finds cancel_requested when it next reports progress.
  if (outcome == "cancelling") (void)s.bus.publish(s.bus.subjects().control("cancel"), job_id);
  return outcome;
}

result<void> retry_job(services& s, const std::string& owner_id, const std::string& job_id) {
  storage::job_record job;
  std::vector<storage::event_record> events;
  try {
    auto conn = s.db.acquire();
    pqxx::work tx(*conn);
    auto found = lock_owned_job(tx, owner_id, job_id);
    if (!found) return failure(errc::not_found, "no such job");
    if (found->status != "failed") return failure(errc::conflict, "only a failed job can be retried; it is " + found->status);
    job = *found;
    std::optional<storage::material_record> material;
    if (job.material_id) {
      material = storage::find_material_by_id(tx, *job.material_id);
      // Requested again since: a newer job makes it, and two must never write it.
      if (material && material->job_id != job.id)
        return failure(errc::conflict, "the material was requested again since; its newer job " +
                                           material->job_id.value_or("") + " makes it");
    }
    storage::requeue_job(tx, job_id, static_cast<int>(s.cfg.job_kind(job.kind).backoff_s.size()));
    if (material && material->status == "failed") storage::restart_material(tx, material->id, material->options_json);
    if (job.source_id) storage::set_source_outcome(tx, *job.source_id, {"pending", std::nullopt, std::nullopt, 0, 0, std::nullopt});
    journal j(tx);
    if (job.course_id) {
      auto course = storage::find_course_by_id(tx, *job.course_id, true);
      if (course && course->status == "failed")
        storage::update_course_state(tx, course->id, course->version,
                                     {"processing", course->progress, std::string("retrying"), std::nullopt, std::nullopt});
      j.event({*job.course_id, job_id, job.kind, "queued", 0, course ? course->progress : 0, "retry requested", std::nullopt});
    }
    tx.commit();
    events = j.events();
  } catch (const std::exception& e) {
    return boost::outcome_v2::failure(storage::classify(e));
  }
  publish_events(s.bus, events);
  // A new message id: the first delivery's id may still sit in the dedup window. If this
  // publish fails the row stays queued and the sweep republishes it.
  return s.bus.publish_job(job.lane, job.kind, job.id, job.id + ":retry:" + std::to_string(std::time(nullptr)));
}

}  // namespace sf::pipeline
