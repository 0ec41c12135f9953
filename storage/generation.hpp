#pragma once
// Storage for generation: retrieval over chunks, the semantic cache, token usage.
#include <optional>
#include <pqxx/types.hxx>
#include <string>
#include <utility>
#include <vector>

#include "storage/records.hpp"

namespace sf::storage {

struct file_chunk {
  std::string sha256;  // the file content it belongs to
  chunk_record chunk;
};

// (sha256, ordinal) of the chunks of these files matching every word of `query` (full text),
// best first.
std::vector<std::pair<std::string, int>> text_matches(pqxx::transaction_base& tx, const std::vector<std::string>& shas,
                                                      const std::string& query, int limit);

// Every chunk of these files, in order.
std::vector<file_chunk> all_chunks(pqxx::transaction_base& tx, const std::vector<std::string>& shas);

struct chunk_vector {
  std::string sha256;
  int ordinal = 0;
  std::string embedding;  // float32 bytes
};
// The stored vectors of these files' chunks made by `model`.
std::vector<chunk_vector> chunk_vectors(pqxx::transaction_base& tx, const std::vector<std::string>& shas,
                                        const std::string& model);
void store_chunk_vectors(pqxx::transaction_base& tx, const std::string& model, const std::vector<chunk_vector>& vectors);

struct cache_entry {
  long long id = 0;
  std::string digest;
  std::string embedding;  // bytes
  std::string content_json;
  std::string provider;
};
// The newest entries for this type and options embedded by `embedding_model`, and any entry
// for the identical request (`digest`) whatever embedded it.
std::vector<cache_entry> cache_candidates(pqxx::transaction_base& tx, const std::string& type,
                                          const std::string& options_key, const std::string& embedding_model,
                                          const std::string& digest, int limit);
void cache_store(pqxx::transaction_base& tx, const std::string& type, const std::string& options_key,
                 const std::string& digest, const std::string& embedding_model, const std::string& embedding,
                 const std::string& content_json, const std::string& provider);
void cache_hit(pqxx::transaction_base& tx, long long id);

void add_usage(pqxx::transaction_base& tx, const std::string& user_id, const std::string& provider,
               long long prompt_tokens, long long completion_tokens);

struct usage_row {
  std::string provider;
  long long calls = 0, prompt_tokens = 0, completion_tokens = 0;
};
std::vector<usage_row> usage_today(pqxx::transaction_base& tx, const std::string& user_id);

}  // namespace sf::storage
