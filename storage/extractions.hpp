#pragma once
// Extracted text, stored once per file content (sha256) and shared by every source with it.
#include <optional>
#include <pqxx/types.hxx>
#include <string>
#include <vector>

#include "storage/records.hpp"

namespace sf::storage {

struct extraction_record {
  std::string sha256;
  int page_count = 0;
  int native_pages = 0;
  int ocr_pages = 0;
  std::optional<double> mean_ocr_confidence;
};

std::optional<extraction_record> find_extraction(pqxx::transaction_base& tx, const std::string& sha256);
// Idempotent: a second writer of the same sha256 leaves the first one's rows.
void save_extraction(pqxx::transaction_base& tx, const extraction_record& e, const std::vector<page_record>& pages,
                     const std::vector<chunk_record>& chunks);
// Retrieval chunks of a file's text (also for text extracted before chunking existed).
// has_chunks locks the file's chunks until the transaction ends.
bool has_chunks(pqxx::transaction_base& tx, const std::string& sha256);
void save_chunks(pqxx::transaction_base& tx, const std::string& sha256, const std::vector<chunk_record>& chunks);
std::vector<page_record> load_pages(pqxx::transaction_base& tx, const std::string& sha256);

}  // namespace sf::storage
