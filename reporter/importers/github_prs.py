"""GitHub pull requests (``import_prs``), from the JSON that ``gh`` or the REST API prints (how files
are read: ``reporter.importers.github``). Per record:

* ``gh pr list --state all --limit N --json number,title,author,createdAt,mergedAt,closedAt,
  additions,deletions,labels,reviews,commits,mergeCommit,baseRefName,url,body`` objects (camelCase).
  ``body`` (the PR description, optional) is kept: AI tools sign it ("Generated with Claude Code").
  ``gh`` names GitHub Apps ``app/NAME``; that becomes ``NAME[bot]``, the REST spelling, so the bot
  rules of ``ai_detection`` match either export.
* REST pull objects (``GET /repos/O/R/pulls?state=all`` or ``/pulls/N``; snake_case). Reviews and
  commits, when wanted, come in any of three ways:
  1. the pull object carries ``reviews`` and/or ``commits`` keys holding the REST responses of
     ``/pulls/N/reviews`` and ``/pulls/N/commits``;
  2. a bundle object ``{"pull": {...}, "reviews": [...], "commits": [...]}``;
  3. review objects as ``/pulls/N/reviews`` prints them, in any file: each names its PR by
     ``pull_request_url``. (A bare ``/pulls/N/commits`` response does not say which PR it is
     for, so it must come as 1 or 2.)
  The list endpoint has no additions/deletions; a single-PR object has. The same PR seen twice
  (the list plus ``/pulls/N``) is one row: the first value of each column wins, the others fill
  gaps, reviews and commits are combined.

Repo = ``REPO`` of ``url``/``html_url`` (``github.com/O/REPO/pull/N`` or ``/repos/O/REPO/pulls/N``),
else ``base.repo.name``. First review = earliest non-PENDING review by someone other than the PR
author (compared by login and by roster person); approved_at = earliest APPROVED one of those;
first_commit_at = earliest commit author date. ``ai_assisted`` is left empty: the build's
configurable detection decides, and a note says what the configured rules would flag.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .base import ImportContext, ImportFormatError, ImportResult, iso_utc, short
from .base import dict_of, list_of
from .github import SOURCE, _count, _login, _time, classified_records

# https://github.com/O/R/pull/N, https://api.github.com/repos/O/R/pulls/N (and Enterprise hosts)
_PR_URL = re.compile(r"/repos/[^/]+/([^/]+)/pulls/(\d+)(?:[/?#]|$)|^https?://[^/]+/[^/]+/([^/]+)/pull/(\d+)(?:[/?#]|$)")

_GH_KEYS = frozenset({"createdAt", "mergedAt", "closedAt", "mergeCommit", "baseRefName", "headRefName", "isDraft"})
_REST_KEYS = frozenset({"created_at", "merged_at", "closed_at", "merge_commit_sha", "html_url", "user", "base"})


def _repo_number(obj: dict) -> tuple[str | None, int | None]:
    """(repo, number) from the PR's URLs, else base.repo.name and ``number``."""
    for key in ("url", "html_url"):
        url = obj.get(key)
        if isinstance(url, str):
            m = _PR_URL.search(url)
            if m:
                repo, number = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
                return repo, int(number)
    repo = None
    base = obj.get("base")
    if isinstance(base, dict) and isinstance(base.get("repo"), dict):
        repo = base["repo"].get("name") or None
    number = obj.get("number")
    if isinstance(number, bool) or not isinstance(number, (int, str)) or not str(number).strip().isdecimal():
        number = None
    return repo, None if number is None else int(number)


# ---------------------------------------------------------------------------
# Pull requests


@dataclass
class _Review:
    login: str | None
    state: str
    at: dt.datetime | None
    key: Any


@dataclass
class _Commit:
    sha: str
    at: dt.datetime | None
    identity: str | None
    message: str | None


@dataclass
class _PR:
    id: str
    repo: str
    file: str
    record: int
    fields: dict[str, Any]
    reviews: list[_Review] = field(default_factory=list)
    commits: list[_Commit] = field(default_factory=list)


def _kind(obj: Any) -> str | None:
    """What a record is: 'gh' / 'rest' pull, 'bundle', 'review', 'commit', or None."""
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get("pull"), dict):
        return "bundle"
    if "number" in obj:
        if _GH_KEYS & obj.keys() or isinstance(obj.get("author"), dict) and "user" not in obj:
            return "gh"
        if _REST_KEYS & obj.keys():
            return "rest"
        return "gh" if "url" in obj and "createdAt" in obj else ("rest" if "user" in obj else None)
    if "pull_request_url" in obj and ("state" in obj or "submitted_at" in obj):
        return "review"
    if "sha" in obj and isinstance(obj.get("commit"), dict):
        return "commit"
    return None


def _gh_review(r: dict) -> _Review:
    return _Review(_login(r.get("author")), str(r.get("state") or "").upper(), _time(r.get("submittedAt")),
                   r.get("id") or (_login(r.get("author")), r.get("state"), r.get("submittedAt")))


def _rest_review(r: dict) -> _Review:
    return _Review(_login(r.get("user")), str(r.get("state") or "").upper(), _time(r.get("submitted_at")),
                   r.get("id") or (_login(r.get("user")), r.get("state"), r.get("submitted_at")))


def _gh_commit(c: dict) -> _Commit:
    sha = c.get("oid")
    if not isinstance(sha, str) or not sha.strip():
        raise ValueError("commit without oid")
    authors = c.get("authors") if isinstance(c.get("authors"), list) else []
    first = authors[0] if authors and isinstance(authors[0], dict) else {}
    identity = first.get("login") or first.get("email") or first.get("name") or None
    head, body = _text_of(c, "messageHeadline"), _text_of(c, "messageBody")
    if head.endswith("…") and body.startswith("…"):  # GitHub cuts long subjects into the body
        message = head[:-1] + body[1:]
    else:
        message = head + ("\n\n" + body if body else "")
    return _Commit(sha.strip(), _time(c.get("authoredDate")), identity, message or None)


def _text_of(record: dict, key: str) -> str:
    """A text field ('' when absent); a number or object there makes the record an issue."""
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{key} is not text: {short(value)}")
    return value


def _rest_commit(c: dict) -> _Commit:
    sha = c.get("sha")
    if not isinstance(sha, str) or not sha.strip():
        raise ValueError("commit without sha")
    inner = dict_of(c.get("commit"))
    git_author = dict_of(inner.get("author"))
    identity = _login(c.get("author")) or git_author.get("email") or git_author.get("name") or None
    message = inner.get("message")
    return _Commit(sha.strip(), _time(git_author.get("date")), identity,
                   message if isinstance(message, str) and message else None)


def _pull_fields(obj: dict, kind: str) -> dict[str, Any]:
    """The PR's own columns (times parsed, counts checked); ValueError names the bad one."""
    gh = kind == "gh"
    author = _login(obj.get("author" if gh else "user"))
    labels = list_of(obj.get("labels"))
    names = [str(label.get("name")).strip() for label in labels if isinstance(label, dict) and label.get("name")]
    merge_sha = None
    if gh:
        mc = obj.get("mergeCommit")
        merge_sha = mc.get("oid") if isinstance(mc, dict) else None
    else:
        merge_sha = obj.get("merge_commit_sha")
    body = obj.get("body")  # kept for AI detection: Claude Code and Codex sign PR descriptions
    out = {"author": author, "title": obj.get("title") or None, "labels": names or None,
           "merge_commit_sha": merge_sha or None, "body": body if isinstance(body, str) and body.strip() else None}
    for column, key in (("created_at", "createdAt" if gh else "created_at"),
                        ("merged_at", "mergedAt" if gh else "merged_at"),
                        ("closed_at", "closedAt" if gh else "closed_at")):
        try:
            out[column] = _time(obj.get(key))
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from None
    for column in ("additions", "deletions"):
        out[column] = _count(obj.get(column), column)
    # REST's state=all list holds merged PRs whose merge_commit_sha is the test merge of an open PR.
    if not gh and out["merged_at"] is None:
        out["merge_commit_sha"] = None
    return out


def import_prs(paths: list[Path], ctx: ImportContext) -> ImportResult:
    """``pull_requests`` and ``commits`` rows from gh or REST pull request exports (module doc)."""
    result = ImportResult()
    prs: dict[str, _PR] = {}
    loose_reviews: list[tuple[str, int, str, _Review]] = []  # (file, record, pr id, review)
    for path in paths:
        name, records, found = classified_records(
            path, _kind, "a pull request export: expected `gh pr list --json ...` objects, REST pull "
            "objects (number, created_at, user...), {pull, reviews, commits} bundles or review objects")
        if records and all(k == "commit" for k in found):
            raise ImportFormatError(
                f"{name}: a list of commits (GET pulls/N/commits) does not say which PR it belongs to; "
                "put it in the PR object as \"commits\" or in a {\"pull\", \"commits\"} bundle")
        for number, (obj, kind) in enumerate(zip(records, found), start=1):
            if kind is None:
                result.issue(name, number, "not a pull request, review or bundle object"
                             + ("" if isinstance(obj, dict) else f" (got {type(obj).__name__})"))
                continue
            if kind == "commit":
                result.issue(name, number, "a commit outside any PR: it does not say which PR it belongs to",
                             obj.get("sha"))
                continue
            if kind == "review":
                m = _PR_URL.search(str(obj.get("pull_request_url") or ""))
                if not m:
                    result.issue(name, number, "review whose pull_request_url names no PR", obj.get("id"))
                    continue
                try:
                    review = _rest_review(obj)
                except ValueError as exc:
                    result.issue(name, number, f"review submitted_at: {exc}", obj.get("id"))
                    continue
                loose_reviews.append((name, number, f"{m.group(1)}#{int(m.group(2))}", review))
                continue
            _read_pull(name, number, obj, kind, prs, result)

    for name, number, pr_id, review in loose_reviews:
        if pr_id in prs:
            _add_unique(prs[pr_id].reviews, [review], lambda r: r.key)
        else:
            result.issue(name, number, f"review of {pr_id}, which is not among the imported pull requests",
                         review.key if not isinstance(review.key, tuple) else None)

    _emit_prs(prs, ctx, result)
    without_size = sum(1 for pr in prs.values() if pr.fields.get("additions") is None)
    if without_size:
        result.notes.append(
            f"{without_size} PR{'s' if without_size != 1 else ''} without additions/deletions (the REST list "
            "endpoint does not return them; GET /pulls/N or gh pr list --json additions,deletions does)")
    note = ai_detection_note(result, ctx.config)
    if note:
        result.notes.append(note)
    return result


def _add_unique(into: list, items: list, key) -> None:
    seen = {_hashable(key(x)) for x in into}
    for x in items:
        k = _hashable(key(x))
        if k not in seen:
            seen.add(k)
            into.append(x)


def _hashable(key: Any) -> Any:
    """A key as a set holds it: an id that is an object or a list (a hostile export) as its JSON text."""
    try:
        hash(key)
    except TypeError:
        return json.dumps(key, sort_keys=True, default=str)
    return key


def _read_pull(name: str, number: int, obj: dict, kind: str, prs: dict[str, _PR], result: ImportResult) -> None:
    """One PR record (gh, REST or bundle) into ``prs``; a bad record becomes an issue."""
    reviews_raw, commits_raw = obj.get("reviews"), obj.get("commits")
    if kind == "bundle":
        pull = obj["pull"]
        kind = _kind(pull) or "rest"
        reviews_raw = obj.get("reviews", pull.get("reviews"))
        commits_raw = obj.get("commits", pull.get("commits"))
        obj = pull
    repo, pr_number = _repo_number(obj)
    if pr_number is None:
        result.issue(name, number, "no PR number")
        return
    if not repo:
        result.issue(name, number, "cannot tell the repository: no url/html_url and no base.repo.name", f"#{pr_number}")
        return
    pr_id = f"{repo}#{pr_number}"
    try:
        fields = _pull_fields(obj, kind)
    except ValueError as exc:
        result.issue(name, number, str(exc), pr_id)
        return
    if not fields["author"]:
        result.issue(name, number, "no author login", pr_id)
        return
    if fields["created_at"] is None:
        result.issue(name, number, "no creation time", pr_id)
        return
    for later in ("merged_at", "closed_at"):
        if fields[later] is not None and fields[later] < fields["created_at"]:
            result.issue(name, number, f"{later} is before created_at", pr_id)
            return
    reviews: list[_Review] = []
    for i, r in enumerate(reviews_raw if isinstance(reviews_raw, list) else [], start=1):
        try:
            reviews.append(_gh_review(r) if kind == "gh" else _rest_review(r))
        except (ValueError, AttributeError) as exc:
            result.issue(name, number, f"review {i} skipped: {exc}", pr_id)
    commits: list[_Commit] = []
    for i, c in enumerate(commits_raw if isinstance(commits_raw, list) else [], start=1):
        try:
            commit = _gh_commit(c) if kind == "gh" else _rest_commit(c)
            if commit.at is None:
                raise ValueError("no author date")
            commits.append(commit)
        except (ValueError, AttributeError) as exc:
            sha = c.get("oid") or c.get("sha") if isinstance(c, dict) else None
            result.issue(name, number, f"commit {i} of {pr_id} skipped: {exc}", sha or pr_id)
    if pr_id in prs:  # the same PR again (list + detail): fill gaps, combine reviews and commits
        pr = prs[pr_id]
        for k, v in fields.items():
            if pr.fields.get(k) is None:
                pr.fields[k] = v
    else:
        pr = prs[pr_id] = _PR(pr_id, repo, name, number, fields)
    _add_unique(pr.reviews, reviews, lambda r: r.key)
    _add_unique(pr.commits, commits, lambda c: c.sha)


def _person_key(identity: str | None, ctx: ImportContext) -> str | None:
    """Who an identity is, for the self-review test, without counting it as unmatched."""
    if not identity:
        return None
    key = identity.strip().lower()
    return ctx.people.known.get(key, key).lower()


def _at(event: _Review | _Commit) -> dt.datetime:
    """The time of a review or commit already known to have one (filtered, or checked on reading)."""
    assert event.at is not None
    return event.at


def _emit_prs(prs: dict[str, _PR], ctx: ImportContext, result: ImportResult) -> None:
    shared: Counter[str] = Counter()
    owner: dict[str, str] = {}
    bot_reviews = 0
    for pr in prs.values():
        f = pr.fields
        me = {_person_key(f["author"], ctx), f["author"].lower()}
        others = [r for r in pr.reviews if r.at is not None and r.state not in ("PENDING", "")
                  and r.login and not ({r.login.lower(), _person_key(r.login, ctx)} & me)]
        first = min(others, key=_at, default=None)
        approved = min((_at(r) for r in others if r.state == "APPROVED"), default=None)
        if first is not None and first.login and first.login.endswith("[bot]"):
            bot_reviews += 1
        first_commit = min((_at(c) for c in pr.commits), default=None)
        result.add("pull_requests", {
            "id": pr.id, "repo": pr.repo, "author": ctx.people.resolve(f["author"], SOURCE),
            "created_at": iso_utc(f["created_at"]),
            "merged_at": f["merged_at"] and iso_utc(f["merged_at"]),
            "closed_at": f["closed_at"] and iso_utc(f["closed_at"]),
            "first_commit_at": first_commit and iso_utc(first_commit),
            "first_review_at": first and iso_utc(_at(first)),
            "approved_at": approved and iso_utc(approved),
            "additions": f["additions"], "deletions": f["deletions"], "labels": f["labels"],
            "title": f["title"], "merge_commit_sha": f["merge_commit_sha"], "body": f["body"],
        })
        for c in pr.commits:
            if c.sha in owner:
                shared[c.sha] += 1
                continue
            owner[c.sha] = pr.id
            result.add("commits", {
                "sha": c.sha, "authored_at": iso_utc(_at(c)), "pr_id": pr.id,
                "author": ctx.people.resolve(c.identity, SOURCE), "message": c.message,
            })
    if shared:
        result.notes.append(
            f"{len(shared)} commit{'s' if len(shared) != 1 else ''} belong to more than one PR (stacked or "
            "re-opened branches); each is kept once, with the first PR that lists it")
    if bot_reviews:
        result.notes.append(
            f"{bot_reviews} PR{'s' if bot_reviews != 1 else ''}' first review came from a bot account "
            "(an automated reviewer); it counts as the first review")


def ai_detection_note(result: ImportResult, config: Any) -> str | None:
    """How many imported PRs the configured ``ai_detection`` rules flag, by rule.

    Runs the build's own detection (reporter.metrics.ai.detect) on the rows as the loader would
    type them, so the note can never disagree with the report.
    """
    rows = result.rows.get("pull_requests") or []
    if not rows:
        return None
    from zoneinfo import ZoneInfo

    import numpy as np
    import pandas as pd

    from ..config import Config
    from ..inputs.readers import ROW
    from ..inputs.spec import DATASETS
    from ..inputs.validate import validate
    from ..metrics import ai

    def typed(dataset: str) -> pd.DataFrame:
        data = result.rows.get(dataset) or []
        columns = [c.name for c in DATASETS[dataset].columns]
        raw = pd.DataFrame({c: [r.get(c) for r in data] for c in columns}, dtype=object)
        raw[ROW] = range(1, len(raw) + 1)
        return validate(raw, DATASETS[dataset], dataset, ZoneInfo("UTC"))[0]

    rules = (config if config is not None else Config()).ai_detection
    found = ai.detect_rules(typed("pull_requests"), typed("commits"), rules)
    found["ai_rule"] = found["ai_rule"].astype(object)
    counts = ai.counts_in(found, np.ones(len(found), dtype=bool))
    by_source = ", ".join(f"{name.replace('_', ' ')} {n}" for name, n in counts["by_source"].items() if n)
    by_rule = ", ".join(f"{name} {n}" for name, n in counts["by_rule"].items())
    return (f"AI detection: the configured ai_detection rules flag {counts['ai_prs']} of {len(rows)} PRs as "
            "AI-assisted" + (f" ({by_source}; by rule: {by_rule})" if by_source else "")
            + "; ai_assisted is left empty so the build applies the rules (and any later change to them)")
