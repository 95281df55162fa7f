"""Step 5 of the guide: pair the Mobility Metrics with ACS and local data.

The notebook ``step5_local_conditions.ipynb`` makes one :class:`Step5Page` and calls its
``show_*`` sections in order. Everything shown comes from local files only: the Step 2
layer's headline recap, the local ACS store (filled by ``mobility-nb census fetch`` or
the offline replay), tract boundaries found on disk, and the analyst's own files. When
something is missing the page says what and how to get it instead of failing or
guessing. Every ACS number carries its 90% margin of error, CV and reliability tier.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from datetime import date
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from mobility_nb.acs import context as acs_context
from mobility_nb.acs import indicators as ind
from mobility_nb.acs import lookup, maps, sentinels, store, tracts
from mobility_nb.acs import moe as moe_mod
from mobility_nb.acs.importers.base import FIRST_ACS5_YEAR
from mobility_nb.config import CENSUS_FIPS_FILE, project_dirs, resolve_census_data_dir
from mobility_nb.data import states
from mobility_nb.data.jurisdictions import Jurisdiction, resolve
from mobility_nb.errors import (
    DataDirectoryError,
    DataFileError,
    DownloadError,
    MobilityNBError,
    ParamsError,
)
from mobility_nb.render import formats
from mobility_nb.render.figures import figure_html, new_figure
from mobility_nb.render.formats import (
    MISSING,
    MISSING_KEY,
    acs_estimate,
    acs_moe,
    cv_text,
    group_label,
    html_text,
    local_number,
)
from mobility_nb.render.tables import (
    definitions,
    details,
    html_table,
    show_html,
    workbook_only,
)
from mobility_nb.steps.base import StepPage
from mobility_nb.steps.step5 import comparison, local_data, mix, summary, tract_table
from mobility_nb.steps.step5 import inventory as inventory_mod
from mobility_nb.steps.step5.acs_view import ACSView, load_acs
from mobility_nb.steps.step5.moe_dots import draw_moe_dots

RACE_INDICATORS = (
    "median_household_income",
    "median_earnings",
    "poverty_rate",
    "unemployment_rate",
    "employment_rate",
    "bachelors_or_higher",
    "homeownership_rate",
    "uninsured_rate",
)
TRACT_INDICATORS = (
    "median_household_income",
    "median_earnings",
    "poverty_rate",
    "unemployment_rate",
    "employment_rate",
    "bachelors_or_higher",
    "median_gross_rent",
    "rent_burden",
    "owner_cost_burden",
    "homeownership_rate",
    "uninsured_rate",
    "broadband",
    "race_ethnicity_share",
)
TRACT_TABLE_ORDER = "median_household_income"  # the tract table is sorted by this first
MAP_PREFERENCE = (
    "poverty_rate",
    "median_household_income",
    "race_ethnicity_share",
    "unemployment_rate",
    "bachelors_or_higher",
    "rent_burden",
)
ACS_URL = "https://www.census.gov/programs-surveys/acs"
COUNT_COLUMNS = ("Tracts", "With an estimate", "Low reliability (CV > 30%)")


# --- jurisdiction ------------------------------------------------------------------------------


def resolve_place(jurisdiction: str, data_dir: str | os.PathLike[str] | None) -> Jurisdiction:
    """Resolve with the Mobility Metrics list; without those files, accept a bare FIPS code.

    Step 5 can still show ACS and local data when the Mobility Metrics files are not
    available, so a missing data directory is not fatal for a 5- or 7-digit code.
    """
    try:
        return resolve(jurisdiction, data_dir=data_dir or None)
    except (DataDirectoryError, DownloadError, DataFileError):
        code = str(jurisdiction).strip()
        if not (code.isdigit() and len(code) in (5, 7) and code[:2] in states.STATES):
            raise
        level = "county" if len(code) == 5 else "place"
        return Jurisdiction(geoid=code, level=level, name=_fallback_name(code), state=code[:2])


def _fallback_name(code: str) -> str:
    if len(code) == 5:
        try:
            table = pd.read_csv(resolve_census_data_dir() / CENSUS_FIPS_FILE, dtype=str)
            hit = table[(table["state_code"] == code[:2]) & (table["county_code"] == code[2:])]
            if len(hit):
                return str(hit["county"].iloc[0])
        except (MobilityNBError, OSError, KeyError):
            pass
        return f"County {code}"
    return f"Place {code}"


# --- charts ------------------------------------------------------------------------------------


def group_chart(rows: pd.DataFrame, overall: float, title: str, unit: str) -> tuple[Any, str]:
    """Dot chart of group estimates with 90% MOE bars and the overall value as a line."""
    rows = rows.sort_values("estimate")
    fig, ax = new_figure(7.0, 0.45 * len(rows) + 1.3)
    draw_moe_dots(
        ax,
        rows,
        title=title,
        unit=unit,
        tick_labels=[group_label(g) for g in rows["group"]],
        estimate_label="Estimate with 90% margin of error",
        reference=overall,
        reference_label=f"All: {acs_estimate(overall, unit)}",
        dot_size=36,
        bar_width=1.6,
        cap=3,
    )
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, fontsize=8)
    parts = []
    for r in rows.itertuples():
        low_note = ", low reliability" if r.reliability == moe_mod.LOW else ""
        parts.append(
            f"{group_label(r.group)} {acs_estimate(r.estimate, unit)} "
            f"({acs_moe(r.moe, unit)}{low_note})"
        )
    alt = (
        f"Dot chart: {title}. " + "; ".join(parts) + ". Horizontal bars show 90% margins "
        "of error"
        + (
            f"; the dashed line marks all residents at {acs_estimate(overall, unit)}."
            if np.isfinite(overall)
            else "."
        )
    )
    return fig, alt


def _table_span(variables: pd.Series) -> str:
    """'B19013B-I' for the race iterations of one table; a plain list otherwise."""
    tables = sorted({v.split("_")[0] for text in variables for v in str(text).split(", ") if v})
    bases = {t[:-1] for t in tables}
    if len(bases) == 1 and len(tables) > 2:
        base = bases.pop()
        return f"{base}{tables[0][-1]}\u2013{tables[-1][-1]}"
    return ", ".join(tables)


# --- the page ----------------------------------------------------------------------------------


def _entry(item: Any, key: str) -> str:
    """One listed file or source by name (the checks say what is wrong with odd entries)."""
    return str(item.get(key, "")) if isinstance(item, Mapping) else str(item)


class Step5Page(StepPage):
    """All sections of one jurisdiction's Step 5 page."""

    step = "step5"
    title_prefix = "Local conditions"

    def __init__(
        self,
        jurisdiction: str,
        *,
        data_dir: str | os.PathLike[str] | None = None,
        artifacts_dir: str | None = None,
        params: Mapping[str, Any] | None = None,
        acs_year: int = 0,
        store_dir: str | os.PathLike[str] | None = None,
        census_data_dir: str | os.PathLike[str] | None = None,
        tract_geometry: str | os.PathLike[str] | None = None,
        local_files: Sequence[Mapping[str, Any]] = (),
        inventory: Sequence[Mapping[str, Any]] = (),
        map_indicator: str = "",
        high_poverty_threshold: float = tracts.HIGH_POVERTY_THRESHOLD,
    ) -> None:
        self._start(jurisdiction, data_dir=data_dir, artifacts_dir=artifacts_dir, params=params)
        self.acs_year = int(acs_year or 0)
        if self.acs_year and not FIRST_ACS5_YEAR <= self.acs_year <= date.today().year:
            raise ParamsError(
                f"acs_year {self.acs_year} is not an ACS 5-year vintage: the 5-year series "
                f"runs from {FIRST_ACS5_YEAR} ({FIRST_ACS5_YEAR - 4}-{FIRST_ACS5_YEAR}) to "
                "the latest release. Give the end year, e.g. acs_year: 2022, or 0 for the "
                "latest year in the ACS store."
            )
        self.store_dir = store_dir or None
        self.census_data_dir = census_data_dir or None
        self.tract_geometry = tract_geometry or None
        self.local_file_entries = list(local_files or [])
        self.inventory_entries = list(inventory or [])
        self.map_indicator = map_indicator
        self.threshold = float(high_poverty_threshold)
        # Parse parameters now so a typo fails at the top of the page, not halfway down.
        self.local_specs = local_data.parse_specs(
            self.local_file_entries, base_dirs=project_dirs(), census_data_dir=self.census_data_dir
        )
        inventory_mod.declared_rows(self.inventory_entries)
        self._flags_seen: set[str] = set()

    # ---- data -------------------------------------------------------------------------------
    @cached_property
    def acs(self) -> ACSView:
        p = self.place
        view = load_acs(p.geoid, p.level, p.name, self.store_dir, self.acs_year)
        for f in view.used_files:
            self.recorder.add_source(f.path, years=view.vintage)
        return view

    @property
    def results(self) -> pd.DataFrame:
        return self.acs.results

    @property
    def tract_results(self) -> pd.DataFrame:
        return self.acs.tract_results

    @cached_property
    def geometry(self) -> maps.TractPolygons | None:
        if self.place.level != "county":
            return None
        places: list[Any] = [self.tract_geometry]
        with contextlib.suppress(DataDirectoryError):
            places.append(resolve_census_data_dir(self.census_data_dir) / "geo")
        found = maps.find_tract_geometry(self.place.geoid, *places)
        if found is not None:
            self.recorder.add_source(found.path)
        return found

    @cached_property
    def local(self) -> list[local_data.LoadedLocalFile]:
        valid: dict[str, set[str]] = {self.place.level: {self.place.geoid}}
        if self.place.level == "county":
            if self.acs.tract_geoids:
                valid["tract"] = set(self.acs.tract_geoids)
            elif self.geometry is not None:
                valid["tract"] = self.geometry.geoids
        loaded = local_data.load_local_files(
            self.local_specs, valid, jurisdiction=self.place.display_name
        )
        for f in loaded:
            if f.spec.path.exists():
                self.recorder.add_source(f.spec.path, years=f.years)
        return loaded

    @cached_property
    def headline(self) -> pd.DataFrame | None:
        try:
            from mobility_nb.data import metrics as metrics_data
            from mobility_nb.steps.step2 import headline

            table = headline(self.place.geoid, data_dir=self.data_dir, level=self.place.level)
            data = metrics_data.load_metrics(self.place.level, self.data_dir)
            for path in data.attrs.get("sources", []):
                years = (
                    f"{int(table['year'].min())}\u2013{int(table['year'].max())}"
                    if len(table)
                    else ""
                )
                self.recorder.add_source(path, years=years)
            return table
        except (ImportError, MobilityNBError):
            return None

    def record_sources(self) -> None:
        """Cite the Census Bureau's ACS (and who served the tables) when the page used it."""
        view = self.acs
        if not view.found:
            return
        served = "; ".join(view.source_labels)
        self.recorder.add_citation(
            "acs",
            f"US Census Bureau. American Community Survey 5-year estimates, {view.vintage}"
            + (f" (tables as served by: {served})" if served else "")
            + ".",
            ACS_URL,
        )

    def reader_settings(self) -> list[tuple[str, str]]:
        settings = super().reader_settings()
        view = self.acs
        settings.append(("ACS release", view.vintage if view.found else "none in the store"))
        if self.local_specs:
            settings.append(("Local data files", str(len(self.local_specs))))
        return settings

    # ---- helpers ----------------------------------------------------------------------------
    def _missing_acs_html(self) -> str:
        levels = ["county", "tract"] if self.place.level == "county" else ["place"]
        cmd = store.fetch_command(self.place.state, self.acs.year or None, levels)
        years = ", ".join(str(y) for y in self.acs.years_available) or "none"
        return (
            "<div class='mnb-missing'><strong>No ACS data for this jurisdiction in the local "
            f"store</strong> (ACS releases there for {html_text(self.place.state_name)}: "
            f"{html_text(years)})."
            + workbook_only(
                " Notebooks never call the Census API; fill the store once per state with a "
                "Census API key in the environment (<code>CENSUS_API_KEY</code>): "
                f"<code>{html_text(cmd)}</code>, or import ACS tables you already have "
                "(tidycensus output, data.census.gov downloads) with <code>mobility-nb census "
                "import</code>. For the offline demo, <code>mobility-nb census fetch "
                "--replay</code> fills it from the bundled extracts."
            )
            + "</div>"
        )

    def _source_note(self) -> str:
        view = self.acs
        labels = "; ".join(view.source_labels)
        if view.is_replay:
            return (
                "<div class='mnb-warning'><strong>Offline replay.</strong> The ACS values on "
                f"this page come from an {html_text(labels)}, served through the same code path as "
                f"the Census API. They are real published {html_text(view.vintage)} estimates and "
                "margins of error, but only the few tables in those extracts are available; "
                "everything else is marked <em>not in the local store</em>."
                + workbook_only(
                    " Fetch current data with <code>mobility-nb census fetch</code> before "
                    "publishing."
                )
                + "</div>"
            )
        return (
            f"<p class='mnb-note'>ACS source: {html_text(labels)}; {html_text(view.vintage)}.</p>"
        )

    def _flags(self, frame: pd.DataFrame) -> None:
        for text in frame.get("flags", pd.Series(dtype=str)).dropna():
            self._flags_seen.update(f.strip() for f in str(text).split(",") if f.strip())

    # ---- sections ---------------------------------------------------------------------------
    def show_header(self) -> None:
        p = self.place
        kind = "county" if p.level == "county" else "city"
        pop = f" with {p.population:,.0f} residents" if p.population else ""
        vintage = self.acs.vintage or "no ACS data in the local store"
        show_html(
            f"<h1>Local conditions: {html_text(p.display_name)}</h1>"
            f"<p class='mnb-lede'>{html_text(p.name)} is a {kind} in "
            f"{html_text(p.state_name)}{html_text(pop)} "
            f"({'FIPS' if p.level == 'county' else 'GEOID'} {html_text(p.geoid)}). "
            "This page pairs "
            "its Mobility Metrics with American Community Survey (ACS) tables, how conditions "
            f"vary across its census tracts, and local data. ACS vintage: {html_text(vintage)}.</p>"
            + self._other_vintages_note()
        )

    def _other_vintages_note(self) -> str:
        others = self.acs.other_vintages()
        if not others or not self.acs.found:
            return ""
        listed = (
            ", ".join(f"{y - 4}\u2013{y}" for y in others)
            if len(others) <= 3
            else f"{len(others)} of them, from {min(others) - 4}\u2013{min(others)} to "
            f"{max(others) - 4}\u2013{max(others)}"
        )
        return (
            "<p class='mnb-note'>The local store also holds other ACS 5-year releases "
            f"({html_text(listed)}) for this {html_text(self.place.level)}. The state and national "
            "comparison and the race/ethnicity mix over time use them below, each labeled "
            "with its own release."
            + workbook_only(
                " Set the <code>acs_year</code> parameter (the release's last year) to show "
                "one of them in the tables."
            )
            + "</p>"
        )

    def show_summary(self) -> None:
        """The one-screen summary: headline conditions beside the state and nation, the
        widest differences between groups, and how far apart the tracts are."""
        view = self.acs
        parts = [
            '<section class="mnb-summary" data-mnb-summary aria-labelledby="mnb-summary-h">',
            '<h2 id="mnb-summary-h">Summary</h2>',
        ]
        if not view.found:
            parts.append(self._missing_acs_html() + "</section>")
            show_html("".join(parts))
            return
        res = self.results
        overall = res[(res["group"] == ind.ALL) & (res["indicator"] != "race_ethnicity_share")]
        have = int(np.isfinite(overall["estimate"].to_numpy(dtype=float)).sum())
        low = int((overall["reliability"] == moe_mod.LOW).sum())
        lede = (
            f"American Community Survey estimates for {self.place.name} ({view.vintage}): "
            f"{have} of {len(overall)} indicators have a value"
            + (f", {low} of low reliability" if low else "")
            + ". Each comes with its 90% margin of error."
        )
        parts.append(f"<p class='mnb-lede'>{html_text(lede)}</p>")
        cards = (
            (
                "Local conditions",
                summary.headline_items(res, self.contexts, self.place.state_name, view.year or 0),
                "No headline indicator has a value in the local store.",
            ),
            (
                "Widest differences between groups",
                summary.group_gaps(res, RACE_INDICATORS),
                "No group differs from all residents beyond the margins of error, or no "
                "reliable group estimates are in the local store.",
            ),
            (
                "Across the census tracts",
                summary.tract_spread(self.tract_results, self.place.name)
                if self.place.level == "county"
                else [],
                "Tract detail is shown for counties with tract data only.",
            ),
        )
        html_cards = []
        for title, items, empty in cards:
            body = (
                "<ul>"
                + "".join(
                    f"<li><strong>{html_text(i.title)}</strong>{html_text(i.fact)}"
                    f" <span class='mnb-sure'>{html_text(i.sure)}</span></li>"
                    for i in items
                )
                + "</ul>"
                if items
                else f"<p>{html_text(empty)}</p>"
            )
            html_cards.append(f"<div class='mnb-card'><h3>{html_text(title)}</h3>{body}</div>")
        parts.append("<div class='mnb-cards'>" + "".join(html_cards) + "</div>")
        parts.append(
            "<p class='mnb-key'>"
            + html_text(
                "Values: estimate (90% margin of error). Above or below a median only when "
                "the median lies outside the margin of error; groups differ only when the "
                "difference is significant at the 90% level. Low-reliability estimates "
                f"(CV above 30%) are greyed in the tables and never summarized here. {MISSING_KEY}"
            )
            + "</p></section>"
        )
        show_html("".join(parts))

    def show_mobility_recap(self) -> None:
        table = self.headline
        if table is None or table.empty:
            show_html(
                "<div class='mnb-missing'>The Mobility Metrics recap is not available: "
                "the Mobility Metrics files could not be loaded for this jurisdiction."
                + workbook_only(
                    " Set <code>data_dir</code> (or <code>MOBILITY_NB_DATA</code>) to the "
                    "folder with Urban's files."
                )
                + "</div>"
            )
            return
        self.recorder.record("mobility_metrics_recap", table)
        shown = pd.DataFrame(
            {
                "Pillar": table["pillar"],
                "Metric": table["label"],
                "Year": [str(int(y)) if pd.notna(y) else MISSING for y in table["year"]],
                "Value": table["value_text"],
                "Data quality": table["quality"].fillna(MISSING),
                "Better than % of US": [
                    MISSING if pd.isna(v) else f"{v:.0f}%" for v in table["national_better"]
                ],
            }
        )
        classes = ["weak" if q == "Weak" else "" for q in table["quality"].fillna("")]
        counts = table["quality"].value_counts()
        show_html(
            f"<p>{len(table)} Mobility Metrics have a value here ({counts.get('Strong', 0)} "
            f"Strong, {counts.get('Marginal', 0)} Marginal, {counts.get('Weak', 0)} Weak; Weak "
            "rows are greyed). The Step 2 page explains them; they are repeated here so the "
            "ACS and local data below can be read against them.</p>"
            + details(
                f"All {len(table)} Mobility Metrics with a value (table)",
                html_table(
                    shown,
                    caption=f"Mobility Metrics recap, {self.place.display_name}",
                    row_classes=classes,
                    numeric=("Year", "Value", "Better than % of US"),
                ),
            )
        )

    def show_acs_summary(self) -> None:
        view = self.acs
        if not view.found:
            show_html(self._missing_acs_html())
            return
        res = self.results
        overall = res[(res["group"] == ind.ALL) | (res["indicator"] == "race_ethnicity_share")]
        self._flags(overall)
        self.recorder.record("acs_indicators", overall)
        tract_only = set()
        if view.place_origin == "sum of tracts":
            n = len(view.tract_geoids)
            basis = f"sum of {n} tracts (derived)"
            summed = view.summed_counts
            origin_note = (
                f"<p class='mnb-note'>The store has no {self.place.level}-level ACS table for "
                f"{html_text(self.place.name)} in this vintage, so counts were added up from "
                f"its {n} tracts (margins of error by the Census Bureau's sum formula, which is an "
                "approximation). Medians cannot be added up and are shown only by tract.</p>"
                if summed
                else f"<p class='mnb-note'>The store has no {self.place.level}-level ACS table for "
                f"{html_text(self.place.name)} in this vintage, and its tract data (medians) "
                "cannot be added up into a county figure: see the tract section below.</p>"
            )
            tr = self.tract_results
            tract_only = set(tr.loc[np.isfinite(tr["estimate"].to_numpy(dtype=float)), "indicator"])
        else:
            basis, origin_note = f"{self.place.level} table", ""
        rows, classes = [], []
        for r in overall.itertuples():
            missing = r.status == ind.NOT_IN_STORE
            status = r.status
            if missing and r.indicator in tract_only and ind.get(r.indicator).kind == "median":
                status = "by tract only (see below)"
            label = r.label if r.group == ind.ALL else f"{r.label}: {group_label(r.group)}"
            rows.append(
                {
                    "Indicator": label,
                    "Estimate": status if missing else acs_estimate(r.estimate, r.unit),
                    "90% MOE": "" if missing else acs_moe(r.moe, r.unit),
                    "CV": "" if missing else cv_text(r.cv),
                    "Reliability": "" if missing else r.reliability,
                }
            )
            classes.append(
                "missing"
                if missing or not np.isfinite(r.estimate)
                else "weak"
                if r.reliability == moe_mod.LOW
                else ""
            )
        table = pd.DataFrame(rows)
        have = int((overall["status"] != ind.NOT_IN_STORE).sum())
        variables = pd.DataFrame(
            {"Indicator": table["Indicator"], "Computed from": list(overall["variables"])}
        )
        show_html(
            self._source_note()
            + origin_note
            + html_table(
                table,
                caption=f"ACS indicators, {self.place.display_name}, {view.vintage} ({basis})",
                row_classes=classes,
                numeric=("Estimate", "90% MOE", "CV"),
            )
            + f"<p>{have} of {len(overall)} indicator rows have data in the local store. "
            + html_text(moe_mod.reliability_rule_text())
            + "</p>"
            + details(
                "The ACS variables behind each indicator",
                html_table(variables, caption="ACS variables behind each indicator"),
            )
        )

    def show_race_ethnicity(self) -> None:
        view = self.acs
        if not view.found:
            show_html("<p class='mnb-missing'>No ACS data in the local store (see above).</p>")
            return
        res = self.results
        parts: list[str] = []
        unavailable: list[str] = []
        share = res[res["indicator"] == "race_ethnicity_share"]
        charts = [("race_ethnicity_share", share, np.nan)]
        for key in RACE_INDICATORS:
            rows = res[res["indicator"] == key]
            all_row = rows[rows["group"] == ind.ALL]
            overall = float(all_row["estimate"].iloc[0]) if len(all_row) else np.nan
            charts.append((key, rows[rows["group"] != ind.ALL], overall))
        recorded = []
        for key, rows, overall in charts:
            indicator = ind.get(key)
            usable = rows[np.isfinite(rows["estimate"].to_numpy(dtype=float))]
            if usable.empty:
                unavailable.append(
                    f"{indicator.label} by race/ethnicity ({_table_span(rows['variables'])})"
                )
                continue
            recorded.append(rows)
            self._flags(rows)
            what = (
                indicator.label
                if key == "race_ethnicity_share"
                else f"{indicator.label} by race and ethnicity"
            )
            title = f"{what}, {self.place.name}, {view.vintage}"
            fig, alt = group_chart(usable, overall, what, indicator.unit)
            alt = alt.replace(f"Dot chart: {what}.", f"Dot chart: {title}.", 1)
            table = pd.DataFrame(
                {
                    "Group": rows["group"],
                    "Estimate": [
                        r.status
                        if r.status == ind.NOT_IN_STORE
                        else acs_estimate(r.estimate, r.unit)
                        for r in rows.itertuples()
                    ],
                    "90% MOE": [
                        acs_moe(r.moe, r.unit) if np.isfinite(r.estimate) else ""
                        for r in rows.itertuples()
                    ],
                    "CV": [cv_text(c) for c in rows["cv"]],
                    "Reliability": [
                        r.reliability if np.isfinite(r.estimate) else "" for r in rows.itertuples()
                    ],
                }
            )
            if np.isfinite(overall):
                table["Differs from all (90%)?"] = self._differs(key, rows, overall)
            classes = [
                "missing" if not np.isfinite(e) else "weak" if rel == moe_mod.LOW else ""
                for e, rel in zip(rows["estimate"], rows["reliability"], strict=True)
            ]
            caption = (
                f"{title}. Estimates with 90% margins of error; {len(usable)} of "
                f"{len(rows)} groups have data in the local store."
            )
            differ = (
                sum(d == "yes" for d in table["Differs from all (90%)?"])
                if "Differs from all (90%)?" in table
                else None
            )
            line = f"{html_text(what)} <span class='mnb-meta'>{len(usable)} of {len(rows)} " + (
                "groups with data"
                + (f"; {differ} differ from all residents" if differ is not None else "")
                + "</span>"
            )
            parts.append(
                details(
                    line,
                    figure_html(fig, alt, caption=caption)
                    + html_table(
                        table,
                        caption=title,
                        row_classes=classes,
                        numeric=("Estimate", "90% MOE", "CV"),
                    ),
                )
            )
        if recorded:
            self.recorder.record("acs_by_race_ethnicity", pd.concat(recorded, ignore_index=True))
        if unavailable:
            cmd = store.fetch_command(self.place.state, view.year, ["county", "tract"])
            parts.append(
                "<div class='mnb-missing'><strong>Not in the local store</strong> for this "
                f"vintage: {html_text('; '.join(unavailable))}."
                + workbook_only(
                    f" Fetch them with <code>{html_text(cmd)}</code> (race iterations B-I are "
                    "fetched with their base tables)."
                )
                + "</div>"
            )
        show_html("".join(parts))

    def _differs(self, key: str, rows: pd.DataFrame, overall: float) -> list[str]:
        """Is each group's estimate different from all residents' at the 90% level?"""
        res = self.results
        all_row = res[(res["indicator"] == key) & (res["group"] == ind.ALL)]
        overall_moe = float(all_row["moe"].iloc[0]) if len(all_row) else np.nan
        out = []
        for r in rows.itertuples():
            if not (np.isfinite(r.estimate) and np.isfinite(r.moe) and np.isfinite(overall_moe)):
                out.append(MISSING)
                continue
            sig = moe_mod.significantly_different(r.estimate, r.moe, overall, overall_moe)
            out.append("yes" if sig else "no")
        return out

    def _tract_rows(self, key: str, group: str) -> pd.DataFrame:
        t = self.tract_results
        return t[(t["indicator"] == key) & (t["group"] == group)]

    def show_tract_distribution(self) -> None:
        if self.place.level != "county":
            show_html(
                "<p class='mnb-missing'>Tract detail is shown for counties only: tracts "
                "nest in counties but not in cities, so a city's tracts cannot be "
                "selected without a tract-to-place crosswalk.</p>"
            )
            return
        if not self.acs.tract_geoids:
            show_html(
                self._missing_acs_html()
                if not self.acs.found
                else "<p class='mnb-missing'>The local store has no tract-level ACS data for "
                f"this county in {html_text(self.acs.vintage)}."
                + workbook_only(
                    " Fetch it with <code>"
                    f"{html_text(store.fetch_command(self.place.state, self.acs.year, ['tract']))}"
                    "</code>."
                )
                + "</p>"
            )
            return
        rows, classes = [], []
        for key in TRACT_INDICATORS:
            indicator = ind.get(key)
            groups = [g for g in indicator.groups if g == ind.ALL or key == "race_ethnicity_share"]
            for group in groups:
                part = self._tract_rows(key, group)
                if part.empty or not np.isfinite(part["estimate"].to_numpy(dtype=float)).any():
                    continue
                dist = tracts.distribution(part)
                label = indicator.label if group == ind.ALL else f"{indicator.label}: {group}"
                row = {"Indicator": label}
                for name, value in dist.as_row().items():
                    row[name] = (
                        value if name in COUNT_COLUMNS else acs_estimate(value, indicator.unit)
                    )
                row["Interquartile range"] = acs_estimate(dist.iqr, indicator.unit).replace(
                    "%", " points"
                )
                rows.append(row)
                classes.append("")
        n = len(self.acs.tract_geoids)
        text = [
            f"<p>{html_text(self.place.name)} has {n} census tracts in the local store "
            f"({html_text(self.acs.vintage)}); the last column counts tract estimates of low "
            "reliability.</p>"
        ]
        if rows:
            table = pd.DataFrame(rows)
            self.recorder.record("tract_distribution", table)
            text.append(
                details(
                    f"How {len(table)} indicators vary across the tracts (lowest, quartiles, "
                    "highest)",
                    html_table(
                        table,
                        caption=f"How indicators vary across "
                        f"{self.place.name}'s tracts, {self.acs.vintage}",
                        row_classes=classes,
                        numeric=tuple(table.columns[1:]),
                    ),
                )
            )
        else:
            text.append(
                "<p class='mnb-missing'>No tract-level indicator could be computed "
                "from the variables in the local store.</p>"
            )
        text.append(self._concentration_html())
        show_html("".join(text))

    def _concentration_html(self) -> str:
        poverty = ind.get("poverty_rate")
        part = self._tract_rows("poverty_rate", ind.ALL)
        wide = lookup.tract_wide(
            self.acs.store_dir, self.place.geoid, self.acs.year or 0, variables=poverty.variables
        )
        weights = ind.denominator(poverty, wide.reindex(part["geoid"])) if len(wide) else None
        if (
            part.empty
            or weights is None
            or not np.isfinite(part["estimate"].to_numpy(dtype=float)).any()
        ):
            cmd = (
                store.fetch_command(self.place.state, self.acs.year, ["tract"]) + " --tables B17001"
            )
            return (
                "<div class='mnb-missing'><strong>Share of residents in high-poverty "
                f"tracts:</strong> poverty by tract (B17001) is not in the local store for "
                f"{html_text(self.acs.vintage)}, so it cannot be shown."
                + workbook_only(f" Fetch it with <code>{html_text(cmd)}</code>.")
                + "</div>"
            )
        conc = tracts.concentration(
            part["estimate"].to_numpy(dtype=float), weights[0], weights[1], self.threshold
        )
        self.recorder.record(
            "high_poverty_concentration",
            pd.DataFrame(
                [
                    {
                        "threshold_percent": conc.threshold,
                        "tracts_at_or_above": conc.tracts_above,
                        "tracts_counted": conc.tracts_counted,
                        "people_in_those_tracts": conc.people_above,
                        "people_total": conc.people_total,
                        "share_percent": conc.share,
                        "share_moe_points": conc.share_moe,
                    }
                ]
            ),
        )
        return (
            "<h3>Concentrated poverty</h3><p>"
            + html_text(conc.sentence("poverty rate", "people whose poverty status is known"))
            + " The margin of error treats each tract's classification as certain, so it "
            "understates the uncertainty for tracts near the threshold.</p>"
        )

    def _map_choice(self) -> tuple[str, str] | None:
        wanted = [self.map_indicator] if self.map_indicator else []
        for choice in [*wanted, *MAP_PREFERENCE]:
            key, _, group = choice.partition(":")
            if key not in ind.BY_KEY:
                continue
            groups = (
                [group]
                if group
                else (ind.get(key).groups if key == "race_ethnicity_share" else [ind.ALL])
            )
            for g in groups:
                part = self._tract_rows(key, g)
                if len(part) and np.isfinite(part["estimate"].to_numpy(dtype=float)).any():
                    return key, g
        return None

    def show_tract_map(self) -> None:
        if self.place.level != "county" or not self.acs.tract_geoids:
            return
        choice = self._map_choice()
        if choice is None:
            show_html("<p class='mnb-missing'>No tract indicator to map.</p>")
            return
        geo = self.geometry
        if geo is None:
            show_html(
                "<div class='mnb-missing'><strong>No tract map:</strong> no tract "
                f"boundary file for {html_text(self.place.name)} was found locally (none is "
                f"shipped for {html_text(self.place.state_name)}), so the tracts cannot be drawn; "
                "the tract table above lists every tract's values instead."
                + workbook_only(
                    " To add the map, set the <code>tract_geometry</code> parameter to a "
                    "shapefile (.shp) or GeoJSON of the county's tracts (same census vintage "
                    "as the ACS data), or put one under the census data folder "
                    "(<code>MOBILITY_NB_CENSUS_DATA</code>/geo)."
                )
                + "</div>"
            )
            return
        key, group = choice
        indicator = ind.get(key)
        part = self._tract_rows(key, group).set_index("geoid")
        values = part["estimate"].astype(float)
        matched = len(set(values.dropna().index) & geo.geoids)
        label = indicator.label if group == ind.ALL else f"{indicator.label}: {group}"
        title = f"{label} by tract, {self.place.name}, {self.acs.vintage}"
        legend = {"dollars": "dollars", "percent": "percent"}.get(indicator.unit, indicator.unit)
        fmt = (
            "${:,.0f}"
            if indicator.unit == "dollars"
            else ("{:.0f}%" if indicator.unit == "percent" else "{:,.0f}")
        )
        fig = maps.choropleth(geo, values, title, legend, fmt)
        finite = values.dropna()
        no_est = len(geo.geoids) - len(set(finite.index) & geo.geoids)
        low = int(((part["reliability"] == moe_mod.LOW) & part["estimate"].notna()).sum())
        top, bottom = finite.idxmax(), finite.idxmin()
        alt = (
            f"Map of {len(geo.geoids)} census tracts in {self.place.name} shaded by {label} "
            f"({self.acs.vintage}); dark blue is lowest and yellow highest. Tract estimates "
            f"range from {acs_estimate(finite.min(), indicator.unit)} "
            f"({part.loc[bottom, 'name']}) to {acs_estimate(finite.max(), indicator.unit)} "
            f"({part.loc[top, 'name']}); the median tract is "
            f"{acs_estimate(finite.median(), indicator.unit)}. {no_est} tracts without an "
            "estimate are hatched grey."
        )
        warn = ""
        if matched < 0.8 * len(finite):
            warn = (
                "<div class='mnb-warning'>Only "
                f"{matched} of {len(finite)} tracts with estimates match the boundary file; "
                "the boundaries are probably from a different census (tract codes changed "
                "in 2020). Use boundaries of the same vintage as the ACS data.</div>"
            )
        caption = (
            f"Boundaries: {geo.path.name}. {low} tracts have low reliability (CV above "
            "30%), so small differences between neighboring tracts may not be real. "
            "Colors: cividis, readable with common color-vision deficiencies."
        )
        self.recorder.record(
            "tract_map_values",
            part.reset_index()[["geoid", "name", "estimate", "moe", "cv", "reliability"]],
        )
        show_html(warn + figure_html(fig, alt, caption=caption, tight=True))

    def show_context(self) -> None:
        """The county beside its state's counties and all US counties (one vintage each)."""
        if self.place.level != "county":
            show_html(
                "<p class='mnb-missing'>State and national comparisons are shown for counties: "
                "the national files in the store hold counties only.</p>"
            )
            return
        contexts = self.contexts
        state_name, abbr = self.place.state_name, self.place.state_abbr or self.place.state
        if not contexts:
            show_html(
                "<div class='mnb-missing'><strong>No state or national comparison:</strong> "
                "the local store holds no county files for other counties with these "
                "indicators."
                + workbook_only(
                    " Import the national county files with <code>"
                    f"{html_text(comparison.import_hint())}</code> (or fetch other states with "
                    "<code>mobility-nb census fetch</code>)."
                )
                + "</div>"
            )
            return
        self.recorder.record("acs_context", acs_context.context_table(contexts))
        table = comparison.context_display(contexts, state_name, abbr)
        classes = ["weak" if c.reliability == moe_mod.LOW else "" for c in contexts]
        claims = "".join(
            f"<li>{html_text(comparison.sentence(c, self.place.name, state_name))}</li>"
            for c in contexts
        )
        missing = comparison.not_compared(contexts)
        missing_note = (
            "<p class='mnb-note'>No national county file in the store holds "
            f"{html_text('; '.join(missing))}, so they are not compared.</p>"
            if missing
            else ""
        )
        show_html(
            "<p>Each row compares "
            f"{html_text(self.place.name)} with the counties of {html_text(state_name)} and "
            "with all US counties <em>in one ACS release</em>: the newest in which its "
            "estimate has a margin of error and the other counties have values. Rows can "
            "therefore come from different releases (older than the tables above when the "
            "national files are older), and dollar amounts of different releases are in "
            "different years' dollars.</p>"
            + html_table(
                table,
                caption=f"{self.place.name} beside {state_name}'s counties and all US counties",
                row_classes=classes,
                numeric=("This county", f"{state_name} median", "US median"),
            )
            + details(
                "What each comparison allows you to say, and what it was computed from",
                f"<ul class='mnb-claims'>{claims}</ul>"
                + html_table(
                    comparison.computed_from(contexts),
                    caption="What each compared value was computed from",
                ),
            )
            + missing_note
            + "<p class='mnb-note'>Comparison sets: the counties with a value of the same "
            "indicator in the same release, the county itself included (n is stated; in "
            "Virginia and a few other states independent cities count as counties, as the "
            "Census Bureau treats them). <em>Ranks above</em>: the share of those counties "
            "with a lower value, ties counting half. No rank is given for an estimate of "
            "low reliability (CV above 30%) or without a margin of error, nor among fewer "
            f"than {acs_context.MIN_PLACES} counties. <em>Above</em> or <em>below</em> a "
            "median is said only when the median lies outside the county's 90% interval "
            "(estimate \u00b1 MOE); otherwise the difference is within the margin of "
            "error.</p>"
        )

    @cached_property
    def contexts(self) -> list[acs_context.IndicatorContext]:
        if self.place.level != "county":
            return []
        found = acs_context.county_context(
            self.acs.store_dir, self.place.geoid, state_name=self.place.state_name
        )
        for year in sorted({c.year for c in found}):
            for path in sorted(self.acs.store_dir.glob(f"acs5/{year}/county/*.parquet")):
                self.recorder.add_source(path, years=store.vintage_label(year))
        return found

    def show_tract_table(self) -> None:
        """Every tract's values with MOEs (the story when there is no map), and a chart."""
        if self.place.level != "county" or not self.acs.tract_geoids:
            return
        values = tract_table.tract_values(self.tract_results, TRACT_INDICATORS)
        if values.empty:
            return
        self.recorder.record("tract_values", values)
        order = (
            TRACT_TABLE_ORDER
            if TRACT_TABLE_ORDER in set(values["indicator"])
            else str(values["indicator"].iloc[0])
        )
        table, note = tract_table.tract_table(values, order)
        parts = []
        label = ind.get(order).label
        county = self.results[
            (self.results["indicator"] == order) & (self.results["group"] == ind.ALL)
        ]
        county_value = float(county["estimate"].iloc[0]) if len(county) else np.nan
        title = f"{label} by tract, {self.place.name}, {self.acs.vintage}"
        short = f"{label} by tract"
        chart = tract_table.tract_chart(values, order, county_value, short)
        if chart is not None:
            fig, alt = chart
            alt = alt.replace(f"Dot chart: {short}.", f"Dot chart: {title}.", 1)
            parts.append(
                figure_html(
                    fig,
                    alt,
                    caption=f"{title}. Dots are tract estimates, bars their 90% margins of "
                    "error; hollow dots have low reliability. Overlapping bars mean two tracts "
                    "may not really differ.",
                )
            )
        parts.append(
            html_table(
                table,
                caption=f"ACS values of every tract, {self.place.name}, {self.acs.vintage}. "
                f"{note} Values with their 90% margins of error (a value without one has "
                f"no margin of error in the source); * low reliability (CV above 30%); "
                f"{MISSING} no estimate.",
                numeric=tuple(table.columns[1:]),
            )
        )
        show_html(
            details(
                f"{html_text(label)} and {len(table.columns) - 2} other indicators for "
                f"{'every one' if len(table) == len(self.acs.tract_geoids) else 'some'} of the "
                f"{len(self.acs.tract_geoids)} tracts (chart and table)",
                "".join(parts),
            )
        )

    def show_race_mix_over_time(self) -> None:
        """Shares of residents by race and ethnicity in every release the store holds."""
        if not self.acs.found:
            return
        years = [y for y, levels in self.acs.held.items() if self.place.level in levels]
        series = mix.mix_series(self.acs.store_dir, self.place.geoid, years)
        if series["year"].nunique() < 2:
            show_html(
                "<p class='mnb-missing'>The local store holds the race and ethnicity mix for "
                f"{'no' if series.empty else 'only one'} ACS release of "
                f"{html_text(self.place.name)}, so no change over time can be shown. Import or "
                "fetch other releases (B03002) to add it.</p>"
            )
            return
        self.recorder.record("race_ethnicity_mix_over_time", series)
        for year in sorted(series["year"].unique()):
            for f in lookup.store_files(self.acs.store_dir, self.place.geoid, int(year)):
                self.recorder.add_source(f.path, years=store.vintage_label(int(year)))
        first, last = int(series["year"].min()), int(series["year"].max())
        title = (
            f"Residents by race and ethnicity, {self.place.name}, "
            f"ACS {first - 4}\u2013{first} to {last - 4}\u2013{last}"
        )
        parts = []
        chart = mix.mix_chart(series, title)
        if chart is not None:
            fig, alt = chart
            parts.append(
                figure_html(
                    fig,
                    alt,
                    caption=f"{title}. Share of all residents; each panel has its own scale. "
                    "Bands: 90% margins of error. Neighboring releases share four of their "
                    "five survey years, so year-to-year wiggles are not changes.",
                )
            )
        shares = mix.mix_table(series)
        parts = [
            details(
                f"Every group in all {series['year'].nunique()} releases (chart and table)",
                "".join(parts)
                + html_table(
                    shares,
                    caption=f"{title}: share of residents (90% margin of error) by ACS "
                    "5-year release",
                    numeric=tuple(shares.columns[1:]),
                ),
            )
        ]
        pair = mix.comparable_pair(series["year"])
        if pair is not None:
            change = mix.mix_change(series, *pair)
            self.recorder.record("race_ethnicity_mix_change", change)
            items = "".join(f"<li>{html_text(t)}</li>" for t in mix.change_sentences(change))
            parts.append(
                f"<p>From ACS {pair[0] - 4}\u2013{pair[0]} to {pair[1] - 4}\u2013{pair[1]} "
                "(two releases that share no survey year, so the difference can be tested):"
                f"</p><ul class='mnb-claims'>{items}</ul>"
            )
        else:
            parts.append(
                "<p class='mnb-note'>The releases in the store all overlap, so no change "
                "between them is tested.</p>"
            )
        show_html("".join(parts))

    def show_local_files(self) -> None:
        if not self.local_specs:
            show_html(
                "<p class='mnb-missing'>No local data files were added to this page."
                + workbook_only(
                    " Add them under <code>local_files</code> in the parameters (path, name, "
                    "owner, geography_key, geography_level, required_columns, year_column, "
                    "value_columns) to check and summarize them here."
                )
                + "</p>"
            )
            return
        loaded = self.local
        summary = local_data.summary_table(loaded)
        self.recorder.record("local_files", summary)
        parts = []
        if any(f.spec.example for f in loaded):
            parts.append(
                "<div class='mnb-warning'><strong>Example data.</strong> Files marked "
                "<em>example data</em> hold illustrative numbers written for the "
                "demo, not real measurements."
                + workbook_only(" Replace them with your own files.")
                + "</div>"
            )
        parts.append(
            html_table(
                summary,
                caption="Local data files",
                numeric=("Rows read", "Rows used", "Geographies"),
            )
        )
        issues = local_data.issues_table(loaded)
        if len(issues):
            self.recorder.record("local_file_problems", issues)
            parts.append(
                details(
                    f"{len(issues)} problems found while checking the files (rows left out)",
                    html_table(
                        issues,
                        caption="Problems found while checking the files",
                        row_classes=["weak" if s == "problem" else "" for s in issues["Severity"]],
                    ),
                )
            )
        else:
            parts.append("<p>All listed files passed the checks.</p>")
        for f in loaded:
            values = local_data.value_summary(f)
            if values.empty:
                continue
            own_values = values.attrs.get("layout") == local_data.VALUE_TABLE
            self.recorder.record(f"local_values: {f.spec.name}", values)
            shown = values.copy()
            numbers = list(f.spec.value_columns) if own_values else ["Median", "Lowest", "Highest"]
            for col in numbers:
                shown[col] = [local_number(v) for v in shown[col]]
            label = f.spec.name + (" (example data)" if f.spec.example else "")
            by = " and ".join(["group", "year"] if f.spec.group_columns else ["year"])
            note = f"; {MISSING} means not reported (suppressed or blank)" if own_values else ""
            headers = {col: formats.label(col) for col in numbers}
            parts.append(
                details(
                    f"{html_text(label)} <span class='mnb-meta'>values by {by}</span>",
                    html_table(
                        shown.rename(columns=headers),
                        caption=f"{label}: values by {by}{note}",
                        numeric=("Year", "Geographies reporting", *headers.values()),
                    ),
                )
            )
        show_html("".join(parts))

    def _acs_inventory_row(self) -> dict[str, str] | None:
        view = self.acs
        if not view.found:
            return None
        res = self.results
        races = sorted(
            {
                g
                for g in res.loc[np.isfinite(res["estimate"].to_numpy(dtype=float)), "group"]
                if g != ind.ALL
            }
        )
        levels = " and ".join(sorted({f.key.level for f in view.used_files}))
        low = (
            int((self.tract_results["reliability"] == moe_mod.LOW).sum())
            if len(self.tract_results)
            else 0
        )
        return {
            "Source": f"American Community Survey 5-year ({view.vintage})",
            "Owner": "US Census Bureau",
            "Geography": levels,
            "Years": view.vintage,
            "Disaggregation": "race/ethnicity: "
            + (", ".join(group_label(r) for r in races) if races else "none in the local store"),
            "Quality notes": f"90% MOEs, CVs and reliability shown; {low} tract estimates have "
            "low reliability (CV above 30%).",
            "Access": "; ".join(view.source_labels),
            "Status": "loaded from the local ACS store",
        }

    def _metrics_inventory_row(self) -> dict[str, str] | None:
        table = self.headline
        if table is None or table.empty:
            return None
        weak = int((table["quality"] == "Weak").sum())
        return {
            "Source": "Mobility Metrics (Upward Mobility Framework)",
            "Owner": "Urban Institute",
            "Geography": self.place.level,
            "Years": f"{int(table['year'].min())}\u2013{int(table['year'].max())}",
            "Disaggregation": "race/ethnicity and other subgroups for some metrics (Step 2)",
            "Quality notes": f"Strong/Marginal/Weak flags per metric; {weak} of {len(table)} "
            "metrics are Weak here.",
            "Access": "public download",
            "Status": "loaded (Step 2 layer)",
        }

    def show_inventory(self) -> None:
        loaded_rows = [r for r in (self._metrics_inventory_row(), self._acs_inventory_row()) if r]
        loaded_rows += [inventory_mod.local_file_row(f) for f in self.local]
        table = inventory_mod.build_inventory(self.inventory_entries, loaded_rows)
        self.recorder.record("data_inventory", table)
        show_html(
            details(
                f"All {len(table)} sources: owner, geography, years, groups, quality, access",
                definitions(table, caption="Step 5.2 data inventory: sources used or planned"),
            )
        )

    def show_methods(self) -> None:
        book = ind.codebook()
        self.recorder.record("acs_codebook", book)
        self._flags(self.tract_results)
        flags = sorted(self._flags_seen - {"derived_sum"})
        flag_rows = pd.DataFrame(
            {"Flag": flags, "Meaning": [sentinels.flag_meaning(f) for f in flags]}
        )
        codes = pd.DataFrame(
            [
                {
                    "Code": s.code,
                    "Shown on data.census.gov as": s.symbol,
                    "Becomes": "MOE 0" if s.moe_value == 0 else "no value (NaN)",
                    "Meaning": s.meaning,
                }
                for s in sentinels.SENTINELS.values()
            ]
        )
        view = self.acs
        notes = [
            "<p>Estimates are ACS 5-year period estimates with published 90% margins of error "
            "(MOE). Derived figures use the Census Bureau's approximations (ACS General "
            "Handbook, 2018, chapter 8): sums combine MOEs as the square root of the summed "
            "squared MOEs, counting only the largest MOE among zero estimates; shares use the "
            "proportion formula, or the ratio formula when the proportion's radicand is "
            "negative. Standard error = MOE / 1.645; CV = standard error / estimate.</p>",
            f"<p>{html_text(moe_mod.reliability_rule_text())} The Census Bureau sets no official "
            "cut-off; treat Low estimates as indicative only.</p>",
            "<p>Differences between a group and all residents are called significant when "
            "|difference| / sqrt(SE1\u00b2 + SE2\u00b2) exceeds 1.645 (90% confidence). The "
            "test ignores the overlap between the group and the total, which makes it "
            "conservative.</p>",
        ]
        if view.found:
            notes.append(
                f"<p>ACS data: {html_text(view.vintage)}; source: "
                f"{html_text('; '.join(view.source_labels))}.</p>"
            )
            var_notes = view.variable_notes
            if var_notes:
                table = pd.DataFrame(
                    {"ACS variable": list(var_notes), "Taken from": list(var_notes.values())}
                )
                notes.append(
                    details(
                        "How the offline replay serves each variable from the extracts",
                        html_table(
                            table,
                            caption="How the offline replay serves each variable from the extracts",
                        ),
                    )
                )
        tables = [definitions(book, caption="Codebook: how each ACS indicator is computed")]
        if flags:
            tables.append(html_table(flag_rows, caption="Special values met on this page"))
        tables.append(
            html_table(
                codes,
                caption="Census special values and how they are treated (never used as numbers)",
            )
        )
        show_html(
            "".join(notes)
            + details(
                f"Codebook of the {len(book)} ACS indicators and the Census special values",
                "".join(tables),
            )
        )

    def resolve_place(self, jurisdiction: str, level: str | None) -> Jurisdiction:
        return resolve_place(jurisdiction, self.data_dir)

    def recorded_params(self) -> dict[str, Any]:
        """Local files and inventory entries are listed by path and name only."""
        shown = super().recorded_params()
        if "local_files" in shown:
            shown["local_files"] = [_entry(f, "path") for f in shown["local_files"] or []]
        if "inventory" in shown:
            shown["inventory"] = [_entry(e, "source") for e in shown["inventory"] or []]
        return shown
