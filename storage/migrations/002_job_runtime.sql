-- Job runtime: payloads, attempt timing, and what the sweep needs to find lost messages.
alter table jobs add column payload jsonb not null default '{}';
alter table jobs add column attempt_started_at timestamptz;
-- When the job's message was last published, and when a retrying job is due again.
alter table jobs add column published_at timestamptz not null default now();
alter table jobs add column due_at timestamptz;

create index jobs_waiting on jobs (lane, published_at) where status in ('queued', 'retrying');
create index jobs_heartbeat on jobs (heartbeat_at) where status = 'running';
