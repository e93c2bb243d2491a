"""DevLake importer on small hand-made exports: bad rows, missing columns, truncated files, identities."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from reporter.config import Config
from reporter.importers.base import ImportContext, ImportFormatError
from reporter.importers.devlake import devlake_time, import_devlake, import_devlake_project
from reporter.importers.people import PeopleMap
from reporter.importers.registry import get_importer

PR_HEADER = "id,base_repo_id,author_id,author_name,merge_commit_sha,created_date,merged_date,additions,deletions"
DC_HEADER = ("id,cicd_deployment_id,cicd_scope_id,result,environment,commit_sha,repo_url,started_date,"
             "finished_date,prev_success_deployment_commit_id")
UTC = dt.timezone.utc


def write(folder: Path, **tables: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text.strip("\n") + "\n", encoding="utf-8")
    return folder


def ctx(roster: list[dict] | None = None) -> ImportContext:
    return ImportContext(PeopleMap.from_rows(roster or []), Config())


def rows_by_id(result, dataset: str) -> dict[str, dict[str, str]]:
    return {r["id"]: r for r in result.rows.get(dataset, [])}


# ---------------------------------------------------------------------------
# Timestamps


def test_both_devlake_timestamp_forms_are_utc():
    assert devlake_time("2023-4-11 4:51:47") == dt.datetime(2023, 4, 11, 4, 51, 47, tzinfo=UTC)
    assert devlake_time("2023-04-10T06:51:47.000+00:00") == dt.datetime(2023, 4, 10, 6, 51, 47, tzinfo=UTC)
    assert devlake_time("2023-04-10T08:51:47.250+02:00") == dt.datetime(2023, 4, 10, 6, 51, 47, 250000, tzinfo=UTC)
    assert devlake_time("") is None
    with pytest.raises(ValueError):
        devlake_time("2023-2-30 1:00:00")  # no 30 February
    with pytest.raises(ValueError):
        devlake_time("yesterday")


# ---------------------------------------------------------------------------
# Files that cannot be read


def test_missing_required_columns_name_the_file_and_columns(tmp_path):
    folder = write(tmp_path, pull_requests="id,author_id,created_date\npr1,a,2023-4-11 4:51:47")
    with pytest.raises(ImportFormatError) as err:
        import_devlake([folder], ctx())
    message = str(err.value)
    assert "pull_requests.csv" in message and "base_repo_id, merged_date" in message


def test_truncated_file_fails_with_its_line(tmp_path):
    folder = write(tmp_path, pull_requests=f"{PR_HEADER}\npr1,repo1,a,,m1,2023-4-11 4:51:47,2023-4-11 5:51:47,1,2\n"
                                           "pr2,repo1,a,,m2,2023-4-11")
    with pytest.raises(ImportFormatError) as err:
        import_devlake([folder], ctx())
    assert "pull_requests.csv: line 3" in str(err.value)


def test_a_folder_without_devlake_tables_is_an_error(tmp_path):
    folder = write(tmp_path, repos="id\nrepo1")
    with pytest.raises(ImportFormatError, match="no DevLake pull_requests.csv"):
        import_devlake([folder], ctx())


def test_unknown_project_is_an_error(tmp_path):
    folder = write(tmp_path, pull_requests=PR_HEADER, project_mapping="project_name,table,row_id\np1,repos,repo1")
    with pytest.raises(ImportFormatError, match="no project 'p2'.*p1"):
        import_devlake_project([folder], ctx(), project="p2")


# ---------------------------------------------------------------------------
# Bad rows: reported with file, line (header = 1) and reason; the other rows still count


def test_bad_rows_are_issues_and_skipped(tmp_path):
    folder = write(tmp_path, pull_requests=f"""
{PR_HEADER}
pr1,repo1,a,,m1,2023-4-11 4:51:47,2023-4-11 5:51:47,10,2
pr2,repo1,a,,m2,11/04/2023,2023-4-11 5:51:47,1,1
pr3,repo1,a,,m3,2023-4-11 4:51:47,2023-4-11 5:51:47,-4,1
pr1,repo1,a,,m1,2023-4-11 4:51:47,2023-4-11 5:51:47,10,2
,repo1,a,,m5,2023-4-11 4:51:47,,,
pr6,repo1,a,,m6,2023-4-11 4:51:47,2023-4-11 5:51:47,many,1
""", pull_request_commits="""
commit_sha,pull_request_id,commit_authored_date
c1,pr1,2023-4-10 4:51:47
c2,pr1,not a time
""")
    result = import_devlake([folder], ctx())
    assert list(rows_by_id(result, "pull_requests")) == ["pr1"]
    got = {(i.file, i.line, i.record): i.reason for i in result.issues}
    assert set(got) == {("pull_requests.csv", 3, "pr2"), ("pull_requests.csv", 4, "pr3"),
                        ("pull_requests.csv", 5, "pr1"), ("pull_requests.csv", 6, None),
                        ("pull_requests.csv", 7, "pr6"), ("pull_request_commits.csv", 3, "c2")}
    assert got[("pull_requests.csv", 3, "pr2")].startswith("created_date: ")
    assert "negative" in got[("pull_requests.csv", 4, "pr3")]
    assert "duplicate" in got[("pull_requests.csv", 5, "pr1")]
    assert got[("pull_requests.csv", 6, None)] == "id is empty"
    assert "not a whole number" in got[("pull_requests.csv", 7, "pr6")]
    pr = rows_by_id(result, "pull_requests")["pr1"]
    assert pr["first_commit_at"] == "2023-04-10T04:51:47Z" and pr["additions"] == "10"


def test_mysql_null_cells_are_empty(tmp_path):
    folder = write(tmp_path, pull_requests=f"{PR_HEADER}\npr1,repo1,a,NULL,NULL,2023-4-11 4:51:47,NULL,NULL,\\N")
    result = import_devlake([folder], ctx())
    assert result.issues == []
    assert rows_by_id(result, "pull_requests")["pr1"] == {
        "id": "pr1", "repo": "repo1", "author": "a", "created_at": "2023-04-11T04:51:47Z"}


def test_deployment_without_finish_is_an_issue(tmp_path):
    folder = write(tmp_path, cicd_deployment_commits=f"{DC_HEADER}\n1,p1,s1,SUCCESS,PRODUCTION,c1,R,,,")
    result = import_devlake([folder], ctx())
    assert [(i.line, i.record) for i in result.issues] == [(2, "p1")]
    assert "no finished_date" in result.issues[0].reason
    assert "deployments" not in result.rows


# ---------------------------------------------------------------------------
# Identities


def test_identities_go_through_the_roster(tmp_path):
    folder = write(tmp_path, pull_requests=f"""
{PR_HEADER}
pr1,repo1,github:GithubAccount:1:7,alice-gh,m1,2023-4-11 4:51:47,,,
pr2,repo1,github:GithubAccount:1:8,stranger,m2,2023-4-11 4:51:47,,,
pr3,repo1,,,m3,2023-4-11 4:51:47,,,
""")
    context = ctx([{"person": "alice", "team": "core", "aliases": "alice-gh"}])
    result = import_devlake([folder], context)
    prs = rows_by_id(result, "pull_requests")
    assert prs["pr1"]["author"] == "alice"  # author_name is the alias the roster knows
    assert prs["pr2"]["author"] == "stranger"  # kept raw, counted as unmatched
    assert prs["pr3"]["author"] == "unknown"
    assert dict(context.people.unmatched) == {"stranger": 1}
    assert any("no author_id or author_name" in n for n in result.notes)


def test_first_review_is_the_first_comment_by_someone_else(tmp_path):
    folder = write(tmp_path, pull_requests=f"""
{PR_HEADER}
pr1,repo1,a,,m1,2023-4-11 4:00:00,2023-4-11 9:00:00,,
pr2,repo1,,,m2,2023-4-11 4:00:00,2023-4-11 9:00:00,,
pr3,repo1,a,,m3,2023-4-11 4:00:00,2023-4-11 9:00:00,,
""", pull_request_comments="""
id,pull_request_id,created_date,account_id
c1,pr1,2023-4-11 5:00:00,a
c2,pr1,2023-4-11 6:00:00,b
c4,pr2,2023-4-11 7:00:00,b
c3,pr2,2023-4-11 7:00:00,c
c5,pr2,2023-4-11 8:00:00,
c6,pr3,2023-4-11 5:00:00,a-second-account
c7,pr3,2023-4-11 6:30:00,b
""")
    context = ctx([{"person": "ann", "team": "core", "aliases": "a;a-second-account"}])
    prs = rows_by_id(import_devlake([folder], context), "pull_requests")
    assert prs["pr1"]["first_review_at"] == "2023-04-11T06:00:00Z"  # c1 is the author's own
    assert prs["pr2"]["first_review_at"] == "2023-04-11T07:00:00Z"  # no author: every commenter counts
    assert prs["pr3"]["first_review_at"] == "2023-04-11T06:30:00Z"  # the author's other account does not


# ---------------------------------------------------------------------------
# Scope and deployments


MAPPING = """
project_name,table,row_id
p1,repos,repo1
p1,cicd_scopes,s1
p2,repos,repo2
p2,cicd_scopes,s2
"""


def test_project_scope(tmp_path):
    folder = write(tmp_path, project_mapping=MAPPING, pull_requests=f"""
{PR_HEADER}
pr1,repo1,a,,m1,2023-4-11 4:51:47,,,
pr2,repo2,a,,m2,2023-4-11 4:51:47,,,
pr3,repo9,a,,m3,2023-4-11 4:51:47,,,
""")
    one = import_devlake_project([folder], ctx(), project="p1")
    assert list(rows_by_id(one, "pull_requests")) == ["pr1"]
    both = import_devlake([folder], ctx())
    assert list(rows_by_id(both, "pull_requests")) == ["pr1", "pr2"]
    assert any("2 projects (p1, p2)" in n for n in both.notes)
    (folder / "project_mapping.csv").unlink()
    every = import_devlake([folder], ctx())
    assert list(rows_by_id(every, "pull_requests")) == ["pr1", "pr2", "pr3"]
    assert any("no project_mapping.csv" in n for n in every.notes)


def test_deployments_group_commits_and_list_the_prs_they_shipped(tmp_path):
    # p-a deploys merge commit m1 of pr1 between c0 (row 1) and c1 (row 2); row 3 repeats the
    # diff later, so pr1 stays with the earliest-started deployment commit.
    folder = write(tmp_path, pull_requests=f"""
{PR_HEADER}
pr1,repo1,a,,m1,2023-4-11 4:00:00,2023-4-11 5:00:00,,
pr2,repo1,a,,m2,2023-4-11 4:00:00,,,
""", cicd_deployment_commits=f"""
{DC_HEADER}
1,p-0,s1,SUCCESS,PRODUCTION,c0,https://github.com/org/app.git,2023-4-10 1:00:00,2023-4-10 1:10:00,
2,p-a,s1,SUCCESS,PRODUCTION,c1,https://github.com/org/app.git,2023-4-12 1:00:00,2023-4-12 1:10:00,1
3,p-a,s1,FAILURE,PRODUCTION,c9,https://github.com/org/web,2023-4-12 1:00:00,2023-4-12 1:30:00,
4,p-b,s1,SUCCESS,PRODUCTION,c2,https://github.com/org/app.git,2023-4-13 1:00:00,2023-4-13 1:10:00,1
5,p-c,s1,FAILURE,PRODUCTION,c3,https://github.com/org/app.git,2023-4-14 1:00:00,2023-4-14 1:10:00,
6,p-d,s1,SUCCESS,STAGING,c4,https://github.com/org/app.git,2023-4-14 1:00:00,2023-4-14 1:10:00,
7,p-e,s1,SUCCESS,,c5,https://github.com/org/app.git,2023-4-14 1:00:00,2023-4-14 1:10:00,
""", commits_diffs="""
old_commit_sha,new_commit_sha,commit_sha
c0,c1,m1
c0,c2,m1
c0,c1,m2
""", repos="id,name,url\nrepo1,org/app,https://github.com/org/app")
    result = import_devlake([folder], ctx())
    assert result.issues == []
    deps = rows_by_id(result, "deployments")
    assert deps["p-a"] == {"id": "p-a", "service": "org/app", "finished_at": "2023-04-12T01:10:00Z",
                           "environment": "production", "status": "success", "pr_ids": "pr1", "sha": "c1"}
    assert "pr_ids" not in deps["p-b"]  # pr1 already shipped; pr2 was never merged
    assert (deps["p-c"]["status"], deps["p-c"]["environment"]) == ("failure", "production")
    assert deps["p-d"]["environment"] == "staging"
    assert deps["p-e"]["environment"] == "unspecified"  # never read as the default, production
    assert rows_by_id(result, "pull_requests")["pr1"]["repo"] == "org/app"


def test_chain_is_rebuilt_when_the_export_lacks_it(tmp_path):
    header = DC_HEADER.removesuffix(",prev_success_deployment_commit_id")
    folder = write(tmp_path, pull_requests=f"{PR_HEADER}\npr1,repo1,a,,m1,2023-4-11 4:00:00,2023-4-11 5:00:00,,",
                   cicd_deployment_commits=f"""
{header}
1,p-0,s1,SUCCESS,PRODUCTION,c0,R,2023-4-10 1:00:00,2023-4-10 1:10:00
2,p-x,s1,FAILURE,PRODUCTION,cx,R,2023-4-11 1:00:00,2023-4-11 1:10:00
3,p-a,s1,SUCCESS,PRODUCTION,c1,R,2023-4-12 1:00:00,2023-4-12 1:10:00
""", commits_diffs="old_commit_sha,new_commit_sha,commit_sha\nc0,c1,m1")
    result = import_devlake([folder], ctx())
    assert rows_by_id(result, "deployments")["p-a"]["pr_ids"] == "pr1"  # 3 chains to 1 across the failure
    assert any("chained here" in n for n in result.notes)


def test_incidents_take_the_last_production_deployment_before_them(tmp_path):
    folder = write(tmp_path, cicd_deployment_commits=f"""
{DC_HEADER}
1,p-1,s1,SUCCESS,PRODUCTION,c1,R,2023-4-10 1:00:00,2023-4-10 2:00:00,
2,p-2,s1,SUCCESS,STAGING,c2,R,2023-4-10 3:00:00,2023-4-10 4:00:00,
""", incidents="""
id,created_date,resolution_date,table,scope_id,severity
i1,2023-4-10 2:00:00,2023-4-10 9:00:00,repos,repo1,SEV1
i2,2023-4-10 2:00:01,,repos,repo1,
i3,2023-4-10 5:00:00,,repos,repo1,
""")
    incidents = rows_by_id(import_devlake([folder], ctx()), "incidents")
    assert "deployment_id" not in incidents["i1"]  # finished exactly then: not strictly before
    assert incidents["i1"]["resolved_at"] == "2023-04-10T09:00:00Z" and incidents["i1"]["severity"] == "SEV1"
    assert incidents["i2"]["deployment_id"] == "p-1"
    assert incidents["i3"]["deployment_id"] == "p-1"  # staging does not count
    assert incidents["i3"]["service"] == "repo1"


def test_registry_finds_the_importer():
    assert get_importer("devlake") is import_devlake


def test_mysql_batch_output_is_read_as_tab_separated(tmp_path):
    """`mysql --batch -e 'SELECT ...' > pull_requests.csv`: tabs, backslash escapes, NULL cells."""
    (tmp_path / "pull_requests.csv").write_text(
        "id\tbase_repo_id\tauthor_id\ttitle\tcreated_date\tmerged_date\n"
        "pr1\trepo1\ta\tFix\\tparser, again\\nsecond line\t2023-04-11 04:51:47\tNULL\n", encoding="utf-8")
    result = import_devlake([tmp_path], ctx())
    pr = rows_by_id(result, "pull_requests")["pr1"]
    assert pr["title"] == "Fix\tparser, again\nsecond line" and "merged_at" not in pr
    (tmp_path / "pull_requests.csv").write_text("id\tbase_repo_id\tcreated_date\tmerged_date\npr1\trepo1\n",
                                                encoding="utf-8")
    with pytest.raises(ImportFormatError, match="pull_requests.csv: line 2: 2 fields"):
        import_devlake([tmp_path], ctx())
