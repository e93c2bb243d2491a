"""metrics.json against its JSON Schema (reporter/schema/metrics.schema.json, issue 17): every built
document validates (weekly, monthly, quarterly, team and group scopes, and a sparse input folder
whose metrics are N/A), a wrong document fails naming the path, and the TypedDicts of
reporter/document.py name exactly the schema's keys, required and optional alike."""

from __future__ import annotations

import json
import shutil
import typing
from pathlib import Path

import jsonschema  # the `test` extra; not skipped when missing: CI must validate every document
import pytest
import yaml

from reporter import document
from reporter.build import SCHEMA_VERSION, ScopeRequest, build, build_scopes

from conftest import SAMPLE, SAMPLE_TODAY, TWO_ENGINEERS as PEOPLE, TWO_PRS as PRS

SCHEMA_PATH = Path(document.__file__).resolve().parent / "schema" / document.SCHEMA_FILE


@pytest.fixture(scope="module")
def schema() -> dict:
    return document.load_schema()


@pytest.fixture(scope="module")
def validator(schema):
    return jsonschema.Draft202012Validator(schema)


def _errors(validator, doc: dict) -> list[str]:
    """Every violation as 'json path: message', sorted (deterministic failure output), with those
    inside each branch of an anyOf (where the precise path is)."""
    def flat(errors):
        for e in errors:
            yield e
            yield from flat(e.context)

    return sorted(f"{e.json_path}: {e.message}" for e in flat(validator.iter_errors(doc)))


def _written(paths) -> dict:
    """The document as written to disk (metrics.json's bytes), not the dict in memory."""
    files = {Path(p).name: Path(p) for p in paths}
    return json.loads(files["metrics.json"].read_text(encoding="utf-8"))


# -- the schema itself --------------------------------------------------------------------------------


def test_schema_is_valid_draft_2020_12_and_versioned(schema):
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["schema_version"] == {
        "const": 1, "description": schema["properties"]["schema_version"]["description"]}
    assert SCHEMA_VERSION == document.SCHEMA_VERSION == 1
    assert document.schema_text() == SCHEMA_PATH.read_text(encoding="utf-8")
    assert document.schema_path() == SCHEMA_PATH


# -- every built document validates ----------------------------------------------------------------


@pytest.mark.parametrize("cadence", ["weekly", "monthly", "quarterly"])
def test_sample_documents_validate(sample_build, validator, cadence):
    doc, files = sample_build(cadence)
    written = json.loads(files["metrics.json"].read_text(encoding="utf-8"))
    assert _errors(validator, written) == []
    assert written["schema_version"] == SCHEMA_VERSION
    if cadence == "quarterly":  # the quarterly-only blocks are present, so their schema is exercised
        assert written["capacity"] is not None and "weekly_trends" in written
        assert "guardrails" in written["breakdowns"]


@pytest.fixture(scope="module")
def scoped(tmp_path_factory):
    """Team and group documents of the sample, weekly and monthly (a group configured on a copy)."""
    folder = tmp_path_factory.mktemp("schema-scoped") / "in"
    shutil.copytree(SAMPLE, folder)
    config = yaml.safe_load((folder / "reporter.yaml").read_text(encoding="utf-8"))
    config["groups"] = {"money": ["payments", "web"]}
    (folder / "reporter.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    out = tmp_path_factory.mktemp("schema-scoped-out")
    docs = []
    for cadence, period in (("weekly", "2026-W47"), ("monthly", "2026-10")):
        result = build_scopes(cadence, folder, out, ScopeRequest(teams=("payments",), groups=("money",)),
                              period_id=period, formats=("json",), today=SAMPLE_TODAY)
        docs += [_written(paths) for _, paths in result.scoped]
    return docs


def test_scoped_documents_validate(scoped, validator):
    kinds = sorted((d["cadence"], d["scope"]["kind"], d["scope"]["id"]) for d in scoped)
    assert kinds == [("monthly", "group", "money"), ("monthly", "team", "payments"),
                     ("weekly", "group", "money"), ("weekly", "team", "payments")]
    for doc in scoped:
        assert _errors(validator, doc) == [], doc["scope"]


@pytest.mark.parametrize("cadence,period", [("weekly", "2026-W10"), ("monthly", "2026-03"), ("quarterly", "2026-Q1")])
def test_sparse_documents_validate(make_inputs, tmp_path, validator, cadence, period):
    """Two PRs and no other file: most metrics, the capacity and the quality block are N/A with
    reasons, the branches the sample never takes."""
    _, paths = build(cadence, make_inputs(people=PEOPLE, pull_requests=PRS), tmp_path / "out", period_id=period,
                     formats=("json",))
    doc = _written(paths)
    assert _errors(validator, doc) == []
    assert doc["metrics"]["deployments"]["value"] is None and doc["quality"]["available"] is False


# -- a wrong document fails, naming where -------------------------------------------------------------


@pytest.fixture(scope="module")
def weekly(sample_build) -> dict:
    _, files = sample_build("weekly")
    return json.loads(files["metrics.json"].read_text(encoding="utf-8"))


def _break(doc: dict, path: tuple, value) -> dict:
    broken = json.loads(json.dumps(doc))
    node = broken
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return broken


_DELETE = object()


@pytest.mark.parametrize("path,value,expected", [
    (("metrics", "merged_prs", "n"), "12", "$.metrics.merged_prs.n: '12' is not of type 'integer'"),
    (("metrics", "merged_prs", "change"), "rose", "$.metrics.merged_prs.change: 'rose' is not one of"),
    (("metrics", "merged_prs", "interval"), [1.0], "$.metrics.merged_prs.interval: [1.0] is too short"),
    (("metrics", "merged_prs", "value"), None, "$.metrics.merged_prs: 'reason' is a required property"),
    (("metrics", "merged_prs", "score"), 3, "$.metrics.merged_prs: Additional properties are not allowed"),
    (("trends", "merged_prs", 0), "n/a", "$.trends.merged_prs[0]: 'n/a' is not of type 'number', 'null'"),
    (("schema_version",), 2, "$.schema_version: 1 was expected"),
    (("cadence",), "daily", "$.cadence: 'daily' is not one of"),
    (("data_quality", "skipped_rows"), -1, "$.data_quality.skipped_rows: -1 is less than the minimum of 0"),
    (("narrative", "stories", 0, "kind"), "anecdote", "$.narrative.stories[0].kind: 'anecdote' is not one of"),
    (("privacy",), _DELETE, "$: 'privacy' is a required property"),
    (("unexpected",), {}, "$: Additional properties are not allowed ('unexpected' was unexpected)"),
])
def test_a_wrong_document_fails_naming_the_path(weekly, validator, path, value, expected):
    assert _errors(validator, weekly) == []
    errors = _errors(validator, _break(weekly, path, value))
    assert any(e.startswith(expected) for e in errors), errors


def test_scope_and_organisation_context_come_together(scoped, validator):
    doc = json.loads(json.dumps(scoped[0]))
    del doc["organisation_context"]
    assert "$: 'organisation_context' is a dependency of 'scope'" in _errors(validator, doc)


# -- the TypedDicts and the schema name the same keys -----------------------------------------------

# Each TypedDict of reporter/document.py -> the JSON pointer of its object in the schema.
POINTERS = {
    "MetricsDocument": "#",
    "Withheld": "#/$defs/withheld",
    "CohortCounts": "#/$defs/cohort_counts",
    "CohortDifference": "#/$defs/difference",
    "VsRest": "#/$defs/vs_rest",
    "TeamEntry": "#/$defs/team_entry",
    "CohortEntry": "#/$defs/cohort_entry",
    "ByCohort": "#/$defs/by_cohort",
    "DoraBand": "#/$defs/dora_band",
    "MetricEntry": "#/$defs/metric",
    "Definition": "#/$defs/definition",
    "Baseline": "#/$defs/baseline",
    "DatasetCoverage": "#/$defs/dataset_coverage",
    "Coverage": "#/$defs/coverage",
    "PooledTeams": "#/$defs/privacy/properties/other",
    "Privacy": "#/$defs/privacy",
    "UsersRow": "#/$defs/users_row",
    "RevertCohort": "#/$defs/reverts/properties/by_cohort/properties/ai",
    "RevertCohorts": "#/$defs/reverts/properties/by_cohort",
    "Reverts": "#/$defs/reverts",
    "Release": "#/$defs/release",
    "FlowSide": "#/$defs/size_bucket/properties/ai",
    "SizeBucket": "#/$defs/size_bucket",
    "SeatCount": "#/$defs/seats/properties/by_tool/additionalProperties",
    "Seats": "#/$defs/seats",
    "Pulse": "#/$defs/guardrails/properties/pulse/properties/now",
    "PulseNowBefore": "#/$defs/guardrails/properties/pulse",
    "SecurityFindings": "#/$defs/guardrails/properties/security_findings",
    "IncidentHours": "#/$defs/guardrails/properties/incident_hours",
    "Guardrails": "#/$defs/guardrails",
    "BacklogEntry": "#/$defs/backlog_entry",
    "Breakdowns": "#/$defs/breakdowns",
    "Trends": "#/$defs/trends",
    "SkippedRow": "#/$defs/skipped_row",
    "WindowedDataset": "#/$defs/data_quality/properties/validated_window/properties/datasets/additionalProperties",
    "ValidatedWindow": "#/$defs/data_quality/properties/validated_window",
    "AiDetection": "#/$defs/data_quality/properties/ai_detection",
    "DataQuality": "#/$defs/data_quality",
    "PreTrend": "#/$defs/pre_trend",
    "DidSeries": "#/$defs/did_series",
    "DifferenceInDifferences": "#/$defs/difference_in_differences",
    "SurveyEstimate": "#/$defs/survey_estimate",
    "DidHours": "#/$defs/did_hours",
    "CapacityHours": "#/$defs/capacity/properties/hours",
    "Converted": "#/$defs/capacity_cost/properties/converted/additionalProperties",
    "CapacityCost": "#/$defs/capacity_cost",
    "RoiRange": "#/$defs/roi_range",
    "CapacityRoi": "#/$defs/capacity/properties/roi",
    "Assumption": "#/$defs/assumption",
    "Capacity": "#/$defs/capacity",
    "QualityEntry": "#/$defs/quality_entry",
    "QualityByCohort": "#/$defs/quality_metric/properties/by_cohort",
    "QualityTeamEntry": "#/$defs/quality_team_entry/anyOf/1",
    "QualityMetric": "#/$defs/quality_metric",
    "ComplexityAiHigher": "#/$defs/quality/properties/complexity_ai_higher",
    "QualitySeries": "#/$defs/quality/properties/weekly_trend/properties/series/additionalProperties",
    "QualityWeeklyTrend": "#/$defs/quality/properties/weekly_trend",
    "Quality": "#/$defs/quality",
    "Evidence": "#/$defs/evidence",
    "HeldTest": "#/$defs/held_test",
    "NarrativeItem": "#/$defs/narrative_item",
    "Narrative": "#/$defs/narrative",
    "InputFile": "#/$defs/input_file",
    "Scope": "#/$defs/scope",
    "ContextEntry": "#/$defs/context_entry",
}


def _object_at(schema: dict, pointer: str) -> dict:
    """The object schema at ``pointer``, through $ref and a nullable anyOf [object, null]."""
    node = schema
    for part in pointer.lstrip("#/").split("/") if pointer != "#" else []:
        node = node[int(part)] if isinstance(node, list) else node[part]
    while True:
        if "$ref" in node:
            node = _object_at(schema, node["$ref"])
        elif "anyOf" in node and "properties" not in node:
            objects = [b for b in node["anyOf"] if b.get("type") != "null"]
            assert len(objects) == 1, f"{pointer}: ambiguous anyOf"
            node = objects[0]
        else:
            return node


def _typed_dicts() -> dict[str, type]:
    return {name: obj for name, obj in vars(document).items()
            if isinstance(obj, type) and typing.is_typeddict(obj) and obj.__module__ == document.__name__}


def test_every_typed_dict_has_its_place_in_the_schema():
    assert sorted(_typed_dicts()) == sorted(POINTERS)


@pytest.mark.parametrize("name", sorted(POINTERS))
def test_typed_dict_and_schema_name_the_same_keys(schema, name):
    typed = _typed_dicts()[name]
    node = _object_at(schema, POINTERS[name])
    assert "object" in node["type"]
    assert sorted(typed.__required_keys__ | typed.__optional_keys__) == sorted(node["properties"]), name
    assert sorted(typed.__required_keys__) == sorted(node.get("required", [])), name


@pytest.mark.parametrize("name", sorted(POINTERS))
def test_typed_dict_and_schema_agree_on_null(schema, name):
    """A key may be None in the TypedDict exactly where the schema lets it be null (N/A is a null
    with a reason, so where null is allowed is part of the contract)."""
    typed = _typed_dicts()[name]
    node = _object_at(schema, POINTERS[name])
    hints = typing.get_type_hints(typed)
    for key, prop in node["properties"].items():
        hint = hints[key]
        typed_null = hint is typing.Any or hint is type(None) or type(None) in typing.get_args(hint)
        schema_null = jsonschema.Draft202012Validator({**prop, "$defs": schema["$defs"]}).is_valid(None)
        assert typed_null == schema_null, f"{name}.{key}: TypedDict null {typed_null}, schema null {schema_null}"


def test_the_site_publishes_the_schema_and_links_it(sample_build, tmp_path):
    """SITE/schema/metrics.schema.json holds the packaged bytes, the index links it, and a second
    publish of the same reports changes nothing."""
    from reporter.publish.site import publish

    _, files = sample_build("weekly")
    site = tmp_path / "site"
    publish(site, [files["metrics.json"].parent])
    assert (site / "schema" / document.SCHEMA_FILE).read_bytes() == SCHEMA_PATH.read_bytes()
    assert 'href="schema/metrics.schema.json"' in (site / "index.html").read_text(encoding="utf-8")
    assert not publish(site, [files["metrics.json"].parent]).changed
