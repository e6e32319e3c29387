-- What Meta's terminate webhook said about a call (spec §4.4): its status and, for a picked-up call, the times and
-- the duration Meta bills — kept beside Callgate's own times, never instead of them.
alter table calls add column meta_status           varchar(16);
alter table calls add column meta_start_time       timestamptz;
alter table calls add column meta_end_time         timestamptz;
alter table calls add column meta_duration_seconds bigint;
