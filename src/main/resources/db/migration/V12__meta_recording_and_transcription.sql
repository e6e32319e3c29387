-- Meta-native recording and transcription asked for on connect / accept (spec §1): Meta's recording / transcription
-- object as JSON, and the media ids of what Meta delivered afterwards.
alter table calls add column meta_recording              varchar(1000);
alter table calls add column meta_transcription          varchar(1000);
alter table calls add column meta_recording_media_id     varchar(200);
alter table calls add column meta_transcription_media_id varchar(200);
