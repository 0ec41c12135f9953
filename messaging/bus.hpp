#pragma once
// The node's NATS connection: the JOBS stream (durable delivery of job ids to lanes) and
// core subjects for cross-node progress events. NATS types stay inside messaging/.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace sf::messaging {

// Every name on the bus lives under a namespace, so several deployments (or test runs) can
// share one NATS without seeing each other. The empty namespace gives stream JOBS and
// subjects jobs.<lane>.<kind>, events.course.<id>, control.<verb>.
struct names {
  std::string ns;
  std::string stream() const;
  std::string job_subject(const std::string& lane, const std::string& kind) const;
  std::string lane_filter(const std::string& lane) const;
  std::string consumer(const std::string& lane) const;
  std::string event_subject(const std::string& course_id) const;
  std::string all_events() const;
  std::string control(const std::string& verb) const;
};

// One JetStream message handed to a lane; acked, nak'ed or term'ed exactly once.
class delivery {
 public:
  struct impl;
  explicit delivery(std::unique_ptr<impl> p);
  delivery(delivery&&) noexcept;
  delivery& operator=(delivery&&) noexcept;
  ~delivery();

  const std::string& subject() const;
  const std::string& data() const;  // the job id
  std::uint64_t times_delivered() const;

  void ack();
  void nak(std::chrono::milliseconds delay);
  void term();
  void in_progress();  // resets the server's AckWait clock

 private:
  std::unique_ptr<impl> p_;
};

class pull_consumer {
 public:
  virtual ~pull_consumer() = default;
  // Blocks up to `timeout` for at most `max` messages; empty on timeout. Errors are
  // `unavailable` while NATS is unreachable.
  virtual result<std::vector<delivery>> fetch(int max, std::chrono::milliseconds timeout) = 0;
};

struct consumer_settings {
  std::string lane;
  std::chrono::seconds ack_wait{30};
  int max_ack_pending = 1000;
};

struct lane_stats {
  std::uint64_t pending = 0;      // in the stream, not yet delivered
  std::int64_t in_flight = 0;     // delivered, not yet acked
  std::int64_t redelivered = 0;
  std::int64_t waiting = 0;       // pull requests waiting: a proxy for live consumers
};

struct job_message {
  std::string lane, kind, job_id;
  std::string dedup_id;  // empty: the job id
};

class bus {
 public:
  virtual ~bus() = default;

  virtual bool connected() const = 0;
  virtual const names& subjects() const = 0;
  // Creates or updates the JOBS stream and a lane's durable consumer (idempotent).
  virtual result<void> ensure_jobs_stream() = 0;
  virtual result<void> ensure_consumer(const consumer_settings& c) = 0;
  // Binds to a lane's durable consumer. One that JetStream lost under it (deleted by an
  // operator, or with its stream) is made again from `c` and bound anew after a few failed
  // fetches, so the lane recovers without a restart.
  virtual result<std::unique_ptr<pull_consumer>> bind(const consumer_settings& c) = 0;
  virtual result<lane_stats> stats(const std::string& lane) = 0;

  // JetStream publish of job ids, each acknowledged by the stream. Nats-Msg-Id is `dedup_id`
  // (the job id by default): a duplicate within the window is dropped. A deliberate new
  // delivery (a retry) passes its own. Jobs published together go out in one flush and their
  // acknowledgements are awaited together; one result per job, in order, each `unavailable`
  // when its job cannot be queued.
  virtual std::vector<result<void>> publish_jobs(const std::vector<job_message>& jobs) = 0;
  result<void> publish_job(const std::string& lane, const std::string& kind, const std::string& job_id,
                           const std::string& dedup_id) {
    return publish_jobs({{lane, kind, job_id, dedup_id}}).front();
  }
  result<void> publish_job(const std::string& lane, const std::string& kind, const std::string& job_id) {
    return publish_job(lane, kind, job_id, job_id);
  }

  // Core publish/subscribe (at most once; the event log in PostgreSQL fills any gap).
  virtual result<void> publish(const std::string& subject, const std::string& payload) = 0;
  using handler = std::function<void(const std::string& subject, const std::string& payload)>;
  // The handler runs on a NATS thread: copy and hand off, never block.
  virtual result<void> subscribe(const std::string& subject, handler h) = 0;
};

// Connects with unlimited reconnects, so a node rides out a NATS restart.
result<std::unique_ptr<bus>> connect(const std::string& url, const std::string& client_name, const std::string& ns);

}  // namespace sf::messaging
