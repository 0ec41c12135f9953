#pragma once
// Collects, inside one transaction, the events it appends and the jobs it creates, so they
// are published only after the commit (late publish: nothing announces an uncommitted row).
#include <pqxx/types.hxx>
#include <string>
#include <vector>

#include "messaging/bus.hpp"
#include "storage/events.hpp"
#include "storage/jobs.hpp"

namespace sf::pipeline {

class journal {
 public:
  explicit journal(pqxx::transaction_base& tx) : tx_(tx) {}

  const storage::event_record& event(const storage::new_event& e);
  storage::job_record job(const storage::new_job& j);
  // An event of a job without a course: kept until write_logs, so a batch of jobs writes
  // its logs in one statement.
  void log(storage::job_log_entry e) { logs_.push_back(std::move(e)); }
  void write_logs();

  const std::vector<storage::event_record>& events() const { return events_; }
  const std::vector<storage::job_record>& jobs() const { return jobs_; }

  // After commit. Events are best effort (the log fills gaps); a job that cannot be
  // published stays `queued` in PostgreSQL for the sweep to republish.
  // Returns the first publish error of a job, if any.
  result<void> publish(messaging::bus& bus) const;

 private:
  pqxx::transaction_base& tx_;
  std::vector<storage::event_record> events_;
  std::vector<storage::job_record> jobs_;
  std::vector<storage::job_log_entry> logs_;
};

// A job's message on the JOBS stream (its dedup id is its own id).
messaging::job_message message_of(const storage::job_record& j);

// The WebSocket message for an event, which is also its NATS payload.
std::string event_message(const storage::event_record& e);
void publish_events(messaging::bus& bus, const std::vector<storage::event_record>& events);

}  // namespace sf::pipeline
