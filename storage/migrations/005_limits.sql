-- Daily quotas, counted exactly across nodes, and secrets every node must share.
create table quota_usage (
  user_id uuid not null references users(id) on delete cascade,
  day     date not null default current_date,
  kind    text not null,
  used    int not null default 0,
  primary key (user_id, day, kind)
);

create table shared_secrets (
  name       text primary key,
  value      text not null,
  created_at timestamptz not null default now()
);
