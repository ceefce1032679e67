"""Zero false positives: a spec written the way people write SQL audits clean against a database
built from the equivalent natural DDL. One line per case, per engine; every case is a table of
its own in one database, so one audit checks them all and names the cases that drift.

Grow this table with every false positive found.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import LiveDb, run_cli

# (engine, DDL after "CREATE TABLE {t} (", extra statements with {t}, spec body of table {t})
CASES = [
    # types and defaults
    ("postgresql", "id serial PRIMARY KEY)", [], "columns: {id: {type: serial, primary_key: true}}"),
    ("postgresql", "id bigserial PRIMARY KEY)", [], "columns: {id: {type: bigserial, primary_key: true}}"),
    ("postgresql", "id serial PRIMARY KEY)", [],
     "columns: {id: {type: integer, primary_key: true, default: \"nextval('{t}_id_seq'::regclass)\"}}"),
    ("postgresql", "id integer GENERATED ALWAYS AS IDENTITY)", [],
     "columns: {id: {type: int, identity: always}}"),
    ("postgresql", "a varchar DEFAULT 'x', b character varying(9))", [],
     "columns: {a: {type: character varying, default: \"'x'::character varying\"}, b: varchar(9)}"),
    ("postgresql", "a timestamptz DEFAULT now(), b timestamp with time zone DEFAULT CURRENT_TIMESTAMP)", [],
     "columns: {a: {type: timestamp with time zone, default: CURRENT_TIMESTAMP}, b: {type: timestamptz, default: now()}}"),
    ("postgresql", "a bool DEFAULT 't', b boolean DEFAULT false)", [],
     "columns: {a: {type: boolean, default: 'true'}, b: {type: bool, default: \"'f'\"}}"),
    ("postgresql", "a float, b double precision, c real, d float4)", [],
     "columns: {a: double precision, b: float8, c: float4, d: real}"),
    ("postgresql", "a int DEFAULT '0'::integer, b int4 DEFAULT 0, c smallint DEFAULT -1)", [],
     "columns: {a: {type: integer, default: '0'}, b: {type: int, default: \"'0'::integer\"}, c: {type: int2, default: '-1'}}"),
    ("postgresql", "a jsonb NOT NULL DEFAULT '{}'::jsonb, b uuid DEFAULT gen_random_uuid())", [],
     "columns: {a: {type: jsonb, nullable: false, default: \"'{}'\"}, b: {type: uuid, default: gen_random_uuid()}}"),
    ("postgresql", "a date DEFAULT CURRENT_DATE, b text DEFAULT NULL)", [],
     "columns: {a: {type: date, default: current_date}, b: text}"),
    ("postgresql", "a numeric, b numeric(8), c decimal(8,3))", [],
     "columns: {a: numeric, b: 'numeric(8,0)', c: 'numeric(8, 3)'}"),
    # checks
    ("postgresql", "status varchar(10) CHECK (status IN ('a', 'b')))", [],
     "columns: {status: {type: varchar(10), check: \"status IN ('a','b')\"}}"),
    ("postgresql", "status text CHECK (status NOT IN ('x')))", [],
     "columns: {status: {type: text, check: \"status NOT IN ('x')\"}}"),
    ("postgresql", "price numeric CHECK (price > 0), qty int, CONSTRAINT qty_ok CHECK (qty >= 0 AND qty < 100))", [],
     "columns: {price: {type: numeric, check: price > 0}, qty: integer}\nchecks: {qty_ok: (qty >= 0) and (qty < 100)}"),
    # indexes: partial predicates, expressions, order
    ("postgresql", "status varchar(10), deleted_at timestamp)",
     ["CREATE INDEX {t}_i ON {t} (status) WHERE (status)::text = 'active' AND deleted_at IS NULL"],
     "columns: {status: varchar(10), deleted_at: timestamp}\n"
     "indexes: {'{t}_i': {columns: [status], where: \"status = 'active' and deleted_at is null\"}}"),
    ("postgresql", "email varchar(99), created timestamptz)",
     ["CREATE UNIQUE INDEX {t}_e ON {t} (lower(email))", "CREATE INDEX {t}_c ON {t} (created DESC NULLS FIRST)"],
     "columns: {email: varchar(99), created: timestamptz}\n"
     "indexes: {'{t}_e': {columns: ['lower(email)'], unique: true}, '{t}_c': {columns: [created DESC]}}"),
    ("postgresql", "data jsonb)", ["CREATE INDEX {t}_k ON {t} ((data->>'k'))"],
     "columns: {data: jsonb}\nindexes: {'{t}_k': {columns: [\"(data ->> 'k')\"]}}"),
    ("postgresql", "a int, b int)", ["CREATE INDEX {t}_ab ON {t} USING btree (a) WHERE ((a > 0) OR (b > 0))"],
     "columns: {a: integer, b: integer}\nindexes: {'{t}_ab': {columns: [a], where: a > 0 or b > 0}}"),
    ("postgresql", "a int, b int, c int, d int)",
     ["CREATE INDEX {t}_o ON {t} (a NULLS FIRST, b DESC NULLS LAST, c DESC, d ASC NULLS LAST)"],
     "columns: {a: int, b: int, c: int, d: int}\n"
     "indexes: {'{t}_o': {columns: [a NULLS FIRST, b desc nulls last, c DESC, d]}}"),
    ("postgresql", "a text, \"B c\" int, n int)", ["CREATE INDEX {t}_m ON {t} (n, lower(a) DESC, \"B c\") INCLUDE (a)"],
     "columns: {a: text, B c: int, n: int}\n"
     "indexes: {'{t}_m': {columns: [n, lower(a) desc, '\"B c\"'], include: [a]}}"),
    # keys
    ("postgresql", "id int PRIMARY KEY, code text UNIQUE, parent int REFERENCES {t} (id) ON DELETE SET NULL)", [],
     "columns: {id: {type: integer, primary_key: true}, code: {type: text, unique: true},"
     " parent: {type: integer, references: '{t}.id', on_delete: set null}}"),
    # SQLite: declared types are kept as written; synonyms compare equal
    ("sqlite", "id INTEGER PRIMARY KEY, a INT, b VARCHAR(20), c DOUBLE PRECISION, d BOOL)", [],
     "columns: {id: {type: integer, primary_key: true}, a: integer, b: character varying(20), c: float8, d: boolean}"),
    ("sqlite", "a TEXT DEFAULT 'x', b TIMESTAMP DEFAULT CURRENT_TIMESTAMP, c INTEGER DEFAULT (0), d REAL DEFAULT -1.5)", [],
     "columns: {a: {type: text, default: \"'x'\"}, b: {type: timestamp, default: current_timestamp},"
     " c: {type: integer, default: '0'}, d: {type: real, default: '-1.5'}}"),
    ("sqlite", "id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT COLLATE NOCASE NOT NULL)", [],
     "columns: {id: {type: integer, primary_key: true, identity: autoincrement},"
     " name: {type: text, collation: nocase, nullable: false}}"),
    ("sqlite", "status TEXT CHECK (status IN ('a','b')), n INT, CHECK (n > 0))", [],
     "columns: {status: {type: text, check: \"status in ('a', 'b')\"}, n: int}\nchecks: [n > 0]"),
    ("sqlite", "status TEXT, created TIMESTAMP)",
     ["CREATE INDEX {t}_s ON {t} (status) WHERE status = 'active'", "CREATE INDEX {t}_c ON {t} (created DESC)",
      "CREATE INDEX {t}_l ON {t} (lower(status))"],
     "columns: {status: text, created: timestamp}\n"
     "indexes: {'{t}_s': {columns: [status], where: (status = 'active')}, '{t}_c': {columns: [created desc]},"
     " '{t}_l': {columns: [LOWER(status)]}}"),
    ("sqlite", "a INT, b INT AS (a * 2), c INT GENERATED ALWAYS AS (a + 1) STORED)", [],
     "columns: {a: integer, b: {type: integer, generated: a*2}, c: {type: integer, generated: (a + 1)}}"),
    ("sqlite", "id INTEGER PRIMARY KEY, parent INTEGER REFERENCES {t} ON DELETE CASCADE, UNIQUE (parent, id))", [],
     "columns: {id: {type: integer, primary_key: true}, parent: {type: integer, references: '{t}(id)', on_delete: cascade}}\n"
     "unique: [[parent, id]]"),
]


def _indent(text: str, spaces: int) -> str:
    return "".join(" " * spaces + line + "\n" for line in text.splitlines())


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_natural_spelling_audits_clean(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    url = request.getfixturevalue("sqlite_url" if engine == "sqlite" else "pg_url")
    db = LiveDb(url, engine)
    cases = [(f"t{i}", ddl, extra, body) for i, (e, ddl, extra, body) in enumerate(CASES) if e == engine]
    spec = "tables:\n"
    for t, ddl, extra, body in cases:
        db.execute(f"CREATE TABLE {t} ({ddl.replace('{t}', t)}", *(s.replace("{t}", t) for s in extra))
        spec += f"  {t}:\n" + _indent(body.replace("{t}", t), 4)
    (tmp_path / "spec.yaml").write_text(spec)
    result = run_cli("audit", "--db", url, "--spec", str(tmp_path / "spec.yaml"), "--strict", "--format", "json")
    assert result.code in (0, 1), result.err
    drift = json.loads(result.out)["databases"][0]["drift"]
    by_case = {t: (ddl, [d["message"] for d in drift if d["table"] == t]) for t, ddl, _, _ in cases}
    false_alarms = {t: v for t, v in by_case.items() if v[1]}
    assert not false_alarms, json.dumps(false_alarms, indent=1)
