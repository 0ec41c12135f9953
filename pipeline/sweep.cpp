#include "pipeline/sweep.hpp"

#include <ctime>
#include <pqxx/pqxx>

#include "pipeline/jobs.hpp"
#include "pipeline/journal.hpp"
#include "storage/jobs.hpp"
#include "storage/blob_store.hpp"
#include "storage/sources.hpp"

namespace sf::pipeline {
namespace {

constexpr int batch = 200;
// A blob stored or adopted this recently may be about to be named by a source row; a temp
// file written this recently may belong to an upload still arriving.
constexpr auto blob_grace = std::chrono::hours(1);

// A fresh message id: the old one may still sit in the dedup window.
std::string redelivery_id(const std::string& job_id, const char* why) {
  return job_id + ":" + why + ":" + std::to_string(std::time(nullptr));
}

}  // namespace

result<sweep_report> sweep(services& s, int stale_after_ms, int lost_after_ms) {
  sweep_report report;
  try {
    std::vector<storage::job_record> stale;
    {
      auto conn = s.db.acquire();
      pqxx::read_transaction tx(*conn);
      stale = storage::stale_running_jobs(tx, s.cfg.nats_namespace, stale_after_ms, batch);
    }
    for (const auto& job : stale) {
      bool last = job.attempt >= job.max_attempts;
      error why = last ? error{errc::internal, "poison: its node stopped on every attempt"}
                       : error{errc::transient, "stale: its node stopped sending heartbeats"};
      // Found stale by a plain read: its heartbeat may land meanwhile, and then it runs on.
      BOOST_OUTCOME_TRY(settled, settle_stale(s, job, why, last, stale_after_ms));
      if (!settled) continue;
      if (last) {
        ++report.stale_failed;
        continue;
      }
      if (s.bus.publish_job(job.lane, job.kind, job.id, redelivery_id(job.id, "stale"))) ++report.stale_requeued;
    }

    for (const char* lane : config::lane_names) {
      auto stats = s.bus.stats(lane);
      // Only an idle lane proves a message is missing: a busy one may just not have got to it.
      if (!stats || stats.value().pending > 0 || stats.value().in_flight > 0) continue;
      auto conn = s.db.acquire();
      pqxx::work tx(*conn);
      // Published together: one wait for all their acknowledgements, not one each.
      auto lost = storage::waiting_jobs(tx, s.cfg.nats_namespace, lane, lost_after_ms, batch);
      std::vector<messaging::job_message> messages;
      for (const auto& job : lost) {
        messages.push_back(message_of(job));
        messages.back().dedup_id = redelivery_id(job.id, "sweep");
      }
      auto published = s.bus.publish_jobs(messages);
      for (std::size_t i = 0; i < lost.size() && i < published.size(); ++i) {
        if (!published[i]) continue;  // still waiting: the next sweep tries again
        storage::mark_published(tx, lost[i].id);
        ++report.republished;
      }
      tx.commit();
    }
    // Files that were rejected are not kept longer than the operator allows.
    auto conn = s.db.acquire();
    pqxx::work tx(*conn);
    auto settled_before = std::chrono::system_clock::now() - blob_grace;
    for (const auto& sha : storage::purgeable_blobs(tx, s.cfg.purge_rejected_after_s, batch)) {
      if (s.blobs.used_since(sha, settled_before)) continue;  // just uploaded again: it may be named soon
      s.blobs.remove(sha);
      storage::mark_purged(tx, sha);
      ++report.purged;
    }
    auto tidied = storage::tidy_blobs(tx, s.blobs, settled_before, batch);
    report.blobs_tidied = tidied.unreferenced_removed + tidied.temp_removed;
    tx.commit();
  } catch (const std::exception& e) {
    return boost::outcome_v2::failure(storage::classify(e));
  }
  return report;
}

}  // namespace sf::pipeline
