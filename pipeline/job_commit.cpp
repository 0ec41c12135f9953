// The transactions that move jobs, and with them sources, materials and courses.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <unordered_map>

#include "common/ids.hpp"
#include "common/utf8.hpp"
#include "pipeline/job_batches.hpp"
#include "pipeline/journal.hpp"
#include "pipeline/jobs.hpp"
#include "pipeline/materials.hpp"
#include "pipeline/rules.hpp"
#include "pipeline/with_db.hpp"
#include "storage/courses.hpp"
#include "storage/jobs.hpp"
#include "storage/materials.hpp"
#include "storage/sources.hpp"

namespace sf::pipeline {
namespace {

// A job's transaction, committed with others of its lane when a group commit is set up.
// The journal is published after the commit (by the group's leader, in commit order); an
// unpublished job stays queued for the sweep.
template <class F>
result<void> in_transaction(services& s, const std::string& lane, F&& body) {
  std::optional<journal> j;
  auto run = [&](pqxx::work& tx) -> result<void> {
    j.emplace(tx);  // afresh on every try: a rolled-back group runs the body again
    BOOST_OUTCOME_TRYV(body(tx, *j));
    j->write_logs();
    return success();
  };
  auto publish = [&] { (void)j->publish(s.bus); };
  if (s.commits) return s.commits->run(lane, run, publish);
  BOOST_OUTCOME_TRYV(with_db(s, [&](pqxx::work& tx) -> result<void> {
    BOOST_OUTCOME_TRYV(run(tx));
    tx.commit();
    return success();
  }));
  publish();
  return success();
}

// Moves a course under its row lock, checked against the state machine and the version.
void move_course(pqxx::transaction_base& tx, journal& j, storage::course_record& c, const storage::course_state& next,
                 const std::optional<std::string>& job_id) {
  bool changes_status = next.status != c.status;
  if (changes_status && !course_transition_allowed(c.status, next.status)) return;
  auto v = storage::update_course_state(tx, c.id, c.version, next);
  if (!v) throw pqxx::serialization_failure("course " + c.id + " moved under us");
  c.version = *v;
  c.status = next.status;
  c.progress = next.progress;
  if (changes_status)
    j.event({c.id, job_id, "course", next.status, next.progress, next.progress,
             next.reject_reason ? next.reject_reason : next.error ? next.error : next.current_step, std::nullopt});
}

storage::course_record lock_course(pqxx::transaction_base& tx, const storage::job_record& job) {
  auto c = storage::find_course_by_id(tx, job.course_id.value_or(""), true);
  if (!c) throw std::runtime_error("the course of job " + job.id + " no longer exists");
  return *c;
}

std::vector<material_state> material_states(pqxx::transaction_base& tx, const std::string& course_id) {
  std::vector<material_state> out;
  for (const auto& m : storage::list_materials(tx, course_id)) out.push_back({m.type, m.status});
  return out;
}

// After a source or a material ended. While a source is still to be read the course stays as
// it is (a later source may bring the text, and materials are made again from it). Once none
// is: a course with text (or made from a topic alone) is judged by its materials; one whose
// every source ended without text takes `without_text` (rejected or failed, with the reason),
// given by the source's end.
void judge_course(pqxx::transaction_base& tx, journal& j, storage::course_record& c, const std::string& job_id,
                  const std::optional<storage::course_state>& without_text = std::nullopt) {
  bool waiting = false, has_text = false, has_sources = false;
  for (const auto& src : storage::list_sources(tx, c.id)) {
    has_sources = true;
    waiting |= src.status == "pending";
    has_text |= src.status == "extracted";
  }
  if (has_sources && !has_text) {
    if (!waiting && without_text) move_course(tx, j, c, *without_text, job_id);
    return;
  }
  auto verdict = judge_materials(c.materials_requested, material_states(tx, c.id));
  if (verdict.status == "processing" || waiting) {
    storage::set_course_progress(tx, c.id, std::min(verdict.progress, 99), waiting ? "extracting" : "generating");
    return;
  }
  std::optional<std::string> err;
  if (!verdict.error.empty()) err = verdict.error;
  move_course(tx, j, c, {verdict.status, verdict.progress, verdict.status, err, std::nullopt}, job_id);
}

}  // namespace

void release_cancelled(pqxx::transaction_base& tx, journal& j, const storage::job_record& job) {
  if (!job.course_id) return;
  if (job.material_id) storage::fail_material(tx, *job.material_id, job.id, "cancelled");
  else if (job.source_id) storage::set_source_outcome(tx, *job.source_id, {"failed", std::nullopt, std::nullopt, 0, 0, std::nullopt});
  else return;
  if (auto course = storage::find_course_by_id(tx, *job.course_id, true))
    judge_course(tx, j, *course, job.id, storage::course_state{"failed", course->progress, std::string("failed"),
                                                               std::string("the source's job was cancelled"), std::nullopt});
}

namespace {

// A job's transition goes to its course's event log, or to the job log when it has no course.
void log_job(journal& j, const storage::job_record& job, const std::string& status, int progress,
             int course_progress, const std::string& step, const nlohmann::json& detail) {
  if (job.course_id)
    j.event({*job.course_id, job.id, job.kind, status, progress, course_progress, step, detail.dump()});
  else
    j.log({job.id, job.kind, status, detail.dump()});
}

nlohmann::json attempt_detail(pqxx::transaction_base& tx, const storage::job_record& job, const std::string& node) {
  return {{"attempt", job.attempt}, {"node", node}, {"duration_ms", storage::attempt_duration_ms(tx, job.id)}};
}

std::string job_step(const storage::job_record& job, pqxx::transaction_base& tx) {
  if (job.kind == "generate" && job.material_id)
    if (auto m = storage::find_material_by_id(tx, *job.material_id)) return "writing " + m->type;
  if (job.kind == "ocr") return "reading scanned pages";
  return job.kind == "extract" ? "extracting text" : job.kind;
}

// A job without a course ends in one statement, which also logs it (finish_attempt): it is
// committed as it runs, without a transaction to open or share, and shares the statement
// with other such ends that arrive meanwhile (job_batches). Returns whether it ended the job.
result<bool> finish_without_course(services& s, const storage::job_record& job, const std::string& status,
                                   const std::optional<std::string>& error, int due_in_ms) {
  auto ended = s.batches.finish({job.id, job.attempt, status, error, due_in_ms});
  if (!ended) return ended.error();
  return ended.value().has_value();
}

}  // namespace

namespace {

begin_result why_not_started(pqxx::work& tx, journal& j, const std::string& job_id, int stale_after_ms) {
  {
    auto job = storage::find_job(tx, job_id, true);
    if (!job) return {begin_result::action::skip, {}, "unknown job"};
    if (job_is_terminal(job->status)) return {begin_result::action::skip, *job, "already " + job->status};
    if (job->status == "running" && !storage::heartbeat_stale(tx, job_id, stale_after_ms))
      return {begin_result::action::wait, *job, "running on another node"};
    if (job->cancel_requested) {  // asked while it ran on a node that died, or while it waited
      storage::set_job_status(tx, job_id, "cancelled", std::nullopt);
      if (job->course_id) j.event({*job->course_id, job_id, job->kind, "cancelled", job->progress, 0, "cancelled", std::nullopt});
      release_cancelled(tx, j, *job);
      return {begin_result::action::skip, *job, "cancelled before it started"};
    }
    if (job->status == "running" && job->attempt >= job->max_attempts)
      return {begin_result::action::fail, *job, "poison: the job's node stopped under it on every attempt"};
    return {begin_result::action::skip, *job, "not startable"};
  }
}

// A claimed job's start: the course moves to processing for text work, and the start is logged.
void announce_start(pqxx::transaction_base& tx, journal& j, const services& s, const storage::job_record& started) {
  if (!started.course_id) return;  // start_jobs logged it
  auto course = lock_course(tx, started);
  int course_progress = course.progress;
  if ((started.kind == "extract" || started.kind == "ocr") && course.status != "processing") {
    move_course(tx, j, course, {"processing", 0, std::string("extracting"), std::nullopt, std::nullopt}, started.id);
    course_progress = 0;
  }
  log_job(j, started, "running", 0, course_progress,
          started.current_step.value_or(started.kind) + " (attempt " + std::to_string(started.attempt) + ")",
          {{"attempt", started.attempt}, {"node", s.cfg.node_id}});
}

}  // namespace

result<std::vector<begin_result>> begin_jobs(services& s, const std::string& lane, const std::vector<std::string>& job_ids,
                                             const std::vector<std::string>& kinds, int stale_after_ms) {
  std::vector<begin_result> out(job_ids.size(), begin_result{begin_result::action::skip, {}, "not a job id"});
  std::unordered_map<std::string, std::size_t> slot;  // job id -> its place in the batch
  for (std::size_t i = 0; i < job_ids.size(); ++i) {
    if (!is_uuid(job_ids[i])) continue;
    std::string id = canonical_uuid(job_ids[i]);
    if (!slot.emplace(id, i).second) out[i].why = "delivered twice in one batch";
  }
  auto run = [&](storage::job_record job) {
    auto i = slot.at(job.id);
    slot.erase(job.id);
    out[i] = {begin_result::action::run, std::move(job), ""};
  };
  // A batch of jobs without a course starts in one statement committed as it runs: there is
  // no course to move with them. What it does not start (a course's job after all, or one
  // not startable) goes the transaction's way below.
  bool claimed_some = false;  // committed already: those jobs run whatever happens to the rest
  if (!slot.empty() && std::none_of(kinds.begin(), kinds.end(), [](const auto& k) { return job_kind_has_course(k); })) {
    std::vector<std::string> ids;
    for (const auto& [id, i] : slot) ids.push_back(id);
    auto started = with_db<pqxx::nontransaction>(s, [&](pqxx::nontransaction& tx) -> result<std::vector<storage::job_record>> {
      return storage::start_jobs(tx, ids, s.cfg.node_id, stale_after_ms, true);
    });
    if (!started) return started.error();
    claimed_some = !started.value().empty();
    for (auto& job : started.value()) run(std::move(job));
    if (slot.empty()) return out;
  }
  std::vector<storage::job_record> started;
  auto r = in_transaction(s, lane, [&](pqxx::work& tx, journal& j) -> result<void> {
    // Runs again when its group is rolled back: it changes nothing of the caller's but `out`'s
    // entries it owns and `started`, both written afresh.
    std::vector<std::string> ids;
    for (const auto& [id, i] : slot) ids.push_back(id);
    // The common case for the whole batch in one statement; the reasons why not are looked
    // up only for the others. Job rows are locked before course rows, as every job
    // transaction does, and courses in id order.
    started = storage::start_jobs(tx, ids, s.cfg.node_id, stale_after_ms);
    std::sort(started.begin(), started.end(),
              [](const auto& a, const auto& b) { return a.course_id.value_or("") < b.course_id.value_or(""); });
    auto left = slot;
    for (const auto& job : started) left.erase(job.id);
    for (const auto& [id, i] : left) out[i] = why_not_started(tx, j, id, stale_after_ms);
    for (const auto& job : started) announce_start(tx, j, s, job);
    return success();
  });
  if (!r) {
    if (!claimed_some) return r.error();
    // The rest is delivered again later; the jobs already claimed must not be given up.
    for (const auto& [id, i] : slot) out[i] = {begin_result::action::wait, {}, "not claimed: " + r.error().message};
    return out;
  }
  for (auto& job : started) run(std::move(job));
  return out;
}

result<bool> record_progress(services& s, const storage::job_record& job, int progress, const std::string& step) {
  bool cancel = false;
  auto r = in_transaction(s, job.lane, [&](pqxx::work& tx, journal& j) -> result<void> {
    storage::set_job_progress(tx, job.id, progress, step);
    cancel = storage::cancel_requested(tx, job.id);
    if (!job.course_id) return success();
    auto course = lock_course(tx, job);
    int course_progress = course.progress;
    if (job.kind == "extract" || job.kind == "ocr") {
      course_progress = std::max(course.progress, extraction_progress(job.kind, progress));
      storage::set_course_progress(tx, course.id, course_progress, step);
    }
    j.event({course.id, job.id, job.kind, "running", progress, course_progress, step, std::nullopt});
    return success();
  });
  if (!r) return r.error();
  return cancel;
}

bool commit_success_then(services& s, const storage::job_record& job, std::function<void(result<void>)> done) {
  if (job.course_id) return false;
  s.batches.finish_then({job.id, job.attempt, "succeeded", std::nullopt, 0},
                        [done = std::move(done)](job_batches::finished ended) {
                          done(ended ? success() : result<void>(ended.error()));
                        });
  return true;
}

result<void> commit_success(services& s, const storage::job_record& job, const job_effect& effect) {
  if (!job.course_id) {
    BOOST_OUTCOME_TRYV(finish_without_course(s, job, "succeeded", std::nullopt, 0));
    return success();
  }
  return in_transaction(s, job.lane, [&](pqxx::work& tx, journal& j) -> result<void> {
    // Cancelled, timed out or taken over by another node meanwhile: this attempt's result is void.
    auto fin = storage::finish_attempt(tx, job.id, job.attempt, s.cfg.node_id, "succeeded", std::nullopt);
    if (!fin) return success();
    nlohmann::json detail{{"attempt", job.attempt}, {"node", s.cfg.node_id}, {"duration_ms", fin->duration_ms}};
    if (std::holds_alternative<nothing_to_store>(effect)) {
      log_job(j, job, "succeeded", 100, 0, job.kind + ": done", detail);
      return success();
    }
    auto course = lock_course(tx, job);

    if (auto* ok = std::get_if<extracted>(&effect)) {
      const auto& e = ok->extraction;
      storage::set_source_outcome(tx, job.source_id.value_or(""),
                                  {"extracted", e.page_count, std::nullopt, e.native_pages, e.ocr_pages, e.mean_ocr_confidence});
      log_job(j, job, "succeeded", 100, 50,
              "extracted " + std::to_string(e.page_count) + " pages" + (ok->reused ? " (text already extracted before)" : ""),
              detail);
      for (const auto& type : course.materials_requested)
        request_material_in(tx, j, s.cfg, {job.owner_id, course.id, type, "{}", true}, 50);
      judge_course(tx, j, course, job.id);
    } else if (auto* no = std::get_if<source_rejected>(&effect)) {
      // A reason may quote a library's error about the file (MuPDF's), bytes of the file and all.
      auto reason = utf8::printable(no->reason, 1000);
      storage::set_source_outcome(tx, job.source_id.value_or(""), {"rejected", std::nullopt, reason, 0, 0, std::nullopt});
      log_job(j, job, "succeeded", 100, course.progress, "rejected: " + reason, detail);
      judge_course(tx, j, course, job.id, storage::course_state{"rejected", 100, std::string("rejected"), std::nullopt, reason});
    } else if (auto* later = std::get_if<needs_ocr>(&effect)) {
      log_job(j, job, "succeeded", 100, course.progress,
              std::to_string(later->pages) + " pages need OCR", detail);
      storage::new_job nj;
      nj.owner_id = job.owner_id;
      nj.course_id = course.id;
      nj.source_id = job.source_id;
      nj.kind = "ocr";
      nj.lane = "ocr";
      nj.cluster = s.cfg.nats_namespace;
      nj.max_attempts = static_cast<int>(s.cfg.job_kind("ocr").backoff_s.size());
      auto ocr = j.job(nj);
      j.event({course.id, ocr.id, "ocr", "queued", 0, course.progress, "queued: OCR of " + std::to_string(later->pages) + " pages",
               std::nullopt});
    } else if (auto* m = std::get_if<material_ready>(&effect)) {
      bool again = storage::complete_material(tx, job.material_id.value_or(""), job.id, m->content_json, m->provider);
      log_job(j, job, "succeeded", 100, course.progress, job_step(job, tx) + ": done", detail);
      if (again)  // a source was extracted after this job read its input
        if (auto done = storage::find_material_by_id(tx, job.material_id.value_or("")))
          request_material_in(tx, j, s.cfg, {job.owner_id, course.id, done->type, done->options_json, true}, course.progress);
      judge_course(tx, j, course, job.id);
    }
    return success();
  });
}

namespace {

// Ends the job's attempt as failed or retrying; whether it did (nullopt from finish_attempt:
// the job no longer runs that attempt, or, with `only_if_silent_ms`, it has sent a heartbeat).
result<bool> end_attempt_failed(services& s, const storage::job_record& job, const error& e, bool final_attempt,
                                int retry_delay_ms, int only_if_silent_ms) {
  // Errors quote what failed (a provider's reply, a library's text): kept storable and bounded.
  std::string message = utf8::printable(std::string(to_string(e.code)) + ": " + e.message, 2000);
  std::string status = final_attempt ? "failed" : "retrying";
  if (!job.course_id && only_if_silent_ms == 0) return finish_without_course(s, job, status, message, retry_delay_ms);
  bool ended = false;
  BOOST_OUTCOME_TRYV(in_transaction(s, job.lane, [&](pqxx::work& tx, journal& j) -> result<void> {
    auto fin = storage::finish_attempt(tx, job.id, job.attempt, s.cfg.node_id, status, message, retry_delay_ms,
                                       only_if_silent_ms);
    ended = fin.has_value();
    if (!fin || !job.course_id) return success();  // a job without a course: the statement logged it
    nlohmann::json detail{{"attempt", job.attempt}, {"node", s.cfg.node_id}, {"duration_ms", fin->duration_ms}, {"error", message}};
    std::string step = "attempt " + std::to_string(job.attempt) + " of " + std::to_string(job.max_attempts) + ": " + message;
    auto course = lock_course(tx, job);
    log_job(j, job, status, fin->progress, course.progress, step, detail);
    if (!final_attempt) return success();
    if (job.kind == "extract" || job.kind == "ocr") {
      storage::set_source_outcome(tx, job.source_id.value_or(""), {"failed", std::nullopt, std::nullopt, 0, 0, std::nullopt});
      judge_course(tx, j, course, job.id, storage::course_state{"failed", course.progress, std::string("failed"), message, std::nullopt});
    } else if (job.material_id) {
      storage::fail_material(tx, *job.material_id, job.id, message);
      judge_course(tx, j, course, job.id);
    }
    return success();
  }));
  return ended;
}

}  // namespace

result<void> commit_failure(services& s, const storage::job_record& job, const error& e, bool final_attempt,
                            int retry_delay_ms) {
  BOOST_OUTCOME_TRYV(end_attempt_failed(s, job, e, final_attempt, retry_delay_ms, 0));
  return success();
}

result<bool> settle_stale(services& s, const storage::job_record& job, const error& e, bool final_attempt,
                          int stale_after_ms) {
  return end_attempt_failed(s, job, e, final_attempt, 0, stale_after_ms);
}

result<void> commit_cancelled(services& s, const storage::job_record& job, const std::string& why) {
  return in_transaction(s, job.lane, [&](pqxx::work& tx, journal& j) -> result<void> {
    auto current = storage::find_job(tx, job.id, true);
    if (!current || job_is_terminal(current->status)) return success();
    storage::set_job_status(tx, job.id, "cancelled", why);
    int course_progress = 0;
    if (job.course_id) course_progress = lock_course(tx, job).progress;
    log_job(j, *current, "cancelled", current->progress, course_progress, why, attempt_detail(tx, *current, s.cfg.node_id));
    release_cancelled(tx, j, job);
    return success();
  });
}

}  // namespace sf::pipeline
