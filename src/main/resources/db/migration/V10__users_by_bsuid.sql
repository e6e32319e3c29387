-- Users known only by their business-scoped user id (BSUID, "US.13491208655302741918", up to 2 + 1 + 128 characters,
-- parent ids with ".ENT."): calls keep it beside the phone number, and the permission tables, keyed by the user,
-- hold a BSUID where no phone number is known.
alter table calls add column user_id varchar(200);
alter table calls alter column user_wa_id type varchar(200);
alter table call_permissions alter column user_wa_id type varchar(200);
alter table permission_requests alter column user_wa_id type varchar(200);
