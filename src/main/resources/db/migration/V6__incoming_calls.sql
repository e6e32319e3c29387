-- User-initiated calls: what the caller's entry point carried (spec §4.3), shown in the incoming event.
alter table calls add column deeplink_payload text;
alter table calls add column cta_payload text;
