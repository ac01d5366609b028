"""Benchmark funds: 2,000 funds and 1,000,000 ledger entries for a district (ten times that for a
city), set-based SQL in the harness's transaction.

Layout (``f`` = the fund's number, ``s`` = the transaction's slot in its fund, 0 … 249, one a day up to
the anchor; a cycle is ten slots):

- funds: four in ten named (each with its donor), five micro-funds (a target), one a subsidy
  programme (10,000–100,000 yuan per project); evenly over the communities; one purpose each, its
  four accounts (money held, receivable, given and pledged, paid out).
- each cycle of ten transactions: donations (slots 0–3 and 6, 100–5,000 yuan, from a pool of donors,
  one in three consenting to be named), a pledge falling due (4) and its receipt (5), two
  disbursements of paid proposals (7: half of slots 0 and 1; 9: three tenths of slot 2) and in one
  cycle of five the reversal of slot 6 (8; otherwise another donation). Money held therefore never
  goes below zero at any point of a fund's history.
- two entries per transaction (debit positive, credit negative), so every transaction balances.

The audit triggers of funds, donors and proposals and the foreign-key checks are off for those rows
(``session_replication_role = replica``, as the petitions seeder does); **the ledger's own triggers
stay on for the entries**: the deferred ``funds_entry_balanced`` checks every transaction at the
``SET CONSTRAINTS ALL IMMEDIATE`` at the end (a seeding bug fails here, not in a case). The kept
balances are then set from the entries in one statement, which ``funds_reconcile`` proves.

A rerun (a new ``VERSION``) first removes its own rows (funds whose description is ``MARK``; the
immutable entries only under ``replica``, where row triggers do not fire).
"""

from __future__ import annotations

import datetime as dt
import time

NAME = "funds"
VERSION = 1
MARK = "bench:funds"
VOLUMES = {  # (funds, ledger entries)
    "mini": (200, 100_000),
    "district": (2_000, 1_000_000),
    "city": (20_000, 10_000_000),
}
DONOR_POOL = {"mini": 500, "district": 5_000, "city": 50_000}

U_FUNCTION = """
CREATE OR REPLACE FUNCTION bench_u(bigint, integer) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (hashint8extended($1, $2) & 4503599627370495)::double precision / 4503599627370496.0 $$
"""

PURPOSES = ["助学", "助老", "医疗救助", "加装电梯", "环境整治", "文体活动", "助残", "应急帮困"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"

REMOVE = """
DELETE FROM funds_entry WHERE account_id IN (
    SELECT a.id FROM funds_account a JOIN funds_fund f ON f.id = a.fund_id WHERE f.description = %(mark)s);
DELETE FROM funds_ledgertransaction WHERE fund_id IN (SELECT id FROM funds_fund WHERE description = %(mark)s);
DELETE FROM funds_account WHERE fund_id IN (SELECT id FROM funds_fund WHERE description = %(mark)s);
DELETE FROM funds_proposal WHERE fund_id IN (SELECT id FROM funds_fund WHERE description = %(mark)s);
DELETE FROM funds_fund WHERE description = %(mark)s;
DELETE FROM funds_donor WHERE phone = %(mark_phone)s;
"""

COMMUNITIES = """
CREATE TEMP TABLE bench_community ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY id)::int - 1 AS i, id, name FROM grids_region WHERE level = 3
"""

DONORS = """
INSERT INTO funds_donor (id, kind, name, phone, consent_public, created_at, region_id)
SELECT %(donor_base)s + d,
       (ARRAY['resident', 'company', 'organisation'])[1 + d %% 3],
       substr(%(surnames)s, 1 + d %% 20, 1) || substr(%(given)s, 1 + (d / 20) %% 20, 1)
           || CASE d %% 3 WHEN 0 THEN '' WHEN 1 THEN '实业有限公司' ELSE '公益协会' END,
       %(mark_phone)s, d %% 3 = 0, %(anchor)s - interval '300 days',
       (SELECT id FROM bench_community WHERE i = d %% %(n_comm)s)
FROM generate_series(0, %(n_donors)s - 1) AS d
"""

FUNDS = """
INSERT INTO funds_fund (id, kind, name, purpose, description, target_fen, quorum, majority_percent, created_at,
                        donor_id, region_id, cap_kind, cap_min_fen, cap_max_fen, cap_per_sqm_fen)
SELECT %(fund_base)s + f,
       CASE WHEN f %% 10 < 4 THEN 'named' WHEN f %% 10 < 9 THEN 'micro' ELSE 'subsidy' END,
       c.name || (%(purposes)s::text[])[1 + f %% %(n_purposes)s]
           || CASE WHEN f %% 10 < 4 THEN '冠名基金' WHEN f %% 10 < 9 THEN '微基金' ELSE '补助' END || ' ' || f,
       (%(purposes)s::text[])[1 + f %% %(n_purposes)s],
       %(mark)s,
       CASE WHEN f %% 10 BETWEEN 4 AND 8 THEN (100000 + floor(bench_u(f, 1) * 40) * 10000) * 100 END,
       3, 50, %(anchor)s - interval '300 days',
       CASE WHEN f %% 10 < 4 THEN %(donor_base)s + f %% %(n_donors)s END,
       c.id,
       CASE WHEN f %% 10 = 9 THEN 'project' ELSE '' END,
       CASE WHEN f %% 10 = 9 THEN 1000000 END,
       CASE WHEN f %% 10 = 9 THEN 10000000 END,
       NULL
FROM generate_series(0, %(n_funds)s - 1) AS f
JOIN bench_community c ON c.i = f %% %(n_comm)s
"""

# Accounts: id = account_base + 4·f + k, k: 0 money held, 1 receivable, 2 given and pledged, 3 paid out.
ACCOUNTS = """
INSERT INTO funds_account (id, fund_id, purpose, kind, balance_fen)
SELECT %(account_base)s + 4 * f + k, %(fund_base)s + f, (%(purposes)s::text[])[1 + f %% %(n_purposes)s],
       (ARRAY['cash', 'receivable', 'income', 'spent'])[1 + k], 0
FROM generate_series(0, %(n_funds)s - 1) AS f CROSS JOIN generate_series(0, 3) AS k
"""

# One row per transaction: its slot's kind, amount (fen), debit and credit account (k), and links.
# ``amt(f, c, j)`` = the amount of slot j of cycle c of fund f, 100–5,000 yuan in whole yuan.
PLAN = """
CREATE TEMP TABLE bench_fundtx ON COMMIT DROP AS
WITH t AS (
    SELECT n, n %% %(n_funds)s AS f, n / %(n_funds)s AS s
    FROM generate_series(0, %(n_tx)s - 1) AS n
), a AS (
    SELECT t.*, s / 10 AS c, s %% 10 AS j,
           (100 + floor(bench_u((n / %(n_funds)s / 10) * 1000003 + f, 0) * 4900))::bigint * 100 AS a0,
           (100 + floor(bench_u((n / %(n_funds)s / 10) * 1000003 + f, 1) * 4900))::bigint * 100 AS a1,
           (100 + floor(bench_u((n / %(n_funds)s / 10) * 1000003 + f, 2) * 4900))::bigint * 100 AS a2,
           (100 + floor(bench_u((n / %(n_funds)s / 10) * 1000003 + f, 4) * 4900))::bigint * 100 AS a4,
           (100 + floor(bench_u((n / %(n_funds)s / 10) * 1000003 + f, 6) * 4900))::bigint * 100 AS a6,
           (100 + floor(bench_u(n, 9) * 4900))::bigint * 100 AS own
    FROM t
)
SELECT %(tx_base)s + n + 1 AS id, f, s, j, c,
       CASE WHEN j = 4 THEN 'pledge' WHEN j = 5 THEN 'receipt' WHEN j IN (7, 9) THEN 'disbursement'
            WHEN j = 8 AND c %% 5 = 0 THEN 'reversal' ELSE 'donation' END AS kind,
       CASE j WHEN 0 THEN a0 WHEN 1 THEN a1 WHEN 2 THEN a2 WHEN 4 THEN a4 WHEN 5 THEN a4 WHEN 6 THEN a6
              WHEN 7 THEN (a0 + a1) / 2 WHEN 9 THEN a2 * 3 / 10
              ELSE CASE WHEN c %% 5 = 0 THEN a6 ELSE own END END AS amount,
       -- debit and credit accounts (k)
       CASE WHEN j = 4 THEN 1 WHEN j IN (7, 9) THEN 3 WHEN j = 8 AND c %% 5 = 0 THEN 2 ELSE 0 END AS dr,
       CASE WHEN j = 5 THEN 1 WHEN j IN (7, 9) THEN 0 WHEN j = 8 AND c %% 5 = 0 THEN 0 ELSE 2 END AS cr,
       CASE WHEN j = 8 AND c %% 5 = 0 THEN %(tx_base)s + (c * 10 + 6) * %(n_funds)s + f + 1 END AS reverses_id,
       CASE WHEN j IN (7, 9) THEN %(proposal_base)s + n + 1 END AS proposal_id,
       CASE WHEN j IN (4, 5) AND f %% 10 < 4 THEN %(donor_base)s + f %% %(n_donors)s
            WHEN j IN (0, 1, 2, 3, 6) OR (j = 8 AND c %% 5 <> 0)
                THEN %(donor_base)s + (n * 7 + 3) %% %(n_donors)s END AS donor_id,
       %(anchor)s - (%(slots)s - s) * interval '1 day' + (f %% 1440) * interval '1 minute' AS posted_at
FROM a
"""

TRANSACTIONS = """
INSERT INTO funds_ledgertransaction (id, kind, memo, posted_at, idempotency_key, created_by_id, donor_id, fund_id,
                                     instalment_id, reverses_id, proposal_id)
SELECT id, kind, CASE WHEN kind = 'reversal' THEN '录入错误，冲正' ELSE '' END, posted_at, NULL, NULL, donor_id,
       %(fund_base)s + f, NULL, reverses_id, proposal_id
FROM bench_fundtx ORDER BY id
"""

PROPOSALS = """
INSERT INTO funds_proposal (id, purpose, amount_fen, recipient, recipient_public, description, status, yes_votes,
                            no_votes, created_at, decided_at, paid_at, created_by_id, fund_id)
SELECT proposal_id, (%(purposes)s::text[])[1 + f %% %(n_purposes)s], amount,
       (%(purposes)s::text[])[1 + f %% %(n_purposes)s] || '项目 ' || c || '-' || j, j = 7, '', 'paid',
       CASE WHEN f %% 10 BETWEEN 4 AND 8 THEN 3 ELSE 0 END, 0,
       posted_at - interval '3 days', posted_at - interval '1 day', posted_at, NULL, %(fund_base)s + f
FROM bench_fundtx WHERE proposal_id IS NOT NULL
"""

ENTRIES = """
INSERT INTO funds_entry (transaction_id, account_id, amount_fen)
SELECT t.id, %(account_base)s + 4 * t.f + leg.k, leg.sign * t.amount
FROM bench_fundtx t CROSS JOIN LATERAL (VALUES (t.dr, 1), (t.cr, -1)) AS leg(k, sign)
ORDER BY t.id
"""

BALANCES = """
UPDATE funds_account a SET balance_fen = e.total
FROM (SELECT account_id, sum(amount_fen) AS total FROM funds_entry
      WHERE account_id BETWEEN %(account_base)s AND %(account_base)s + 4 * %(n_funds)s
      GROUP BY account_id) e
WHERE a.id = e.account_id
"""

SEQUENCES = ["funds_donor", "funds_fund", "funds_account", "funds_ledgertransaction", "funds_proposal"]


def _base(conn, table: str) -> int:
    return conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]  # noqa: S608 - our table names


def seed(conn, *, scale, anchor: dt.datetime, log) -> dict[str, int]:
    n_funds, n_entries = VOLUMES[scale.name]
    n_tx = n_entries // 2
    conn.execute(U_FUNCTION)
    conn.execute("SET LOCAL work_mem = '256MB'")
    conn.execute("SET LOCAL session_replication_role = replica")  # no audit rows, FK checks or row triggers
    mark = {"mark": MARK, "mark_phone": MARK[:20]}
    for statement in REMOVE.strip().split(";\n"):
        conn.execute(statement.rstrip(";"), mark)
    conn.execute(COMMUNITIES)
    n_comm = conn.execute("SELECT count(*) FROM bench_community").fetchone()[0]
    if not n_comm:
        raise RuntimeError("no communities: seed_demo did not build the region tree")
    params = {
        **mark,
        "anchor": anchor,
        "n_funds": n_funds,
        "n_tx": n_tx,
        "slots": n_tx // n_funds,
        "n_comm": n_comm,
        "n_donors": DONOR_POOL[scale.name],
        "purposes": PURPOSES,
        "n_purposes": len(PURPOSES),
        "surnames": SURNAMES,
        "given": GIVEN,
        "donor_base": _base(conn, "funds_donor") + 1,
        "fund_base": _base(conn, "funds_fund") + 1,
        "account_base": _base(conn, "funds_account") + 1,
        "tx_base": _base(conn, "funds_ledgertransaction"),
        "proposal_base": _base(conn, "funds_proposal"),
    }
    rows = {}
    started = time.monotonic()
    rows["funds_donor"] = conn.execute(DONORS, params).rowcount
    rows["funds_fund"] = conn.execute(FUNDS, params).rowcount
    rows["funds_account"] = conn.execute(ACCOUNTS, params).rowcount
    conn.execute(PLAN, params)
    rows["funds_proposal"] = conn.execute(PROPOSALS, params).rowcount
    rows["funds_ledgertransaction"] = conn.execute(TRANSACTIONS, params).rowcount
    log(f"  funds: {n_funds:,} funds, {n_tx:,} transactions planned in {time.monotonic() - started:.0f} s")
    # The entries with the ledger's triggers on: each one queues the deferred balance check.
    conn.execute("SET LOCAL session_replication_role = origin")
    started = time.monotonic()
    rows["funds_entry"] = conn.execute(ENTRIES, params).rowcount
    log(f"  funds: {rows['funds_entry']:,} entries in {time.monotonic() - started:.0f} s")
    started = time.monotonic()
    conn.execute("SET CONSTRAINTS ALL IMMEDIATE")  # every transaction's balance checked now
    log(f"  funds: every transaction balances (deferred trigger, {time.monotonic() - started:.0f} s)")
    conn.execute(BALANCES, params)
    for table in SEQUENCES:
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
        )
    return rows
