-- A configured embedding provider's vectors of retrieval chunks, made once per file content
-- and model the first time a course retrieves from that file.
create table chunk_embeddings (
  model     text not null,
  sha256    text not null,
  ordinal   int not null,
  embedding bytea not null,  -- float32 x dims, normalised
  primary key (model, sha256, ordinal),
  foreign key (sha256, ordinal) references chunks (sha256, ordinal) on delete cascade
);
