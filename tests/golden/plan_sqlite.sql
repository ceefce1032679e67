-- schema-auditor plan for sqlite: 5 statement(s)
-- ADD/DROP/RENAME COLUMN have no IF [NOT] EXISTS here: schema-auditor apply checks first

-- missing_table new_table
CREATE TABLE IF NOT EXISTS new_table (
  id INTEGER,
  job_id BIGINT,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  FOREIGN KEY (job_id) REFERENCES analysis_jobs (id)
);

-- missing_table new_table
CREATE INDEX IF NOT EXISTS idx_new_table_job ON new_table (job_id);

-- table users: rebuild [hazards: DELETES_DATA, ACQUIRES_ACCESS_EXCLUSIVE_LOCK, TABLE_REWRITE, MAY_FAIL_ON_EXISTING_DATA, INDEX_BUILD, INDEX_DROPPED, BACKWARD_INCOMPATIBLE]
-- rebuild users, fixing: type_mismatch email, nullable_mismatch email, default_mismatch status, default_mismatch score, extra_column legacy_flag, missing_index idx_users_status, index_mismatch ux_users_email, extra_index idx_users_old
CREATE TABLE IF NOT EXISTS _auditor_rebuild_users (
  id INTEGER,
  email VARCHAR(255) NOT NULL,
  status VARCHAR(20) NOT NULL DEFAULT 'active',
  score NUMERIC(10,2) DEFAULT 0,
  PRIMARY KEY (id)
);
INSERT INTO _auditor_rebuild_users (id, email, status, score) SELECT id, email, status, score FROM users;
DROP TABLE users;
ALTER TABLE _auditor_rebuild_users RENAME TO users;
CREATE UNIQUE INDEX IF NOT EXISTS ux_users_email ON users (email);
CREATE INDEX IF NOT EXISTS idx_users_status ON users (status) WHERE status <> 'deleted';

-- table analysis_jobs: rebuild [hazards: ACQUIRES_ACCESS_EXCLUSIVE_LOCK, TABLE_REWRITE, MAY_FAIL_ON_EXISTING_DATA, INDEX_BUILD, INDEX_DROPPED]
-- rebuild analysis_jobs, fixing: missing_column tickers_json, missing_column Order, primary_key_mismatch, missing_index idx_analysis_jobs_tickers, missing_foreign_key analysis_jobs_user_id_fkey
CREATE TABLE IF NOT EXISTS _auditor_rebuild_analysis_jobs (
  id BIGINT NOT NULL,
  user_id INTEGER NOT NULL,
  tickers_json TEXT,
  "Order" INTEGER,
  PRIMARY KEY (id),
  FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
INSERT INTO _auditor_rebuild_analysis_jobs (rowid, id, user_id) SELECT rowid, id, user_id FROM analysis_jobs;
DROP TABLE analysis_jobs;
ALTER TABLE _auditor_rebuild_analysis_jobs RENAME TO analysis_jobs;
CREATE INDEX IF NOT EXISTS idx_analysis_jobs_tickers ON analysis_jobs (tickers_json, user_id);

-- extra_table old_table [hazards: DELETES_DATA, BACKWARD_INCOMPATIBLE]
DROP TABLE IF EXISTS old_table;
