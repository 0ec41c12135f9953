#include "pipeline/submit.hpp"

#include <algorithm>
#include <fstream>
#include <functional>
#include <pqxx/pqxx>

#include "ingest/extract.hpp"
#include "ingest/sniff.hpp"
#include "pipeline/job_batches.hpp"
#include "pipeline/rules.hpp"
#include "pipeline/with_db.hpp"
#include "storage/courses.hpp"
#include "storage/jobs.hpp"
#include "storage/materials.hpp"
#include "storage/sources.hpp"

namespace sf::pipeline {
namespace {

std::string read_head(const std::filesystem::path& p, std::size_t n) {
  std::ifstream in(p, std::ios::binary);
  std::string head(n, '\0');
  in.read(head.data(), static_cast<std::streamsize>(n));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head;
}


// Moves the course back to pending for new work, keeping its version check. Returns the
// version it wrote, if it moved the course.
std::optional<long long> reopen_course(pqxx::transaction_base& tx, const storage::course_record& c) {
  if (c.status == "pending" || c.status == "processing") return std::nullopt;
  if (!course_transition_allowed(c.status, "pending")) return std::nullopt;
  return storage::update_course_state(tx, c.id, c.version, {"pending", 0, std::string("queued"), std::nullopt, std::nullopt});
}

// Undoes reopen_course once the work it was reopened for could not be queued, unless the
// course moved on since (another upload, a node that took the job after all).
void undo_reopen(pqxx::transaction_base& tx, const storage::course_record& before, long long reopened_as) {
  storage::update_course_state(tx, before.id, reopened_as,
                               {before.status, before.progress, before.current_step, before.error, before.reject_reason});
}

// After its publish failed nothing may claim the job was queued: it is marked failed, and
// `also` marks what it was for, unless a node took it meanwhile (its message did arrive).
// Returns whether it was marked; with the database down too, the row waits for the sweep.
bool unqueue(services& s, const storage::job_record& job, const error& why,
             const std::function<void(pqxx::work&)>& also) {
  auto marked = with_db(s, [&](pqxx::work& tx) -> result<bool> {
    bool failed = !storage::fail_unpublished_jobs(tx, {job.id}, "enqueue failed: " + why.message).empty();
    if (failed) also(tx);
    tx.commit();
    return failed;
  });
  return !marked || marked.value();
}

}  // namespace

result<submitted_source> submit_source(services& s, const upload& u) {
  std::error_code ec;
  auto size = std::filesystem::file_size(u.file, ec);
  if (ec) return failure(errc::internal, "the upload was not received");
  auto kind = ingest::sniff(read_head(u.file, 4096));
  if (kind.kind == ingest::media_kind::empty) {
    std::filesystem::remove(u.file, ec);
    return failure(errc::unsupported_media, "the file is empty");
  }
  if (kind.media_type == "text/plain; charset=unknown") {
    std::filesystem::remove(u.file, ec);
    return failure(errc::unsupported_media, "the text is not UTF-8; save it as UTF-8 and upload it again");
  }
  if (kind.kind == ingest::media_kind::unknown || !ingest::readable(kind.media_type)) {
    std::filesystem::remove(u.file, ec);
    return failure(errc::unsupported_media, "cannot read files of type " + kind.media_type + " (detected from its bytes)");
  }
  if (size > s.cfg.max_upload_bytes) return failure(errc::too_large, "the file is larger than the upload limit");

  // Check the course before storing, so a stranger's id costs nothing.
  auto owned = with_db(s, [&](pqxx::work& tx) -> result<void> {
    if (!storage::find_course(tx, u.owner_id, u.course_id)) return failure(errc::not_found, "no such course");
    return success();
  });
  if (!owned) {
    std::filesystem::remove(u.file, ec);
    return owned.error();
  }
  BOOST_OUTCOME_TRY(blob, s.blobs.adopt(u.file));

  storage::job_record job;
  storage::source_record source;
  std::optional<storage::course_record> before;
  std::optional<long long> reopened_as;
  std::vector<storage::event_record> events;
  auto committed = with_db(s, [&](pqxx::work& tx) -> result<void> {
    before = storage::find_course(tx, u.owner_id, u.course_id);
    if (!before) return failure(errc::not_found, "no such course");
    source = storage::create_source(tx, u.course_id, u.filename, kind.media_type, blob.sha256,
                                    static_cast<long long>(blob.bytes));
    reopened_as = reopen_course(tx, *before);
    journal j(tx);
    storage::new_job nj;
    nj.owner_id = u.owner_id;
    nj.course_id = u.course_id;
    nj.source_id = source.id;
    // Images and video need OCR or speech recognition from the start: their own lane.
    nj.kind = ingest::needs_ocr_lane(kind.media_type) ? "ocr" : "extract";
    nj.lane = nj.kind;
    nj.cluster = s.cfg.nats_namespace;
    nj.max_attempts = static_cast<int>(s.cfg.job_kind(nj.kind).backoff_s.size());
    job = j.job(nj);
    j.event({u.course_id, job.id, job.kind, "queued", 0, 0, "queued: " + u.filename, std::nullopt});
    tx.commit();
    events = j.events();
    return success();
  });
  if (!committed) {
    s.blobs.mark_unreferenced(blob.sha256);  // removed by a sweep if no source row names it
    return committed.error();
  }

  if (auto published = s.bus.publish_job(job.lane, job.kind, job.id);
      !published && unqueue(s, job, published.error(), [&](pqxx::work& tx) {
        storage::set_source_outcome(tx, source.id, {"failed", std::nullopt, std::nullopt, 0, 0, std::nullopt});
        if (reopened_as) undo_reopen(tx, *before, *reopened_as);
      }))
    return failure(errc::unavailable, "the job queue is unavailable; the upload was not queued, try again");
  publish_events(s.bus, events);
  return submitted_source{source.id, job.id};
}

result<material_outcome> submit_material(services& s, const material_request& req) {
  material_outcome out;
  std::vector<storage::job_record> jobs;
  std::vector<storage::event_record> events;
  std::optional<storage::course_record> before;
  std::optional<long long> reopened_as;
  auto committed = with_db(s, [&](pqxx::work& tx) -> result<void> {
    auto course = storage::find_course(tx, req.owner_id, req.course_id);
    if (!course) return failure(errc::not_found, "no such course");
    before = course;
    bool has_text = false;
    for (const auto& src : storage::list_sources(tx, req.course_id)) has_text |= src.status == "extracted";
    bool from_topic = req.type == "outline" && course->topic && !course->topic->empty();
    if (!has_text && !from_topic)
      return failure(errc::conflict, "the course has no extracted source yet; upload one and wait for it");
    journal j(tx);
    out = request_material_in(tx, j, s.cfg, req, course->progress);
    // A course failed for this material works on it again: judged anew when it ends.
    bool counts = std::find(course->materials_requested.begin(), course->materials_requested.end(), req.type) !=
                  course->materials_requested.end();
    if (out.created_job && counts && course->status == "failed") {
      reopened_as = storage::update_course_state(tx, course->id, course->version,
                                                 {"processing", course->progress, std::string("generating"), std::nullopt, std::nullopt});
      if (reopened_as)
        j.event({course->id, out.job_id, "course", "processing", course->progress, course->progress, "generating", std::nullopt});
    }
    tx.commit();
    jobs = j.jobs();
    events = j.events();
    return success();
  });
  if (!committed) return committed.error();
  for (const auto& job : jobs) {
    if (auto published = s.bus.publish_job(job.lane, job.kind, job.id);
        !published && unqueue(s, job, published.error(), [&](pqxx::work& tx) {
          if (job.material_id) storage::fail_material(tx, *job.material_id, job.id, "enqueue failed");
          if (reopened_as) undo_reopen(tx, *before, *reopened_as);
        }))
      return failure(errc::unavailable, "the job queue is unavailable; nothing was queued, try again");
  }
  publish_events(s.bus, events);
  return out;
}

void submit_probe(services& s, const std::string& owner_id, const std::string& lane, const std::string& payload_json,
                  std::function<void(result<std::string>)> done) {
  storage::new_job nj;
  nj.owner_id = owner_id;
  nj.kind = "probe";
  nj.lane = lane;
  nj.cluster = s.cfg.nats_namespace;
  nj.max_attempts = static_cast<int>(s.cfg.job_kind("probe").backoff_s.size());
  nj.payload_json = payload_json;
  // Made and published together with submissions that arrive meanwhile.
  s.batches.submit_then(std::move(nj), [done = std::move(done)](job_batches::submitted made) {
    done(made ? result<std::string>(made.value().id) : result<std::string>(made.error()));
  });
}

result<storage::course_record> submit_course(services& s, const storage::new_course& c) {
  storage::course_record course;
  std::vector<storage::job_record> jobs;
  std::vector<storage::event_record> events;
  auto committed = with_db(s, [&](pqxx::work& tx) -> result<void> {
    course = storage::create_course(tx, c);
    if (c.topic && !c.topic->empty()) {
      journal j(tx);
      request_material_in(tx, j, s.cfg, {c.owner_id, course.id, "outline", "{}", false}, 0);
      jobs = j.jobs();
      events = j.events();
    }
    tx.commit();
    return success();
  });
  if (!committed) return committed.error();
  // A lost publish leaves the outline job queued for the sweep; the course itself exists.
  for (const auto& job : jobs) (void)s.bus.publish_job(job.lane, job.kind, job.id);
  publish_events(s.bus, events);
  return course;
}

}  // namespace sf::pipeline
