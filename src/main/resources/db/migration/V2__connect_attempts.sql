-- Call initiations per business number, for Callgate's own rolling-window limit (cloudapi.ConnectLimiter).
create table cloudapi_connect_attempts (
    id              bigserial primary key,
    phone_number_id varchar(64) not null,
    attempted_at    timestamptz not null default now()
);
create index cloudapi_connect_attempts_number_time_idx on cloudapi_connect_attempts (phone_number_id, attempted_at);
