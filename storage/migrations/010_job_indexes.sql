-- Every index on jobs is written on each of a job's state changes. jobs_status duplicated
-- what jobs_waiting (queued, retrying) and jobs_heartbeat (running) already cover, so it goes.
-- Lane statistics read only active jobs and recent failures through partial indexes, instead
-- of scanning every job ever run; jobs_failed serves the failures and is written only when a
-- job fails.
drop index if exists jobs_status;
create index jobs_failed on jobs (cluster, completed_at) where status = 'failed';
