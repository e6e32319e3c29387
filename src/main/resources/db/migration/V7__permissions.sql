-- Call permissions (issue 5): the state per (business number, user) is in call_permissions (V1); these columns say
-- when it was last granted (an unanswered streak counts from there) and last read from the Cloud API.
alter table call_permissions add column granted_at timestamptz;
alter table call_permissions add column checked_at timestamptz;

-- Every call permission request: refused locally, sent, or failed at the Cloud API. Spec §2.2's limits are counted
-- from the rows that were sent.
create table permission_requests (
    id                  bigserial    primary key,
    command_id          varchar(200) not null unique,
    phone_number_id     varchar(64)  not null,
    user_wa_id          varchar(64)  not null,
    mode                varchar(16)  not null,       -- interactive | template
    status              varchar(16)  not null,       -- sending | sent | failed | refused
    message_id          varchar(200),
    error_code          integer,
    error_message       text,
    requested_at        timestamptz  not null default now(),
    sent_at             timestamptz
);
create index permission_requests_pair_idx on permission_requests (phone_number_id, user_wa_id, sent_at);
