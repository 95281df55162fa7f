"""Notebook parameters: read them from YAML, check them against the notebook, keep secrets out.

papermill accepts any parameter name with only a warning and YAML silently turns an
unquoted ``06037`` into a number, so a typo or a lost leading zero would otherwise produce
a wrong page rather than an error. Everything here fails early with one paragraph that
names the input and says what to do.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from mobility_nb.config import SECRET_ENV_VARS
from mobility_nb.errors import ParamsError

# A parameter whose name has one of these words as a part is treated as a secret.
_SECRET_NAME = re.compile(
    r"(^|[_\W])(api|apikey|key|token|secret|secrets|password|passwd|pwd|credentials?)($|[_\W])",
    re.IGNORECASE,
)
# Parameters holding FIPS codes / GEOIDs, which are text with meaningful leading zeros.
_GEOID_NAME = re.compile(r"jurisdiction|fips|geoid|peer", re.IGNORECASE)
_NEVER_SECRET = {"artifacts_dir", "data_dir"}


# --- secrets -------------------------------------------------------------------------------


def is_secret_name(name: str) -> bool:
    """True for parameter names that look like they hold a credential."""
    return name not in _NEVER_SECRET and bool(_SECRET_NAME.search(name))


def secret_values() -> list[str]:
    """Secret values currently in the environment (long enough to match safely)."""
    values = (os.environ.get(var, "").strip() for var in SECRET_ENV_VARS)
    return [v for v in values if len(v) >= 6]


def redact_secrets(text: str) -> str:
    """Replace any secret from the environment, and any ``key=...`` query value, in ``text``."""
    for value in secret_values():
        text = text.replace(value, "***")
    return re.sub(r"(?i)([?&](?:key|api_key|token)=)[^&\s'\"]+", r"\1***", text)


def public_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` minus anything secret: named like a secret or equal to a secret value."""
    secrets = secret_values()
    shown: dict[str, Any] = {}
    for name, value in params.items():
        if name in _NEVER_SECRET:
            shown[name] = value
            continue
        if is_secret_name(name):
            continue
        if isinstance(value, str) and any(s in value for s in secrets):
            shown[name] = "(redacted)"
            continue
        shown[name] = value
    return shown


# --- YAML ----------------------------------------------------------------------------------


class _ParamsLoader(yaml.SafeLoader):
    """SafeLoader that keeps leading-zero numbers and dates as text and rejects duplicate keys.

    YAML 1.1 reads ``06037`` as the octal number 3103; a FIPS code is never meant that way.
    """


def _int_or_text(loader: _ParamsLoader, node: yaml.ScalarNode) -> int | str:
    text = loader.construct_scalar(node)
    if re.fullmatch(r"[-+]?0[0-9_]+", str(text)):
        return str(text)
    return yaml.SafeLoader.construct_yaml_int(loader, node)


def _text(loader: _ParamsLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


def _mapping(loader: _ParamsLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            mark = key_node.start_mark
            raise ParamsError(
                f"{mark.name}, line {mark.line + 1}: the setting {key!r} is given twice. "
                "Keep one of them."
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_ParamsLoader.add_constructor("tag:yaml.org,2002:int", _int_or_text)
_ParamsLoader.add_constructor("tag:yaml.org,2002:timestamp", _text)
_ParamsLoader.add_constructor("tag:yaml.org,2002:map", _mapping)


def load_params_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a YAML parameters file into a dict (an empty file gives ``{}``)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParamsError(
            f"The parameters file {str(file)!r} does not exist. Check the path given with --params."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParamsError(f"Cannot read the parameters file {str(file)!r}: {exc}.") from None
    try:
        data = parse_yaml(text, str(file))
    except yaml.MarkedYAMLError as exc:

        def at(mark: yaml.Mark | None) -> str:
            return f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""

        problem = f"{exc.problem or 'invalid YAML'}{at(exc.problem_mark)}"
        if exc.context and exc.context_mark and exc.context_mark != exc.problem_mark:
            problem = f"{exc.context}{at(exc.context_mark)}, {problem}"
        raise ParamsError(
            f"The parameters file {str(file)!r} is not valid YAML: {problem}. "
            "Each line should read 'name: value'; quote values that contain ':' or '#', "
            'and quote FIPS codes (jurisdiction: "06037").'
        ) from None
    except yaml.YAMLError as exc:
        raise ParamsError(f"The parameters file {str(file)!r} is not valid YAML: {exc}.") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParamsError(
            f"The parameters file {str(file)!r} must hold 'name: value' lines, but its top "
            f'level is a {type(data).__name__}. For example: jurisdiction: "17031" on one '
            'line and peers: ["17043", "17197"] on the next.'
        )
    bad = [k for k in data if not isinstance(k, str)]
    if bad:
        raise ParamsError(
            f"The parameters file {str(file)!r} has a setting named {bad[0]!r}; setting names "
            "must be words such as 'jurisdiction'."
        )
    return data


def parse_yaml(text: str, name: str) -> Any:
    """The one YAML reader of the tool (parameters, plans, batch lists, import plans).

    Safe types only, leading-zero numbers and dates kept as text, duplicate keys refused
    (ParamsError naming ``name`` and the line). Syntax errors propagate as
    ``yaml.YAMLError`` so each caller can say what kind of file it was reading.
    """
    return yaml.load(text, Loader=_make_loader(name))


def _make_loader(name: str) -> type[_ParamsLoader]:
    """A loader whose error marks carry the file name."""

    class Loader(_ParamsLoader):
        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.name = name

    return Loader


# --- checking against the notebook ---------------------------------------------------------


@lru_cache(maxsize=32)
def _inspect(path: str, mtime_ns: int) -> dict[str, tuple[str, str, str]]:
    import papermill as pm

    found = pm.inspect_notebook(path)
    return {name: (p["inferred_type_name"], p["default"], p["help"]) for name, p in found.items()}


def notebook_parameters(notebook_path: str | os.PathLike[str]) -> dict[str, tuple[str, str, str]]:
    """Declared parameters of a notebook: name -> (type, default source text, help text)."""
    path = Path(notebook_path).resolve()
    return dict(_inspect(str(path), path.stat().st_mtime_ns))


def _as_geoid(name: str, value: Any) -> str:
    """Turn a number YAML made out of a FIPS code back into text, when that is unambiguous."""
    if isinstance(value, str):
        return value
    quote_hint = (
        f"Parameter {name!r} must be text (a 5-digit county FIPS or 7-digit place GEOID) but "
        f"was given the number {value!r}. Put quotes around it in the parameters file, e.g. "
        f'{name}: "06037", so leading zeros are kept.'
    )
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ParamsError(quote_hint)
    digits = str(value)
    if len(digits) in (5, 7):
        return digits
    if len(digits) in (4, 6):  # lost one leading zero: states 01-09; state 00 does not exist
        return "0" + digits
    raise ParamsError(quote_hint)


def _coerce(name: str, declared: str, value: Any) -> Any:
    kind = declared.lower()
    geoid = bool(_GEOID_NAME.search(name))
    if kind == "str":
        if geoid:
            return _as_geoid(name, value)
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ParamsError(
                f"Parameter {name!r} must be text, but was given {value!r}. Quote it."
            )
        return value if isinstance(value, str) else str(value)
    if kind.startswith("list") and geoid and isinstance(value, (list, tuple)):
        return [_as_geoid(name, v) for v in value]
    if kind.startswith("list") and not isinstance(value, (list, tuple)):
        if geoid and isinstance(value, (str, int)):
            return [_as_geoid(name, value)]
        raise ParamsError(
            f'Parameter {name!r} must be a list, e.g. {name}: ["17043", "17197"], '
            f"but was given {value!r}."
        )
    if kind == "bool" and not isinstance(value, bool):
        raise ParamsError(f"Parameter {name!r} must be true or false, but was given {value!r}.")
    if kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
        raise ParamsError(f"Parameter {name!r} must be a whole number, but was given {value!r}.")
    if kind == "float" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ParamsError(f"Parameter {name!r} must be a number, but was given {value!r}.")
    return value


def check_no_secrets(params: Mapping[str, Any]) -> None:
    """Refuse parameters that carry credentials: they would be written into the page."""
    for name in params:
        if is_secret_name(str(name)):
            raise ParamsError(
                f"The parameter {name!r} looks like a secret. Secrets are never parameters, "
                "because parameters are saved in the executed notebook and listed on the page. "
                "Set it in the environment instead (for example export CENSUS_API_KEY=...) and "
                "remove it from the parameters."
            )
    secrets = secret_values()
    for name, value in params.items():
        if isinstance(value, str) and any(s in value for s in secrets):
            raise ParamsError(
                f"The parameter {name!r} contains the value of a secret environment variable "
                f"({', '.join(SECRET_ENV_VARS)}). Secrets are read from the environment only; "
                "remove it from the parameters."
            )


def raise_problems(problems: list[str], what: str, advice: str = "") -> None:
    """One problem as its paragraph; several as one line each under a heading, none cut."""
    if not problems:
        return
    if len(problems) == 1:
        raise ParamsError(problems[0])
    lines = "\n".join(f"  - {p}" for p in problems)
    tail = f"\n{advice}" if advice else ""
    raise ParamsError(f"{what} have {len(problems)} problems:\n{lines}{tail}")


def check_names(params: Mapping[str, Any], notebook_path: str | os.PathLike[str]) -> None:
    """Refuse names the notebook does not declare (and secrets), before any data loads.

    Every unknown name is reported, each with its closest valid name.
    """
    check_no_secrets(params)
    declared = notebook_parameters(notebook_path)
    notebook = Path(notebook_path).name
    valid = sorted(declared)
    shown = ", ".join(n for n in valid if n != "artifacts_dir")  # the runner sets that one
    problems = []
    for name in params:
        if name not in declared:
            close = difflib.get_close_matches(name, valid, n=1, cutoff=0.5)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            problems.append(f"Unknown parameter {name!r} for {notebook}.{hint}")
    if len(problems) == 1:
        problems[0] += f" Valid parameters: {shown}."
    raise_problems(problems, f"The parameters for {notebook}", f"Valid parameters: {shown}.")


def validate_params(
    params: Mapping[str, Any], notebook_path: str | os.PathLike[str]
) -> dict[str, Any]:
    """Check ``params`` against the notebook's parameters cell; return them with types fixed.

    Every wrong value is reported at once, one line each.
    """
    check_names(params, notebook_path)
    declared = notebook_parameters(notebook_path)
    checked: dict[str, Any] = {}
    problems: list[str] = []
    for name, value in params.items():
        try:
            checked[name] = _coerce(name, declared[name][0], value)
        except ParamsError as exc:
            problems.append(str(exc))
    raise_problems(problems, f"The parameters for {Path(notebook_path).name}")
    return checked
