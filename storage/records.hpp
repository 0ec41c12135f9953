#pragma once
// Rows as the rest of the node sees them. Times are RFC 3339 UTC strings.
#include <optional>
#include <string>
#include <vector>

namespace sf::storage {

struct user_record {
  std::string id;
  std::string email;
  std::string password_hash;
  bool is_admin = false;
  std::string created_at;
};

struct source_record {
  std::string id;
  std::string course_id;
  std::string filename;
  std::string media_type;
  std::string sha256;
  long long bytes = 0;
  std::optional<int> pages;
  std::string status;
  std::optional<std::string> reject_reason;
  int native_pages = 0;
  int ocr_pages = 0;
  std::optional<double> mean_ocr_confidence;
  std::string created_at;
};

struct material_summary {
  std::string type;
  std::string status;
};

struct course_record {
  std::string id;
  std::string owner_id;
  std::string title;
  std::optional<std::string> topic;
  std::optional<std::string> difficulty;
  std::optional<std::string> language;
  std::vector<std::string> materials_requested;
  std::string status;
  int progress = 0;
  std::optional<std::string> current_step;
  std::optional<std::string> error;
  std::optional<std::string> reject_reason;
  long long version = 0;
  long long event_seq = 0;
  std::string created_at;
  std::string updated_at;
  // Filled by the course view, not by the row itself.
  std::vector<source_record> sources;
  std::vector<material_summary> materials;
};

struct material_record {
  std::string id;
  std::string course_id;
  std::string type;
  std::string status;
  std::string options_json = "{}";
  std::optional<std::string> content_json;
  std::optional<std::string> provider;
  int retry_count = 0;
  std::optional<std::string> error;
  std::optional<std::string> job_id;
  std::string updated_at;
};

struct job_record {
  std::string id;
  std::string owner_id;
  std::optional<std::string> course_id;
  std::optional<std::string> source_id;
  std::optional<std::string> material_id;
  std::string kind;
  std::string lane;
  std::string status;
  int attempt = 0;
  int max_attempts = 1;
  int progress = 0;
  std::optional<std::string> current_step;
  std::optional<std::string> error;
  bool cancel_requested = false;
  std::string payload_json = "{}";
  std::optional<std::string> node_id;
  std::string created_at;
  std::optional<std::string> started_at;
  std::optional<std::string> completed_at;
};

// One line of a job's history (its events, with or without a course).
struct job_event_record {
  std::string status;
  std::optional<std::string> step;
  std::optional<std::string> detail_json;
  std::string at;
};

struct event_record {
  std::string course_id;
  long long seq = 0;
  std::optional<std::string> job_id;
  std::string kind;
  std::string status;
  int progress = 0;
  int course_progress = 0;
  std::optional<std::string> step;
  std::string at;
};

struct page_record {
  int page = 0;
  std::string method;
  std::string text;
  std::optional<double> confidence;
  std::optional<double> start_seconds;  // video segments
};

struct chunk_record {
  int ordinal = 0;
  int page_start = 0;
  int page_end = 0;
  std::string heading;
  std::string text;
};

}  // namespace sf::storage
