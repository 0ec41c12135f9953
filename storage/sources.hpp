#pragma once
#include <chrono>
#include <optional>
#include <pqxx/types.hxx>
#include <string>
#include <vector>

#include "storage/records.hpp"

namespace sf::storage {

source_record create_source(pqxx::transaction_base& tx, const std::string& course_id, const std::string& filename,
                            const std::string& media_type, const std::string& sha256, long long bytes);
std::optional<source_record> find_source(pqxx::transaction_base& tx, const std::string& course_id, const std::string& id);
std::vector<source_record> list_sources(pqxx::transaction_base& tx, const std::string& course_id);

struct source_outcome {
  std::string status;  // extracting | extracted | rejected | failed
  std::optional<int> pages;
  std::optional<std::string> reject_reason;
  int native_pages = 0;
  int ocr_pages = 0;
  std::optional<double> mean_ocr_confidence;
};
void set_source_outcome(pqxx::transaction_base& tx, const std::string& id, const source_outcome& o);

// Files of sources rejected more than `older_than_s` ago that no other source still needs.
std::vector<std::string> purgeable_blobs(pqxx::transaction_base& tx, int older_than_s, int limit);
void mark_purged(pqxx::transaction_base& tx, const std::string& sha256);

class blob_store;
struct blob_tidying {
  int unreferenced_removed = 0;  // stored for an upload whose source row never committed
  int temp_removed = 0;          // files of uploads that never finished
};
// Blobs marked unreferenced before `before` that no source names and no upload adopted again
// since are removed, and temp files last written before it. Up to `limit` of each.
blob_tidying tidy_blobs(pqxx::transaction_base& tx, blob_store& blobs, std::chrono::system_clock::time_point before,
                        std::size_t limit);

}  // namespace sf::storage
