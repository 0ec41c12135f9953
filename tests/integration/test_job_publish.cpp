// Job publishes against the real nats-server: jobs published together are each queued once,
// and each gets its own answer.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nats/nats.h>

#include <functional>
#include <mutex>

#include "messaging/bus.hpp"

namespace {

using sf::messaging::job_message;

std::string unique(const std::string& prefix) {
  return prefix + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

std::unique_ptr<sf::messaging::bus> connect(const std::string& ns) {
  const char* url = std::getenv("STUDYFORGE_NATS_URL");
  REQUIRE(url != nullptr);
  auto bus = sf::messaging::connect(url, "publish-test", ns);
  REQUIRE(bus);
  return std::move(bus.value());
}

// Every job id the lane's consumer hands out, until it has nothing more.
std::multiset<std::string> drain(sf::messaging::bus& bus, const std::string& lane) {
  REQUIRE(bus.ensure_consumer({lane, std::chrono::seconds(30), 1000}));
  auto consumer = bus.bind({lane, std::chrono::seconds(30), 1000});
  REQUIRE(consumer);
  std::multiset<std::string> ids;
  for (;;) {
    auto got = consumer.value()->fetch(100, std::chrono::milliseconds(300));
    REQUIRE(got);
    if (got.value().empty()) return ids;
    for (auto& d : got.value()) {
      ids.insert(d.data());
      d.ack();
    }
  }
}

// The namespace's stream as the bus makes it, but holding at most `max_msgs` messages and
// refusing any more: a stream that answers some publishes of a batch yes and others no.
void make_small_stream(const std::string& ns, std::int64_t max_msgs) {
  const char* url = std::getenv("STUDYFORGE_NATS_URL");
  REQUIRE(url != nullptr);
  natsConnection* conn = nullptr;
  REQUIRE(natsConnection_ConnectTo(&conn, url) == NATS_OK);
  jsCtx* js = nullptr;
  REQUIRE(natsConnection_JetStream(&js, conn, nullptr) == NATS_OK);
  sf::messaging::names names{ns};
  std::string stream = names.stream(), filter = ns + ".jobs.>";
  const char* subjects[] = {filter.c_str()};
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = stream.c_str();
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Retention = js_WorkQueuePolicy;
  cfg.Storage = js_MemoryStorage;
  cfg.MaxMsgs = max_msgs;
  cfg.Discard = js_DiscardNew;
  jsStreamInfo* si = nullptr;
  jsErrCode jerr{};
  natsStatus s = js_AddStream(&si, js, &cfg, nullptr, &jerr);
  if (si) jsStreamInfo_Destroy(si);
  jsCtx_Destroy(js);
  natsConnection_Destroy(conn);
  REQUIRE(s == NATS_OK);
}

// `threads` publishers at once on one bus, each publishing `batches` batches of `per_batch`
// jobs; `answer` hears each job id with its result (called under a lock).
void publish_concurrently(sf::messaging::bus& bus, int threads, int batches, int per_batch,
                          const std::function<void(int thread, const std::string& id, bool queued)>& answer) {
  std::mutex mu;
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t)
    running.emplace_back([&, t] {
      for (int b = 0; b < batches; ++b) {
        std::vector<job_message> jobs;
        for (int i = 0; i < per_batch; ++i)
          jobs.push_back({"generate", "probe", "job-" + std::to_string(t) + "-" + std::to_string(b) + "-" + std::to_string(i), ""});
        auto results = bus.publish_jobs(jobs);
        std::lock_guard lock(mu);
        for (std::size_t i = 0; i < jobs.size(); ++i) answer(t, jobs[i].job_id, i < results.size() && results[i]);
      }
    });
  for (auto& t : running) t.join();
}

}  // namespace

TEST_CASE("jobs published together are each queued once, a repeated id only once", "[bus]") {
  auto bus = connect(unique("publish-"));
  REQUIRE(bus->ensure_jobs_stream());
  std::vector<job_message> jobs{{"generate", "probe", "job-a", ""},
                                {"generate", "probe", "job-b", ""},
                                {"generate", "probe", "job-a", ""},  // a double click: dropped by the stream
                                {"chat", "probe", "job-c", ""}};
  auto results = bus->publish_jobs(jobs);
  REQUIRE(results.size() == jobs.size());
  for (const auto& r : results) CHECK(r);
  // A deliberate new delivery of a job passes its own id and is queued again.
  CHECK(bus->publish_job("generate", "probe", "job-b", "job-b:retry-1"));
  CHECK(drain(*bus, "generate") == std::multiset<std::string>{"job-a", "job-b", "job-b"});
  CHECK(drain(*bus, "chat") == std::multiset<std::string>{"job-c"});
}

TEST_CASE("publishers at once each get their own answers", "[bus]") {
  auto bus = connect(unique("publish-many-"));
  REQUIRE(bus->ensure_jobs_stream());
  constexpr int threads = 6, batches = 20, per_batch = 5;
  std::vector<int> failures(threads);
  publish_concurrently(*bus, threads, batches, per_batch,
                       [&](int t, const std::string&, bool queued) { failures[static_cast<std::size_t>(t)] += queued ? 0 : 1; });
  for (int f : failures) CHECK(f == 0);
  auto ids = drain(*bus, "generate");
  CHECK(ids.size() == threads * batches * per_batch);
  CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());
}

TEST_CASE("a job no stream takes is refused at once, as unavailable, and queued once there is one", "[bus]") {
  auto bus = connect(unique("no-stream-"));  // its namespace has no stream
  auto results = bus->publish_jobs({{"generate", "probe", "job-x", ""}, {"chat", "probe", "job-y", ""}});
  REQUIRE(results.size() == 2);
  for (const auto& r : results) {
    REQUIRE_FALSE(r);
    CHECK(r.error().code == sf::errc::unavailable);
    // The server's "no responders" answer, not the end of the wait for an acknowledgement.
    CHECK(r.error().message.find("no stream") != std::string::npos);
  }
  CHECK(bus->publish_jobs({}).empty());
  // Once the stream is there, the same bus queues jobs at once: nothing left of the refusals
  // answers for them.
  REQUIRE(bus->ensure_jobs_stream());
  for (int round = 0; round < 3; ++round) {
    auto queued = bus->publish_jobs({{"generate", "probe", "job-z" + std::to_string(round), ""}});
    REQUIRE(queued.size() == 1);
    CHECK(queued.front());
  }
}

TEST_CASE("publishers at once get each job's own answer when the stream takes only some", "[bus]") {
  auto ns = unique("publish-full-");
  constexpr int threads = 6, batches = 20, per_batch = 5, room = 248;  // not a whole number of batches: one batch is answered both ways
  make_small_stream(ns, room);
  auto bus = connect(ns);
  std::set<std::string> accepted, refused;
  publish_concurrently(*bus, threads, batches, per_batch,
                       [&](int, const std::string& id, bool queued) { (queued ? accepted : refused).insert(id); });
  CHECK(accepted.size() == room);
  CHECK(refused.size() == threads * batches * per_batch - room);
  // Exactly the jobs told "queued" are in the stream: no answer went to another job of a batch.
  auto ids = drain(*bus, "generate");
  CHECK(std::set<std::string>(ids.begin(), ids.end()) == accepted);
  CHECK(ids.size() == accepted.size());
}

TEST_CASE("a lane whose consumer JetStream lost makes it again and goes on fetching", "[bus]") {
  auto ns = unique("lost-consumer-");
  auto bus = connect(ns);
  REQUIRE(bus->ensure_jobs_stream());
  sf::messaging::consumer_settings settings{"generate", std::chrono::seconds(30), 1000};
  REQUIRE(bus->ensure_consumer(settings));
  auto consumer = bus->bind(settings);
  REQUIRE(consumer);
  REQUIRE(bus->publish_job("generate", "probe", "before"));
  auto first = consumer.value()->fetch(10, std::chrono::milliseconds(2000));
  REQUIRE(first);
  REQUIRE(first.value().size() == 1);
  first.value()[0].ack();

  // An operator (or a JetStream fault) deletes the durable consumer under the running lane.
  {
    natsConnection* conn = nullptr;
    REQUIRE(natsConnection_ConnectTo(&conn, std::getenv("STUDYFORGE_NATS_URL")) == NATS_OK);
    jsCtx* js = nullptr;
    REQUIRE(natsConnection_JetStream(&js, conn, nullptr) == NATS_OK);
    sf::messaging::names names{ns};
    jsErrCode jerr{};
    CHECK(js_DeleteConsumer(js, names.stream().c_str(), names.consumer("generate").c_str(), nullptr, &jerr) == NATS_OK);
    jsCtx_Destroy(js);
    natsConnection_Destroy(conn);
  }
  REQUIRE(bus->publish_job("generate", "probe", "after"));
  std::vector<std::string> got;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  auto has_after = [&] { return std::find(got.begin(), got.end(), "after") != got.end(); };
  while (!has_after() && std::chrono::steady_clock::now() < deadline) {
    auto batch = consumer.value()->fetch(10, std::chrono::milliseconds(500));
    if (!batch) {
      WARN("fetch: " << batch.error().message);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    for (auto& d : batch.value()) {
      got.push_back(d.data());
      d.ack();
    }
  }
  // "before" may come again: its ack is not awaited, and may not have landed before the delete.
  CHECK(std::count(got.begin(), got.end(), "after") == 1);
}
