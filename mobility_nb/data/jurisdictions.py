"""Turn what an analyst types ("Cook County, IL", "4260000") into one jurisdiction.

Counties are 5-digit FIPS codes and cities are 7-digit census place GEOIDs, always text.
The list of jurisdictions comes from the Mobility Metrics files themselves, so a name
resolves exactly when the data can answer for it. Anything unknown raises
:class:`~mobility_nb.errors.JurisdictionError` with the closest matches; a name that fits
several places raises :class:`~mobility_nb.errors.AmbiguousJurisdictionError` with the
spelling that picks each.

This is the one resolver of the tool (Step 2, 5 and 8 pages, plan places, batch lists,
``--peers``). It reads a light index of names (:class:`LevelIndex`, a few hundred KB,
kept on disk in the user cache beside the data file's size and date) rather than the
full metrics table, so a command line that names a wrong place fails in about a second,
before any kernel starts.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mobility_nb.config import find_file, jurisdiction_index_dir, resolve_data_dir
from mobility_nb.data import states
from mobility_nb.data.layout import MAIN_FILES
from mobility_nb.errors import AmbiguousJurisdictionError, JurisdictionError

if TYPE_CHECKING:
    import pandas as pd

LEVELS = ("county", "place")  # as mobility_nb.data.metrics.LEVELS (a test keeps them equal)
INDEX_FORMAT = 1  # bump when the index file's contents change
KEEP_INDEX_FILES = 32  # index files kept in the cache (two per data folder in use)
MAX_LISTED = 8  # candidates named in an ambiguity message

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
    from mobility_nb.data.metrics import derived, load_wide

    return derived(
        load_wide(level, data_dir), f"jurisdictions-{level}", lambda wide: _build_table(wide, level)
    )


def _build_table(wide: pd.DataFrame, level: str) -> pd.DataFrame:
    import pandas as pd

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


# --- the light index ------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One jurisdiction of the index, with the normalised forms names are matched on."""

    place: Jurisdiction
    key: str  # "austin city"
    base: str  # "austin"


@dataclass
class LevelIndex:
    """Every jurisdiction of one level, looked up by code, full name or base name."""

    level: str
    entries: list[Entry]
    by_geoid: dict[str, Entry] = field(default_factory=dict)
    by_key: dict[str, list[Entry]] = field(default_factory=dict)
    by_base: dict[str, list[Entry]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for e in self.entries:
            self.by_geoid[e.place.geoid] = e
            self.by_key.setdefault(e.key, []).append(e)
            self.by_base.setdefault(e.base, []).append(e)


_INDEXES: dict[tuple[str, int, int, str], LevelIndex] = {}


def _entry(geoid: str, level: str, name: str, population: float | None) -> Entry:
    key = _normalise(name)
    place = Jurisdiction(geoid, level, name, geoid[:2], population)
    return Entry(place, key, _base(key))


def _index_file(stamp: tuple[str, int, int, str]) -> Path:
    digest = hashlib.sha256(json.dumps([INDEX_FORMAT, *stamp]).encode()).hexdigest()[:20]
    return jurisdiction_index_dir() / f"{stamp[3]}-{digest}.json"


def _read_index_file(path: Path, level: str) -> LevelIndex | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = data["rows"] if data.get("format") == INDEX_FORMAT else None
        if rows is None:
            return None
        return LevelIndex(level, [_entry(str(g), level, str(n), p) for g, n, p in rows])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a damaged cache file is rebuilt


def _build_index(level: str, data_dir: str | os.PathLike[str] | None) -> tuple[LevelIndex, list]:
    import pandas as pd

    table = jurisdiction_table(level, data_dir)
    rows = [
        [str(g), str(n), None if pd.isna(p) else float(p)]
        for g, n, p in zip(table["geoid"], table["name"], table["population"], strict=True)
    ]
    return LevelIndex(level, [_entry(g, level, n, p) for g, n, p in rows]), rows


def level_index(level: str, data_dir: str | os.PathLike[str] | None = None) -> LevelIndex:
    """The index of one level: from memory, else the user cache, else built from the file.

    Keyed by the data file's real path, size and modification time, so a replaced file
    (a new release) is indexed again and never answered from an old index.
    """
    if level not in LEVELS:
        raise JurisdictionError(f"Unknown level {level!r}: use 'county' or 'place'.")
    root = resolve_data_dir(data_dir)
    path = find_file(root, MAIN_FILES[level])  # no pandas on this path: a second, not three
    if path is None:
        from mobility_nb.data.metrics import locate  # downloads it, or says where to put it

        path = locate(MAIN_FILES[level], root, required=True)
        assert path is not None
    st = os.stat(path)
    stamp = (os.path.realpath(path), st.st_size, st.st_mtime_ns, level)
    index = _INDEXES.get(stamp)
    if index is not None:
        return index
    file = _index_file(stamp)
    index = _read_index_file(file, level)
    if index is None:
        index, rows = _build_index(level, data_dir)
        payload = {"format": INDEX_FORMAT, "source": Path(path).name, "rows": rows}
        with contextlib.suppress(OSError):  # an unwritable cache only costs speed
            from mobility_nb.atomic import write_atomic

            write_atomic(file, json.dumps(payload, separators=(",", ":")))
            _prune(file.parent)
    _INDEXES[stamp] = index
    return index


def _prune(folder: Path, keep: int = KEEP_INDEX_FILES) -> None:
    """Drop the oldest index files (replaced releases, test folders) beyond ``keep``."""
    with contextlib.suppress(OSError):  # another process may be pruning too
        files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[keep:]:
            old.unlink(missing_ok=True)


def _indexes(level: str | None, data_dir) -> list[LevelIndex]:
    return [level_index(lvl, data_dir) for lvl in ((level,) if level else LEVELS)]


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
    return [
        e.place
        for index in _indexes(level, data_dir)
        for e in index.entries
        if fips is None or e.place.state == fips
    ]


def _label(place: Jurisdiction) -> str:
    """'Chicago city, Illinois (city 1714000)'."""
    return place.describe()


def _by_population(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: -(e.place.population or 0.0))


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
    index = level_index(code_level, data_dir)
    hit = index.by_geoid.get(code)
    if hit is None:
        same_state = [e for e in index.entries if e.place.state == code[:2]]
        pool = same_state or index.entries
        nearest = sorted(pool, key=lambda e: abs(int(e.place.geoid) - int(code)))[:5]
        raise JurisdictionError(
            f"No {LEVEL_WORDS[code_level]} with code {code} is in the Mobility Metrics data "
            f"({len(index.entries):,} {LEVEL_WORDS[code_level]} codes known). Check the code, "
            "or give the name instead.",
            [_label(e.place) for e in nearest],
        )
    found = hit.place
    if level and level != code_level:
        other = level_index(level, data_dir)
        in_state = _by_population(e for e in other.entries if e.place.state == found.state)[:5]
        raise JurisdictionError(
            f"{code} is a {LEVEL_WORDS[code_level]} ({found.display_name}), but a "
            f"{LEVEL_WORDS[level]} is expected here "
            f"({GEOID_LENGTH[level]}-digit code).",
            [_label(e.place) for e in in_state],
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


def _name_matches(raw: str, level: str | None, data_dir) -> list[Entry]:
    """Entries a name fits: by full name first, else by the name without its kind."""
    name_part, fips = _split_state(raw)
    query = _normalise(name_part)
    for attr, value in (("by_key", query), ("by_base", _base(query))):
        hits = [
            e
            for index in _indexes(level, data_dir)
            for e in getattr(index, attr).get(value, [])
            if fips is None or e.place.state == fips
        ]
        if hits:
            return hits
    return []


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
    hits = _name_matches(raw, level, data_dir)
    if len(hits) == 1:
        return hits[0].place
    if hits:
        raise _ambiguous(raw, hits, level, data_dir)
    name_part, fips = _split_state(raw)
    query = _normalise(name_part)
    everywhere = [e for index in _indexes(level, data_dir) for e in index.entries]
    pool = [e for e in everywhere if e.place.state == fips] if fips else everywhere
    suggestions = _closest(query, pool)
    if fips:  # the name may exist in another state ("Cook County, IN")
        elsewhere = [e for e in everywhere if e.base == _base(query)]
        suggestions = [_label(e.place) for e in elsewhere] + suggestions
        suggestions = suggestions or _closest(query, everywhere)
    return _no_match(raw, suggestions[:6], level)


def _spelling(entry: Entry, data_dir) -> str:
    """The shortest text that resolves to ``entry`` alone: its name and state, else its code."""
    text = entry.place.short_name
    hits = _name_matches(text, None, data_dir)
    return text if [h.place for h in hits] == [entry.place] else entry.place.geoid


def _ambiguous(
    raw: str, hits: list[Entry], level: str | None, data_dir
) -> AmbiguousJurisdictionError:
    ordered = hits if len(hits) <= MAX_LISTED else _by_population(hits)
    shown, more = ordered[:MAX_LISTED], max(0, len(hits) - MAX_LISTED)
    choices = []
    for e in shown:
        flag = ""
        if level is None and len(_name_matches(raw, e.place.level, data_dir)) == 1:
            flag = e.place.level
        choices.append((_label(e.place), _spelling(e, data_dir), flag))
    hint = ""
    if more:
        example = shown[0].place.short_name
        hint = f" (add the state to the name, e.g. {example!r})"
    return AmbiguousJurisdictionError(raw, choices, more=more, hint=hint)


def _closest(query: str, pool: list[Entry]) -> list[str]:
    labels: dict[str, Entry] = {}
    for e in pool:
        labels.setdefault(e.key, e)
        labels.setdefault(e.base, e)
    close = difflib.get_close_matches(query, list(labels), n=5, cutoff=0.6)
    return list(dict.fromkeys(_label(labels[c].place) for c in close))


def _no_match(raw: str, suggestions: list[str], level: str | None = None) -> Jurisdiction:
    kind = f"{LEVEL_WORDS[level]}" if level else "county or city"
    raise JurisdictionError(
        f"No {kind} named {raw!r} is in the Mobility Metrics data (cities are included when "
        "they have 75,000+ residents). Check the spelling, add the state ('Cook County, IL'), "
        "or use the FIPS/GEOID code.",
        suggestions,
    )
