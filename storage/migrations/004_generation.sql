-- Generation: the semantic cache of model answers, and token usage per user and provider.
create table generation_cache (
  id          bigserial primary key,
  type        text not null,
  options_key text not null,
  digest      text not null,          -- sha256 of the exact request text
  embedding   bytea not null,         -- the request's embedding, float32 x dims
  content     jsonb not null,         -- citations name file contents (sha256), not sources
  provider    text not null,
  hits        int not null default 0,
  created_at  timestamptz not null default now()
);
create index generation_cache_lookup on generation_cache (type, options_key, created_at desc);
create index generation_cache_digest on generation_cache (digest);

create table usage (
  user_id           uuid not null references users(id) on delete cascade,
  day               date not null default current_date,
  provider          text not null,
  calls             int not null default 0,
  prompt_tokens     bigint not null default 0,
  completion_tokens bigint not null default 0,
  primary key (user_id, day, provider)
);
