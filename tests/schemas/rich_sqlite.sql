-- A schema written for the snapshot round-trip test: one of each kind of object SQLite has.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL COLLATE NOCASE UNIQUE,
    "Display Name" VARCHAR(40) DEFAULT 'anon',
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked')),
    score REAL DEFAULT 0 CHECK (score >= 0),
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE accounts (
    owner_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    region CHAR(2) NOT NULL,
    balance NUMERIC(12, 2) NOT NULL DEFAULT 0,
    doubled NUMERIC GENERATED ALWAYS AS (balance * 2) VIRTUAL,
    PRIMARY KEY (owner_id, region),
    CONSTRAINT balance_positive CHECK (balance >= 0)
);
CREATE TABLE invoices (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL,
    region CHAR(2) NOT NULL,
    net NUMERIC(12, 2) NOT NULL,
    FOREIGN KEY (owner_id, region) REFERENCES accounts (owner_id, region) ON UPDATE CASCADE
);
CREATE INDEX idx_users_created ON users (created_at DESC) WHERE status = 'active';
CREATE INDEX idx_users_lower_email ON users (lower(email));
CREATE UNIQUE INDEX ux_invoices_owner ON invoices (owner_id, region, id);
CREATE VIEW active_users AS SELECT id, email FROM users WHERE status = 'active';
