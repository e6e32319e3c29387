-- When the transition that produced a media command committed. created_at is when the row was routed to its current
-- owner: a stranded set-up moved to another instance gets a new created_at (its claim timeout counts from the move)
-- but keeps decided_at, so the set-up latency the new owner reports counts from the decision, not from the move.
alter table media_commands add column decided_at timestamptz not null default now();
