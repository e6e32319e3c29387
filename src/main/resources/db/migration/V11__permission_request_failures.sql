-- Failed permission requests (issue point 8): Meta accepted the request (status 'sent') but a message status webhook
-- said it failed to reach the user (131026: the user's app is too old; any other code is kept as it came).
-- status stays 'sent', so the request still counts against spec §2.2's request limits: the spec does not say that
-- Meta leaves an undelivered request out of them.
alter table permission_requests add column delivery_status varchar(16);       -- null (no news) | failed
alter table permission_requests add column delivery_error_code integer;
alter table permission_requests add column delivery_error_message text;
alter table permission_requests add column delivery_status_at timestamptz;
create index permission_requests_message_idx on permission_requests (message_id) where message_id is not null;

-- call_events.kind now also holds MESSAGE_STATUS. A failed status that comes after the user answered the request
-- changes nothing; the answer is found by the request's wamid in the reply's context.
create index call_events_reply_context_idx on call_events ((payload -> 'item' -> 'context' ->> 'id'))
    where kind = 'PERMISSION_REPLY';
