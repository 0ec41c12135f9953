// bench/jobs: no-op jobs through the whole runtime (HTTP submit, PostgreSQL state, JetStream,
// job actor, late ack), measured against a Celery peer in the same run.
//
//   bench_jobs --server http://127.0.0.1:PORT --token T --database URL [--jobs 10000]
//              [--clients 16] [--rate 200] [--seconds 10] [--peer peer.json]
//              [--node-pid PID] [--nats-pid PID] [--throughput-only 1]
//
// Prints: throughput (jobs/s) for --jobs jobs, with the CPU time per job of the node,
// nats-server and PostgreSQL over that run; submit latency p50/p99 and enqueue-to-start
// latency p50/p99 at a fixed modest rate; and the ratio to the peer's figures when given.
// --throughput-only 1 prints just the throughput: bench/run_jobs.sh runs extra rounds of it,
// alternating with the peer's, so a machine that slows down meanwhile slows both sides.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bench/lean_http.hpp"
#include "bench/percentile.hpp"
#include "bench/proc_stats.hpp"
#include "client/client.hpp"

using clock_type = std::chrono::steady_clock;
using nlohmann::json;

namespace {

struct options {
  sf::client::endpoint ep;
  std::string token, database, peer;
  int jobs = 10000, clients = 16, rate = 200, seconds = 10;
  int node_pid = 0, nats_pid = 0, postgres_pid = 0;  // whose CPU time per job to report
  int poll_backend_pid = 0;  // the PostgreSQL backend of the bench's own polls
  bool throughput_only = false;  // an extra round of the throughput run, between the peer's
};

// CPU seconds so far of the node, nats-server, and PostgreSQL with its backends.
struct cpu_sample {
  double node = 0, nats = 0, postgres = 0, polls = 0, clients = 0;
  static cpu_sample take(const options& o) {
    return {o.node_pid ? proc_stats::cpu_seconds(o.node_pid) : 0, o.nats_pid ? proc_stats::cpu_seconds(o.nats_pid) : 0,
            o.postgres_pid ? proc_stats::cpu_seconds_with_children(o.postgres_pid) : 0,
            o.poll_backend_pid ? proc_stats::cpu_seconds(o.poll_backend_pid) : 0,
            proc_stats::cpu_seconds(static_cast<int>(::getpid()))};
  }
};

json cpu_ms_per_job(const cpu_sample& a, const cpu_sample& b, int jobs) {
  auto per = [&](double x, double y) { return (y - x) * 1000 / jobs; };
  return {{"node", per(a.node, b.node)}, {"nats", per(a.nats, b.nats)}, {"postgres", per(a.postgres, b.postgres)},
          {"total", per(a.node + a.nats + a.postgres, b.node + b.nats + b.postgres)},
          // Part of `postgres`: the bench's own polls for the end of the run.
          {"postgres_bench_polls", per(a.polls, b.polls)},
          // Not part of `total`: this program, the submitting clients, on the same cores.
          {"bench_clients", per(a.clients, b.clients)}};
}

// Each client a plain kept-alive socket (bench/lean_http.hpp): the clients run on the node's
// cores, and a heavier client would be measured as the node's slowness.
bench::lean_http client_of(const options& o) { return {o.ep.host, o.ep.port, o.token}; }

std::string submit(bench::lean_http& c, double& ms) {
  auto t0 = clock_type::now();
  auto r = c.post("/v1/admin/probe-jobs", R"({"lane":"generate","payload":{}})");
  ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
  if (!r || r->status != 202) {
    std::fprintf(stderr, "submit failed: %s\n", r ? r->body.c_str() : "no answer");
    std::exit(1);
  }
  return json::parse(r->body)["job_id"];
}

std::string pg_array(const std::vector<std::string>& ids) {
  std::string out = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + ids[i];
  return out + "}";
}

// Waits until every job of `ids` has ended; PostgreSQL holds the truth. The partial indexes on
// waiting and running jobs fill with dead entries during a run, so a poll through them cost
// PostgreSQL 0.8 ms or more. Instead a cursor walks the ids in the order they were submitted,
// which is about the order they end: it moves past the ended ones a window at a time, and
// while the first in line runs, a poll looks up just that one by primary key.
void wait_all_done(pqxx::connection& db, const std::vector<std::string>& ids) {
  constexpr std::size_t window = 64;
  pqxx::nontransaction tx(db);  // one statement a poll, without BEGIN and ROLLBACK
  db.prepare("bench_active", "select id::text from jobs where id = any($1::uuid[]) "
                             "and status in ('queued', 'retrying', 'running')");
  std::size_t next = 0;
  while (next < ids.size()) {
    std::size_t end = std::min(ids.size(), next + window);
    std::set<std::string> active;
    for (const auto& r : tx.exec_prepared("bench_active", pg_array({ids.begin() + static_cast<std::ptrdiff_t>(next),
                                                                     ids.begin() + static_cast<std::ptrdiff_t>(end)})))
      active.insert(r[0].as<std::string>());
    while (next < end && !active.count(ids[next])) ++next;
    if (next == end) continue;
    while (!tx.exec_prepared("bench_active", "{" + ids[next] + "}").empty())
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

json throughput(const options& o, pqxx::connection& db) {
  std::vector<std::string> ids(static_cast<std::size_t>(o.jobs));
  std::vector<double> latencies(static_cast<std::size_t>(o.jobs));
  std::atomic<int> next{0};
  auto cpu0 = cpu_sample::take(o);
  auto t0 = clock_type::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < o.clients; ++t)
    threads.emplace_back([&] {
      auto c = client_of(o);
      for (int i = next++; i < o.jobs; i = next++) ids[i] = submit(c, latencies[i]);
    });
  for (auto& t : threads) t.join();
  auto submitted = clock_type::now();
  wait_all_done(db, ids);
  double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
  auto cpu1 = cpu_sample::take(o);
  pqxx::read_transaction tx(db);
  auto ok = tx.exec_params("select count(*) from jobs where id = any($1::uuid[]) and status = 'succeeded'",
                           pg_array(ids))[0][0].as<long>();
  return {{"jobs", o.jobs},
          {"succeeded", ok},
          {"seconds", secs},
          {"jobs_per_s", o.jobs / secs},
          {"submit_seconds", std::chrono::duration<double>(submitted - t0).count()},
          {"submit_p50_ms", percentile(latencies, 0.5)},
          {"submit_p99_ms", percentile(latencies, 0.99)},
          {"cpu_ms_per_job", cpu_ms_per_job(cpu0, cpu1, o.jobs)}};
}

json fixed_rate(const options& o, pqxx::connection& db) {
  auto c = client_of(o);
  int n = o.rate * o.seconds;
  std::vector<std::string> ids;
  std::vector<double> latencies;
  auto start = clock_type::now();
  for (int i = 0; i < n; ++i) {
    std::this_thread::sleep_until(start + std::chrono::microseconds(1000000LL * i / o.rate));
    double ms = 0;
    ids.push_back(submit(c, ms));
    latencies.push_back(ms);
  }
  wait_all_done(db, ids);
  // Enqueue (the submitting transaction) to start (the job actor's claim), as PostgreSQL saw them.
  pqxx::read_transaction tx(db);
  auto r = tx.exec_params(
      "select percentile_cont(0.5) within group (order by ms), percentile_cont(0.99) within group (order by ms), "
      "max(ms) from (select extract(epoch from (started_at - created_at)) * 1000 as ms from jobs "
      "where id = any($1::uuid[])) x",
      pg_array(ids))[0];
  return {{"rate_per_s", o.rate},
          {"jobs", n},
          {"submit_p50_ms", percentile(latencies, 0.5)},
          {"submit_p99_ms", percentile(latencies, 0.99)},
          {"enqueue_to_start_p50_ms", r[0].as<double>()},
          {"enqueue_to_start_p99_ms", r[1].as<double>()},
          {"enqueue_to_start_max_ms", r[2].as<double>()}};
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--server") o.ep = *sf::client::parse_url(v);
    else if (k == "--token") o.token = v;
    else if (k == "--database") o.database = v;
    else if (k == "--peer") o.peer = v;
    else if (k == "--jobs") o.jobs = std::stoi(v);
    else if (k == "--clients") o.clients = std::stoi(v);
    else if (k == "--rate") o.rate = std::stoi(v);
    else if (k == "--seconds") o.seconds = std::stoi(v);
    else if (k == "--node-pid") o.node_pid = std::stoi(v);
    else if (k == "--nats-pid") o.nats_pid = std::stoi(v);
    else if (k == "--throughput-only") o.throughput_only = v == "1";
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  auto o = parse(argc, argv);
  pqxx::connection db{o.database};
  // This connection's backend is a child of the postmaster, whose tree is PostgreSQL's CPU.
  o.poll_backend_pid = static_cast<int>(pqxx::nontransaction(db).exec("select pg_backend_pid()")[0][0].as<long>());
  o.postgres_pid = proc_stats::parent_of(o.poll_backend_pid);
  if (o.throughput_only) {
    std::printf("%s\n", json{{"studyforge", {{"throughput", throughput(o, db)}}}}.dump(2).c_str());
    return 0;
  }
  json out{{"studyforge", {{"throughput", throughput(o, db)}, {"fixed_rate", fixed_rate(o, db)}}}};
  if (!o.peer.empty()) {
    std::ifstream in(o.peer);
    auto peer = json::parse(in, nullptr, false);
    if (!peer.is_discarded()) {
      out["celery"] = peer;
      double ours = out["studyforge"]["throughput"]["jobs_per_s"];
      out["ratio_throughput_vs_celery_default"] = ours / peer["default"]["jobs_per_s"].get<double>();
      out["ratio_throughput_vs_celery_acks_late_prefetch1"] = ours / peer["acks_late_prefetch1"]["jobs_per_s"].get<double>();
      out["ratio_enqueue_to_start_p99_celery_over_ours"] =
          peer["fixed_rate"]["enqueue_to_start_p99_ms"].get<double>() /
          out["studyforge"]["fixed_rate"]["enqueue_to_start_p99_ms"].get<double>();
    }
  }
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}
