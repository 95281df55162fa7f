"""Where an indicator's history comes from: Mobility Metrics, the ACS layer, or a local file.

Every provider answers the same question through :class:`IndicatorSource`, so baselines,
targets and progress never care where numbers came from. A history is a small frame
with one row per year and subgroup (``HISTORY_COLUMNS``); bounds are 95% confidence
limits when the source has them and NaN otherwise.

Rules that compare with other jurisdictions (state median, peer quartile, national
median) also need :meth:`MetricsSource.cross_section`; only sources that can answer it
offer it (see :func:`supports_cross_section`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from zipfile import BadZipFile

import numpy as np
import pandas as pd

from mobility_nb.errors import (
    DataFileError,
    LocalDataFileError,
    MobilityNBError,
    SourceUnavailableError,  # noqa: F401 (defined there)
)
from mobility_nb.plan.schema import DISAGGREGATIONS, Indicator

HISTORY_COLUMNS = ("year", "value", "lower", "upper", "quality", "subgroup_type", "subgroup")
CROSS_SECTION_COLUMNS = ("geoid", "name", "state", "value")


class Place(Protocol):
    """What a source needs to know about a jurisdiction (``jurisdictions.Jurisdiction``)."""

    geoid: str
    level: str
    name: str
    state: str


@runtime_checkable
class IndicatorSource(Protocol):
    """Gives the history of one indicator for one jurisdiction."""

    def history(self, indicator: Indicator, jurisdiction: Place) -> pd.DataFrame:
        """Rows ``HISTORY_COLUMNS`` for every year and subgroup the source has."""
        ...

    def describe(self, indicator: Indicator) -> str:
        """Plain-English name of the data source, for the plan table."""
        ...

    def files(self) -> list[Path]:
        """Data files read so far (for the page's provenance)."""
        ...


def supports_cross_section(source: Any) -> bool:
    return callable(getattr(source, "cross_section", None))


def empty_history() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": pd.Series(dtype=int),
            "value": pd.Series(dtype=float),
            "lower": pd.Series(dtype=float),
            "upper": pd.Series(dtype=float),
            "quality": pd.Series(dtype=object),
            "subgroup_type": pd.Series(dtype=object),
            "subgroup": pd.Series(dtype=object),
        }
    )


def _normalise_history(df: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "year": df["year"].astype(int).to_numpy(),
            "value": pd.to_numeric(df["value"], errors="coerce").to_numpy(dtype=float),
            "lower": pd.to_numeric(df.get("lower", np.nan), errors="coerce"),
            "upper": pd.to_numeric(df.get("upper", np.nan), errors="coerce"),
            "quality": df["quality"].astype(object).where(df["quality"].notna(), None)
            if "quality" in df
            else None,
            "subgroup_type": df["subgroup_type"].astype(str).to_numpy()
            if "subgroup_type" in df
            else "all",
            "subgroup": df["subgroup"].astype(str).to_numpy() if "subgroup" in df else "All",
        }
    )
    return out.sort_values(["subgroup_type", "subgroup", "year"]).reset_index(drop=True)


# --- Mobility Metrics -------------------------------------------------------------------------


class MetricsSource:
    """Urban's Mobility Metrics through :mod:`mobility_nb.data.metrics` (or given frames).

    ``frames`` maps level -> tidy overall table and ``subgroup_frames`` level -> tidy
    subgroup table; tests pass small fixtures, pages leave them out and the lead's cached
    loaders are used.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        frames: Mapping[str, pd.DataFrame] | None = None,
        subgroup_frames: Mapping[str, pd.DataFrame] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self._frames = dict(frames or {})
        self._subgroups = dict(subgroup_frames or {})
        self._used: dict[str, None] = {}

    def overall(self, level: str) -> pd.DataFrame:
        if level not in self._frames:
            from mobility_nb.data.metrics import load_metrics

            self._frames[level] = load_metrics(level, self.data_dir)
        frame = self._frames[level]
        for path in frame.attrs.get("sources", []):
            self._used.setdefault(str(path))
        return frame

    def subgroups(self, level: str) -> pd.DataFrame:
        if level not in self._subgroups:
            from mobility_nb.data.metrics import load_subgroups

            self._subgroups[level] = load_subgroups(level, self.data_dir)
        frame = self._subgroups[level]
        for path in frame.attrs.get("sources", []):
            self._used.setdefault(str(path))
        return frame

    def history(self, indicator: Indicator, jurisdiction: Place) -> pd.DataFrame:
        metric = indicator.source.metric
        frame = self.overall(jurisdiction.level)
        rows = frame[(frame["geoid"] == jurisdiction.geoid) & (frame["metric"] == metric)]
        parts = [rows]
        target = indicator.target
        wanted = {indicator.source.subgroup_type}
        if target is not None and target.rule == "close_subgroup_gap":
            wanted.add(target.subgroup_type)
        wanted.discard("all")
        if wanted:
            sub = self.subgroups(jurisdiction.level)
            parts.append(
                sub[
                    (sub["geoid"] == jurisdiction.geoid)
                    & (sub["metric"] == metric)
                    & sub["subgroup_type"].astype(str).isin(wanted)
                ]
            )
        rows = (
            pd.concat([p for p in parts if len(p)], ignore_index=True)
            if any(len(p) for p in parts)
            else frame.iloc[0:0]
        )
        if rows.empty:
            return empty_history()
        return _normalise_history(rows)

    def subgroup_types(self, indicator: Indicator, jurisdiction: Place) -> set[str]:
        """Subgroup types with at least one value for this metric and jurisdiction."""
        sub = self.subgroups(jurisdiction.level)
        rows = sub[
            (sub["geoid"] == jurisdiction.geoid)
            & (sub["metric"] == indicator.source.metric)
            & sub["value"].notna()
        ]
        return set(rows["subgroup_type"].astype(str))

    def cross_section(self, indicator: Indicator, level: str, year: int) -> pd.DataFrame:
        """Every jurisdiction's overall value of the metric in ``year`` (non-missing only)."""
        frame = self.overall(level)
        rows = frame[
            (frame["metric"] == indicator.source.metric)
            & (frame["year"] == year)
            & frame["value"].notna()
        ]
        return pd.DataFrame(
            {
                "geoid": rows["geoid"].astype(str).to_numpy(),
                "name": rows["name"].astype(str).to_numpy(),
                "state": rows["state"].astype(str).to_numpy(),
                "value": rows["value"].to_numpy(dtype=float),
            }
        )

    def describe(self, indicator: Indicator) -> str:
        from mobility_nb.render.formats import label

        text = f"Urban Institute Mobility Metrics: {label(indicator.source.metric)}"
        if indicator.source.subgroup_type != "all":
            text += f", subgroup {indicator.source.subgroup}"
        return text

    def files(self) -> list[Path]:
        return [Path(p) for p in self._used]


# --- ACS (Step 5 layer) -----------------------------------------------------------------------

ACS_MISSING = "ACS store not available: run `mobility-nb census fetch`"
ACS_UNITS = {"percent": "percent", "dollars": "dollars", "people": "count"}


class AcsSource:
    """ACS indicators of the Step 5 layer (:mod:`mobility_nb.acs`), read from its local store.

    One value per ACS 5-year release (the year is the release's last year) for every
    release in the store for the jurisdiction's state. Published margins of error are 90%;
    they are rescaled to 95% bounds so every indicator on the page uses the same level.
    Race groups become subgroups of type ``race-ethnicity``. Overlapping 5-year releases
    share survey years, so changes between adjacent releases understate real change.
    ``store`` may be any object with ``history(indicator, geoid)`` (tests); by default the
    local store at ``store_dir`` ($MOBILITY_NB_ACS_STORE or the user cache) is read.
    """

    def __init__(self, store: Any = None, store_dir: str | os.PathLike[str] | None = None) -> None:
        self._store = store
        self.store_dir = store_dir
        self._used: dict[str, None] = {}

    @staticmethod
    def definition(indicator: Indicator) -> Any:
        """The ACS layer's indicator definition, or None when the layer is not installed."""
        try:
            from mobility_nb.acs import indicators as acs_indicators
        except ImportError:
            return None
        return acs_indicators.BY_KEY.get(indicator.source.indicator)

    def history(self, indicator: Indicator, jurisdiction: Place) -> pd.DataFrame:
        if self._store is not None:
            frame = self._store.history(indicator.source.indicator, jurisdiction.geoid)
            return (
                empty_history() if frame is None or len(frame) == 0 else _normalise_history(frame)
            )
        try:
            from mobility_nb.acs import indicators as acs_indicators
            from mobility_nb.acs import moe as acs_moe
            from mobility_nb.acs import store as acs_store
        except ImportError:
            raise SourceUnavailableError(ACS_MISSING) from None
        definition = acs_indicators.BY_KEY.get(indicator.source.indicator)
        if definition is None:
            raise SourceUnavailableError(
                f"{indicator.source.indicator!r} is not an ACS indicator of the Step 5 layer; "
                f"known: {', '.join(acs_indicators.BY_KEY)}"
            )
        root = acs_store.resolve_store_dir(self.store_dir)
        years = acs_store.available_years(root, jurisdiction.state, level=jurisdiction.level)
        if not years:
            command = acs_store.fetch_command(jurisdiction.state, None, [jurisdiction.level])
            # shown on the published page: the command, never the local store's path
            # (`mobility-nb census status` names the store for the analyst)
            raise SourceUnavailableError(f"ACS store not available: run `{command}`")
        frames = []
        for year in sorted(years):
            key = acs_store.StoreKey("acs5", year, jurisdiction.level, jurisdiction.state)
            try:
                part = acs_store.read_slice(
                    root, key, variables=definition.variables, geoid_prefix=jurisdiction.geoid
                )
            except MobilityNBError:
                continue
            self._used.setdefault(str(part.path))
            wide = part.wide()
            if jurisdiction.geoid not in wide.index:
                continue
            values = acs_indicators.compute(definition, wide.loc[[jurisdiction.geoid]])
            values = values[values["status"] == "ok"]
            if values.empty:
                continue
            half = acs_moe.rescale_moe(values["moe"].to_numpy(dtype=float), 95)
            frames.append(
                pd.DataFrame(
                    {
                        "year": year,
                        "value": values["estimate"].to_numpy(dtype=float),
                        "lower": values["estimate"].to_numpy(dtype=float) - half,
                        "upper": values["estimate"].to_numpy(dtype=float) + half,
                        "quality": None,
                        "subgroup_type": np.where(
                            values["group"] == acs_indicators.ALL, "all", "race-ethnicity"
                        ),
                        "subgroup": values["group"].to_numpy(),
                    }
                )
            )
        if not frames:
            return empty_history()
        return _normalise_history(pd.concat(frames, ignore_index=True))

    def units(self, indicator: Indicator) -> tuple[str, str]:
        """(unit, better direction) from the ACS layer, for plans that leave them out."""
        definition = self.definition(indicator)
        if definition is None:
            return "", ""
        return ACS_UNITS.get(definition.unit, ""), definition.direction

    def describe(self, indicator: Indicator) -> str:
        definition = self.definition(indicator)
        label = definition.label if definition is not None else indicator.source.indicator
        return f"American Community Survey 5-year estimates ({label})"

    def files(self) -> list[Path]:
        return [Path(p) for p in self._used]


# --- the analyst's own file ---------------------------------------------------------------------

LOCAL_REQUIRED = ("geography", "year", "value")
LOCAL_OPTIONAL = ("lower", "upper", "subgroup", "quality", "measure")


@lru_cache(maxsize=64)
def _read_local(path: str, sheet: str, mtime_ns: int) -> pd.DataFrame:
    """Read and check a local data file once per version of it."""
    del mtime_ns  # part of the cache key only
    file = Path(path)
    try:
        if file.suffix.lower() == ".xlsx":
            df = pd.read_excel(file, sheet_name=sheet or 0, dtype={"geography": str})
        else:
            df = pd.read_csv(
                file,
                dtype={"geography": str, "subgroup": str, "measure": str},
                keep_default_na=True,
            )
    except Exception as exc:  # noqa: BLE001 - whatever the parser says, the file is at fault
        why = "it is not an Excel workbook" if isinstance(exc, BadZipFile) else str(exc)
        raise LocalDataFileError(
            path, f"it is not a readable {file.suffix} table ({why})"
        ) from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in LOCAL_REQUIRED if c not in df.columns]
    if missing:
        raise LocalDataFileError(
            path,
            f"it lacks the column(s) {', '.join(missing)}; a local indicator file needs "
            f"columns {', '.join(LOCAL_REQUIRED)} and may add {', '.join(LOCAL_OPTIONAL)}",
        )
    years = pd.to_numeric(df["year"], errors="coerce")
    bad = df.index[years.isna() | (years % 1 != 0)]
    if len(bad):
        row = int(bad[0])
        raise LocalDataFileError(
            path, f"year {df['year'].iloc[row]!r} is not a whole-number year", line=row + 2
        )
    for col in ("value", "lower", "upper"):
        if col in df.columns:
            numbers = pd.to_numeric(df[col], errors="coerce")
            bad = df.index[numbers.isna() & df[col].notna()]
            if len(bad):
                row = int(bad[0])
                raise LocalDataFileError(
                    path,
                    f"column {col!r} holds {df[col].iloc[row]!r}, which is not a number",
                    line=row + 2,
                )
            df[col] = numbers
    df["year"] = years.astype(int)
    df["geography"] = df["geography"].astype(str).str.strip()
    return df


def local_file_problem(path: Path, sheet: str = "", measure: str = "") -> str:
    """Why a plan's local file cannot be used ('' when it can), for the plan's problem list."""
    try:
        df = _read_local(str(path), sheet, path.stat().st_mtime_ns)
    except DataFileError as exc:
        line = f", line {exc.line}" if exc.line is not None else ""
        return f"cannot read {path.name}{line}: {exc.problem}; fix the file and run again"
    if not measure:
        return ""
    if "measure" not in df.columns:
        return (
            f"{path.name} has no `measure` column, but the plan asks for measure "
            f"{measure!r}; add the column or leave `measure` out"
        )
    known = sorted(set(df["measure"].dropna().astype(str).str.strip()))
    if measure not in known:
        return f"{path.name} has no rows with measure {measure!r}; measures in the file: " + (
            ", ".join(known) or "none"
        )
    return ""


class LocalSource:
    """The analyst's own CSV/XLSX: columns geography, year, value (+ lower/upper/subgroup)."""

    def __init__(self) -> None:
        self._used: dict[str, None] = {}

    def table(self, indicator: Indicator) -> pd.DataFrame:
        src = indicator.source
        if not src.file:
            raise SourceUnavailableError(
                f"{indicator.name!r} has no data file yet: the plan names no `file` for it."
            )
        path = Path(src.file)
        if not path.is_file():
            raise LocalDataFileError(src.file, "the file does not exist")
        df = _read_local(str(path), src.sheet, path.stat().st_mtime_ns)
        self._used.setdefault(str(path))
        if src.measure:
            if "measure" not in df.columns:
                raise LocalDataFileError(
                    src.file,
                    f"the plan asks for measure {src.measure!r} "
                    "but the file has no `measure` column",
                )
            df = df[df["measure"].astype(str).str.strip() == src.measure]
        return df

    def history(self, indicator: Indicator, jurisdiction: Place) -> pd.DataFrame:
        df = self.table(indicator)
        geo = df["geography"].str.lower()
        rows = df[(geo == jurisdiction.geoid.lower()) | (geo == str(jurisdiction.name).lower())]
        if rows.empty:
            return empty_history()
        rows = rows.copy()
        if "subgroup" in rows:
            rows["subgroup"] = rows["subgroup"].fillna("All").astype(str).str.strip()
            rows.loc[rows["subgroup"].isin(["", "all", "All", "ALL"]), "subgroup"] = "All"
        else:
            rows["subgroup"] = "All"
        # Local subgroups carry no type; every non-overall row is of the type the plan uses.
        target = indicator.target
        sub_type = indicator.source.subgroup_type
        if target is not None and target.rule == "close_subgroup_gap":
            sub_type = target.subgroup_type
        if sub_type == "all":
            sub_type = "local"
        rows["subgroup_type"] = np.where(rows["subgroup"] == "All", "all", sub_type)
        if "quality" not in rows:
            rows["quality"] = None
        return _normalise_history(rows)

    def has_subgroups(self, indicator: Indicator) -> bool:
        df = self.table(indicator)
        return "subgroup" in df.columns and bool(
            df["subgroup"].dropna().astype(str).str.strip().str.lower().ne("all").any()
        )

    def describe(self, indicator: Indicator) -> str:
        if not indicator.source.file:
            return "Local data (not collected yet)"
        return f"Local data ({Path(indicator.source.file).name})"

    def files(self) -> list[Path]:
        return [Path(p) for p in self._used]


# --- one object for the page -------------------------------------------------------------------


class Sources:
    """The three providers a page uses, chosen per indicator by ``source.kind``."""

    def __init__(
        self,
        metrics: MetricsSource | None = None,
        acs: IndicatorSource | None = None,
        local: LocalSource | None = None,
    ) -> None:
        self.metrics = metrics or MetricsSource()
        self.acs: Any = acs or AcsSource()
        self.local = local or LocalSource()

    def for_indicator(self, indicator: Indicator) -> Any:
        return {"mobility_metric": self.metrics, "acs": self.acs, "local": self.local}[
            indicator.source.kind
        ]

    def files(self) -> list[Path]:
        seen: dict[str, Path] = {}
        for provider in (self.metrics, self.acs, self.local):
            for path in provider.files():
                seen.setdefault(str(path), path)
        return list(seen.values())


def disaggregation_available(
    sources: Sources, indicator: Indicator, jurisdiction: Place
) -> dict[str, bool | None]:
    """For each planned breakdown: True/False when the data say, None when we cannot tell."""
    out: dict[str, bool | None] = {}
    kind = indicator.source.kind
    types: set[str] | None = None
    if kind == "mobility_metric":
        types = sources.metrics.subgroup_types(indicator, jurisdiction)
    for item in indicator.disaggregation:
        if kind == "mobility_metric" and types is not None:
            wanted = DISAGGREGATIONS[item]
            out[item] = any(t in types for t in wanted) if wanted else False
        elif kind == "acs":
            definition = AcsSource.definition(indicator)
            if definition is None:
                out[item] = None
            else:
                out[item] = item == "race_ethnicity" and len(definition.groups) > 1
        elif kind == "local" and indicator.source.file:
            out[item] = sources.local.has_subgroups(indicator)
        else:
            out[item] = None
    return out
