-- Scale-out: a media effect (apply the SDP answer, start the audio, close) decided by an instance that does not hold
-- the call's PeerConnection is written here, in the transition's transaction, for the media owner to run.
create table media_commands (
    id                  bigserial    primary key,
    call_id             uuid         not null,
    owner               varchar(200) not null,
    effect              varchar(32)  not null,       -- ApplyAnswer | PlayMedia | CloseMedia
    sdp                 text,
    created_at          timestamptz  not null default now()
);
create index media_commands_owner_idx on media_commands (owner, id);
