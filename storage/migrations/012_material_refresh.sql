-- A material whose job already read its sources when another source was extracted is made
-- again once that job ends, so its content covers the new source too.
alter table materials add column refresh_after boolean not null default false;
