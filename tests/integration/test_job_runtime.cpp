// The durable job runtime against real PostgreSQL and nats-server: retries, cancellation,
// time limits, supervision, lane isolation, node death, NATS outages, lost database connections,
// SIGTERM, lost messages.
#include <nats/nats.h>
#include <signal.h>

#include <pqxx/pqxx>

#include <set>
#include <thread>

#include "harness.hpp"

using namespace sf::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

int count_status(const json& events, const std::string& status) {
  int n = 0;
  for (const auto& e : events["events"]) n += e["status"] == status;
  return n;
}

json wait_until_running(user& u, const std::string& job_id) {
  for (int i = 0; i < 400; ++i) {
    auto job = u.get("/v1/jobs/" + job_id);
    if (job["status"] == "running") return job;
    std::this_thread::sleep_for(25ms);
  }
  FAIL("job " << job_id << " never started");
  return nullptr;
}

// This node's counters of one lane, once at least `ended` deliveries have ended there: a lane
// counts a job just after its end is committed, so they may lag the job's row a little.
json node_counters(user& admin, const std::string& lane, int ended) {
  json node;
  for (int i = 0; i < 100; ++i) {
    auto lanes = admin.get("/v1/admin/lanes");
    for (const auto& l : lanes["lanes"])
      if (l["lane"] == lane) node = l["node"];
    int sum = 0;
    for (const char* k : {"succeeded", "failed", "retried", "cancelled", "skipped"}) sum += node.value(k, 0);
    if (sum >= ended) break;
    std::this_thread::sleep_for(20ms);
  }
  return node;
}

}  // namespace

TEST_CASE("transient errors are retried with backoff, permanent ones are not", "[runtime]") {
  node_process node(runtime_env(unique_namespace("retry")));
  auto admin = make_admin(node.endpoint(), "retry");

  auto flaky = submit_probe(admin, "generate", {{"fail_times", 2}});
  auto broken = submit_probe(admin, "generate", {{"fail_times", 99}});
  auto invalid = submit_probe(admin, "generate", {{"fail_times", 99}, {"error", "permanent"}});

  auto j = wait_for_job(admin, flaky);
  CHECK(j["status"] == "succeeded");
  CHECK(j["attempt"] == 3);
  auto history = admin.get("/v1/jobs/" + flaky + "/events");
  CHECK(count_status(history, "retrying") == 2);
  CHECK(count_status(history, "running") == 3);
  CHECK(count_status(history, "succeeded") == 1);
  for (const auto& e : history["events"]) {
    if (e["status"] != "retrying") continue;
    CHECK(e["detail"]["error"].get<std::string>().find("probe failure") != std::string::npos);
    CHECK(e["detail"]["duration_ms"].is_number());
    CHECK(e["detail"]["node"].is_string());
  }

  j = wait_for_job(admin, broken);
  CHECK(j["status"] == "failed");
  CHECK(j["attempt"] == 3);
  CHECK(j["error"].get<std::string>().find("attempt 3") != std::string::npos);

  j = wait_for_job(admin, invalid);
  CHECK(j["status"] == "failed");
  CHECK(j["attempt"] == 1);
}

TEST_CASE("a failed job retried by hand runs again, its attempts numbered on", "[runtime]") {
  node_process node(runtime_env(unique_namespace("again")));
  auto admin = make_admin(node.endpoint(), "again");
  auto id = submit_probe(admin, "generate", {{"fail_times", 3}});
  auto j = wait_for_job(admin, id);
  REQUIRE(j["status"] == "failed");
  CHECK(j["attempt"] == 3);

  admin.call("POST", "/v1/jobs/" + id + "/retry", json::object(), 202);
  j = wait_for_job(admin, id);
  // The probe fails its first three attempts: numbered from 1 again, it would have failed again.
  CHECK(j["status"] == "succeeded");
  CHECK(j["attempt"] == 4);
  CHECK(j["max_attempts"] == 6);
  std::multiset<int> attempts;
  auto history = admin.get("/v1/jobs/" + id + "/events");
  for (const auto& e : history["events"])
    if (e["status"] == "running") attempts.insert(e["detail"]["attempt"].get<int>());
  CHECK(attempts == std::multiset<int>{1, 2, 3, 4});
}

TEST_CASE("cancellation of a queued and of a running job", "[runtime]") {
  // This node runs no chat jobs, so a chat job stays queued.
  node_process node(runtime_env(unique_namespace("cancel"), {{"STUDYFORGE_LANES_CHAT_CONCURRENCY", "0"}}));
  auto admin = make_admin(node.endpoint(), "cancel");

  auto queued = submit_probe(admin, "chat", {{"sleep_ms", 10}});
  auto r = admin.call("DELETE", "/v1/jobs/" + queued, nullptr, 200);
  CHECK(r["status"] == "cancelled");
  CHECK(admin.get("/v1/jobs/" + queued)["status"] == "cancelled");
  admin.call("DELETE", "/v1/jobs/" + queued, nullptr, 409);

  auto running = submit_probe(admin, "generate", {{"sleep_ms", 60000}});
  wait_until_running(admin, running);
  auto asked = std::chrono::steady_clock::now();
  r = admin.call("DELETE", "/v1/jobs/" + running, nullptr, 202);
  CHECK(r["status"] == "cancelling");
  auto j = wait_for_job(admin, running, 5s);
  auto took = std::chrono::steady_clock::now() - asked;
  CHECK(j["status"] == "cancelled");
  CHECK(took < 1s);
  auto counted = node_counters(admin, "generate", 1);
  INFO(counted.dump());
  CHECK(counted["cancelled"] == 1);
  CHECK(counted["succeeded"] == 0);
}

TEST_CASE("a material whose job is cancelled before it ran fails as cancelled, and its course does not wait for it",
          "[runtime]") {
  node_process node(runtime_env(unique_namespace("cancelmat"), {{"STUDYFORGE_LANES_GENERATE_CONCURRENCY", "1"}}));
  auto admin = make_admin(node.endpoint(), "cancelmat");
  user u(node.endpoint(), "cancelmat-student");  // lists only their own jobs
  // The generate lane is busy, so the course's one material waits queued.
  auto blocker = submit_probe(admin, "generate", {{"sleep_ms", 6000}});
  wait_until_running(admin, blocker);
  auto course = u.call("POST", "/v1/courses", {{"title", "Cancelled quiz"}, {"materials", {"quiz"}}}, 201)["id"].get<std::string>();
  auto up = u.http.upload("/v1/courses/" + course + "/sources?filename=talk.srt", fixture("gettysburg_opening.srt"));
  REQUIRE(up.value().status == 202);
  std::string quiz_job;
  for (int i = 0; i < 200 && quiz_job.empty(); ++i) {
    auto listed = u.get("/v1/jobs");  // kept: a range-for over a temporary's member would dangle
    for (const auto& j : listed["jobs"])
      if (j["kind"] == "generate" && j["status"] == "queued") quiz_job = j["job_id"].get<std::string>();
    if (quiz_job.empty()) std::this_thread::sleep_for(50ms);
  }
  REQUIRE_FALSE(quiz_job.empty());
  CHECK(u.get("/v1/courses/" + course)["status"] == "processing");
  u.call("DELETE", "/v1/jobs/" + quiz_job, nullptr, 200);

  auto quiz = u.get("/v1/courses/" + course + "/materials/quiz");
  CHECK(quiz["status"] == "failed");
  CHECK(u.get("/v1/courses/" + course)["status"] != "processing");  // nothing left to wait for
  CHECK(wait_for_job(admin, blocker)["status"] == "succeeded");
  CHECK(u.get("/v1/courses/" + course)["status"] != "processing");
}

TEST_CASE("time limits end a job as failed and the lane goes on", "[runtime]") {
  node_process node(runtime_env(unique_namespace("limits"),
                                {{"STUDYFORGE_JOBS_PROBE_SOFT_LIMIT_S", "1"}, {"STUDYFORGE_JOBS_PROBE_HARD_LIMIT_S", "2"}}));
  auto admin = make_admin(node.endpoint(), "limits");

  auto polite = submit_probe(admin, "generate", {{"sleep_ms", 60000}});  // stops at a checkpoint
  auto stuck = submit_probe(admin, "generate", {{"hang_ms", 60000}});    // never looks up
  auto a = wait_for_job(admin, polite, 10s);
  CHECK(a["status"] == "failed");
  CHECK(a["error"].get<std::string>().rfind("time_limit", 0) == 0);
  auto b = wait_for_job(admin, stuck, 10s);
  CHECK(b["status"] == "failed");
  CHECK(b["error"].get<std::string>().find("time_limit") != std::string::npos);
  CHECK(millis_between(b["started_at"], b["completed_at"]) < 4000);

  auto after = submit_probe(admin, "generate", {{"sleep_ms", 10}});
  CHECK(wait_for_job(admin, after, 10s)["status"] == "succeeded");
  // Both limits end the job failed, though its message is acked (it is not tried again).
  auto counted = node_counters(admin, "generate", 3);
  INFO(counted.dump());
  CHECK(counted["failed"] == 2);
  CHECK(counted["succeeded"] == 1);

  // The stuck job's thread still hangs; a stopping node does not wait for it.
  auto asked = std::chrono::steady_clock::now();
  CHECK(node.terminate(30s) == 0);
  CHECK(std::chrono::steady_clock::now() - asked < 10s);
}

TEST_CASE("a job actor that dies is noticed by its supervisor", "[runtime]") {
  node_process node(runtime_env(unique_namespace("crash")));
  auto admin = make_admin(node.endpoint(), "crash");
  auto crashing = submit_probe(admin, "generate", {{"crash", true}});
  auto j = wait_for_job(admin, crashing, 20s);
  CHECK(j["status"] == "failed");
  CHECK(j["attempt"] == 3);
  CHECK(j["error"].get<std::string>().find("actor stopped") != std::string::npos);
  auto after = submit_probe(admin, "generate", {{"sleep_ms", 10}});
  CHECK(wait_for_job(admin, after, 10s)["status"] == "succeeded");

  // The stuck job's thread still hangs; a stopping node does not wait for it.
  auto asked = std::chrono::steady_clock::now();
  CHECK(node.terminate(30s) == 0);
  CHECK(std::chrono::steady_clock::now() - asked < 10s);
}

TEST_CASE("a job killed at its hard limit is failed for time even when its end loses the connection", "[runtime]") {
  // Heartbeats 3 s apart: the row stays fresh while the test holds it, so the sweep keeps off.
  node_process node(runtime_env(unique_namespace("lostend"), {{"STUDYFORGE_JOBS_PROBE_SOFT_LIMIT_S", "1"},
                                                               {"STUDYFORGE_JOBS_PROBE_HARD_LIMIT_S", "2"},
                                                               {"STUDYFORGE_HEARTBEAT_MS", "3000"},
                                                               {"STUDYFORGE_ACK_WAIT_S", "10"}}));
  auto admin = make_admin(node.endpoint(), "lostend");
  auto stuck = submit_probe(admin, "generate", {{"hang_ms", 60000}});
  wait_until_running(admin, stuck);

  // The test holds the job's row, so the end that the supervisor writes at the hard limit
  // waits for it; its session is cut there, as when PostgreSQL restarts.
  pqxx::connection db{std::getenv("STUDYFORGE_DATABASE_URL")}, look_conn{std::getenv("STUDYFORGE_DATABASE_URL")};
  pqxx::work hold(db);
  hold.exec_params("select 1 from jobs where id = $1::uuid for update", stuck);
  auto waiting_end = [&](int other_than) {
    for (int i = 0; i < 1000; ++i) {
      pqxx::nontransaction look(look_conn);
      auto r = look.exec_params(
          "select pid from pg_stat_activity where wait_event_type = 'Lock' and application_name = $1 "
          "and query like '%with ended as%' and pid <> $2",
          "studyforge test-" + std::to_string(node.endpoint().port), other_than);
      if (!r.empty()) return r[0][0].as<int>();
      std::this_thread::sleep_for(10ms);
    }
    return 0;
  };
  int first = waiting_end(0);
  REQUIRE(first != 0);
  {
    pqxx::nontransaction cut(look_conn);
    CHECK(cut.exec_params1("select pg_terminate_backend($1, 5000)", first)[0].as<bool>());
  }
  CHECK(waiting_end(first) != 0);  // tried again on a fresh connection
  hold.abort();

  auto j = wait_for_job(admin, stuck, 10s);
  CHECK(j["status"] == "failed");
  CHECK(j["error"].get<std::string>().find("time_limit") != std::string::npos);
  CHECK(j["attempt"] == 1);  // ended for its real reason, not taken over later as stale
  CHECK(count_status(admin.get("/v1/jobs/" + stuck + "/events"), "running") == 1);

  auto asked = std::chrono::steady_clock::now();
  CHECK(node.terminate(30s) == 0);
  CHECK(std::chrono::steady_clock::now() - asked < 10s);
}

TEST_CASE("interactive work never waits behind bulk work", "[runtime]") {
  node_process node(runtime_env(unique_namespace("lanes"), {{"STUDYFORGE_LANES_OCR_CONCURRENCY", "2"}}));
  auto admin = make_admin(node.endpoint(), "lanes");
  std::vector<std::string> bulk;
  for (int i = 0; i < 6; ++i) bulk.push_back(submit_probe(admin, "ocr", {{"sleep_ms", 3000}}));
  wait_until_running(admin, bulk[0]);
  auto chat = submit_probe(admin, "chat", json::object());
  auto j = wait_for_job(admin, chat, 10s);
  CHECK(j["status"] == "succeeded");
  INFO("enqueue to start: " << millis_between(j["created_at"], j["started_at"]) << " ms");
  CHECK(millis_between(j["created_at"], j["started_at"]) < 100);
  CHECK(admin.get("/v1/jobs/" + bulk.back())["status"] == "queued");  // the ocr lane is full
}

TEST_CASE("lane statistics show what waits, what runs and what failed", "[runtime]") {
  node_process node(runtime_env(unique_namespace("stats"), {{"STUDYFORGE_LANES_OCR_CONCURRENCY", "2"}}));
  auto admin = make_admin(node.endpoint(), "stats");
  auto broken = submit_probe(admin, "generate", {{"fail_times", 99}, {"error", "permanent"}});
  REQUIRE(wait_for_job(admin, broken, 10s)["status"] == "failed");
  std::vector<std::string> bulk;
  for (int i = 0; i < 4; ++i) bulk.push_back(submit_probe(admin, "ocr", {{"sleep_ms", 4000}}));
  wait_until_running(admin, bulk[0]);
  std::this_thread::sleep_for(1s);  // the waiting ones have aged

  auto lane = [&](const std::string& name) {
    auto lanes = admin.get("/v1/admin/lanes");
    for (const auto& l : lanes["lanes"])
      if (l["lane"] == name) return l;
    FAIL("no lane " << name);
    return json();
  };
  auto ocr = lane("ocr");
  INFO(ocr.dump());
  CHECK(ocr["running_in_db"] == 2);
  CHECK(ocr["queued_in_db"] == 2);
  CHECK(ocr["node"]["in_flight"] == 2);
  CHECK(ocr["oldest_pending_age_s"].get<double>() >= 0.9);
  CHECK(ocr["failed"] == 0);
  auto generate = lane("generate");
  CHECK(generate["failed"] == 1);
  CHECK(generate["queued_in_db"] == 0);
  CHECK(generate["running_in_db"] == 0);

  auto metrics = admin.http.request("GET", "/metrics").value().body;
  CHECK(metrics.find("studyforge_lane_failed_last_hour{lane=\"generate\"} 1\n") != std::string::npos);
  CHECK(metrics.find("studyforge_node_lane_running{lane=\"ocr\"} 2\n") != std::string::npos);
}

TEST_CASE("killing a node loses no job and doubles none", "[runtime][slow]") {
  auto ns = unique_namespace("kill");
  auto env = runtime_env(ns, {{"STUDYFORGE_LANES_GENERATE_CONCURRENCY", "4"}});
  node_process a(env), b(env);
  auto admin = make_admin(a.endpoint(), "kill");
  std::vector<std::string> jobs;
  for (int i = 0; i < 50; ++i) jobs.push_back(submit_probe(admin, "generate", {{"sleep_ms", 1000}}));

  // Wait until the victim holds jobs, then kill it without warning.
  std::string victim = "test-" + std::to_string(a.endpoint().port);
  bool holds = false;
  for (int i = 0; i < 200 && !holds; ++i) {
    auto running = admin.get("/v1/jobs?status=running");
    for (const auto& j : running["jobs"]) holds |= j["node_id"] == victim;
    if (!holds) std::this_thread::sleep_for(25ms);
  }
  REQUIRE(holds);
  a.kill_hard();

  user survivor(b.endpoint(), admin);
  int taken_over = 0;
  for (const auto& id : jobs) {
    auto j = wait_for_job(survivor, id, 120s);
    CHECK(j["status"] == "succeeded");
    CHECK(count_status(survivor.get("/v1/jobs/" + id + "/events"), "succeeded") == 1);
    taken_over += j["attempt"].get<int>() > 1;
  }
  CHECK(taken_over > 0);  // the kill really interrupted jobs, and they were run again
}

TEST_CASE("connections to the database cut while jobs run lose no job and double none", "[runtime]") {
  auto env = runtime_env(unique_namespace("dbcut"), {{"STUDYFORGE_LANES_GENERATE_CONCURRENCY", "4"}});
  node_process node(env);
  auto admin = make_admin(node.endpoint(), "dbcut");
  std::vector<std::string> jobs;
  for (int i = 0; i < 12; ++i) jobs.push_back(submit_probe(admin, "generate", {{"sleep_ms", 300}}));

  // Every session of the node ends, as when PostgreSQL restarts or a proxy drops idle
  // connections: again and again while its jobs are claimed, run and committed. Requests that
  // follow must not fail on the pool's dead connections, and no job may be lost or doubled.
  pqxx::connection db{std::getenv("STUDYFORGE_DATABASE_URL")};
  auto cut_sessions = [&] {  // returns once the sessions have ended
    pqxx::nontransaction tx(db);
    return tx.exec_params1("select count(*) filter (where pg_terminate_backend(pid, 5000)) from pg_stat_activity "
                           "where application_name = $1",
                           "studyforge test-" + std::to_string(node.endpoint().port))[0]
        .as<int>();
  };
  int cut = 0;
  for (int round = 0; round < 60; ++round) {
    std::this_thread::sleep_for(20ms);
    cut += cut_sessions();
  }
  CHECK(cut >= 4);

  for (const auto& id : jobs) {
    auto j = wait_for_job(admin, id, 60s);
    CHECK(j["status"] == "succeeded");
    CHECK(count_status(admin.get("/v1/jobs/" + id + "/events"), "succeeded") == 1);
  }
  // Now idle, every pooled session is cut at once: the next request must not get one of them.
  CHECK(cut_sessions() > 0);
  CHECK(admin.get("/v1/jobs/" + jobs[0])["status"] == "succeeded");
  CHECK(wait_for_job(admin, submit_probe(admin, "generate", json::object()))["status"] == "succeeded");
}

TEST_CASE("with NATS down a submission is refused, and works again once NATS is back", "[runtime]") {
  nats_process nats;
  auto env = runtime_env(unique_namespace("outage"));
  env["STUDYFORGE_NATS_URL"] = nats.url();
  node_process node(env);
  auto admin = make_admin(node.endpoint(), "outage");
  CHECK(wait_for_job(admin, submit_probe(admin, "generate", json::object()))["status"] == "succeeded");
  auto ready = finished_course(admin, "talk.srt", fixture("gettysburg_opening.srt"), 60s, "Ready before", json::array());
  REQUIRE(ready["status"] == "ready");

  nats.stop();
  std::this_thread::sleep_for(300ms);
  auto r = admin.http.request("POST", "/v1/admin/probe-jobs", json{{"lane", "generate"}}.dump());
  REQUIRE(r);
  CHECK(r.value().status == 503);
  // Nothing of ours claims to be queued; the refused job is failed with its reason.
  auto queued = admin.get("/v1/jobs?status=queued");
  for (const auto& j : queued["jobs"]) CHECK(j["owner_id"] != admin.id);
  auto failed = admin.get("/v1/jobs?status=failed");
  bool refused = false;
  for (const auto& j : failed["jobs"])
    refused |= j["owner_id"] == admin.id && j["error"].get<std::string>().find("enqueue failed") != std::string::npos;
  CHECK(refused);
  CHECK(admin.get("/health")["nats"] == "down");
  // An upload is refused the same way: its source is failed, not left waiting for a job.
  auto course = admin.call("POST", "/v1/courses", {{"title", "Outage"}}, 201)["id"].get<std::string>();
  auto upload = admin.http.upload("/v1/courses/" + course + "/sources?filename=n.txt", fixture("gettysburg_opening.srt"));
  REQUIRE(upload);
  CHECK(upload.value().status == 503);
  auto sources = admin.get("/v1/courses/" + course)["sources"];
  REQUIRE(sources.size() == 1);
  CHECK(sources[0]["status"] == "failed");
  // A ready course that an upload would have reopened stays as it was.
  auto more = admin.http.upload("/v1/courses/" + ready["id"].get<std::string>() + "/sources?filename=more.srt",
                                fixture("gettysburg_opening.srt"));
  REQUIRE(more);
  CHECK(more.value().status == 503);
  CHECK(admin.get("/v1/courses/" + ready["id"].get<std::string>())["status"] == "ready");

  nats.start();
  std::string id;
  for (int i = 0; i < 100 && id.empty(); ++i) {
    auto again = admin.http.request("POST", "/v1/admin/probe-jobs", json{{"lane", "generate"}}.dump());
    if (again && again.value().status == 202) id = parse(again.value().body)["job_id"];
    else std::this_thread::sleep_for(100ms);
  }
  REQUIRE_FALSE(id.empty());
  CHECK(wait_for_job(admin, id, 30s)["status"] == "succeeded");
}

TEST_CASE("SIGTERM lets running jobs finish and loses nothing", "[runtime]") {
  auto env = runtime_env(unique_namespace("sigterm"));
  node_process stays(env);
  auto admin = make_admin(stays.endpoint(), "sigterm");
  std::vector<std::string> jobs;
  std::string leaving_id;
  {
    node_process leaves(env);
    leaving_id = "test-" + std::to_string(leaves.endpoint().port);
    for (int i = 0; i < 8; ++i) jobs.push_back(submit_probe(admin, "generate", {{"sleep_ms", 1500}}));
    bool busy = false;
    for (int i = 0; i < 200 && !busy; ++i) {
      auto running = admin.get("/v1/jobs?status=running");
      for (const auto& j : running["jobs"]) busy |= j["node_id"] == leaving_id;
      if (!busy) std::this_thread::sleep_for(25ms);
    }
    REQUIRE(busy);
    CHECK(leaves.terminate() == 0);
  }
  int finished_by_leaver = 0;
  for (const auto& id : jobs) {
    auto j = wait_for_job(admin, id, 60s);
    CHECK(j["status"] == "succeeded");
    finished_by_leaver += j["node_id"] == leaving_id;
  }
  CHECK(finished_by_leaver > 0);  // its in-flight jobs finished within the grace period
}

TEST_CASE("a second SIGTERM during a graceful stop ends the node at once", "[runtime]") {
  node_process node(runtime_env(unique_namespace("twice")));
  auto admin = make_admin(node.endpoint(), "twice");
  auto job = submit_probe(admin, "generate", {{"sleep_ms", 60000}});
  for (int i = 0; i < 200 && admin.get("/v1/jobs/" + job)["status"] != "running"; ++i) std::this_thread::sleep_for(25ms);
  REQUIRE(admin.get("/v1/jobs/" + job)["status"] == "running");
  int pid = node.pid();
  int code = -2;
  auto asked = std::chrono::steady_clock::now();
  std::thread stop([&] { code = node.terminate(60s); });  // the job would hold it 30 s
  std::this_thread::sleep_for(500ms);
  ::kill(pid, SIGTERM);
  stop.join();
  CHECK(code == 1);
  CHECK(std::chrono::steady_clock::now() - asked < 10s);
}

TEST_CASE("a stopping node hands back what its last fetches bring instead of dropping it", "[runtime]") {
  // AckWait 30 s: a message dropped by the stopping node would come back only after that.
  auto env = runtime_env(unique_namespace("handback"), {{"STUDYFORGE_ACK_WAIT_S", "30"}});
  node_process stays(env);
  auto admin = make_admin(stays.endpoint(), "handback");
  std::vector<std::string> jobs;
  auto t0 = std::chrono::steady_clock::now();
  {
    node_process leaves(env);
    std::this_thread::sleep_for(500ms);  // both idle: each lane's fetch waits at JetStream
    int code = -2;
    std::thread stop([&] { code = leaves.terminate(); });
    // Jobs published while it stops: those its fetches, still waiting, are given go back.
    for (int i = 0; i < 40; ++i) {
      jobs.push_back(submit_probe(admin, "generate", json::object()));
      std::this_thread::sleep_for(40ms);
    }
    stop.join();
    CHECK(code == 0);
  }
  for (const auto& id : jobs) CHECK(wait_for_job(admin, id, 40s)["status"] == "succeeded");
  CHECK(std::chrono::steady_clock::now() - t0 < 20s);
}

TEST_CASE("a job whose message JetStream lost is found by the sweep", "[runtime]") {
  auto ns = unique_namespace("sweep");
  // First a node that runs nothing: the job's message just waits in the stream.
  auto idle = runtime_env(ns, {{"STUDYFORGE_LANES_GENERATE_CONCURRENCY", "0"}, {"STUDYFORGE_LANES_SCHEDULED_CONCURRENCY", "0"}});
  node_process quiet(idle);
  auto admin = make_admin(quiet.endpoint(), "sweep");
  auto id = submit_probe(admin, "generate", json::object());

  // Lose the message, as JetStream has been seen to under faults.
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  REQUIRE(natsConnection_ConnectTo(&nc, std::getenv("STUDYFORGE_NATS_URL")) == NATS_OK);
  REQUIRE(natsConnection_JetStream(&js, nc, nullptr) == NATS_OK);
  std::string stream;
  for (char c : ns) stream += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  REQUIRE(js_PurgeStream(js, (stream + "_JOBS").c_str(), nullptr, nullptr) == NATS_OK);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);

  node_process worker(runtime_env(ns));
  auto j = wait_for_job(admin, id, 30s);
  CHECK(j["status"] == "succeeded");
}

TEST_CASE("a job that kills its node every time is parked as poison", "[runtime][slow]") {
  auto env = runtime_env(unique_namespace("poison"));
  auto died = [](node_process& n, std::chrono::seconds within) {
    auto until = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < until) {
      if (!n.alive()) return true;
      std::this_thread::sleep_for(25ms);
    }
    return false;
  };
  std::string id;
  std::unique_ptr<user> admin;
  {
    node_process first(env);
    admin = std::make_unique<user>(make_admin(first.endpoint(), "poison"));
    id = submit_probe(*admin, "generate", {{"abort", true}});
    REQUIRE(died(first, 10s));
  }
  // Each fresh node takes the next attempt and dies of it, until the job is parked.
  for (int round = 0; round < 5; ++round) {
    node_process next(env);
    user watcher(next.endpoint(), *admin);
    if (!died(next, 8s)) {
      auto j = wait_for_job(watcher, id, 10s);
      CHECK(j["status"] == "failed");
      CHECK(j["error"].get<std::string>().find("poison") != std::string::npos);
      return;
    }
  }
  FAIL("the poison job was never parked");
}
