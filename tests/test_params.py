"""Parameters files and checks: every bad input gives one paragraph that says what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.paths import FIXTURES as FIXTURES_ROOT

from mobility_nb.errors import ParamsError
from mobility_nb.params import (
    is_secret_name,
    load_params_file,
    notebook_parameters,
    public_params,
    redact_secrets,
    validate_params,
)

NOTEBOOK = FIXTURES_ROOT / "notebooks" / "step2_mobility_metrics.ipynb"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "params.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_keeps_leading_zero_codes_as_text(tmp_path):
    path = write(
        tmp_path,
        'jurisdiction: 06037\npeers: [06001, "06075"]\nlabel: Los Angeles\nsince: 2024-01-01\n',
    )
    assert load_params_file(path) == {
        "jurisdiction": "06037",  # YAML 1.1 alone would give the octal number 3103
        "peers": ["06001", "06075"],
        "label": "Los Angeles",
        "since": "2024-01-01",
    }


def test_empty_file_is_no_parameters(tmp_path):
    assert load_params_file(write(tmp_path, "# nothing yet\n")) == {}


def test_malformed_yaml_names_file_line_and_column(tmp_path):
    path = write(tmp_path, 'jurisdiction: "17031"\nlabel: Cook: County\n')
    with pytest.raises(ParamsError) as err:
        load_params_file(path)
    message = str(err.value)
    assert str(path) in message
    assert "line 2, column 12" in message
    assert "Traceback" not in message


def test_unclosed_quote_points_at_where_it_started(tmp_path):
    with pytest.raises(ParamsError, match=r"quoted scalar at line 1, column 15"):
        load_params_file(write(tmp_path, 'jurisdiction: "17031\nlabel: x\n'))


@pytest.mark.parametrize("text", ["- 17031\n- 42\n", "17031\n"])
def test_top_level_must_be_a_mapping(tmp_path, text):
    with pytest.raises(ParamsError, match="must hold 'name: value' lines"):
        load_params_file(write(tmp_path, text))


def test_duplicate_setting_is_an_error(tmp_path):
    with pytest.raises(ParamsError, match=r"line 2: the setting 'label' is given twice"):
        load_params_file(write(tmp_path, "label: a\nlabel: b\n"))


def test_missing_file(tmp_path):
    with pytest.raises(ParamsError, match="does not exist"):
        load_params_file(tmp_path / "nope.yaml")


def test_notebook_parameters_reads_types_defaults_and_help():
    declared = notebook_parameters(NOTEBOOK)
    assert declared["jurisdiction"] == (
        "str",
        '"17031"',
        "5-digit county FIPS or 7-digit place GEOID",
    )
    assert declared["peers"][0] == "list"
    assert {"data_dir", "artifacts_dir"} <= set(declared)


def test_unknown_key_suggests_the_closest_and_lists_valid_ones():
    with pytest.raises(ParamsError) as err:
        validate_params({"jurisdiction": "17031", "lable": "x"}, NOTEBOOK)
    message = str(err.value)
    assert "Unknown parameter 'lable'" in message
    assert "Did you mean 'label'?" in message
    assert "Valid parameters: data_dir, fail, jurisdiction, label, peers." in message


def test_every_unknown_key_and_bad_value_is_listed_one_line_each():
    with pytest.raises(ParamsError) as err:
        validate_params({"jurisdiction": "17031", "lable": "x", "peer": [], "fial": 1}, NOTEBOOK)
    lines = str(err.value).splitlines()
    assert lines[0] == "The parameters for step2_mobility_metrics.ipynb have 3 problems:"
    assert lines[1].startswith("  - Unknown parameter 'lable'") and "'label'" in lines[1]
    assert lines[2].startswith("  - Unknown parameter 'peer'") and "'peers'" in lines[2]
    assert lines[3].startswith("  - Unknown parameter 'fial'") and "'fail'" in lines[3]
    assert lines[4] == "Valid parameters: data_dir, fail, jurisdiction, label, peers."
    with pytest.raises(ParamsError) as err:
        validate_params({"jurisdiction": 12, "peers": "x y", "label": ["a"]}, NOTEBOOK)
    message = str(err.value)
    assert "have 2 problems" in message and message.count("\n  - ") == 2


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (17031, "17031"),
        (4260000, "4260000"),
        (6037, "06037"),
        (420000, "0420000"),
        ("06037", "06037"),
    ],
)
def test_numeric_geoids_become_text_when_unambiguous(given, expected):
    assert validate_params({"jurisdiction": given}, NOTEBOOK) == {"jurisdiction": expected}


@pytest.mark.parametrize("given", [123, 6.037e3, True, 123456789])
def test_ambiguous_numeric_geoids_ask_for_quotes(given):
    with pytest.raises(ParamsError, match=r'quotes around it .* jurisdiction: "06037"'):
        validate_params({"jurisdiction": given}, NOTEBOOK)


def test_peer_lists_are_fixed_element_by_element():
    checked = validate_params({"peers": [6037, "17043", 4260000]}, NOTEBOOK)
    assert checked["peers"] == ["06037", "17043", "4260000"]


def test_plain_text_parameters_accept_numbers_as_text():
    assert validate_params({"label": 2024}, NOTEBOOK) == {"label": "2024"}


@pytest.mark.parametrize(
    "name", ["census_api_key", "key", "token", "api", "db_password", "CLIENT_SECRET"]
)
def test_secret_named_keys_are_refused(name):
    with pytest.raises(ParamsError, match="Secrets are never parameters"):
        validate_params({name: "abc"}, NOTEBOOK)


def test_secret_value_from_environment_is_refused(monkeypatch):
    monkeypatch.setenv("CENSUS_API_KEY", "sekrit123")
    with pytest.raises(ParamsError, match="CENSUS_API_KEY"):
        validate_params({"label": "my key is sekrit123"}, NOTEBOOK)


def test_secret_name_detection_is_by_word():
    assert is_secret_name("census_api_key") and is_secret_name("token")
    assert not is_secret_name("data_dir") and not is_secret_name("artifacts_dir")
    assert not is_secret_name("jurisdiction") and not is_secret_name("keystone")


def test_public_params_and_redaction(monkeypatch):
    monkeypatch.setenv("CENSUS_API_KEY", "sekrit123")
    shown = public_params(
        {"jurisdiction": "17031", "token": "t0k", "label": "x sekrit123", "data_dir": "/data"}
    )
    assert shown == {"jurisdiction": "17031", "label": "(redacted)", "data_dir": "/data"}
    text = redact_secrets("GET https://api.census.gov/data?get=x&key=abc123 failed; sekrit123")
    assert "abc123" not in text and "sekrit123" not in text
    assert "key=***" in text
