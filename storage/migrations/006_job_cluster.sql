-- Several clusters (NATS namespaces) may share one database: each sweeps and counts only
-- the jobs it queued, so one cluster never republishes another's work into its own streams.
alter table jobs add column cluster text not null default '';

drop index jobs_waiting;
create index jobs_waiting on jobs (cluster, lane, published_at) where status in ('queued', 'retrying');
drop index jobs_heartbeat;
create index jobs_heartbeat on jobs (cluster, heartbeat_at) where status = 'running';
