// The job statements the runtime batches, against the real PostgreSQL: a fetched batch is
// claimed in one statement, and job logs of a batch are written in one.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "common/ids.hpp"
#include "storage/courses.hpp"
#include "storage/events.hpp"
#include "storage/jobs.hpp"
#include "storage/users.hpp"

namespace {

std::string unique(const std::string& prefix) {
  return prefix + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

std::string new_owner(pqxx::connection& conn) {
  pqxx::work tx(conn);
  auto u = sf::storage::create_user(tx, unique("store") + "@example.test", "not a real hash", false);
  tx.commit();
  REQUIRE(u);
  return u->id;
}

struct job_store_setup {
  pqxx::connection conn{std::getenv("STUDYFORGE_DATABASE_URL") ? std::getenv("STUDYFORGE_DATABASE_URL") : ""};
  std::string cluster = unique("job-store-test-");
  std::string owner = new_owner(conn);

  std::string new_course(const std::string& title) {
    pqxx::work tx(conn);
    auto id = sf::storage::create_course(tx, {owner, title, std::nullopt, std::nullopt, std::nullopt, {}}).id;
    tx.commit();
    return id;
  }

  std::string new_job(std::optional<std::string> course_id = std::nullopt) {
    pqxx::work tx(conn);
    sf::storage::new_job j;
    j.owner_id = owner;
    j.course_id = std::move(course_id);
    j.kind = "probe";
    j.lane = "generate";
    j.cluster = cluster;
    auto id = sf::storage::create_job(tx, j).id;
    tx.commit();
    return id;
  }
};

std::set<std::string> ids_of(const std::vector<sf::storage::job_record>& jobs) {
  std::set<std::string> out;
  for (const auto& j : jobs) out.insert(j.id);
  return out;
}

}  // namespace

TEST_CASE_METHOD(job_store_setup, "a batch claim starts exactly the startable jobs, and takes over only stale ones",
                 "[store]") {
  auto a = new_job(), b = new_job(), done = new_job(), cancelled = new_job();
  {
    pqxx::work tx(conn);
    sf::storage::set_job_status(tx, done, "succeeded", std::nullopt);
    sf::storage::request_cancel(tx, cancelled);
    tx.commit();
  }
  std::vector<std::string> batch{a, done, b, cancelled};
  {
    pqxx::work tx(conn);
    auto started = sf::storage::start_jobs(tx, batch, "node-one", 60000);
    tx.commit();
    CHECK(ids_of(started) == std::set<std::string>{a, b});
    for (const auto& j : started) {
      CHECK(j.status == "running");
      CHECK(j.attempt == 1);
      CHECK(j.node_id == "node-one");
    }
  }
  {
    // Running with a fresh heartbeat: nobody takes them.
    pqxx::work tx(conn);
    CHECK(sf::storage::start_jobs(tx, batch, "node-two", 60000).empty());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  {
    // Their node went quiet: another node takes them over, as their second attempt.
    pqxx::work tx(conn);
    auto taken = sf::storage::start_jobs(tx, batch, "node-two", 10);
    tx.commit();
    CHECK(ids_of(taken) == std::set<std::string>{a, b});
    for (const auto& j : taken) {
      CHECK(j.attempt == 2);
      CHECK(j.node_id == "node-two");
    }
    pqxx::work check(conn);
    CHECK(sf::storage::find_job(check, done)->status == "succeeded");
    CHECK(sf::storage::find_job(check, cancelled)->status == "queued");
  }
}

TEST_CASE_METHOD(job_store_setup, "the claim and the end of an attempt log a job without a course themselves",
                 "[store]") {
  auto course_id = new_course("Store test");
  auto lone = new_job(), done = new_job(), of_course = new_job(course_id);
  {
    pqxx::work tx(conn);
    REQUIRE(sf::storage::start_jobs(tx, {lone, done, of_course}, "node-one", 60000).size() == 3);
    REQUIRE(sf::storage::finish_attempt(tx, done, 1, "node-one", "succeeded", std::nullopt));
    // Another attempt's end, or one that already ended, changes and logs nothing.
    CHECK_FALSE(sf::storage::finish_attempt(tx, lone, 2, "node-one", "succeeded", std::nullopt));
    auto fin = sf::storage::finish_attempt(tx, lone, 1, "node-one", "retrying", std::string("transient: try later"), 30000);
    REQUIRE(fin);
    CHECK(fin->duration_ms >= 0);
    CHECK_FALSE(sf::storage::finish_attempt(tx, lone, 1, "node-one", "succeeded", std::nullopt));
    REQUIRE(sf::storage::finish_attempt(tx, of_course, 1, "node-one", "succeeded", std::nullopt));
    tx.commit();
  }
  pqxx::work tx(conn);
  auto history = sf::storage::job_history(tx, lone);
  REQUIRE(history.size() == 2);
  CHECK(history[0].status == "running");
  CHECK(nlohmann::json::parse(*history[0].detail_json) == nlohmann::json{{"attempt", 1}, {"node", "node-one"}});
  CHECK(history[1].status == "retrying");
  auto ended = nlohmann::json::parse(*history[1].detail_json);
  CHECK(ended["duration_ms"].is_number_integer());
  ended.erase("duration_ms");
  CHECK(ended == nlohmann::json{{"attempt", 1}, {"node", "node-one"}, {"error", "transient: try later"}});
  CHECK(sf::storage::find_job(tx, lone)->status == "retrying");
  auto success = sf::storage::job_history(tx, done);
  REQUIRE(success.size() == 2);
  CHECK(success[1].status == "succeeded");
  auto detail = nlohmann::json::parse(*success[1].detail_json);
  CHECK(detail["duration_ms"].is_number_integer());
  detail.erase("duration_ms");
  CHECK(detail == nlohmann::json{{"attempt", 1}, {"node", "node-one"}});  // no error key
  // A course's job logs to the course's event stream, which the pipeline writes.
  CHECK(sf::storage::job_history(tx, of_course).empty());
}

TEST_CASE_METHOD(job_store_setup, "a claim of jobs without a course leaves a course's job queued", "[store]") {
  auto course_id = new_course("Claim test");
  auto lone = new_job(), of_course = new_job(course_id);
  pqxx::nontransaction tx(conn);
  auto started = sf::storage::start_jobs(tx, {lone, of_course}, "node-one", 60000, true);
  CHECK(ids_of(started) == std::set<std::string>{lone});
  CHECK(sf::storage::find_job(tx, of_course)->status == "queued");
  CHECK(sf::storage::job_history(tx, lone).size() == 1);  // its start, logged by the same statement
}

TEST_CASE_METHOD(job_store_setup, "jobs made together and ended together each keep their own row and answer",
                 "[store]") {
  auto course_id = new_course("Batch test");
  std::vector<sf::storage::new_job> wanted(4);
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    wanted[i].owner_id = owner;
    wanted[i].kind = "probe";
    wanted[i].lane = i == 2 ? "chat" : "generate";
    wanted[i].cluster = cluster;
    wanted[i].max_attempts = static_cast<int>(i) + 1;
    wanted[i].payload_json = nlohmann::json{{"n", i}, {"text", "quote \" comma , brace } \u00e9"}}.dump();
  }
  wanted[3].course_id = course_id;
  std::vector<sf::storage::job_record> made;
  {
    pqxx::nontransaction tx(conn);  // one statement, as the node runs it
    made = sf::storage::create_jobs(tx, wanted);
  }
  REQUIRE(made.size() == wanted.size());
  for (std::size_t i = 0; i < made.size(); ++i) {
    CHECK(made[i].status == "queued");
    CHECK(made[i].lane == wanted[i].lane);
    CHECK(made[i].max_attempts == wanted[i].max_attempts);
    CHECK(made[i].course_id == wanted[i].course_id);
    CHECK(nlohmann::json::parse(made[i].payload_json) == nlohmann::json::parse(wanted[i].payload_json));
  }
  CHECK(ids_of(made).size() == made.size());
  {
    pqxx::work tx(conn);
    REQUIRE(sf::storage::start_jobs(tx, {made[0].id, made[1].id, made[2].id, made[3].id}, "node-one", 60000).size() == 4);
    tx.commit();
  }
  std::string error = "transient: he said \"no\", then {left} at C:\\temp, NULL";
  std::vector<sf::storage::attempt_end> ends{{made[0].id, 1, "succeeded", std::nullopt, 0},
                                             {made[1].id, 1, "retrying", error, 30000},
                                             {made[2].id, 2, "succeeded", std::nullopt, 0},  // not its attempt
                                             {made[3].id, 1, "failed", std::string("invalid_value: no"), 0}};
  std::vector<std::optional<sf::storage::finished_attempt>> answers;
  {
    pqxx::nontransaction tx(conn);
    answers = sf::storage::finish_attempts(tx, ends, "node-one");
  }
  REQUIRE(answers.size() == 4);
  CHECK(answers[0]);
  CHECK(answers[0]->progress == 100);
  CHECK(answers[1]);
  CHECK_FALSE(answers[2]);
  CHECK(answers[3]);
  pqxx::work tx(conn);
  auto status = [&](std::size_t i) { return sf::storage::find_job(tx, made[i].id)->status; };
  CHECK(status(0) == "succeeded");
  CHECK(status(1) == "retrying");
  CHECK(sf::storage::find_job(tx, made[1].id)->error == error);
  CHECK(status(2) == "running");
  CHECK(status(3) == "failed");
  CHECK(sf::storage::find_job(tx, made[3].id)->completed_at);
  CHECK_FALSE(sf::storage::find_job(tx, made[1].id)->completed_at);
  auto retried = sf::storage::job_history(tx, made[1].id);
  REQUIRE(retried.size() == 2);
  CHECK(nlohmann::json::parse(*retried[1].detail_json)["error"] == error);
  CHECK(sf::storage::job_history(tx, made[2].id).size() == 1);  // its start only
  CHECK(sf::storage::job_history(tx, made[3].id).empty());      // a course's job: the pipeline logs it
  CHECK(sf::storage::find_job(tx, made[3].id)->error == "invalid_value: no");
  auto listed = sf::storage::list_jobs(tx, owner, std::nullopt, std::nullopt, 10);
  REQUIRE(listed.size() >= 4);
  for (std::size_t i = 0; i < 4; ++i) CHECK(listed[i].id == made[3 - i].id);  // newest first, as submitted
}

TEST_CASE_METHOD(job_store_setup, "ends of one job given twice in one batch are each judged on their own", "[store]") {
  auto job = new_job();
  {
    pqxx::work tx(conn);
    REQUIRE(sf::storage::start_jobs(tx, {job}, "node-one", 60000).size() == 1);
    REQUIRE(sf::storage::finish_attempt(tx, job, 1, "node-one", "retrying", std::string("transient"), 0));
    REQUIRE(sf::storage::start_jobs(tx, {job}, "node-one", 60000).size() == 1);  // attempt 2
    tx.commit();
  }
  pqxx::nontransaction tx(conn);
  std::string with_nul("permanent: a\0b", 14);
  auto answers = sf::storage::finish_attempts(
      tx, {{job, 1, "succeeded", std::nullopt, 0}, {job, 2, "failed", with_nul, 0}}, "node-one");
  REQUIRE(answers.size() == 2);
  CHECK_FALSE(answers[0]);  // attempt 1 had ended
  CHECK(answers[1]);
  auto row = sf::storage::find_job(tx, job);
  CHECK(row->status == "failed");
  CHECK(row->error == "permanent: ab");  // text holds no NUL: it is left out
}

TEST_CASE_METHOD(job_store_setup, "job logs written together keep every detail as it was given", "[store]") {
  auto job = new_job();
  nlohmann::json tricky{{"error", "a \"quoted\" word, a back\\slash, a {brace}, a comma, NULL, and \xc3\xbcnicode"},
                        {"attempt", 2}};
  {
    pqxx::work tx(conn);
    sf::storage::append_job_logs(tx, {{job, "probe", "running", std::string(R"({"attempt":1})")},
                                      {job, "probe", "retrying", tricky.dump()},
                                      {job, "probe", "succeeded", std::nullopt}});
    tx.commit();
  }
  pqxx::work tx(conn);
  auto history = sf::storage::job_history(tx, job);
  REQUIRE(history.size() == 3);
  CHECK(history[0].status == "running");
  CHECK(nlohmann::json::parse(*history[0].detail_json) == nlohmann::json{{"attempt", 1}});
  CHECK(history[1].status == "retrying");
  CHECK(nlohmann::json::parse(*history[1].detail_json) == tricky);
  CHECK(history[2].status == "succeeded");
  CHECK_FALSE(history[2].detail_json.has_value());
}

TEST_CASE_METHOD(job_store_setup, "a job listing applies exactly the filters given", "[store]") {
  auto first = new_job(), second = new_job();
  job_store_setup other;  // another owner, with a job of their own
  auto theirs = other.new_job();
  {
    pqxx::work tx(conn);
    REQUIRE(sf::storage::start_jobs(tx, {second}, "node-one", 60000).size() == 1);
    tx.commit();
  }
  pqxx::work tx(conn);
  CHECK(ids_of(sf::storage::list_jobs(tx, owner, std::nullopt, std::nullopt, 10)) == std::set<std::string>{first, second});
  CHECK(ids_of(sf::storage::list_jobs(tx, owner, std::string("running"), std::nullopt, 10)) == std::set<std::string>{second});
  CHECK(ids_of(sf::storage::list_jobs(tx, owner, std::string("queued"), std::string("generate"), 10)) ==
        std::set<std::string>{first});
  CHECK(sf::storage::list_jobs(tx, owner, std::nullopt, std::string("chat"), 10).empty());
  auto newest = sf::storage::list_jobs(tx, owner, std::nullopt, std::nullopt, 1);
  REQUIRE(newest.size() == 1);
  CHECK(newest[0].id == second);
  // Without an owner (an admin), every owner's jobs.
  auto all = ids_of(sf::storage::list_jobs(tx, "", std::nullopt, std::nullopt, 100000));
  CHECK(all.count(first) == 1);
  CHECK(all.count(theirs) == 1);
}

TEST_CASE_METHOD(job_store_setup, "jobs named before they are made are made once, however often the insert runs",
                 "[store]") {
  sf::storage::new_job j;
  j.id = sf::new_uuid();
  j.owner_id = owner;
  j.kind = "probe";
  j.lane = "generate";
  j.cluster = cluster;
  j.payload_json = R"({"n":1})";
  auto other = j;
  other.id = sf::new_uuid();
  pqxx::nontransaction tx(conn);
  auto first = sf::storage::create_jobs(tx, {j});
  // The batch's outcome was lost and it runs again, now beside a job that is new.
  auto again = sf::storage::create_jobs(tx, {other, j});
  REQUIRE(again.size() == 2);
  CHECK(again[0].id == other.id);
  CHECK(again[1].id == j.id);
  CHECK(again[1].created_at == first[0].created_at);
  CHECK(again[1].payload_json == first[0].payload_json);
  CHECK(tx.exec_params("select count(*) from jobs where id = any($1::uuid[])",
                       "{" + j.id + "," + other.id + "}")[0][0].as<int>() == 2);
}

TEST_CASE_METHOD(job_store_setup, "a job whose publish failed is marked failed only while nobody took it",
                 "[store]") {
  auto waiting = new_job(), taken = new_job();
  pqxx::work tx(conn);
  REQUIRE(sf::storage::start_jobs(tx, {taken}, "node-one", 60000).size() == 1);
  auto marked = sf::storage::fail_unpublished_jobs(tx, {waiting, taken}, "enqueue failed: no acknowledgement");
  CHECK(marked == std::vector<std::string>{waiting});
  auto w = sf::storage::find_job(tx, waiting);
  CHECK(w->status == "failed");
  CHECK(w->error == std::optional<std::string>("enqueue failed: no acknowledgement"));
  CHECK(sf::storage::find_job(tx, taken)->status == "running");
}

TEST_CASE_METHOD(job_store_setup, "a job found stale is ended only if it is still silent once its row is locked", "[store]") {
  auto id = new_job();
  auto go_quiet = [&] {
    pqxx::work tx(conn);
    tx.exec_params("update jobs set heartbeat_at = now() - interval '10 seconds' where id = $1::uuid", id);
    tx.commit();
  };
  {
    pqxx::work tx(conn);
    REQUIRE(sf::storage::start_jobs(tx, {id}, "node-one", 60000).size() == 1);
    tx.commit();
  }
  go_quiet();

  // A heartbeat is on its way: it holds the row, not yet committed, when the sweep's end comes.
  pqxx::connection heartbeat_conn{std::getenv("STUDYFORGE_DATABASE_URL")};
  pqxx::work heartbeat(heartbeat_conn);
  sf::storage::heartbeat_jobs(heartbeat, {id});
  std::optional<sf::storage::finished_attempt> ended{sf::storage::finished_attempt{}};
  std::thread sweep([&] {
    pqxx::connection c{std::getenv("STUDYFORGE_DATABASE_URL")};
    pqxx::work tx(c);
    ended = sf::storage::finish_attempt(tx, id, 1, "node-two", "retrying", std::string("stale"), 0, 1000);
    tx.commit();
  });
  // The heartbeat commits only once the end waits for its row: a look at the row without the
  // lock would have seen it stale.
  bool waiting = false;
  for (int i = 0; i < 500 && !waiting; ++i) {
    pqxx::nontransaction look(conn);
    waiting = !look.exec("select 1 from pg_stat_activity where wait_event_type = 'Lock' "
                         "and query like '%heartbeat_at%for update%'")
                   .empty();
    if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(waiting);
  heartbeat.commit();
  sweep.join();
  CHECK_FALSE(ended.has_value());
  {
    pqxx::work tx(conn);
    CHECK(sf::storage::find_job(tx, id)->status == "running");
  }

  // Still silent: it is ended.
  go_quiet();
  {
    pqxx::work tx(conn);
    CHECK(sf::storage::finish_attempt(tx, id, 1, "node-two", "retrying", std::string("stale"), 0, 1000).has_value());
    tx.commit();
    pqxx::work check(conn);
    CHECK(sf::storage::find_job(check, id)->status == "retrying");
  }
}
