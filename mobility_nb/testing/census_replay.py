"""An offline stand-in for the Census API, built from the real ACS extracts in ../shared.

There is no internet in the demo and in tests, but the store must still be filled through
the real code path (census package -> our session -> store). :class:`ReplayAPI` answers
exactly what ``api.census.gov`` would for the variables the extracts contain: the data
endpoint as a JSON list of lists (header row first, values as strings, ``null`` for
blanks, geography columns last, ``GEO_ID`` when asked), HTTP 204 when nothing matches,
HTTP 400 for a variable it does not have, and the ``variables/{FIELD}.json`` documents
the package requests for every column (from the 2019 variable metadata; MOE documents are
derived from their estimate's entry, which lists them). :class:`ReplayAdapter` mounts it
on a ``requests`` session. Nothing here invents a value: every number served is a cell of
an extract, and the variable each column is served as is written down in
:data:`MAPPINGS` and in the store's metadata.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
from requests.adapters import HTTPAdapter
from urllib3.response import HTTPResponse

from mobility_nb.acs import fetch, store
from mobility_nb.acs.client import CensusClient, build_session
from mobility_nb.config import CENSUS_FIPS_FILE as FIPS
from mobility_nb.config import resolve_census_data_dir
from mobility_nb.data import states

REPLAY_KEY = "offline-replay"  # the census package refuses an empty key
REPLAY_SOURCE = "replay"
SUMLEV = {"county": "0500000US", "place": "1600000US", "tract": "1400000US"}
GEO_COLUMNS = {
    "county": ("state", "county"),
    "place": ("state", "place"),
    "tract": ("state", "county", "tract"),
}

NYC_TRACTS = "acs/nyc/nycgeo_tract_acs_data_acs5_2017.csv"
NYC_BOROUGHS = "acs/nyc/nycgeo_borough_acs_data_acs5_2017.csv"
PHILA_S1901 = "acs/philadelphia/ACS_17_5YR_S1901_philadelphia_tracts.csv"
PHILA_DVRPC = "acs/philadelphia/dvrpc_ipd_2017_tracts_9county.csv"
COOK_GEOJSON = "geo/cook/cook-county-inc_acs5_2020_B19013.geojson"
METADATA = "metadata/acs5_2019_variables_subset.json"

# ACS variable -> (estimate column, MOE column or None) in each extract, with the reason.
NYC_COLUMNS: dict[str, tuple[str, str | None]] = {
    "B01001_001": ("pop_total_est", "pop_total_moe"),
    "B01002_001": ("med_age_est", "med_age_moe"),
    "B19013_001": ("med_hhinc_est", "med_hhinc_moe"),
    "B03002_003": ("pop_white_est", "pop_white_moe"),
    "B03002_004": ("pop_black_est", "pop_black_moe"),
    "B03002_006": ("pop_asian_est", "pop_asian_moe"),
    "B03002_012": ("pop_hisp_est", "pop_hisp_moe"),
    "B15003_001": ("pop_educ_denom_est", "pop_educ_denom_moe"),
    "B17021_001": ("pop_inpov_denom_est", "pop_inpov_denom_moe"),
    "B17021_002": ("pop_inpov_est", "pop_inpov_moe"),
}
MAPPINGS: dict[str, dict[str, str]] = {
    "nyc": {
        v: f"nycgeo column {e} / {m or '(no MOE column)'}" for v, (e, m) in NYC_COLUMNS.items()
    },
    "philadelphia": {
        "B19013_001": "AmericanFactFinder S1901 export, column HC01_EST_VC13 / HC01_MOE_VC13 "
        "(median household income, which the Bureau publishes identically in "
        "S1901 and B19013)",
        "B03002_001": "DVRPC U_TPopEst / U_TPopMOE (total population; DVRPC's published "
        "Hispanic percentages and their MOEs reproduce exactly with it as "
        "the B03002_001 universe)",
        "B03002_012": "DVRPC EM_CntEst / EM_CntMOE (Hispanic or Latino, B03002_012 per "
        "DVRPC's script)",
    },
    "cook": {
        "B19013_001": "tidycensus GeoJSON properties estimate / moe "
        "(variable medincome = B19013_001)"
    },
}
SOURCES: dict[str, dict[str, Any]] = {
    "nyc": {
        "year": 2017,
        "state": "36",
        "files": [NYC_TRACTS, NYC_BOROUGHS],
        "label": "offline replay of ACS 2013\u20132017 5-year extracts (nycgeo tract and "
        "borough tables, via tidycensus)",
    },
    "philadelphia": {
        "year": 2017,
        "state": "42",
        "files": [PHILA_S1901, PHILA_DVRPC],
        "label": "offline replay of ACS 2013\u20132017 5-year extracts "
        "(AmericanFactFinder S1901 tract export; DVRPC Indicators of "
        "Potential Disadvantage 2017)",
    },
    "cook": {
        "year": 2020,
        "state": "17",
        "files": [COOK_GEOJSON],
        "label": "offline replay of an ACS 2016\u20132020 5-year extract (B19013 by "
        "tract with geometry, via tidycensus)",
    },
}


# --- locating the extracts --------------------------------------------------------------

# --- building API-shaped tables from the extracts ----------------------------------------


def _api_text(value: Any) -> str | None:
    """A cell as the API sends it: text ('1382', '48.4') or None for a blank."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        if np.isnan(value):
            return None
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value)


@lru_cache(maxsize=4)
def _county_names(root: str) -> dict[str, str]:
    path = Path(root) / FIPS
    if not path.exists():
        return {}
    df = pd.read_csv(path, dtype=str)
    return dict(zip(df["state_code"] + df["county_code"], df["county"], strict=True))


def tract_name(geoid: str, county_names: dict[str, str]) -> str:
    """'Census Tract 10.01, New York County, New York', as the API names tracts."""
    code = geoid[5:]
    number = str(int(code[:4])) + (f".{code[4:]}" if code[4:] != "00" else "")
    county = county_names.get(geoid[:5], f"County {geoid[2:5]}")
    return f"Census Tract {number}, {county}, {states.name(geoid[:2])}"


@dataclass
class ReplayTable:
    """Everything the replay can serve for one (year, level, state)."""

    year: int
    level: str
    state: str
    frame: pd.DataFrame  # index geoid; column NAME; <var>E / <var>M as API text or None
    region: str

    @property
    def variables(self) -> list[str]:
        return sorted({c[:-1] for c in self.frame.columns if c != "NAME"})


def _table(
    year: int,
    level: str,
    state: str,
    geoids: pd.Series,
    names: Iterable[str],
    columns: dict[str, tuple[pd.Series, pd.Series | None]],
    region: str,
) -> ReplayTable:
    data: dict[str, list[str | None]] = {"NAME": list(names)}
    for var, (est, moe) in columns.items():
        data[f"{var}E"] = [_api_text(v) for v in est]
        data[f"{var}M"] = [_api_text(v) for v in moe] if moe is not None else [None] * len(est)
    frame = pd.DataFrame(
        data, index=pd.Index(geoids.astype(str).to_list(), name="geoid"), dtype=object
    )
    return ReplayTable(year, level, state, frame, region)


def _nyc(root: Path) -> list[ReplayTable]:
    out = []
    counties = _county_names(str(root))
    for rel, level in ((NYC_TRACTS, "tract"), (NYC_BOROUGHS, "county")):
        path = root / rel
        if not path.exists():
            continue
        df = pd.read_csv(path, dtype={"geoid": str})
        columns = {
            v: (df[e], df[m] if m and m in df.columns else None)
            for v, (e, m) in NYC_COLUMNS.items()
            if e in df.columns
        }
        if level == "tract":
            names = [tract_name(g, counties) for g in df["geoid"]]
        else:
            names = [f"{counties.get(g, g)}, New York" for g in df["geoid"]]
        out.append(_table(2017, level, "36", df["geoid"], names, columns, "nyc"))
    return out


def _philadelphia(root: Path) -> list[ReplayTable]:
    s1901_path, dvrpc_path = root / PHILA_S1901, root / PHILA_DVRPC
    if not s1901_path.exists() and not dvrpc_path.exists():
        return []
    counties = _county_names(str(root))
    parts = []
    names: dict[str, str] = {}
    if s1901_path.exists():
        s = pd.read_csv(s1901_path, dtype=str, keep_default_na=False)
        s = s.set_index("GEO.id2")
        names.update(s["GEO.display-label"].to_dict())
        parts.append(
            pd.DataFrame({"B19013_001E": s["HC01_EST_VC13"], "B19013_001M": s["HC01_MOE_VC13"]})
        )
    if dvrpc_path.exists():
        d = pd.read_csv(dvrpc_path, dtype=str, keep_default_na=False)
        d = d[d["STATEFP10"] == "42"].set_index("GEOID10")
        parts.append(
            pd.DataFrame(
                {
                    "B03002_001E": d["U_TPopEst"],
                    "B03002_001M": d["U_TPopMOE"],
                    "B03002_012E": d["EM_CntEst"],
                    "B03002_012M": d["EM_CntMOE"],
                }
            )
        )
    merged = pd.concat(parts, axis=1).sort_index()
    columns = {}
    for var in sorted({c[:-1] for c in merged.columns}):
        columns[var] = (
            merged[f"{var}E"].where(merged[f"{var}E"].notna(), None),
            merged[f"{var}M"].where(merged[f"{var}M"].notna(), None),
        )
    geoids = pd.Series(merged.index, dtype=str)
    row_names = [names.get(g) or tract_name(g, counties) for g in geoids]
    return [_table(2017, "tract", "42", geoids, row_names, columns, "philadelphia")]


def _cook(root: Path) -> list[ReplayTable]:
    path = root / COOK_GEOJSON
    if not path.exists():
        return []
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    props = pd.DataFrame([f["properties"] for f in features])
    props = props.sort_values("GEOID")
    columns = {"B19013_001": (props["estimate"], props["moe"])}
    return [_table(2020, "tract", "17", props["GEOID"].astype(str), props["NAME"], columns, "cook")]


def load_extracts(
    census_data_dir: str | os.PathLike[str] | None = None,
) -> dict[tuple[int, str, str], ReplayTable]:
    """API-shaped tables from every extract present, keyed by (year, level, state)."""
    root = resolve_census_data_dir(census_data_dir)
    tables: dict[tuple[int, str, str], ReplayTable] = {}
    for builder in (_nyc, _philadelphia, _cook):
        for t in builder(root):
            tables[(t.year, t.level, t.state)] = t
    return tables


def load_variable_metadata(
    census_data_dir: str | os.PathLike[str] | None = None,
) -> dict[str, dict[str, Any]]:
    path = resolve_census_data_dir(census_data_dir) / METADATA
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))["variables"]


# --- the fake API ----------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json;charset=utf-8"

    @property
    def reason(self) -> str:
        return {
            200: "OK",
            204: "No Content",
            400: "Bad Request",
            404: "Not Found",
            500: "Internal Server Error",
            503: "Service Unavailable",
        }.get(self.status, "")


INVALID_KEY_PAGE = (
    "<html><head><title>Invalid Key</title></head><body><p>A valid <em>key</em> must be "
    "included with each data API request. You included a key with this request, however, "
    "it is not valid.</p></body></html>"
)
_DATA_PATH = re.compile(r"/data/(\d{4})/acs/acs5(?:/variables/([^/]+)\.json)?/?")


@dataclass
class ReplayAPI:
    """Answers Census API URLs from :class:`ReplayTable` objects.

    ``valid_keys=None`` accepts any key (the demo); a set makes other keys get the
    API's HTML "Invalid Key" page. ``log`` records every URL served (key redacted).
    """

    tables: dict[tuple[int, str, str], ReplayTable]
    variables: dict[str, dict[str, Any]]
    valid_keys: set[str] | None = None
    log: list[str] = field(default_factory=list)

    def handle(self, method: str, url: str) -> Reply:
        from mobility_nb.acs.client import redact

        self.log.append(redact(url))
        parts = urlsplit(url)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        match = _DATA_PATH.fullmatch(parts.path)
        if method != "GET" or not match:
            return Reply(404, b"<html><body>404 Not Found</body></html>", "text/html")
        if self.valid_keys is not None and query.get("key") not in self.valid_keys:
            return Reply(200, INVALID_KEY_PAGE.encode(), "text/html;charset=utf-8")
        year, variable = int(match.group(1)), match.group(2)
        if variable:
            return self._variable(variable)
        return self._data(year, query)

    def _variable(self, name: str) -> Reply:
        doc = self.variables.get(name)
        if doc is None and name.endswith("M") and f"{name[:-1]}E" in self.variables:
            est = self.variables[f"{name[:-1]}E"]
            doc = {
                "label": str(est.get("label", "")).replace("Estimate!!", "Margin of Error!!"),
                "concept": est.get("concept", ""),
                "predicateType": "int",
                "group": est.get("group", ""),
                "limit": 0,
            }
        if doc is None:
            return Reply(404, f"error: unknown variable '{name}'".encode(), "text/plain")
        return Reply(200, json.dumps({"name": name, **doc}).encode())

    def _data(self, year: int, query: dict[str, str]) -> Reply:
        fields = [f for f in query.get("get", "").split(",") if f]
        if not fields or "for" not in query:
            return Reply(400, b"error: missing 'get' or 'for' clause", "text/plain")
        level, _, wanted = query["for"].partition(":")
        if level not in GEO_COLUMNS:
            return Reply(400, f"error: unknown geography '{level}'".encode(), "text/plain")
        within = dict(p.split(":", 1) for p in query.get("in", "").split() if ":" in p)
        state = within.get("state", "*")
        tables = [
            t
            for (y, lv, st), t in self.tables.items()
            if y == year and lv == level and state in ("*", st)
        ]
        known = {v for t in tables for v in t.variables}
        for f in fields:
            if f in ("NAME", "GEO_ID"):
                continue
            if not (f[-1] in "EM" and f[:-1] in known):
                return Reply(400, f"error: error: unknown variable '{f}'".encode(), "text/plain")
        rows: list[list[str | None]] = []
        for t in tables:
            frame = t.frame
            geo = frame.index.to_series()
            keep = np.ones(len(frame), dtype=bool)
            county = within.get("county", wanted if level == "county" else "*")
            if level in ("county", "tract") and county != "*":
                keep &= (geo.str[2:5] == county).to_numpy()
            if level == "tract" and wanted != "*":
                keep &= (geo.str[5:] == wanted).to_numpy()
            if level == "place" and wanted != "*":
                keep &= (geo.str[2:] == wanted).to_numpy()
            picked = frame[keep]
            columns = {c: picked[c].tolist() for c in fields if c in picked.columns}
            for i, geoid in enumerate(picked.index):
                values = [
                    SUMLEV[level] + geoid
                    if f == "GEO_ID"
                    else _json_cell(columns[f][i])
                    if f in columns
                    else None
                    for f in fields
                ]
                cuts = {
                    "county": [geoid[:2], geoid[2:5]],
                    "place": [geoid[:2], geoid[2:]],
                    "tract": [geoid[:2], geoid[2:5], geoid[5:]],
                }[level]
                rows.append(values + cuts)
        if not rows:
            return Reply(204, b"", "application/json;charset=utf-8")
        header = fields + list(GEO_COLUMNS[level])
        return Reply(200, json.dumps([header, *rows], allow_nan=False).encode())


def _json_cell(value: Any) -> str | None:
    """Text as the API sends it; a missing cell (None or NaN) is JSON null."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)


class ReplayAdapter(HTTPAdapter):
    """A transport adapter that answers from :class:`ReplayAPI` instead of the network.

    Responses carry a real ``urllib3.HTTPResponse`` so requests-cache can store them.
    """

    def __init__(self, api: ReplayAPI | Callable[[str, str], Reply]) -> None:
        super().__init__()
        self.handle = api.handle if isinstance(api, ReplayAPI) else api

    def send(
        self,
        request,
        stream=False,
        timeout=None,
        verify=True,
        cert=None,  # type: ignore[override]
        proxies=None,
    ):
        reply = self.handle(request.method or "GET", request.url or "")
        raw = HTTPResponse(
            body=io.BytesIO(reply.body),
            headers={"Content-Type": reply.content_type, "Content-Length": str(len(reply.body))},
            status=reply.status,
            reason=reply.reason,
            preload_content=False,
            decode_content=False,
            request_method=request.method,
            request_url=request.url,
        )
        return self.build_response(request, raw)


# --- filling the store ------------------------------------------------------------------------


def populate_store_from_extracts(
    census_data_dir: str | os.PathLike[str] | None = None,
    store_dir: str | os.PathLike[str] | None = None,
    *,
    progress: bool = False,
    only_states: Iterable[str] | None = None,
) -> list[fetch.FetchReport]:
    """Fill the ACS store from the shared extracts through the real fetch code path.

    Used by the offline demo: every (year, state) that has extracts is fetched with the
    census package against :class:`ReplayAPI`, and the store records the replay as the
    source (with the vintage and the extract files) so pages can say so. ``progress`` is
    accepted for symmetry with the API fetch (the replay is quick and shows no bar).
    """
    root = resolve_census_data_dir(census_data_dir)
    tables = load_extracts(root)
    api = ReplayAPI(tables, load_variable_metadata(root))
    session = build_session(use_cache=False, adapter=ReplayAdapter(api))
    client = CensusClient(key=REPLAY_KEY, session=session)
    directory = store.resolve_store_dir(store_dir)
    reports = []
    wanted = {str(s).zfill(2) for s in only_states} if only_states else None
    for region, info in SOURCES.items():
        if wanted is not None and info["state"] not in wanted:
            continue
        mine = [t for t in tables.values() if t.region == region]
        if not mine:
            continue
        report = fetch.FetchReport(info["state"], info["year"], "acs5", info["label"])
        extra = {"source_files": info["files"], "variable_notes": MAPPINGS[region], "replay": True}
        for t in sorted(mine, key=lambda t: t.level):
            report.levels.append(
                fetch.fetch_level(
                    client,
                    dataset="acs5",
                    year=t.year,
                    level=t.level,
                    state=t.state,
                    variables=t.variables,
                    store_dir=directory,
                    source=REPLAY_SOURCE,
                    source_label=info["label"],
                    extra_meta=extra,
                )
            )
        reports.append(report)
    return reports
