#include "storage/generation.hpp"

#include "common/digest.hpp"
#include "storage/row_reader.hpp"

namespace sf::storage {

std::vector<std::pair<std::string, int>> text_matches(pqxx::transaction_base& tx, const std::vector<std::string>& shas,
                                                      const std::string& query, int limit) {
  std::vector<std::pair<std::string, int>> out;
  if (query.empty()) return out;
  for (const auto& r : tx.exec_params("select c.sha256, c.ordinal from chunks c, plainto_tsquery('simple', $2) q "
                                      "where c.sha256 = any($1::text[]) and c.tsv @@ q "
                                      "order by ts_rank(c.tsv, q) desc, c.sha256, c.ordinal limit $3",
                                      detail::pg_array(shas), query, limit))
    out.emplace_back(r[0].as<std::string>(), r[1].as<int>());
  return out;
}

std::vector<file_chunk> all_chunks(pqxx::transaction_base& tx, const std::vector<std::string>& shas) {
  std::vector<file_chunk> out;
  for (const auto& r : tx.exec_params("select sha256, ordinal, page_start, page_end, heading, text from chunks "
                                      "where sha256 = any($1::text[]) order by sha256, ordinal",
                                      detail::pg_array(shas)))
    out.push_back({r[0].as<std::string>(),
                   {r[1].as<int>(), r[2].as<int>(), r[3].as<int>(), detail::opt_text(r[4]).value_or(""), r[5].as<std::string>()}});
  return out;
}

std::vector<chunk_vector> chunk_vectors(pqxx::transaction_base& tx, const std::vector<std::string>& shas,
                                        const std::string& model) {
  std::vector<chunk_vector> out;
  for (const auto& r : tx.exec_params("select sha256, ordinal, encode(embedding, 'hex') from chunk_embeddings "
                                      "where model = $1 and sha256 = any($2::text[])",
                                      model, detail::pg_array(shas)))
    out.push_back({r[0].as<std::string>(), r[1].as<int>(), from_hex(r[2].as<std::string>()).value_or("")});
  return out;
}

void store_chunk_vectors(pqxx::transaction_base& tx, const std::string& model, const std::vector<chunk_vector>& vectors) {
  if (vectors.empty()) return;
  std::vector<std::string> shas, ordinals, hex;
  for (const auto& v : vectors) {
    shas.push_back(v.sha256);
    ordinals.push_back(std::to_string(v.ordinal));
    hex.push_back(to_hex(v.embedding));
  }
  // Two nodes embedding the same file at once store it once.
  tx.exec_params("insert into chunk_embeddings (model, sha256, ordinal, embedding) "
                 "select $1, v.sha256, v.ordinal, decode(v.hex, 'hex') "
                 "from unnest($2::text[], $3::int[], $4::text[]) as v(sha256, ordinal, hex) on conflict do nothing",
                 model, detail::pg_array(shas), detail::pg_array(ordinals), detail::pg_array(hex));
}

std::vector<cache_entry> cache_candidates(pqxx::transaction_base& tx, const std::string& type,
                                          const std::string& options_key, const std::string& embedding_model,
                                          const std::string& digest, int limit) {
  std::vector<cache_entry> out;
  // bytea travels as hex: pqxx 6's binary handling is awkward for raw floats.
  for (const auto& r : tx.exec_params("(select id, digest, encode(embedding, 'hex'), content::text, provider "
                                      "from generation_cache where type = $1 and options_key = $2 and embedding_model = $3 "
                                      "order by created_at desc limit $5) union "
                                      "(select id, digest, encode(embedding, 'hex'), content::text, provider "
                                      "from generation_cache where digest = $4 and type = $1 and options_key = $2 "
                                      "order by created_at desc limit 1)",
                                      type, options_key, embedding_model, digest, limit))
    out.push_back({r[0].as<long long>(), r[1].as<std::string>(), from_hex(r[2].as<std::string>()).value_or(""),
                   r[3].as<std::string>(), r[4].as<std::string>()});
  return out;
}

void cache_store(pqxx::transaction_base& tx, const std::string& type, const std::string& options_key,
                 const std::string& digest, const std::string& embedding_model, const std::string& embedding,
                 const std::string& content_json, const std::string& provider) {
  tx.exec_params("insert into generation_cache (type, options_key, digest, embedding_model, embedding, content, provider) "
                 "values ($1, $2, $3, $4, decode($5, 'hex'), $6::jsonb, $7)",
                 type, options_key, digest, embedding_model, to_hex(embedding), content_json, provider);
}

void cache_hit(pqxx::transaction_base& tx, long long id) {
  tx.exec_params("update generation_cache set hits = hits + 1 where id = $1", id);
}

void add_usage(pqxx::transaction_base& tx, const std::string& user_id, const std::string& provider,
               long long prompt_tokens, long long completion_tokens) {
  tx.exec_params("insert into usage (user_id, provider, calls, prompt_tokens, completion_tokens) "
                 "values ($1::uuid, $2, 1, $3, $4) on conflict (user_id, day, provider) do update set "
                 "calls = usage.calls + 1, prompt_tokens = usage.prompt_tokens + excluded.prompt_tokens, "
                 "completion_tokens = usage.completion_tokens + excluded.completion_tokens",
                 user_id, provider, prompt_tokens, completion_tokens);
}

std::vector<usage_row> usage_today(pqxx::transaction_base& tx, const std::string& user_id) {
  std::vector<usage_row> out;
  for (const auto& r : tx.exec_params("select provider, calls, prompt_tokens, completion_tokens from usage "
                                      "where user_id = $1::uuid and day = current_date order by provider",
                                      user_id))
    out.push_back({r[0].as<std::string>(), r[1].as<long long>(), r[2].as<long long>(), r[3].as<long long>()});
  return out;
}

}  // namespace sf::storage
