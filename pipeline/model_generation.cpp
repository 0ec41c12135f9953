#include "pipeline/model_generation.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "common/digest.hpp"
#include "generate/embedding.hpp"
#include "generate/model_material.hpp"
#include "generate/provider.hpp"
#include "generate/provider_chain.hpp"
#include "generate/retrieval.hpp"
#include "storage/generation.hpp"

namespace sf::pipeline {
namespace {

using json = nlohmann::json;

constexpr std::size_t context_chunks = 12;

// Cached content names file contents, not sources: the same file in another course is a hit.
json map_citations(json content, const std::map<std::string, std::string>& names) {
  std::function<void(json&)> walk = [&](json& j) {
    if (j.is_object()) {
      if (j.contains("source_id") && j["source_id"].is_string()) {
        auto it = names.find(j["source_id"].get<std::string>());
        j["source_id"] = it == names.end() ? std::string("?") : it->second;
      }
      for (auto& [k, v] : j.items()) walk(v);
    } else if (j.is_array()) {
      for (auto& v : j) walk(v);
    }
  };
  walk(content);
  return content;
}

// The configured provider's vectors of `texts`, its tokens counted to the user.
gen::embedding_result embed_counted(services& s, const std::string& owner_id, const std::vector<std::string>& texts) {
  auto reply = s.embeddings->embed(texts);
  if (reply) {
    auto conn = s.db.acquire();
    pqxx::nontransaction tx(*conn);
    storage::add_usage(tx, owner_id, s.embeddings->name() + " (embeddings)", reply.value().tokens.prompt_tokens, 0);
  }
  return reply;
}

// Chunks ranked by the configured embedding provider. Chunk vectors are made once per file
// and model (the first time a course retrieves from the file) and kept; the query's each
// time. Empty without a provider or when it fails: the other rankings still stand.
std::vector<std::size_t> rank_by_provider(services& s, const std::string& owner_id,
                                          const std::vector<storage::file_chunk>& chunks,
                                          const std::vector<std::string>& shas, const std::string& query) {
  if (!s.embeddings || query.empty() || chunks.empty()) return {};
  const std::string model = s.embeddings->model_id();
  std::map<std::pair<std::string, int>, gen::embedding> stored;
  {
    auto conn = s.db.acquire();
    pqxx::read_transaction tx(*conn);
    for (const auto& v : storage::chunk_vectors(tx, shas, model))
      if (gen::embedding e; gen::from_bytes(v.embedding, e)) stored[{v.sha256, v.ordinal}] = std::move(e);
  }
  std::vector<std::size_t> missing;
  for (std::size_t i = 0; i < chunks.size(); ++i)
    if (!stored.contains({chunks[i].sha256, chunks[i].chunk.ordinal})) missing.push_back(i);
  constexpr std::size_t per_request = 64;
  for (std::size_t at = 0; at < missing.size(); at += per_request) {
    const auto end = std::min(at + per_request, missing.size());
    std::vector<std::string> texts;
    for (auto k = at; k < end; ++k) texts.push_back(chunks[missing[k]].chunk.heading + "\n" + chunks[missing[k]].chunk.text);
    auto reply = embed_counted(s, owner_id, texts);
    if (!reply) {
      spdlog::warn("embedding chunks failed ({}); retrieval goes on without them", reply.error().message);
      return {};
    }
    std::vector<storage::chunk_vector> made;
    for (auto k = at; k < end; ++k) {
      const auto& c = chunks[missing[k]];
      auto& v = stored[{c.sha256, c.chunk.ordinal}] = std::move(reply.value().vectors[k - at]);
      made.push_back({c.sha256, c.chunk.ordinal, gen::to_bytes(v)});
    }
    auto conn = s.db.acquire();
    pqxx::work tx(*conn);
    storage::store_chunk_vectors(tx, model, made);
    tx.commit();
  }
  auto q = embed_counted(s, owner_id, {query});
  if (!q) {
    spdlog::warn("embedding the query failed ({}); retrieval goes on without it", q.error().message);
    return {};
  }
  std::vector<gen::embedding> in_order;
  for (const auto& c : chunks) in_order.push_back(stored[{c.sha256, c.chunk.ordinal}]);
  return gen::nearest(q.value().vectors.front(), in_order, context_chunks);
}

// The prompt's text: the chunks that match the query best by full text (every word present),
// by TF-IDF similarity (some of its words, rare ones weighing more) and, when an embedding
// provider is configured, by its embeddings; fused. Evenly spread chunks when none finds any.
// Each is labelled with its first page.
gen::corpus retrieve(services& s, const std::string& owner_id, const course_text& text, const std::string& query,
                     const std::string& title) {
  std::vector<std::string> shas;
  std::map<std::string, std::string> source_of;
  for (const auto& [source, sha] : text.sha_of) {
    shas.push_back(sha);
    source_of[sha] = source;
  }
  // Ids in every ranking are indices into `chunks`, every chunk of the course.
  std::vector<storage::file_chunk> chunks;
  std::vector<std::size_t> by_text;
  {
    auto conn = s.db.acquire();
    pqxx::read_transaction tx(*conn);
    chunks = storage::all_chunks(tx, shas);
    std::map<std::pair<std::string, int>, std::size_t> index_of;
    for (std::size_t i = 0; i < chunks.size(); ++i) index_of[{chunks[i].sha256, chunks[i].chunk.ordinal}] = i;
    for (const auto& key : storage::text_matches(tx, shas, query, static_cast<int>(context_chunks)))
      if (auto it = index_of.find(key); it != index_of.end()) by_text.push_back(it->second);
  }
  std::vector<std::string_view> passages;
  for (const auto& c : chunks) passages.push_back(c.chunk.text);
  auto by_similarity = gen::similar_passages(query, passages, context_chunks);
  auto by_provider = rank_by_provider(s, owner_id, chunks, shas, query);

  gen::corpus context;
  context.title = title;
  auto chosen = gen::fuse_rankings({by_text, by_similarity, by_provider}, context_chunks);
  if (chosen.empty())  // every n-th chunk: a long document is represented from start to end
    for (std::size_t i = 0, step = std::max<std::size_t>(1, chunks.size() / context_chunks);
         i < chunks.size() && chosen.size() < context_chunks; i += step)
      chosen.push_back(i);
  for (auto i : chosen) context.pages.push_back({source_of[chunks[i].sha256], chunks[i].chunk.page_start, std::move(chunks[i].chunk.text)});
  if (context.pages.empty()) {
    // Text extracted before chunking existed has no chunks: its first pages serve instead.
    std::size_t used = 0;
    for (const auto& p : text.pages.pages) {
      if (!context.pages.empty() && used + p.text.size() > 18000) break;
      context.pages.push_back(p);
      used += p.text.size();
    }
  }
  return context;
}

struct request_embedding {
  gen::embedding vector;
  std::string model;
};

// The configured provider's embedding; when it fails, the offline one, so the cache still
// answers (from entries the offline model embedded) and generation goes on.
request_embedding embed_request(services& s, const std::string& owner_id, const std::string& text) {
  if (s.embeddings) {
    auto reply = embed_counted(s, owner_id, {text});
    if (reply) return {std::move(reply.value().vectors.front()), s.embeddings->model_id()};
    spdlog::warn("embedding the request failed ({}); using the offline embedding", reply.error().message);
  }
  return {gen::embed_offline(text), gen::offline_embedding_model};
}

struct cache_match {
  long long id = 0;
  float similarity = 0;
  json content;
  std::string provider;
};

}  // namespace

result<job_effect> generate_with_model(services& s, const std::string& owner_id, gen::material_type type,
                                       const gen::options& opts, const course_text& text, job_context& ctx) {
  std::string type_name(gen::to_string(type));
  auto context = retrieve(s, owner_id, text, opts.topic.empty() ? text.pages.title : opts.topic, text.pages.title);
  if (context.pages.empty()) return failure(errc::invalid_value, "the course has no text to write from");
  auto request = gen::material_request(type, context, opts);
  std::string options_key = json{{"count", opts.count}, {"difficulty", opts.difficulty}, {"language", opts.language},
                                 {"topic", opts.topic}}.dump();
  std::string request_text = request.messages[0].content + "\n" + request.messages[1].content;
  std::string digest = sha256_hex(type_name + "\n" + options_key + "\n" + request_text);
  auto wanted = embed_request(s, owner_id, request_text);
  std::map<std::string, std::string> to_sha = text.sha_of, to_source;
  for (const auto& [source, sha] : text.sha_of) to_source[sha] = source;

  // The cache: an identical or near-identical request about the same files.
  cache_match best, near;
  const double usable = std::min(s.cfg.cache_hit_similarity, s.cfg.cache_near_similarity);
  {
    auto conn = s.db.acquire();
    pqxx::read_transaction tx(*conn);
    for (auto& e : storage::cache_candidates(tx, type_name, options_key, wanted.model, digest, 200)) {
      gen::embedding emb;
      float sim = e.digest == digest ? 1.0f : gen::from_bytes(e.embedding, emb) ? gen::cosine(wanted.vector, emb) : 0.0f;
      // Parsing and validating is the expensive part: only for a candidate that could be used.
      if (sim < usable || sim <= best.similarity) continue;
      auto content = map_citations(json::parse(e.content_json, nullptr, false), to_source);
      if (content.is_discarded() || !gen::validate(type, content, text.pages, gen::grounding::cited)) continue;
      best = {e.id, sim, content, e.provider};
    }
  }
  auto use_cached = [&](const cache_match& m, const char* how) -> result<job_effect> {
    auto conn = s.db.acquire();
    pqxx::nontransaction tx(*conn);
    storage::cache_hit(tx, m.id);
    return job_effect{material_ready{m.content.dump(), m.provider + " (" + how + ")"}};
  };
  if (best.similarity >= s.cfg.cache_hit_similarity) return use_cached(best, "cached");
  if (best.similarity >= s.cfg.cache_near_similarity) near = best;

  if (!ctx.checkpoint(20, "asking " + type_name + " of the model")) return failure(errc::cancelled, "stopped");
  auto reply = s.providers->chat(request);
  if (!reply) {
    if (near.id) return use_cached(near, "near match while providers fail");
    bool permanent = reply.error().kind == gen::provider_failure::rejected;
    return failure(permanent ? errc::invalid_value : errc::transient, reply.error().message);
  }
  {
    auto conn = s.db.acquire();
    pqxx::nontransaction tx(*conn);
    storage::add_usage(tx, owner_id, reply.value().provider, reply.value().tokens.prompt_tokens,
                       reply.value().tokens.completion_tokens);
  }
  if (!ctx.checkpoint(80, "checking " + type_name)) return failure(errc::cancelled, "stopped");
  BOOST_OUTCOME_TRY(made, gen::material_from_reply(type, reply.value().text, text.pages, opts));
  {
    auto conn = s.db.acquire();
    pqxx::nontransaction tx(*conn);
    storage::cache_store(tx, type_name, options_key, digest, wanted.model, gen::to_bytes(wanted.vector),
                         map_citations(made.content, to_sha).dump(), reply.value().provider);
  }
  return job_effect{material_ready{made.content.dump(), reply.value().provider}};
}

}  // namespace sf::pipeline
