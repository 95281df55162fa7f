"""Which places a comparison report puts side by side.

A report compares places of one level (counties with counties, cities with cities):

* a **state**: every county (or city) of one state with data, drawn on the state's maps;
* the **nation**: every county (or city) with data, in state-by-state sections;
* a **list**: the jurisdictions of a batch list (``--list``, the file ``batch`` reads);
* a **folder**: the places that have Step 2 pages in a batch's output folder;
* a **peer set**: one focal place and its peers, chosen the way its Step 2 page chooses
  them (the analyst's list, or the most similar places by Step 2's stated rule).

A list or folder holding both counties and cities gives one selection per level.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mobility_nb.data import metrics as metrics_data
from mobility_nb.data import states
from mobility_nb.data.jurisdictions import Jurisdiction, all_jurisdictions, resolve, slugify
from mobility_nb.errors import CompareError, JurisdictionError
from mobility_nb.steps.step2 import peers as step2_peers

KINDS = ("state", "nation", "list", "folder", "peers")
NOUNS = {"county": ("county", "counties"), "place": ("city", "cities")}


@dataclass(frozen=True)
class Selection:
    """The places of one report, with the words and file name that describe them."""

    kind: str
    level: str
    places: tuple[Jurisdiction, ...]
    title: str  # "Pennsylvania's counties compared"
    stem: str  # file name without extension: "pa-counties"
    described: str  # "every county of Pennsylvania with data", for the page and provenance
    state: str | None = None  # two-digit FIPS when the selection is a whole state (maps)
    focal: Jurisdiction | None = None  # a peer set's own place
    peer_set: step2_peers.PeerSet | None = None

    @property
    def noun(self) -> str:
        return NOUNS[self.level][0]

    @property
    def nouns(self) -> str:
        return NOUNS[self.level][1]

    @property
    def geoids(self) -> list[str]:
        return [p.geoid for p in self.places]


def _level(level: str | None) -> str:
    if level in (None, "", "county"):
        return "county"
    if level in ("place", "city"):
        return "place"
    raise CompareError(f"Unknown level {level!r} for a comparison: use county or place (cities).")


def state_selection(
    state: str, level: str | None = None, data_dir: str | os.PathLike[str] | None = None
) -> Selection:
    """Every county (or city) of ``state`` ('PA', 'Pennsylvania' or '42') with data."""
    lvl = _level(level)
    fips = states.state_fips(str(state))
    if fips is None:
        raise CompareError(
            f"{state!r} is not a US state: give a postal code (PA), a name (Pennsylvania) or "
            "a two-digit FIPS code (42)."
        )
    places = _sorted(all_jurisdictions(lvl, fips, data_dir))
    one, many = NOUNS[lvl]
    if not places:
        raise CompareError(
            f"No {one} of {states.name(fips)} has data in the Mobility Metrics files, so there "
            "is nothing to compare. Try --level county (cities need 75,000+ residents)."
        )
    abbr = states.abbr(fips)
    return Selection(
        kind="state",
        level=lvl,
        places=tuple(places),
        title=f"{states.name(fips)}: {len(places):,} {many if len(places) != 1 else one} compared",
        stem=f"{abbr.lower()}-{many}",
        described=f"every {one} of {states.name(fips)} with data in Urban's files",
        state=fips,
    )


def nation_selection(
    level: str | None = None, data_dir: str | os.PathLike[str] | None = None
) -> Selection:
    """Every county (or every city) of the nation with data."""
    lvl = _level(level)
    places = _sorted(all_jurisdictions(lvl, None, data_dir))
    one, many = NOUNS[lvl]
    return Selection(
        kind="nation",
        level=lvl,
        places=tuple(places),
        title=f"United States: {len(places):,} {many} compared",
        stem=f"us-{many}",
        described=f"every US {one} with data in Urban's files"
        + (" (places of 75,000 or more people)" if lvl == "place" else ""),
    )


def peer_selection(
    jurisdiction: str,
    peers: Sequence[str] = (),
    data_dir: str | os.PathLike[str] | None = None,
    level: str | None = None,
) -> Selection:
    """One place and its peers, chosen exactly as its Step 2 page chooses them."""
    focal = resolve(jurisdiction, level=level or None, data_dir=data_dir)
    given = [str(p) for p in peers if str(p).strip()]
    if given:
        peer_set = step2_peers.given_peers(given, focal, data_dir)
    else:
        tidy = metrics_data.load_metrics(focal.level, data_dir)
        peer_set = step2_peers.similar_peers(tidy, focal, data_dir=data_dir)
    if not peer_set.peers:
        raise CompareError(
            f"{focal.display_name} has no peers to compare with: {peer_set.rule} Give peers "
            "yourself with --peers."
        )
    places = (focal, *peer_set.peers)
    n = len(peer_set.peers)
    return Selection(
        kind="peers",
        level=focal.level,
        places=places,
        title=f"{focal.display_name} and {n} peer {NOUNS[focal.level][1 if n != 1 else 0]}",
        stem=f"peers-{focal.slug}",
        described=(
            f"{focal.display_name} and the {n} peers its Step 2 page compares it with"
            + (" (chosen by the analyst)" if given else " (chosen by Step 2's similarity rule)")
        ),
        focal=focal,
        peer_set=peer_set,
    )


def list_selections(
    path: str | os.PathLike[str],
    data_dir: str | os.PathLike[str] | None = None,
    level: str | None = None,
) -> list[Selection]:
    """The jurisdictions of a batch list, one selection per level (or only ``level``)."""
    from mobility_nb.run.batch.selection import read_list

    file = Path(path)
    places: list[Jurisdiction] = []
    unknown: list[str] = []
    for row in read_list(file):
        try:
            places.append(resolve(row.jurisdiction, level=row.level, data_dir=data_dir))
        except JurisdictionError as exc:
            unknown.append(f"row {row.number} ({row.jurisdiction!r}): {exc}")
    if unknown:
        raise CompareError(
            f"The list {file} names jurisdictions that are not in the data: "
            + " ".join(unknown[:3])
            + (f" (and {len(unknown) - 3} more)" if len(unknown) > 3 else "")
        )
    return _grouped(places, "list", slugify(file.stem) or "list", f"the list {file.name}", level)


def folder_selections(
    out_dir: str | os.PathLike[str],
    data_dir: str | os.PathLike[str] | None = None,
    level: str | None = None,
) -> list[Selection]:
    """The places with a Step 2 page in a batch's output folder, one selection per level."""
    from mobility_nb.compare.links import step_links

    folder = Path(out_dir)
    links = step_links(folder)
    codes = [g for g, steps in links.items() if "step2" in steps]
    if not codes:
        raise CompareError(
            f"The folder {folder} holds no Step 2 pages to compare. Build them first "
            f"(mobility-nb batch ... --out {folder}), or compare a state with --state."
        )
    places = []
    for code in codes:
        try:
            places.append(resolve(code, data_dir=data_dir))
        except JurisdictionError:
            continue  # a page from older data: no longer in the files
    return _grouped(
        places, "folder", "pages", f"the Step 2 pages in {folder.name or folder}", level
    )


def _grouped(
    places: Sequence[Jurisdiction], kind: str, stem: str, source: str, level: str | None
) -> list[Selection]:
    unique = list({p.geoid: p for p in places}.values())
    out = []
    for lvl in ("county", "place"):
        if level and _level(level) != lvl:
            continue
        mine = _sorted([p for p in unique if p.level == lvl])
        if not mine:
            continue
        one, many = NOUNS[lvl]
        fips = {p.state for p in mine}
        state = fips.pop() if len(fips) == 1 else None
        where = f" of {states.name(state)}" if state else ""
        out.append(
            Selection(
                kind=kind,
                level=lvl,
                places=tuple(mine),
                title=f"{len(mine):,} {many if len(mine) != 1 else one}{where} compared",
                stem=f"{stem}-{many}",
                described=f"the {many if len(mine) != 1 else one} of {source}",
            )
        )
    if not out:
        raise CompareError(
            f"No {NOUNS[_level(level)][0] if level else 'county or city'} of {source} can be "
            "compared."
        )
    return out


def _sorted(places: Sequence[Jurisdiction]) -> list[Jurisdiction]:
    """State by state (FIPS order), then by name: the order of every report's rows."""
    return sorted(places, key=lambda p: (p.state, p.name.lower(), p.geoid))
