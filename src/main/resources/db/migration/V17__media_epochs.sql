-- Media ownership carries the owner's epoch: each process that takes an instance's lease (InstanceLease) bumps
-- instances.epoch, and a call records the epoch of the process that holds its PeerConnection. A media command routed
-- to an earlier process of the same instance id (it restarted meanwhile and holds no such PeerConnection) is fenced:
-- the call is ended as media lost instead of running a step on media that is not there.
alter table instances add column epoch bigint not null default 0;
alter table calls add column media_epoch bigint;
alter table media_commands add column epoch bigint;
