-- schema-auditor plan for sqlite: 17 statement(s)
-- ADD/DROP/RENAME COLUMN have no IF [NOT] EXISTS here: schema-auditor apply checks first

-- index_mismatch users.ux_users_email [destructive: apply needs --allow-destructive]
DROP INDEX IF EXISTS ux_users_email;

-- extra_index users.idx_users_old [destructive: apply needs --allow-destructive]
DROP INDEX IF EXISTS idx_users_old;

-- missing_table new_table
CREATE TABLE IF NOT EXISTS new_table (
  id INTEGER,
  job_id BIGINT,
  created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
  PRIMARY KEY (id),
  FOREIGN KEY (job_id) REFERENCES analysis_jobs (id)
);

-- missing_column analysis_jobs.tickers_json
ALTER TABLE analysis_jobs ADD COLUMN tickers_json TEXT;

-- missing_column analysis_jobs.Order
ALTER TABLE analysis_jobs ADD COLUMN "Order" INTEGER;

-- primary_key_mismatch analysis_jobs
-- manual: SQLite cannot alter this in place; it needs a table rebuild (not planned automatically yet)

-- type_mismatch users.email
-- manual: SQLite cannot alter this in place; it needs a table rebuild (not planned automatically yet)

-- nullable_mismatch users.email
-- manual: SQLite cannot alter this in place; it needs a table rebuild (not planned automatically yet)

-- default_mismatch users.status
-- manual: SQLite cannot alter this in place; it needs a table rebuild (not planned automatically yet)

-- default_mismatch users.score
-- manual: SQLite cannot alter this in place; it needs a table rebuild (not planned automatically yet)

-- missing_table new_table
CREATE INDEX IF NOT EXISTS idx_new_table_job ON new_table (job_id);

-- missing_index users.idx_users_status
CREATE INDEX IF NOT EXISTS idx_users_status ON users (status) WHERE status <> 'deleted';

-- index_mismatch users.ux_users_email [destructive: apply needs --allow-destructive]
CREATE UNIQUE INDEX IF NOT EXISTS ux_users_email ON users (email);

-- missing_index analysis_jobs.idx_analysis_jobs_tickers
CREATE INDEX IF NOT EXISTS idx_analysis_jobs_tickers ON analysis_jobs (tickers_json, user_id);

-- missing_foreign_key analysis_jobs.analysis_jobs_user_id_fkey
-- manual: SQLite cannot alter this in place; it needs a table rebuild (not planned automatically yet)

-- extra_column users.legacy_flag [destructive: apply needs --allow-destructive]
ALTER TABLE users DROP COLUMN legacy_flag;

-- extra_table old_table [destructive: apply needs --allow-destructive]
DROP TABLE IF EXISTS old_table;
