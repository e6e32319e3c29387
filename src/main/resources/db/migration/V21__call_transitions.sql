-- Issue 14: every transition of a call, for its timeline (GET /v1/calls/{callRef}/timeline), written in the
-- transition's own transaction: the history holds exactly the changes that committed. span_id: the transition's span
-- in the call's trace (tracing on).
create table call_transitions (
    id         bigserial primary key,
    call_id    uuid        not null references calls (id) on delete cascade,
    at         timestamptz not null default now(),
    from_state text,
    to_state   text        not null,
    signal     text        not null,
    outcome    text,
    reason     text,
    span_id    text
);
create index call_transitions_call on call_transitions (call_id, id);
create index call_transitions_at on call_transitions (at);
