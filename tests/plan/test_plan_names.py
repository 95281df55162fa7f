"""Plans take the names Step 2 takes, the labels pages show, and report every problem."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from support.paths import FIXTURES as FIXTURES_ROOT

from mobility_nb.errors import JurisdictionError
from mobility_nb.plan import PlanError, load_plan
from mobility_nb.plan.references import find_acs_indicator, find_metric
from mobility_nb.steps.step8 import page as step8

FIXTURES = FIXTURES_ROOT / "plan"
NAMES = {"cook county, il": "17031", "will county, il": "17197", "dupage county, il": "17043"}
CALLS: list[tuple[str, str | None]] = []


def fake_resolver(text: str, level: str | None) -> str:
    """Stands in for mobility_nb.data.jurisdictions.resolve (no data needed)."""
    CALLS.append((text, level))
    if text.isdigit():
        return text
    if text.lower() in NAMES:
        return NAMES[text.lower()]
    raise JurisdictionError(
        f"No county or city named {text!r} is in the Mobility Metrics data.",
        ["Cook County, Illinois (county 17031)"],
    )


def _body(**extra) -> dict:
    indicator = {
        "name": "Employment",
        "responsible": "Office",
        "source": {"kind": "mobility_metric", "metric": "share_employed"},
    }
    return {"actions": [{"name": "Jobs", "indicators": [indicator]}], **extra}


def test_jurisdiction_and_peers_accept_names_and_codes():
    CALLS.clear()
    plan = load_plan(
        {
            "jurisdiction": "Cook County, IL",
            "plan": _body(peers=["Will County, IL", "17043", 17089, "dupage county, IL"]),
        },
        resolve_place=fake_resolver,
    )
    assert plan.jurisdiction == "17031"
    assert plan.peers == ("17197", "17043", "17089", "17043")
    # peers are looked up at the level of the plan's jurisdiction
    assert ("Will County, IL", "county") in CALLS


def test_target_peers_accept_names_too():
    body = _body()
    body["actions"][0]["indicators"][0]["target"] = {
        "year": 2030,
        "rule": "reach_peer_top_quartile",
        "peers": ["Will County, IL"],
    }
    plan = load_plan(body, resolve_place=fake_resolver, level="county")
    assert plan.actions[0].indicators[0].target.peers == ("17197",)


def test_unknown_names_list_suggestions_without_the_quotes_hint():
    with pytest.raises(PlanError) as info:
        load_plan(
            {"jurisdiction": "Cok County, IL", "plan": _body(peers=["1234", 1234])},
            resolve_place=fake_resolver,
        )
    problems = info.value.problems
    assert problems[0] == (
        "jurisdiction: No county or city named 'Cok County, IL' is in the "
        "Mobility Metrics data. Closest matches: Cook County, Illinois "
        "(county 17031)."
    )
    # '1234' was already text: no advice to quote it
    assert problems[1] == (
        "plan.peers[0]: '1234' is not a 5-digit county FIPS or 7-digit "
        'place GEOID (codes keep their leading zeros, e.g. "06037")'
    )
    # 1234 was a number YAML may have stripped of its zero: quoting helps
    assert problems[2] == (
        "plan.peers[1]: 1234 is not a 5-digit county FIPS or 7-digit place "
        'GEOID; if a leading zero was lost, write it in quotes: "01234"'
    )
    assert not any("write it in quotes" in p for p in problems[:2])


def test_default_resolver_keeps_codes_offline(monkeypatch):
    import mobility_nb.data.jurisdictions as jurisdictions

    def no_data(*args, **kwargs):
        raise AssertionError("codes must not need the data")

    monkeypatch.setattr(jurisdictions, "resolve", no_data)
    assert load_plan({"jurisdiction": "06037", "plan": _body(peers=["06059"])}).peers == ("06059",)


def test_default_resolver_looks_names_up_with_step2s_resolver(monkeypatch):
    import mobility_nb.data.jurisdictions as jurisdictions

    seen = []

    def resolve(text, level=None, data_dir=None):
        seen.append((text, level))
        return SimpleNamespace(geoid=NAMES[text.lower()])

    monkeypatch.setattr(jurisdictions, "resolve", resolve)
    plan = load_plan({"jurisdiction": "17031", "plan": _body(peers=["Will County, IL"])})
    assert plan.peers == ("17197",) and seen == [("Will County, IL", "county")]


@pytest.mark.parametrize(
    "name",
    [
        "share_employed",
        "SHARE_EMPLOYED",
        " Share_Employed ",
        "Adults 25-54 who have a job",
        "adults 25-54   WHO have a job",
    ],
)
def test_metrics_accept_keys_and_page_labels_in_any_case(name):
    assert find_metric(name).metric == "share_employed"
    body = _body()
    body["actions"][0]["indicators"][0]["source"]["metric"] = name
    assert load_plan(body).actions[0].indicators[0].source.metric == "share_employed"


def test_unknown_metric_suggests_labels_and_keys():
    with pytest.raises(Exception) as info:
        find_metric("injury deaths")
    assert str(info.value) == (
        "'injury deaths' is neither a Mobility Metrics column nor a metric label of the 2025 "
        "catalog (labels are the metric names the Step 2 page shows). Closest: 'Deaths from "
        "injury per 100,000 people' (rate_injury_death)."
    )


def test_acs_indicators_accept_labels():
    label = "Renter households paying 30% or more of income on rent"
    assert find_acs_indicator(label.upper()) == "rent_burden"
    assert find_acs_indicator("Rent_Burden") == "rent_burden"


def test_every_problem_is_listed_in_full():
    # 18 indicators, each missing its owner and naming an unknown metric: 36 problems
    indicators = [
        {
            "name": f"Indicator {i}",
            "source": {"kind": "mobility_metric", "metric": f"not_a_metric_with_a_long_name_{i}"},
        }
        for i in range(18)
    ]
    with pytest.raises(PlanError) as info:
        load_plan({"actions": [{"name": "a", "indicators": indicators}]})
    error = info.value
    assert len(error.problems) == 36
    text = str(error)
    assert text == error.report()
    lines = text.splitlines()
    assert lines[0] == "The measurement plan (inline plan) has 36 problems:"
    assert lines[1:37] == [f"  - {p}" for p in error.problems]  # one line each, uncut
    assert all(p.endswith((".", "required")) for p in error.problems)
    assert error.where == "(inline plan)"


def test_plan_given_as_plain_text_is_not_a_params_path_problem(tmp_path):
    params = tmp_path / "step8_text.yaml"
    params.write_text('jurisdiction: "42001"\nplan: "just a string"\n', encoding="utf-8")
    with pytest.raises(PlanError) as info:
        load_plan(params)
    assert info.value.problems == [
        "plan: must be a mapping of 'field: value' lines, not the text 'just a string'"
    ]
    assert "--params" not in str(info.value)


def test_load_page_refuses_a_plan_parameter_that_is_text(monkeypatch):
    alpha = SimpleNamespace(geoid="42001", level="county", name="Alpha County", state="42")
    monkeypatch.setattr(step8, "_resolve_jurisdiction", lambda text, data_dir: alpha)
    with pytest.raises(PlanError) as info:
        step8.load_page("42001", plan="just a string")
    message = str(info.value)
    assert (
        "plan: must be the `plan:` part of a plan file (title, actions, ...), not str "
        "'just a string'" in message
    )
    assert "--params" not in message and "check the path" not in message.lower()


def test_missing_plan_file_names_the_file_not_params(tmp_path):
    with pytest.raises(PlanError) as info:
        load_plan(tmp_path / "nowhere.yaml")
    assert info.value.problems == [
        "the file does not exist; give the path of a plan YAML (.yaml) or plan workbook (.xlsx)"
    ]
    assert "--params" not in str(info.value)


def test_plan_files_are_found_by_a_jurisdiction_written_as_a_name(tmp_path, monkeypatch):
    params = tmp_path / "params"
    params.mkdir()
    (params / "step8_cook.yaml").write_text(
        'jurisdiction: "Cook County, IL"\nplan:\n  actions: []\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    cook = SimpleNamespace(geoid="17031")
    monkeypatch.setattr(
        step8,
        "_resolve_jurisdiction",
        lambda text, data_dir: cook if "cook" in text.lower() else None,
    )
    assert step8.find_plan_file("17031").name == "step8_cook.yaml"


@pytest.mark.shared
def test_names_resolve_through_step2s_resolver_on_the_real_data(shared_mm_dir):
    from mobility_nb.data.jurisdictions import resolve

    def place(text, level):
        return resolve(text, level=level, data_dir=shared_mm_dir).geoid

    plan = load_plan(
        {
            "jurisdiction": "Cook County, IL",
            "plan": _body(peers=["Harris County, TX", "06037", "King County, Washington"]),
        },
        resolve_place=place,
    )
    assert plan.jurisdiction == "17031"
    assert plan.peers == ("48201", "06037", "53033")
    with pytest.raises(PlanError) as info:
        load_plan(
            {"jurisdiction": "17031", "plan": _body(peers=["Chicago city, IL"])},
            resolve_place=place,
        )
    assert info.value.problems[0].startswith("plan.peers[0]: ")  # a city among county peers
