-- A call's audio stream to an application (media.stream of call.initiate): the validated spec as JSON text — url,
-- protocol, parameters, onClose — started when the user picks up (issue 12).
alter table calls add column media_stream text;
