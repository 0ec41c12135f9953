// Job publishes against the real nats-server: jobs published together are each queued once,
// and each gets its own answer.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>
#include <vector>

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
  auto consumer = bus.bind(lane);
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
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t)
    running.emplace_back([&, t] {
      for (int b = 0; b < batches; ++b) {
        std::vector<job_message> jobs;
        for (int i = 0; i < per_batch; ++i)
          jobs.push_back({"generate", "probe", "job-" + std::to_string(t) + "-" + std::to_string(b) + "-" + std::to_string(i), ""});
        for (const auto& r : bus->publish_jobs(jobs)) failures[static_cast<std::size_t>(t)] += r ? 0 : 1;
      }
    });
  for (auto& t : running) t.join();
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
