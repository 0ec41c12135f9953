#include "pipeline/journal.hpp"

#include <nlohmann/json.hpp>

namespace sf::pipeline {

const storage::event_record& journal::event(const storage::new_event& e) {
  events_.push_back(storage::append_event(tx_, e));
  return events_.back();
}

storage::job_record journal::job(const storage::new_job& j) {
  jobs_.push_back(storage::create_job(tx_, j));
  return jobs_.back();
}

void journal::write_logs() {
  storage::append_job_logs(tx_, logs_);
  logs_.clear();
}

result<void> journal::publish(messaging::bus& bus) const {
  // Events first: they are fire-and-forget, while the jobs wait for JetStream's acks.
  publish_events(bus, events_);
  std::vector<messaging::job_message> messages;
  for (const auto& j : jobs_) messages.push_back(message_of(j));
  for (auto& r : bus.publish_jobs(messages))
    if (!r) return r;
  return success();
}

messaging::job_message message_of(const storage::job_record& j) { return {j.lane, j.kind, j.id, j.id}; }

std::string event_message(const storage::event_record& e) {
  nlohmann::json j{{"type", "event"},
                   {"course_id", e.course_id},
                   {"job_id", e.job_id ? nlohmann::json(*e.job_id) : nlohmann::json(nullptr)},
                   {"seq", e.seq},
                   {"kind", e.kind},
                   {"status", e.status},
                   {"progress", e.progress},
                   {"course_progress", e.course_progress},
                   {"step", e.step ? nlohmann::json(*e.step) : nlohmann::json(nullptr)},
                   {"at", e.at}};
  return j.dump();
}

void publish_events(messaging::bus& bus, const std::vector<storage::event_record>& events) {
  for (const auto& e : events) (void)bus.publish(bus.subjects().event_subject(e.course_id), event_message(e));
}

}  // namespace sf::pipeline
