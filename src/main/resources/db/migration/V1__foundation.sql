-- Callgate foundation schema. Applied migrations are never edited; later changes get a new V<n>__ file.

-- One row per call, business- or user-initiated. The state machine (call package) owns state and version.
create table calls (
    id                  uuid primary key,
    call_reference      varchar(200),                -- the caller's reference (command topic key)
    whatsapp_call_id    varchar(200) unique,         -- wacid.…, known once connect answered or webhook seen
    phone_number_id     varchar(64)  not null,       -- the business number
    user_wa_id          varchar(64),
    direction           varchar(32)  not null,       -- BUSINESS_INITIATED | USER_INITIATED
    state               varchar(32)  not null,
    outcome             varchar(32),
    failure_reason      varchar(200),
    error_code          integer,
    media_owner         varchar(200),                -- instance holding the PeerConnection
    biz_opaque_callback_data varchar(512),
    created_at          timestamptz  not null default now(),
    updated_at          timestamptz  not null default now(),
    started_at          timestamptz,
    ended_at            timestamptz,
    version             bigint       not null default 0
);
create unique index calls_call_reference_uq on calls (call_reference) where call_reference is not null;
create index calls_state_idx on calls (state);

-- Every webhook record from callgate.webhooks, stored once: dedup_id is the ingress's hash of the item.
create table call_events (
    id                  bigserial primary key,
    dedup_id            varchar(64)  not null,
    kind                varchar(32)  not null,       -- CALL | CALL_STATUS | PERMISSION_REPLY
    event               varchar(64),                 -- connect, terminate, RINGING, ACCEPTED, accept, …
    whatsapp_call_id    varchar(200),                -- null for permission replies not tied to a call
    phone_number_id     varchar(64),
    waba_id             varchar(64),
    occurred_at         timestamptz,                 -- the item's own timestamp
    received_at         timestamptz  not null,       -- when the ingress received the webhook
    recorded_at         timestamptz  not null default now(),
    payload             jsonb        not null,       -- the whole callgate.webhooks record
    constraint call_events_dedup_uq unique (dedup_id)
);
create index call_events_call_idx on call_events (whatsapp_call_id);

-- Call permission per (business number, user).
create table call_permissions (
    phone_number_id     varchar(64)  not null,
    user_wa_id          varchar(64)  not null,
    status              varchar(32)  not null,       -- no_permission | temporary | permanent
    expires_at          timestamptz,
    source              varchar(32),                 -- cloud_api | webhook
    updated_at          timestamptz  not null default now(),
    primary key (phone_number_id, user_wa_id)
);

-- Transactional outbox: rows written in the same transaction as the state change; a relay publishes them.
create table outbox (
    id                  bigserial primary key,
    topic               varchar(200) not null,
    record_key          varchar(200),
    payload             jsonb        not null,
    headers             jsonb,
    created_at          timestamptz  not null default now(),
    published_at        timestamptz
);
create index outbox_unpublished_idx on outbox (id) where published_at is null;
