#pragma once
// Node settings: one typed struct, filled from defaults, then the settings file, then the
// environment. Every key is declared once (config/fields.cpp) with its description.
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace sf::config {

inline constexpr std::array<const char*, 5> lane_names{"chat", "extract", "ocr", "generate", "scheduled"};

struct lane_settings {
  int concurrency = 2;
  // How many steps nicer (0-19) the lane's worker threads run than the node's other threads.
  // Bulk lanes run a little below the threads that serve requests and WebSockets, so a
  // CPU-bound OCR or generation job does not delay what a user is waiting on; they still get
  // all the CPU nobody else wants.
  int nice = 0;
};

// Retry and time limits of one job kind.
struct job_kind_settings {
  std::vector<int> backoff_s{0, 30, 60};  // delay before attempt 1, 2, 3...: its size is max attempts
  int soft_limit_s = 600;
  int hard_limit_s = 660;
};

struct settings {
  // network and dependencies
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  std::string database_url;  // empty: a private PostgreSQL under data_dir
  std::string nats_url;      // empty: a private nats-server under data_dir
  std::string nats_namespace;  // prefix of every stream and subject; empty for the default names
  std::string data_dir = "./var";
  std::string node_id;  // empty: hostname-pid
  std::string role = "all";  // api | worker | all
  int private_postgres_port = 54329;
  int private_nats_port = 42229;

  // capacity
  int http_threads = 2;
  int actor_threads = 1;   // CAF scheduler threads: actors' handlers only (job work has its own threads)
  int request_workers = 4;  // blocking request handlers (database, hashing), each with a connection
  int request_queue = 256;  // pending requests beyond which the node answers 503

  // input limits
  std::uint64_t max_upload_bytes = 100ull << 20;
  std::uint64_t max_json_bytes = 1ull << 20;
  int max_pdf_pages = 2000;

  // jobs
  std::map<std::string, lane_settings> lanes;
  std::map<std::string, job_kind_settings> job_kinds;
  int ack_wait_s = 30;
  int heartbeat_ms = 5000;
  int sweep_interval_s = 10;     // how often some node looks for stale jobs and lost messages
  bool enable_probe_jobs = false;  // admin-submitted test and benchmark jobs (POST /v1/admin/probe-jobs)

  // extraction
  int ocr_threads = 2;  // pages OCRed at once by one OCR job
  int ocr_dpi = 300;
  std::string ocr_language = "eng";
  std::uint64_t max_image_pixels = 100'000'000;
  std::uint64_t max_page_pixels = 40'000'000;
  std::uint64_t mupdf_memory_bytes = 1ull << 30;
  int video_segment_s = 60;
  int video_frame_interval_s = 10;
  int video_max_frames = 120;
  int video_max_duration_s = 4 * 3600;

  // moderation
  int moderation_min_chars = 40;
  int moderation_min_ocr_confidence = 30;
  std::vector<std::string> blocked_terms;
  int purge_rejected_after_s = 86400;

  // generation
  struct provider {
    std::string name, base_url, model, api_key;
    int timeout_s = 60;
    bool json_schema = true;
  };
  std::vector<provider> providers;  // in order; empty: the offline provider writes everything
  std::optional<provider> embeddings;  // empty: the offline embedding
  std::optional<provider> transcription;       // /v1/audio/transcriptions; empty: pocketsphinx
  std::optional<provider> moderation_service;  // /v1/moderations; empty: the built-in rules only
  int moderation_max_pieces = 64;              // 8 KB pieces of a document sent to it
  int breaker_failures = 3;
  int breaker_open_s = 30;
  double cache_hit_similarity = 0.97;
  double cache_near_similarity = 0.85;
  int flashcards_count = 20;
  int quiz_questions = 10;
  int summary_sentences = 12;

  // throttles (per user or address, per node) and daily quotas (per user, exact)
  int throttle_auth_per_minute = 30;       // signup and login, per address
  int throttle_login_per_account_per_minute = 10;
  int throttle_upload_per_minute = 30;
  int throttle_generate_per_minute = 60;
  int throttle_read_per_second = 50;
  int throttle_write_per_second = 20;
  int quota_uploads_per_day = 200;
  int quota_generations_per_day = 1000;
  int signed_url_ttl_s = 300;
  int max_json_depth = 32;
  int ws_messages_per_second = 20;
  int ws_keepalive_s = 150;
  int ws_connections_per_user = 20;
  int connections_per_address = 1024;

  std::string log_level = "info";
  bool log_json = true;  // one JSON object per log line

  const lane_settings& lane(const std::string& name) const;
  const job_kind_settings& job_kind(const std::string& kind) const;
  std::string listen() const { return listen_host + ":" + std::to_string(listen_port); }
};

// Reads `file_text` (JSON; may be empty) and `env` (STUDYFORGE_* names) over the defaults.
// An unknown key (in the file, or a STUDYFORGE_* name in `env` that is no setting) or a bad
// value fails with a message that names it.
result<settings> load(const std::string& file_text, const std::map<std::string, std::string>& env);

// The process's own environment and STUDYFORGE_CONFIG file.
result<settings> load_from_process();

// Every key with its environment name, default and description (for `studyforge config`).
std::string describe();

}  // namespace sf::config
