-- Extraction for every kind of source: video segments keep their start time; chunks with a
-- full-text index serve retrieval; rejected files can be purged.
alter table pages add column start_s real;

create table chunks (
  sha256     text not null references extractions(sha256) on delete cascade,
  ordinal    int not null,
  page_start int not null,
  page_end   int not null,
  heading    text,
  text       text not null,
  tsv        tsvector generated always as (to_tsvector('simple', coalesce(heading, '') || ' ' || text)) stored,
  primary key (sha256, ordinal)
);
create index chunks_tsv on chunks using gin (tsv);

alter table sources add column purged_at timestamptz;
