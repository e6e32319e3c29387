-- Every running Callgate instance says it is alive; calls whose media owner stopped saying so are ended (media_lost).
create table instances (
    id          varchar(200) primary key,
    started_at  timestamptz not null default now(),
    seen_at     timestamptz not null default now()
);
