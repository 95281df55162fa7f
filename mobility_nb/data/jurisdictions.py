"""Turn what an analyst types ("Cook County, IL", "4260000") into one jurisdiction.

Counties are 5-digit FIPS codes and cities are 7-digit census place GEOIDs, always text.
The list of jurisdictions comes from the Mobility Metrics files themselves, so a name
resolves exactly when the data can answer for it. Anything unknown or ambiguous raises
:class:`~mobility_nb.errors.JurisdictionError` with the closest matches.
"""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

from mobility_nb.data import states
from mobility_nb.data.metrics import LEVELS, derived, load_wide
from mobility_nb.errors import JurisdictionError

LEVEL_WORDS = {"county": "county", "place": "city"}
GEOID_LENGTH = {"county": 5, "place": 7}
# Trailing words that name the kind of government rather than the place itself.
_KIND = re.compile(
    r"\s+(city and borough|census area|borough|municipality|parish|county|city|town|village|"
    r"cdp|consolidated government|metro government|metropolitan government|unified government|"
    r"urban county)\b.*$"
)


@dataclass(frozen=True)
class Jurisdiction:
    """One county or city as named in the Mobility Metrics files."""

    geoid: str
    level: str
    name: str
    state: str
    population: float | None = None

    @property
    def state_name(self) -> str:
        return states.name(self.state)

    @property
    def state_abbr(self) -> str:
        return states.abbr(self.state)

    @property
    def display_name(self) -> str:
        return f"{self.name}, {self.state_name}"

    @property
    def short_name(self) -> str:
        return f"{self.name}, {self.state_abbr}"

    @property
    def slug(self) -> str:
        """'17031-cook-county-il': the file name of this place's pages."""
        return f"{self.geoid}-" + slugify(f"{self.name} {self.state_abbr}")

    def describe(self) -> str:
        """'Cook County, Illinois (county 17031)' for messages."""
        return f"{self.display_name} ({LEVEL_WORDS[self.level]} {self.geoid})"


def slugify(text: str) -> str:
    """'Coeur d'Alene city, ID' -> 'coeur-d-alene-city-id' (ASCII, safe in file names)."""
    return re.sub(r"[^a-z0-9]+", "-", _normalise(text)).strip("-")[:80].strip("-")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    text = text.lower().replace("&", " and ").replace("st.", "saint").replace("ste.", "sainte")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _base(normalised_name: str) -> str:
    return _KIND.sub("", normalised_name).strip()


def jurisdiction_table(level: str, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per jurisdiction (latest name and population), with matching keys."""
    return derived(
        load_wide(level, data_dir), f"jurisdictions-{level}", lambda wide: _build_table(wide, level)
    )


def _build_table(wide: pd.DataFrame, level: str) -> pd.DataFrame:
    name_col = "county_name" if level == "county" else "place_name"
    latest = wide.sort_values("year").drop_duplicates("geoid", keep="last")
    table = pd.DataFrame(
        {
            "geoid": latest["geoid"].astype(str).to_numpy(),
            "level": level,
            "name": latest[name_col].fillna("").astype(str).to_numpy(),
            "state": latest["geoid"].astype(str).str[:2].to_numpy(),
            "population": latest["population"].to_numpy() if "population" in latest else None,
            "latest_year": latest["year"].to_numpy(),
        }
    )
    table["key"] = table["name"].map(_normalise)
    table["base"] = table["key"].map(_base)
    return table.sort_values("geoid").reset_index(drop=True)


def _row_to_jurisdiction(row: pd.Series) -> Jurisdiction:
    pop = row["population"]
    return Jurisdiction(
        geoid=str(row["geoid"]),
        level=str(row["level"]),
        name=str(row["name"]),
        state=str(row["state"]),
        population=None if pd.isna(pop) else float(pop),
    )


def all_jurisdictions(
    level: str | None = None,
    state: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
) -> list[Jurisdiction]:
    """Every jurisdiction with data, optionally for one level and/or state ('PA', '42')."""
    fips = None
    if state is not None:
        fips = states.state_fips(state)
        if fips is None:
            raise JurisdictionError(
                f"{state!r} is not a US state: use a postal code (PA), a name (Pennsylvania) "
                "or a 2-digit FIPS code (42)."
            )
    out: list[Jurisdiction] = []
    for lvl in (level,) if level else LEVELS:
        table = jurisdiction_table(lvl, data_dir)
        if fips:
            table = table[table["state"] == fips]
        out.extend(_row_to_jurisdiction(r) for _, r in table.iterrows())
    return out


def _tables(level: str | None, data_dir) -> pd.DataFrame:
    levels = (level,) if level else LEVELS
    return pd.concat([jurisdiction_table(lvl, data_dir) for lvl in levels], ignore_index=True)


def _label(row: pd.Series) -> str:
    """'Chicago city, Illinois (city 1714000)'."""
    kind = LEVEL_WORDS[row["level"]]
    return f"{row['name']}, {states.name(row['state'])} ({kind} {row['geoid']})"


def _by_code(code: str, level: str | None, data_dir) -> Jurisdiction:
    wanted = {GEOID_LENGTH[lv]: lv for lv in LEVELS}
    if len(code) in (1, 2) and states.state_fips(code):
        raise JurisdictionError(
            f"{code!r} is a state code, not a county or city. Give a 5-digit county FIPS or "
            f"7-digit city GEOID; to run every county of {states.name(code.zfill(2))}, use "
            f"`mobility-nb batch --state {states.abbr(code.zfill(2))} --level county`."
        )
    if len(code) in (4, 6):
        padded = "0" + code
        try:
            found = _by_code(padded, level, data_dir)
        except JurisdictionError:
            found = None
        hint = [found.describe()] if found else []
        raise JurisdictionError(
            f"{code!r} has {len(code)} digits; FIPS codes keep their leading zeros "
            '(quote them in YAML, e.g. jurisdiction: "06037").',
            hint,
        )
    code_level = wanted.get(len(code))
    if code_level is None:
        raise JurisdictionError(
            f"{code!r} is not a jurisdiction code: counties use 5-digit FIPS codes (17031) "
            "and cities 7-digit census place GEOIDs (4260000)."
        )
    table = jurisdiction_table(code_level, data_dir)
    hit = table[table["geoid"] == code]
    if hit.empty:
        same_state = table[table["state"] == code[:2]]
        pool = same_state if not same_state.empty else table
        nearest = pool.iloc[(pool["geoid"].astype(int) - int(code)).abs().argsort()[:5]]
        raise JurisdictionError(
            f"No {LEVEL_WORDS[code_level]} with code {code} is in the Mobility Metrics data "
            f"({len(table):,} {LEVEL_WORDS[code_level]} codes known). Check the code, or give "
            "the name instead.",
            [_label(r) for _, r in nearest.iterrows()],
        )
    found = _row_to_jurisdiction(hit.iloc[0])
    if level and level != code_level:
        other = jurisdiction_table(level, data_dir)
        in_state = other[other["state"] == found.state]
        in_state = in_state.sort_values("population", ascending=False).head(5)
        raise JurisdictionError(
            f"{code} is a {LEVEL_WORDS[code_level]} ({found.display_name}), but a "
            f"{LEVEL_WORDS[level]} is expected here "
            f"({GEOID_LENGTH[level]}-digit code).",
            [_label(r) for _, r in in_state.iterrows()],
        )
    return found


def _split_state(text: str) -> tuple[str, str | None]:
    """'Cook County, IL' -> ('Cook County', '17'); also 'cook county illinois'."""
    if "," in text:
        head, _, tail = text.rpartition(",")
        fips = states.state_fips(tail.strip())
        if fips:
            return head.strip(), fips
    words = text.split()
    for n in (3, 2, 1):
        if len(words) > n:
            fips = states.state_fips(" ".join(words[-n:]))
            if fips:
                return " ".join(words[:-n]), fips
    return text, None


def resolve(
    text: str | int, level: str | None = None, data_dir: str | os.PathLike[str] | None = None
) -> Jurisdiction:
    """Resolve a FIPS/GEOID or a name to exactly one jurisdiction, or explain why not."""
    if level is not None and level not in LEVELS:
        raise JurisdictionError(f"Unknown level {level!r}: use 'county' or 'place'.")
    raw = str(text).strip()
    if not raw:
        raise JurisdictionError(
            "No jurisdiction given: pass a county FIPS (17031), a city GEOID (4260000) or a "
            "name such as 'Cook County, IL'."
        )
    if raw.isdigit():
        return _by_code(raw, level, data_dir)
    name_part, fips = _split_state(raw)
    query = _normalise(name_part)
    table = _tables(level, data_dir)
    pool = table[table["state"] == fips] if fips else table
    for column, value in (("key", query), ("base", _base(query))):
        hits = pool[pool[column] == value]
        if len(hits) == 1:
            return _row_to_jurisdiction(hits.iloc[0])
        if len(hits) > 1:
            raise JurisdictionError(
                f"{raw!r} matches {len(hits)} jurisdictions. Use the full name with its state, "
                "or the FIPS/GEOID code.",
                [_label(r) for _, r in hits.iterrows()],
            )
    suggestions = _closest(query, pool)
    if fips:  # the name may exist in another state ("Cook County, IN")
        elsewhere = table[table["base"] == _base(query)]
        suggestions = [_label(r) for _, r in elsewhere.iterrows()] + suggestions
        suggestions = suggestions or _closest(query, table)
    return _no_match(raw, suggestions[:6], level)


def _closest(query: str, pool: pd.DataFrame) -> list[str]:
    labels: dict[str, pd.Series] = {}
    for _, r in pool.iterrows():
        labels.setdefault(r["key"], r)
        labels.setdefault(r["base"], r)
    close = difflib.get_close_matches(query, list(labels), n=5, cutoff=0.6)
    return list(dict.fromkeys(_label(labels[c]) for c in close))


def _no_match(raw: str, suggestions: list[str], level: str | None = None) -> Jurisdiction:
    kind = f"{LEVEL_WORDS[level]}" if level else "county or city"
    raise JurisdictionError(
        f"No {kind} named {raw!r} is in the Mobility Metrics data (cities are included when "
        "they have 75,000+ residents). Check the spelling, add the state ('Cook County, IL'), "
        "or use the FIPS/GEOID code.",
        suggestions,
    )
