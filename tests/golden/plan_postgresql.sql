-- schema-auditor plan for postgresql: 19 statement(s)
-- every statement is idempotent: the script is safe to run twice

-- index_mismatch users.ux_users_email [hazards: ACQUIRES_ACCESS_EXCLUSIVE_LOCK, INDEX_DROPPED]
DROP INDEX IF EXISTS public.ux_users_email;

-- extra_index users.idx_users_old [hazards: ACQUIRES_ACCESS_EXCLUSIVE_LOCK, INDEX_DROPPED]
DROP INDEX IF EXISTS public.idx_users_old;

-- missing_table new_table
CREATE TABLE IF NOT EXISTS public.new_table (
  id integer NOT NULL,
  job_id bigint,
  created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id)
);

-- missing_column analysis_jobs.tickers_json
ALTER TABLE public.analysis_jobs ADD COLUMN IF NOT EXISTS tickers_json text;

-- missing_column analysis_jobs.Order
ALTER TABLE public.analysis_jobs ADD COLUMN IF NOT EXISTS "Order" integer;

-- primary_key_mismatch analysis_jobs [hazards: ACQUIRES_ACCESS_EXCLUSIVE_LOCK, MAY_FAIL_ON_EXISTING_DATA, INDEX_BUILD]
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.contype = 'p' AND c.conrelid = 'public.analysis_jobs'::regclass AND c.condeferrable = false AND c.condeferred = false
      AND ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(num, ord) JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = k.num ORDER BY k.ord) = ARRAY['id']::text[]) THEN
    ALTER TABLE public.analysis_jobs ADD CONSTRAINT analysis_jobs_pkey PRIMARY KEY (id);
  END IF;
END $$;

-- type_mismatch users.email [hazards: DELETES_DATA, ACQUIRES_ACCESS_EXCLUSIVE_LOCK, TABLE_REWRITE, MAY_FAIL_ON_EXISTING_DATA]
ALTER TABLE public.users ALTER COLUMN email TYPE varchar(255) USING email::varchar(255);

-- nullable_mismatch users.email [hazards: ACQUIRES_ACCESS_EXCLUSIVE_LOCK, MAY_FAIL_ON_EXISTING_DATA]
ALTER TABLE public.users ALTER COLUMN email SET NOT NULL;

-- default_mismatch users.status
ALTER TABLE public.users ALTER COLUMN status SET DEFAULT 'active';

-- default_mismatch users.score
ALTER TABLE public.users ALTER COLUMN score SET DEFAULT 0;

-- missing_table new_table
CREATE INDEX IF NOT EXISTS idx_new_table_job ON public.new_table (job_id);

-- missing_index users.idx_users_status [hazards: ACQUIRES_SHARE_LOCK, INDEX_BUILD]
CREATE INDEX IF NOT EXISTS idx_users_status ON public.users (status) WHERE status <> 'deleted';

-- index_mismatch users.ux_users_email [hazards: ACQUIRES_ACCESS_EXCLUSIVE_LOCK, ACQUIRES_SHARE_LOCK, MAY_FAIL_ON_EXISTING_DATA, INDEX_BUILD, INDEX_DROPPED]
CREATE UNIQUE INDEX IF NOT EXISTS ux_users_email ON public.users (email);

-- missing_index analysis_jobs.idx_analysis_jobs_tickers [hazards: ACQUIRES_SHARE_LOCK, INDEX_BUILD]
CREATE INDEX IF NOT EXISTS idx_analysis_jobs_tickers ON public.analysis_jobs (tickers_json, user_id);

-- missing_table new_table
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'new_table_job_id_fkey' AND conrelid = 'public.new_table'::regclass) THEN
    ALTER TABLE public.new_table ADD CONSTRAINT new_table_job_id_fkey FOREIGN KEY (job_id) REFERENCES public.analysis_jobs (id);
  END IF;
END $$;

-- missing_foreign_key analysis_jobs.analysis_jobs_user_id_fkey [hazards: MAY_FAIL_ON_EXISTING_DATA]
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'analysis_jobs_user_id_fkey' AND conrelid = 'public.analysis_jobs'::regclass) THEN
    ALTER TABLE public.analysis_jobs ADD CONSTRAINT analysis_jobs_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE NOT VALID;
  END IF;
END $$;

-- extra_column users.legacy_flag [hazards: DELETES_DATA, BACKWARD_INCOMPATIBLE]
ALTER TABLE public.users DROP COLUMN IF EXISTS legacy_flag;

-- extra_table old_table [hazards: DELETES_DATA, BACKWARD_INCOMPATIBLE]
DROP TABLE IF EXISTS public.old_table;

-- missing_foreign_key analysis_jobs.analysis_jobs_user_id_fkey [hazards: MAY_FAIL_ON_EXISTING_DATA]
-- runs on its own, outside the main transaction
ALTER TABLE public.analysis_jobs VALIDATE CONSTRAINT analysis_jobs_user_id_fkey;
