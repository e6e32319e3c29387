-- What the call state machine (call.CallStateMachine) needs persisted beside the state, and the tables of the
-- orchestration: command dedup, webhooks parked until their call id is known, and durable timers.

alter table calls
    add column local_sdp          text,
    add column answer_applied     boolean not null default false,
    add column media_up           boolean not null default false,
    add column picked_up          boolean not null default false,
    add column accept_requested   boolean not null default false,
    add column pending_outcome    varchar(32),
    add column pending_reason     varchar(200),
    add column error_message      varchar(1000),
    add column duration_seconds   bigint,
    add column media_tone_hz      double precision,
    add column media_prompt       varchar(500),
    add column media_record       boolean not null default false,
    add column recording_path     varchar(500);

-- A command id seen once is never acted on again.
create table processed_commands (
    command_id      varchar(200) primary key,
    call_reference  varchar(200),
    command_type    varchar(64)  not null,
    processed_at    timestamptz  not null default now()
);

-- Webhooks for a call id not recorded yet (the connect webhook can beat the connect response); replayed in order.
create table parked_webhooks (
    id                bigserial primary key,
    whatsapp_call_id  varchar(200) not null,
    payload           jsonb        not null,
    parked_at         timestamptz  not null default now()
);
create index parked_webhooks_call_idx on parked_webhooks (whatsapp_call_id, id);

-- Durable timers: a row per running timer of a call, fired by whichever instance polls it first.
create table call_timers (
    call_id   uuid         not null references calls (id) on delete cascade,
    timer     varchar(32)  not null,
    fire_at   timestamptz  not null,
    primary key (call_id, timer)
);
create index call_timers_due_idx on call_timers (fire_at);
