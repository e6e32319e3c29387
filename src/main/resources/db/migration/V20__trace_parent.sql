-- Tracing (issue 14): a call's W3C trace context, from the message that created it, so every later transition,
-- effect and event of the call joins one trace; an outbox row's parent span, so the relay's record carries it on.
alter table calls add column trace_parent text;
alter table outbox add column trace_parent text;
