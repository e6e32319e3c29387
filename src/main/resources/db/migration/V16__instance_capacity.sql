-- Each instance says with its heartbeat whether it is draining and how many calls' media it holds of how many it may:
-- a draining or full instance places a new call's media on the live instance with the most room (MediaPlacement).
alter table instances add column draining boolean not null default false;
alter table instances add column media_calls integer not null default 0;
alter table instances add column media_capacity integer not null default 0;
