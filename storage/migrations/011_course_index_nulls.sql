-- A job without a course (a probe) wrote a NULL entry into the course indexes on each of its
-- state changes, and each of its log lines did the same, though nothing looks rows up by a NULL
-- course. Partial indexes leave those out; a lookup by course (course_id = $1, also the
-- cascade of a course's deletion) implies `course_id is not null` and still uses them.
drop index jobs_course;
create index jobs_course on jobs (course_id) where course_id is not null;
alter table job_events drop constraint job_events_course_id_seq_key;
create unique index job_events_course_seq on job_events (course_id, seq) where course_id is not null;
