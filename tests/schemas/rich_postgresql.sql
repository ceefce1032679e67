-- A schema written for the snapshot round-trip test: one of each kind of object Postgres has.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE SCHEMA billing;
CREATE TYPE mood AS ENUM ('happy', 'sad', 'meh');
CREATE TYPE billing.currency AS ENUM ('EUR', 'USD');
CREATE SEQUENCE invoice_no START 1000 INCREMENT 5;
CREATE TABLE "Users" (
    id serial PRIMARY KEY,
    email varchar(255) NOT NULL UNIQUE,
    "displayName" text COLLATE "C",
    status varchar(20) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked')),
    mood mood,
    score numeric(10, 2) DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    tags text[] DEFAULT '{}'
);
COMMENT ON TABLE "Users" IS 'people who log in';
COMMENT ON COLUMN "Users".email IS 'unique, case-sensitive';
CREATE UNIQUE INDEX ux_users_lower_email ON "Users" (lower(email));
CREATE INDEX idx_users_active ON "Users" (created_at DESC) WHERE status = 'active';
CREATE INDEX idx_users_tags ON "Users" USING gin (tags);
CREATE INDEX idx_users_name_trgm ON "Users" USING gin ("displayName" gin_trgm_ops);
CREATE TABLE billing.accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id integer NOT NULL REFERENCES "Users" (id) ON DELETE CASCADE,
    region char(2) NOT NULL,
    currency billing.currency NOT NULL DEFAULT 'EUR',
    UNIQUE (owner_id, region)
);
CREATE TABLE billing.invoices (
    id bigint PRIMARY KEY DEFAULT nextval('invoice_no'),
    account_id bigint NOT NULL,
    owner_id integer NOT NULL,
    region char(2) NOT NULL,
    net numeric(12, 2) NOT NULL,
    tax numeric(12, 2) NOT NULL DEFAULT 0,
    gross numeric(12, 2) GENERATED ALWAYS AS (net + tax) STORED,
    issued_on date NOT NULL DEFAULT CURRENT_DATE,
    CONSTRAINT invoices_positive CHECK (net >= 0 AND tax >= 0),
    CONSTRAINT invoices_account_fk FOREIGN KEY (owner_id, region)
        REFERENCES billing.accounts (owner_id, region) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX idx_invoices_account ON billing.invoices (account_id) INCLUDE (gross);
CREATE VIEW active_users AS SELECT id, email FROM "Users" WHERE status = 'active';
CREATE MATERIALIZED VIEW billing.revenue AS SELECT issued_on, sum(gross) AS total FROM billing.invoices GROUP BY issued_on;
