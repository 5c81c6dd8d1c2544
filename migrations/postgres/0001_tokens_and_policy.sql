-- One-time runner tokens (only their SHA-256, hex) and the posted policy document.
-- Times are Unix seconds.
CREATE TABLE rpc_one_time_tokens (
    token_hash  TEXT   PRIMARY KEY,
    issued_at   BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    consumed_at BIGINT
);

CREATE INDEX rpc_one_time_tokens_expires_at ON rpc_one_time_tokens (expires_at);

CREATE TABLE rpc_policy_document (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    document   TEXT    NOT NULL,
    updated_at BIGINT  NOT NULL
);
