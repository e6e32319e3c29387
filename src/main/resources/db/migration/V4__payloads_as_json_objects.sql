-- Until this version, payloads were written as JSON *strings* holding the JSON text (the reactive client sends a
-- Java String bound to jsonb as a JSON string). Turn those rows into the JSON objects they always meant.
update call_events set payload = (payload #>> '{}')::jsonb where jsonb_typeof(payload) = 'string';
update outbox set payload = (payload #>> '{}')::jsonb where jsonb_typeof(payload) = 'string';
