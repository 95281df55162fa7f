"""The plan file: every mistake reported at once, each with its field path."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.paths import FIXTURES as FIXTURES_ROOT
from support.paths import REPO

from mobility_nb.errors import MobilityNBError
from mobility_nb.plan.schema import PlanError, load_plan

FIXTURES = FIXTURES_ROOT / "plan"
PARAMS = REPO / "params"


def _problems(plan) -> list[str]:
    with pytest.raises(PlanError) as info:
        load_plan(plan, base_dir=FIXTURES)
    assert isinstance(info.value, MobilityNBError)
    return info.value.problems


def _minimal(**indicator) -> dict:
    base = {
        "name": "Employment",
        "source": {"kind": "mobility_metric", "metric": "share_employed"},
        "responsible": "Office",
    }
    base.update(indicator)
    return {"title": "t", "actions": [{"name": "Jobs", "indicators": [base]}]}


def test_valid_plan_reads_into_dataclasses():
    plan = load_plan(FIXTURES / "plan_valid.yaml")
    assert plan.jurisdiction == "42001"
    assert plan.baseline_year == 2018
    assert [a.name for a in plan.actions] == ["Jobs", "Safety"]
    first = plan.actions[0].indicators[0]
    assert first.source.metric == "share_employed"
    assert first.target is not None and first.target.rule == "reach_state_median"
    assert first.baseline_year == 2018  # inherited from the plan
    assert first.disaggregation == ("gender",)
    local = plan.actions[0].indicators[2]
    assert Path(local.source.file) == FIXTURES / "local_measures.csv"  # relative to the file
    assert plan.actions[1].indicators[2].source.file == ""  # not collected yet
    with pytest.raises(AttributeError):
        plan.title = "changed"  # type: ignore[misc]


def test_malformed_plan_lists_every_problem_with_its_path():
    problems = _problems(FIXTURES / "plan_malformed.yaml")
    text = "\n".join(problems)
    expected = [
        "plan.baseline_year: must be a year written as a whole number such as 2030, not '2018'",
        "plan.peers[0]: 1234 is not a 5-digit county FIPS or 7-digit place GEOID",
        "plan.actions[0].indicators[0].source.metric: 'share_employd' is neither a Mobility "
        "Metrics column nor a metric label of the 2025 catalog (labels are the metric names the "
        "Step 2 page shows). Closest: 'Adults 25-54 who have a job' (share_employed).",
        "plan.actions[0].indicators[0].frequency: 'anually' is not a known frequency (did you "
        "mean 'annual'?)",
        "plan.actions[1].indicators[0].target.rule: 'reach_state_mediann' is not a known rule "
        "(did you mean 'reach_state_median'?)",
        "plan.actions[1].indicators[1].targt: unknown field (did you mean 'target'?)",
        "plan.actions[1].indicators[1].responsible: is required",
        "plan.actions[1].indicators[1].source.file: 'no_such_file.csv' does not exist",
        "plan.actions[1].indicators[2].target.year: must be a year written as a whole number",
        "plan.actions[1].indicators[2].target.percent: 150 is not a percentage between 0 and 100",
        "plan.actions[1].indicators[2].target.reference: is required for rule 'close_subgroup_gap'",
        "plan.actions[1].indicators[2].disaggregation[0]: 'race' is not a known disaggregation "
        "value",
    ]
    for fragment in expected:
        assert fragment in text, f"missing: {fragment}\n---\n{text}"
    assert len(problems) == len(expected)


def test_error_message_names_the_file_and_counts_problems():
    with pytest.raises(PlanError) as info:
        load_plan(FIXTURES / "plan_malformed.yaml")
    message = str(info.value)
    assert message.startswith(
        f"The measurement plan {FIXTURES / 'plan_malformed.yaml'} has 12 problems:"
    )
    assert "\n  - plan.actions[1].indicators[0].target.rule:" in message


def test_share_target_is_typed_as_the_page_shows_it():
    # 62, 62% and 0.62 all mean 62% (stored as the fraction 0.62, as in Urban's files)
    for typed, note in ((62, "read from 62"), ("62%", ""), (0.62, "read from 0.62")):
        target = (
            load_plan(_minimal(target={"year": 2030, "value": typed}))
            .actions[0]
            .indicators[0]
            .target
        )
        assert (target.value, target.value_note) == (pytest.approx(0.62), note)
    assert _problems(_minimal(target={"year": 2030, "value": 6200})) == [
        "actions[0].indicators[0].target.value: 6200 (read as 6200%) is over 100%, which a "
        "share cannot be; type a percentage, e.g. 60% (60 and 0.60 are read the same way)"
    ]


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        ({"year": 2030}, "target.value: is required for rule 'value'"),
        (
            {"year": 2030, "rule": "close_gap_to_benchmark", "percent": 50},
            "target.benchmark: is required for rule 'close_gap_to_benchmark'",
        ),
        (
            {
                "year": 2030,
                "rule": "close_gap_to_benchmark",
                "percent": 50,
                "benchmark": "us_median",
            },
            "target.benchmark: 'us_median' is not a number or a known benchmark",
        ),
        (
            {"year": 2030, "rule": "reach_state_median", "percent": 20},
            "target.percent: does not apply to rule 'reach_state_median'",
        ),
        ({"year": 1850, "value": 0.5}, "target.year: 1850 is not a plausible year"),
        ({"year": 2030, "value": "high"}, "target.value: 'high' is not a number"),
    ],
)
def test_target_field_errors(target, fragment):
    problems = _problems(_minimal(target=target))
    assert any(fragment in p for p in problems), problems


def test_target_year_must_follow_baseline_year():
    problems = _problems(_minimal(baseline_year=2021, target={"year": 2020, "value": 0.5}))
    assert problems == [
        "actions[0].indicators[0].target.year: 2020 must be after the baseline year 2021"
    ]


def test_rules_that_need_other_jurisdictions_are_refused_for_local_files():
    problems = _problems(
        _minimal(
            source={"kind": "local", "file": "local_measures.csv"},
            direction="higher",
            target={"year": 2030, "rule": "reach_state_median"},
        )
    )
    assert problems == [
        "actions[0].indicators[0].target.rule: 'reach_state_median' compares with other "
        "jurisdictions, which a local file does not have; use an absolute value or "
        "close_gap_to_benchmark with a number as benchmark"
    ]


def test_source_kind_and_fields():
    problems = _problems(_minimal(source={"kind": "census", "metric": "x"}))
    assert problems[0].startswith(
        "actions[0].indicators[0].source.kind: 'census' is not a known kind"
    )
    problems = _problems(_minimal(source={"kind": "acs"}))
    assert problems == [
        "actions[0].indicators[0].source.indicator: is required for an acs "
        "source (an indicator name from the Step 5 ACS layer)"
    ]
    problems = _problems(_minimal(source=None))
    assert problems[0].startswith("actions[0].indicators[0].source: is required")


def test_structure_errors():
    assert _problems({"title": "t"}) == [
        "actions: is required: a list of strategic actions, each with indicators"
    ]
    assert _problems({"actions": [{"name": "A", "indicators": []}]}) == [
        "actions[0].indicators: is required: a list of the measures for this action"
    ]
    assert _problems({"actions": ["just text"]}) == [
        "actions[0]: must be a mapping of 'field: value' lines, not the text 'just text'"
    ]


def test_yaml_syntax_error_becomes_plan_error(tmp_path):
    bad = tmp_path / "step8_bad.yaml"
    bad.write_text("plan:\n  title: [unclosed\n", encoding="utf-8")
    with pytest.raises(PlanError) as info:
        load_plan(bad)
    assert "is not valid YAML" in str(info.value)


def test_leading_zero_fips_kept_and_unambiguous_numbers_accepted():
    plan = load_plan(
        {
            "jurisdiction": "06037",
            "plan": {"peers": ["06059", 17031], "actions": _minimal()["actions"]},
        }
    )
    assert plan.jurisdiction == "06037"
    assert plan.peers == ("06059", "17031")


@pytest.mark.parametrize(
    "name", ["step8_philadelphia.yaml", "step8_cook_county.yaml", "step8_albemarle.yaml"]
)
def test_example_plans_are_valid(name):
    plan = load_plan(PARAMS / name)
    assert plan.jurisdiction in ("4260000", "17031", "51003")
    assert len(plan.indicators()) >= 8
    kinds = {i.source.kind for _, i in plan.indicators()}
    assert "mobility_metric" in kinds and "local" in kinds
