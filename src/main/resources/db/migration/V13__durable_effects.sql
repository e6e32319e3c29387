-- Durable effects (design.md, "Effects are durable"): every Cloud API action a transition decides is a row written in
-- the transition's transaction. The effect runner executes it after the commit; its result commits as a signal in the
-- same transaction that marks the row done. A row not done whose claim ran out (its instance died, its result could
-- not commit) is run again; a Cloud API action Meta already carried out is answered "already done", which counts as
-- success. A connect is never sent twice: one that had started (attempts > 0) is resolved as "outcome unknown".
create table call_effects (
    id            bigserial    primary key,
    call_id       uuid         not null references calls (id) on delete cascade,
    kind          text         not null,            -- CONNECT, PRE_ACCEPT, ACCEPT, REJECT, TERMINATE
    sdp           text,                             -- the SDP a connect, pre_accept or accept carries
    attempts      integer      not null default 0,  -- attempts started (committed before each Cloud API request)
    due_at        timestamptz  not null default now(),
    claimed_by    text,                             -- the instance running it now
    claimed_until timestamptz,                      -- after this, any instance may run it again
    last_error    text,
    created_at    timestamptz  not null default now(),
    done_at       timestamptz,
    result        text                              -- how it ended: the signal it gave, or why it was given up
);
create index call_effects_due_idx on call_effects (due_at) where done_at is null;
create index call_effects_call_idx on call_effects (call_id);

-- What Meta answered when Callgate ended the call there: OPEN (not asked / not answered), CONFIRMED, ENDED_FIRST
-- (Meta said the call had already ended). The ended event carries terminateConfirmed from it.
alter table calls add column meta_end text not null default 'OPEN';
alter table calls add column meta_end_requested boolean not null default false;
