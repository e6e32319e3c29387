-- Indexes for the queries that run on every list, heartbeat and retention sweep (issue 11: "no table is ever pruned
-- and the list query has no index").
create index calls_created_idx on calls (created_at desc);                 -- GET /v1/calls, newest first
create index calls_state_created_idx on calls (state, created_at desc);    -- GET /v1/calls?state=…
create index calls_media_owner_idx on calls (media_owner, state) where media_owner is not null; -- reaper, recovery
create index outbox_published_idx on outbox (published_at) where published_at is not null;      -- retention
create index processed_commands_processed_idx on processed_commands (processed_at);             -- retention
create index call_events_recorded_idx on call_events (recorded_at);                             -- retention
create index call_effects_done_idx on call_effects (done_at) where done_at is not null;         -- retention
