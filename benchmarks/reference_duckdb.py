"""An independent DuckDB query of the weekly report's core delivery metrics (benchmarks only).

    python3 benchmarks/reference_duckdb.py FOLDER 2026-W47

Reads the folder's CSV files directly (no reporter code) and prints, for the week and its four
preceding weeks: merged PRs, median PR cycle time, deployments, median lead time and change
failure rate, by the definitions of DESIGN section 5 (successful production deployments; a PR
ships with the earliest deployment listing it, else the first of its service at or after its
merge (ASOF join); an incident fails the deployment it names, else the service's last one before
it opened). What engine_bench.py times the reporter against.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import duckdb
import yaml


def main(folder: Path, week: str) -> dict:
    config = yaml.safe_load((folder / "reporter.yaml").read_text())
    tz = config.get("timezone", "UTC")
    year, number = week.split("-W")
    monday = dt.date.fromisocalendar(int(year), int(number), 1)
    con = duckdb.connect(config={"threads": 2})
    con.execute(f"SET TimeZone = '{tz}'")
    repos = [(repo, name) for name, svc in (config.get("services") or {}).items() for repo in svc.get("repos", [])]
    con.execute("CREATE TABLE repo_service (repo VARCHAR, service VARCHAR)")
    if repos:
        con.executemany("INSERT INTO repo_service VALUES (?, ?)", repos)

    def csv(name: str) -> str:
        return f"read_csv('{folder / (name + '.csv')}', header = true, all_varchar = true)"

    con.execute(f"""
    CREATE TEMP TABLE deps AS
      SELECT id, service, CAST(finished_at AS TIMESTAMPTZ) AS fin, pr_ids, coalesce(lower(rolled_back) = 'true', false) AS rb
      FROM {csv('deployments')}
      WHERE coalesce(lower(trim(environment)), 'production') IN ('production', 'prod')
        AND coalesce(lower(trim(status)), 'success') IN ('success', 'succeeded', 'successful');
    CREATE TEMP TABLE prs AS
      WITH c AS (SELECT pr_id, min(CAST(authored_at AS TIMESTAMPTZ)) AS first FROM {csv('commits')}
                 WHERE pr_id IS NOT NULL GROUP BY pr_id)
      SELECT p.id, coalesce(m.service, p.repo) AS service, CAST(p.created_at AS TIMESTAMPTZ) AS created,
             CAST(p.merged_at AS TIMESTAMPTZ) AS merged,
             coalesce(CAST(p.first_commit_at AS TIMESTAMPTZ), c.first) AS first_commit
      FROM {csv('pull_requests')} p LEFT JOIN repo_service m ON m.repo = p.repo LEFT JOIN c ON c.pr_id = p.id
      WHERE p.merged_at IS NOT NULL;
    CREATE TEMP TABLE listed AS
      SELECT trim(x) AS pr, min(fin) AS fin FROM (SELECT unnest(string_split(pr_ids, ';')) AS x, fin FROM deps)
      WHERE trim(x) <> '' GROUP BY 1;
    CREATE TEMP TABLE shipped AS
      SELECT p.*, coalesce(l.fin, a.fin) AS deployed,
             CASE WHEN p.first_commit IS NULL AND p.created = p.merged THEN NULL
                  ELSE coalesce(p.first_commit, p.created) END AS start
      FROM prs p LEFT JOIN listed l ON l.pr = p.id
      ASOF LEFT JOIN (SELECT service, fin FROM deps) a ON a.service = p.service AND a.fin >= p.merged;
    CREATE TEMP TABLE failed AS
      SELECT DISTINCT coalesce(d.id, a.id) AS id FROM {csv('incidents')} i
      LEFT JOIN deps d ON d.id = i.deployment_id
      ASOF LEFT JOIN (SELECT id, service, fin FROM deps) a
        ON i.deployment_id IS NULL AND a.service = i.service AND a.fin < CAST(i.opened_at AS TIMESTAMPTZ);
    """)
    out = {}
    for label, first, weeks in (("week", monday, 1), ("baseline", monday - dt.timedelta(weeks=4), 4)):
        lo, hi = f"TIMESTAMPTZ '{first} 00:00:00'", f"TIMESTAMPTZ '{first + dt.timedelta(weeks=weeks)} 00:00:00'"
        row = con.execute(f"""
          SELECT
            (SELECT count(*) FROM shipped WHERE merged >= {lo} AND merged < {hi}),
            (SELECT median(h) FROM (SELECT epoch(merged - start) / 3600 AS h FROM shipped
                                    WHERE merged >= {lo} AND merged < {hi}) WHERE h >= 0),
            (SELECT count(*) FROM deps WHERE fin >= {lo} AND fin < {hi}),
            (SELECT median(h) FROM (SELECT epoch(deployed - start) / 3600 AS h FROM shipped
                                    WHERE deployed >= {lo} AND deployed < {hi}) WHERE h >= 0),
            (SELECT avg(CASE WHEN rb OR f.id IS NOT NULL THEN 1.0 ELSE 0.0 END)
               FROM deps d LEFT JOIN failed f ON f.id = d.id WHERE fin >= {lo} AND fin < {hi})
        """).fetchall()[0]
        out[label] = dict(zip(("merged_prs", "pr_cycle_time_hours", "deployments", "lead_time_hours",
                               "change_failure_rate"), row))
    return out


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), sys.argv[2]), default=float))
