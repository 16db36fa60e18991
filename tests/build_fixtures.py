"""A small valid dataset built from code, and helpers to break it one way at a time.

Two documents, four actors (a child listed before its parent, a merged record), two places,
two incidents, claims with a repeated quote told apart by ``occurrence``, one figure of
every qualifier, a relay and a link. The text holds non-ASCII characters before the quotes
so that byte offsets and character offsets differ.
"""

from __future__ import annotations

from pathlib import Path

DOC1_TEXT = (
    "Truce near Ḥalab — holding, say officials\n"
    "\n"
    "Russia's military said on Sunday that rebels had violated the truce 55 times. "
    'The Syrian Observatory said at least 62 soldiers were killed. "We will respond," the '
    "ministry said. Activists said more than 100 people had died, while the army said fewer "
    "than 20 civilians were hurt. Officials gave about 7,000 as the number of food parcels "
    "and said at most 3 strikes hit the convoy. An unspecified number of fighters were "
    'wounded. "We will respond," the ministry said again.\n'
)

DOC2_TEXT = "Monitors say 40 soldiers were killed near Deir el-Zour.\n"

FILES: dict[str, str] = {
    "countries.csv": (
        "country,name,min_lat,max_lat,min_lon,max_lon\n"
        "GBR,United Kingdom,49.9,60.9,-8.6,1.8\n"
        "RUS,Russia,41.2,81.9,19.6,180\n"
        "SYR,Syria,32.3,37.3,35.7,42.4\n"
    ),
    "actors.yml": """\
- actor_id: act-isis
  name: Islamic State
  kind: armed_group
  status: active
- actor_id: act-is
  name: IS (duplicate record)
  kind: armed_group
  status: merged
  merged_into: act-isis
  notes: Merged into act-isis.
- actor_id: act-russian-military
  name: Russian military
  kind: military
  country: RUS
  status: active
- actor_id: act-sohr
  name: Syrian Observatory for Human Rights
  kind: ngo
  country: GBR
  status: active
- actor_id: act-syrian-army
  name: Syrian army
  kind: military
  country: SYR
  parent_id: act-syrian-government
  status: active
- actor_id: act-syrian-government
  name: Syrian government
  kind: government
  country: SYR
  role: null
  status: active
""",
    "actor_aliases.csv": (
        "actor_id,alias\n"
        "act-isis,ISIS\n"
        "act-isis,Daesh\n"
        "act-sohr,Syrian Observatory\n"
    ),
    "places.yml": """\
- place_id: plc-deir-ez-zor
  name: Deir ez-Zor
  kind: city
  country: SYR
  parent_id: plc-syria
  lat: 35.33
  lon: 40.14
  status: active
- place_id: plc-syria
  name: Syria
  kind: country
  country: SYR
  status: active
""",
    "place_aliases.csv": "place_id,alias\nplc-deir-ez-zor,Deir el-Zour\n",
    "documents/doc-0001.yml": """\
doc_id: doc-0001
title: Truce near Ḥalab — holding, say officials
published_on: 2016-09-19
published_precision: day
published_basis: inferred
language: en
source_kind: news
licence: CC-BY-4.0
text_policy: ship
notes: Publication date from outside knowledge.
""",
    "documents/doc-0001.txt": DOC1_TEXT,
    "documents/doc-0002.yml": """\
doc_id: doc-0002
title: Monitors count the dead
language: en
source_kind: wire
licence: LicenseRef-All-Rights-Reserved
text_policy: quotes
""",
    "documents/doc-0002.txt": DOC2_TEXT,
    "incidents.yml": """\
- incident_id: inc-0001
  title: The truce
  kind: ceasefire
  start_date: 2016-09-12
  date_precision: day
  place_id: plc-syria
  geo_precision: country
  status: active
- incident_id: inc-0002
  title: Airstrike near Deir ez-Zor
  kind: airstrike
  start_date: 2016-09-17
  end_date: 2016-09-17
  date_precision: day
  place_id: plc-deir-ez-zor
  geo_precision: near
  status: active
""",
    "claims/doc-0001.yml": """\
- claim_id: clm-0001
  doc_id: doc-0001
  incident_id: inc-0001
  claimant_id: act-russian-military
  claim_date: 2016-09-18
  claim_date_precision: day
  claim_date_basis: relative
  quote: rebels had violated the truce 55 times
  modality: asserted
  topic: violations
  status: active
- claim_id: clm-0002
  doc_id: doc-0001
  incident_id: inc-0002
  claimant_id: act-sohr
  quote: at least 62 soldiers were killed
  modality: asserted
  topic: casualties
  status: active
- claim_id: clm-0003
  doc_id: doc-0001
  claimant_id: act-syrian-government
  quote: We will respond
  occurrence: 2
  modality: asserted
  topic: intent
  status: active
- claim_id: clm-0004
  doc_id: doc-0001
  claimant_id: null
  quote: more than 100 people had died
  modality: asserted
  topic: casualties
  status: active
- claim_id: clm-0005
  doc_id: doc-0001
  claimant_id: act-syrian-army
  quote: fewer than 20 civilians were hurt
  modality: asserted
  topic: casualties
  status: active
- claim_id: clm-0006
  doc_id: doc-0001
  quote: about 7,000 as the number of food parcels and said at most 3 strikes hit the convoy
  modality: asserted
  topic: aid
  status: active
- claim_id: clm-0007
  doc_id: doc-0001
  quote: An unspecified number of fighters were wounded
  modality: asserted
  topic: casualties
  status: active
""",
    "claims/doc-0002.yml": """\
- claim_id: clm-0008
  doc_id: doc-0002
  incident_id: inc-0002
  quote: 40 soldiers were killed
  modality: asserted
  topic: casualties
  status: active
""",
    "figures/doc-0001.yml": """\
- figure_id: fig-0001
  claim_id: clm-0001
  measure: violations
  stated_text: 55 times
  stated_value: 55
  qualifier: exact
  unit: violations
  period_start: 2016-09-12
- figure_id: fig-0002
  claim_id: clm-0002
  measure: killed
  victim_group: soldiers
  party_id: act-syrian-army
  stated_text: at least 62
  stated_value: 62
  qualifier: at_least
  unit: people
- figure_id: fig-0003
  claim_id: clm-0004
  measure: killed
  victim_group: people
  stated_text: more than 100
  stated_value: 100
  qualifier: more_than
  unit: people
- figure_id: fig-0004
  claim_id: clm-0005
  measure: injured
  victim_group: civilians
  stated_text: fewer than 20
  stated_value: 20
  qualifier: fewer_than
  unit: people
- figure_id: fig-0005
  claim_id: clm-0006
  measure: aid_units
  stated_text: about 7,000
  stated_value: 7000
  qualifier: about
  unit: food parcels
- figure_id: fig-0006
  claim_id: clm-0006
  measure: strikes
  stated_text: at most 3
  stated_value: 3
  qualifier: at_most
  unit: strikes
- figure_id: fig-0007
  claim_id: clm-0007
  measure: wounded
  victim_group: fighters
  stated_text: An unspecified number
  qualifier: unspecified
  unit: people
""",
    "figures/doc-0002.yml": """\
- figure_id: fig-0008
  claim_id: clm-0008
  measure: killed
  victim_group: soldiers
  stated_text: "40"
  stated_value: 40
  qualifier: exact
  unit: people
""",
    "claim_relays.csv": "claim_id,hop,actor_id,cue\nclm-0005,2,act-syrian-government,said\n",
    "claim_links.csv": "claim_id,other_claim_id,relation\nclm-0002,clm-0008,contradicts\n",
}

# What the build must derive from FILES (the expected values, worked out by hand).
EXPECTED_INTERVALS: dict[str, tuple[int | None, int | None]] = {
    "fig-0001": (55, 55),
    "fig-0002": (62, None),
    "fig-0003": (101, None),
    "fig-0004": (0, 19),
    "fig-0005": (None, None),
    "fig-0006": (0, 3),
    "fig-0007": (None, None),
    "fig-0008": (40, 40),
}
ROW_COUNTS: dict[str, int] = {
    "countries": 3,
    "actors": 6,
    "actor_aliases": 3,
    "places": 2,
    "place_aliases": 1,
    "documents": 2,
    "incidents": 2,
    "claims": 8,
    "claim_relays": 1,
    "claim_links": 1,
    "figures": 8,
}


def write_dataset(folder: Path) -> Path:
    """Write the small valid dataset into ``folder`` (created) and return it."""
    for rel, text in FILES.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return folder


def edit(folder: Path, rel: str, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in a dataset file (so a test breaks one thing)."""
    path = folder / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {rel}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(folder: Path, rel: str, needle: str) -> int:
    """The 1-based line of ``rel`` holding ``needle`` (which must occur once)."""
    lines = (folder / rel).read_text(encoding="utf-8").splitlines()
    hits = [i + 1 for i, line in enumerate(lines) if needle in line]
    assert len(hits) == 1, f"{needle!r} on lines {hits} of {rel}"
    return hits[0]


def build_fixture_db(folder: Path) -> Path:
    """Write the fixture dataset under ``folder`` and build it to ``folder/newsclaims.duckdb``."""
    from newsclaims.build import build_database

    return build_database(write_dataset(folder / "dataset"), folder / "newsclaims.duckdb")
