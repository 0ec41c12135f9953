#include "cli/node.hpp"

#include <cstdio>

#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "actors/runtime.hpp"
#include "cli/logging.hpp"
#include "generate/openai_provider.hpp"
#include "generate/provider_chain.hpp"
#include "http/api.hpp"
#include "http/hub.hpp"
#include "http/server.hpp"
#include "messaging/bus.hpp"
#include "pipeline/control.hpp"
#include "pipeline/job_batches.hpp"
#include "pipeline/services.hpp"
#include "storage/blob_store.hpp"
#include "storage/migrate.hpp"
#include "storage/pool.hpp"

namespace sf::cli {

inline constexpr const char* version = "0.1.0";

// Cancel broadcasts arrive on a NATS thread for as long as the bus lives, which is longer than
// the runtime: they reach the runtime through this gate, closed before the runtime goes.
struct cancel_gate {
  std::mutex mu;
  actors::runtime* runtime = nullptr;
  void cancel(const std::string& job_id) {
    std::lock_guard lock(mu);
    if (runtime) runtime->cancel(job_id);
  }
  void close() {
    std::lock_guard lock(mu);
    runtime = nullptr;
  }
};

struct node::impl {
  config::settings cfg;
  std::unique_ptr<storage::pool> db;
  std::unique_ptr<storage::group_commit> commits;  // job transactions, grouped per lane
  std::unique_ptr<storage::blob_store> blobs;
  std::unique_ptr<messaging::bus> bus;
  std::unique_ptr<pipeline::job_batches> batches;   // jobs without a course, made and ended together; uses bus
  std::unique_ptr<gen::provider_chain> providers;
  std::unique_ptr<gen::embedder> embeddings;
  std::unique_ptr<gen::transcriber> transcription;
  std::unique_ptr<gen::moderator> moderation;
  std::unique_ptr<pipeline::services> services;
  std::unique_ptr<actors::runtime> runtime;
  std::shared_ptr<cancel_gate> cancels = std::make_shared<cancel_gate>();
  http::hub hub;
  std::unique_ptr<http::api> api;
  std::unique_ptr<http::server> server;
  std::uint16_t port = 0;
};

node::node() : p_(std::make_unique<impl>()) {}
node::~node() {
  if (p_) stop(std::chrono::seconds(0), 1);  // only a node that failed to start is stopped here
}

result<std::unique_ptr<node>> node::start(const config::settings& s) {
  std::unique_ptr<node> n(new node());
  auto& p = *n->p_;
  p.cfg = s;
  configure_logging(s);
  BOOST_OUTCOME_TRY(applied, storage::migrate(s.database_url));
  if (applied > 0) spdlog::info("applied {} schema migrations", applied);
  p.db = std::make_unique<storage::pool>(s.database_url, s.request_workers + 16, "studyforge " + s.node_id);
  p.blobs = std::make_unique<storage::blob_store>(std::filesystem::path(s.data_dir) / "blobs");
  BOOST_OUTCOME_TRY(bus, messaging::connect(s.nats_url, "studyforge-" + s.node_id, s.nats_namespace));
  p.bus = std::move(bus);
  auto settings_of = [](const config::settings::provider& e) {
    return gen::openai_settings{e.name, e.base_url, e.api_key, e.model, std::chrono::seconds(e.timeout_s), e.json_schema};
  };
  std::vector<std::unique_ptr<gen::provider>> chain;
  for (const auto& pr : s.providers) chain.push_back(gen::make_openai_provider(settings_of(pr)));
  p.providers = std::make_unique<gen::provider_chain>(
      std::move(chain), gen::breaker_settings{s.breaker_failures, std::chrono::seconds(s.breaker_open_s)});
  if (s.embeddings) p.embeddings = gen::make_openai_embedder(settings_of(*s.embeddings));
  if (s.transcription) p.transcription = gen::make_openai_transcriber(settings_of(*s.transcription));
  if (s.moderation_service) p.moderation = gen::make_openai_moderator(settings_of(*s.moderation_service));
  p.commits = std::make_unique<storage::group_commit>(*p.db);
  p.batches = std::make_unique<pipeline::job_batches>(*p.db, *p.bus, s.node_id);
  p.services.reset(new pipeline::services{p.cfg, *p.db, *p.blobs, *p.bus, *p.batches, p.providers.get(),
                                          p.embeddings.get(), p.transcription.get(), p.moderation.get(), p.commits.get()});
  if (!s.providers.empty()) spdlog::info("{} model providers configured; the first is {}", s.providers.size(), s.providers[0].name);

  // Events from every node reach this node's WebSocket sessions.
  auto* hub = &p.hub;
  BOOST_OUTCOME_TRYV(p.bus->subscribe(p.bus->subjects().all_events(), [hub](const std::string&, const std::string& payload) {
    hub->deliver(payload);
  }));
  BOOST_OUTCOME_TRYV(p.bus->ensure_jobs_stream());

  if (s.role != "api") {
    p.runtime = std::make_unique<actors::runtime>(*p.services);
    BOOST_OUTCOME_TRYV(p.runtime->start());
    p.cancels->runtime = p.runtime.get();
    BOOST_OUTCOME_TRYV(p.bus->subscribe(p.bus->subjects().control("cancel"),
                                        [gate = p.cancels](const std::string&, const std::string& job_id) { gate->cancel(job_id); }));
  }
  if (s.role != "worker") {
    p.api = std::make_unique<http::api>(http::api_deps{*p.services, p.runtime.get(), version});
    http::server_options o;
    o.host = s.listen_host;
    o.port = s.listen_port;
    o.io_threads = s.http_threads;
    o.request_workers = s.request_workers;
    o.request_queue = s.request_queue;
    o.max_upload_bytes = s.max_upload_bytes;
    o.max_json_bytes = s.max_json_bytes;
    o.ws_messages_per_second = s.ws_messages_per_second;
    o.ws_keepalive_s = s.ws_keepalive_s;
    o.ws_connections_per_user = s.ws_connections_per_user;
    o.connections_per_address = s.connections_per_address;
    p.server = std::make_unique<http::server>(*p.api, p.hub, *p.blobs, o);
    auto port = p.server->start();
    if (!port) {
      // Said now: stopping the runtime it started may end the process (a job stuck in a call).
      spdlog::error("cannot serve on {}:{}: {}", s.listen_host, s.listen_port, port.error().message);
      return port.error();
    }
    p.port = port.value();
    spdlog::info("node {} listening on {}:{}", s.node_id, s.listen_host, p.port);
  }
  return n;
}

std::uint16_t node::port() const { return p_->port; }

void node::stop(std::chrono::milliseconds grace, int exit_if_stuck) {
  if (p_->runtime) {
    bool clean = p_->runtime->shutdown(grace);
    if (!clean) {
      // A job is stuck in a library call; the actor system would wait for it forever.
      spdlog::warn("a job did not stop in time; exiting without waiting for it");
      spdlog::default_logger()->flush();
      std::fflush(nullptr);
      std::_Exit(exit_if_stuck);
    }
  }
  if (p_->server) p_->server->stop();
  p_->cancels->close();
  p_->runtime.reset();
  // No event may reach the hub once the server's sessions and the routes they use are gone.
  p_->bus.reset();
  p_->server.reset();
  p_->api.reset();
}

}  // namespace sf::cli
