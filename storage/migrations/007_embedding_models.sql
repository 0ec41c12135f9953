-- Vectors of different embedding models are never compared: each cached request names the
-- model that embedded it (rows before this migration used the offline one).
alter table generation_cache add column embedding_model text not null default 'offline-hashed-ngrams-256';
drop index generation_cache_lookup;
create index generation_cache_lookup on generation_cache (type, options_key, embedding_model, created_at desc);

