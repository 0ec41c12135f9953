-- studyforge schema v1. Applied once, under an advisory lock, by every node at start.

create or replace function sf_ts(t timestamptz) returns text language sql immutable as
$$ select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

create table users (
  id            uuid primary key default gen_random_uuid(),
  email         text not null,
  password_hash text not null,
  is_admin      boolean not null default false,
  created_at    timestamptz not null default now()
);
create unique index users_email on users (lower(email));

-- Only a hash of each bearer token is stored.
create table tokens (
  token_hash  bytea primary key,
  user_id     uuid not null references users(id) on delete cascade,
  created_at  timestamptz not null default now(),
  expires_at  timestamptz not null
);
create index tokens_user on tokens (user_id);

create table courses (
  id            uuid primary key default gen_random_uuid(),
  owner_id      uuid not null references users(id) on delete cascade,
  title         text not null,
  topic         text,
  difficulty    text,
  language      text,
  materials     text[] not null,
  status        text not null default 'pending'
                check (status in ('pending','processing','ready','rejected','failed')),
  progress      int not null default 0 check (progress between 0 and 100),
  current_step  text,
  error         text,
  reject_reason text,
  version       bigint not null default 0,   -- optimistic concurrency for course transitions
  event_seq     bigint not null default 0,   -- last event sequence number of this course
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now()
);
create index courses_owner on courses (owner_id, created_at desc);

create table sources (
  id            uuid primary key default gen_random_uuid(),
  course_id     uuid not null references courses(id) on delete cascade,
  filename      text not null,
  media_type    text not null,
  sha256        text not null,
  bytes         bigint not null,
  pages         int,
  status        text not null default 'pending'
                check (status in ('pending','extracting','extracted','rejected','failed')),
  reject_reason text,
  native_pages  int not null default 0,
  ocr_pages     int not null default 0,
  mean_ocr_confidence real,
  created_at    timestamptz not null default now()
);
create index sources_course on sources (course_id, created_at);
create index sources_sha on sources (sha256);

-- Extracted text, once per file content: the same file uploaded twice is extracted once.
create table extractions (
  sha256        text primary key,
  page_count    int not null,
  native_pages  int not null,
  ocr_pages     int not null,
  mean_ocr_confidence real,
  created_at    timestamptz not null default now()
);
create table pages (
  sha256     text not null references extractions(sha256) on delete cascade,
  page       int not null,
  method     text not null check (method in ('native','ocr','subtitle','asr')),
  text       text not null,
  confidence real,
  primary key (sha256, page)
);

create table materials (
  id          uuid primary key default gen_random_uuid(),
  course_id   uuid not null references courses(id) on delete cascade,
  type        text not null check (type in ('summary','outline','notes','flashcards','quiz','practice_test')),
  status      text not null check (status in ('generating','completed','failed')),
  options     jsonb not null default '{}',
  content     jsonb,
  provider    text,
  retry_count int not null default 0,
  error       text,
  job_id      uuid,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  unique (course_id, type)
);

create table jobs (
  id           uuid primary key default gen_random_uuid(),
  owner_id     uuid not null references users(id) on delete cascade,
  course_id    uuid references courses(id) on delete cascade,
  source_id    uuid references sources(id) on delete cascade,
  material_id  uuid references materials(id) on delete cascade,
  kind         text not null,
  lane         text not null check (lane in ('chat','extract','ocr','generate','scheduled')),
  status       text not null default 'queued'
               check (status in ('queued','running','retrying','succeeded','failed','cancelled')),
  attempt      int not null default 0,
  max_attempts int not null,
  progress     int not null default 0,
  current_step text,
  error        text,
  cancel_requested boolean not null default false,
  node_id      text,
  heartbeat_at timestamptz,
  created_at   timestamptz not null default now(),
  started_at   timestamptz,
  completed_at timestamptz
);
create index jobs_owner on jobs (owner_id, created_at desc);
create index jobs_status on jobs (status) where status in ('queued','running','retrying');
create index jobs_course on jobs (course_id);

-- Every transition, in order per course: the WebSocket replays from here.
create table job_events (
  id         bigserial primary key,
  course_id  uuid references courses(id) on delete cascade,
  seq        bigint,                       -- per course, rising by one; null for jobs without a course
  job_id     uuid,
  kind       text not null,
  status     text not null,
  progress   int not null default 0,         -- the job's progress
  course_progress int not null default 0,  -- the course's overall progress at this event
  step       text,
  detail     jsonb,
  at         timestamptz not null default now(),
  unique (course_id, seq)
);
create index job_events_job on job_events (job_id);
