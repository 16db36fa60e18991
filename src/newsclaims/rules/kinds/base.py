"""What a rule kind is: its parameters, its engine-neutral selection, its description, its
Great Expectations form and its default defect recipe.

A selection says WHAT a rule selects, not how an engine finds it:

| selection | selects | kinds |
|---|---|---|
| ``RowFilter`` | the rows of the table's scan (``sql/scans/``) where a condition holds | not_null, accepted_values, pattern, row |
| ``RepeatedKey`` | every row whose key (a column list) occurs more than once | unique |
| ``MissingReference`` | every row whose non-NULL value has no referenced key | relationship |
| ``GroupedQuery`` | what a query file of its own returns (``record_id``, ``message``) | sql |
| ``PanderaModel`` | the records the table's pandera model rejects | pandera |

Conditions and messages are SQL expressions over the scan's aliases (``t`` the table) in
DuckDB's dialect; engines of another dialect translate them. Each engine turns selections
into stored violations (``newsclaims.engines``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar


@dataclass(frozen=True)
class RowFilter:
    where: str
    message: str  # a SQL expression; NULL falls back to the rule's title
    uses: tuple[str, ...] = ()  # aliases of the scan's joins the condition reads


@dataclass(frozen=True)
class RepeatedKey:
    columns: tuple[str, ...]


@dataclass(frozen=True)
class MissingReference:
    column: str
    ref_table: str
    ref_column: str

    @property
    def target(self) -> str:
        return f"{self.ref_table}.{self.ref_column}"


@dataclass(frozen=True)
class GroupedQuery:
    file: str  # relative to sql/: rules/<id>.sql


@dataclass(frozen=True)
class PanderaModel:
    model: str  # a model of newsclaims.schemas


Selection = RowFilter | RepeatedKey | MissingReference | GroupedQuery | PanderaModel


# --- footprints: which records' verdicts a batch of new and corrected records can change -----
# (``newsclaims ingest`` evaluates a rule only on its footprint; see docs/ingest.md)


@dataclass(frozen=True)
class BatchRows:
    """The batch's rows of the rule's table, and the rows whose partners in the joins
    ``uses`` (aliases of ``sql/scans/<table>.sql``) are in the batch, before or after it:
    a row's verdict reads only the row and those partners."""

    uses: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChildrenOf:
    """The batch's rows of the rule's table, and its stored rows whose ``column`` holds a
    ``ref_table.ref_column`` value of the batch (before or after it): a new parent key
    resolves them."""

    column: str
    ref_table: str
    ref_column: str


@dataclass(frozen=True)
class SharingKey:
    """Every row whose key (``columns``) a batch row has, before or after the batch."""

    columns: tuple[str, ...]


@dataclass(frozen=True)
class SharingKeys:
    """The batch's rows of the rule's table, and every row that holds, before or after the
    batch, the same values as a batch row in one of the column sets ``keys``, NULL matching
    NULL: a table model's row checks read the row alone, its uniqueness checks the rows
    holding the same value (pandera counts NULLs as equal)."""

    keys: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Scoped:
    """The records a query file of the rule's own declaration returns (``scope:`` of a
    ``sql`` rule, relative to sql/): for a grouped rule, the records of the groups the batch
    touches. The query reads the tables in their new state, and ``ingest_batch_<table>``
    (the batch's rows and the stored rows they replace) and ``ingest_before_<table>`` (the
    table before the batch); the rule then runs on those records of its table alone."""

    file: str


@dataclass(frozen=True)
class Whole:
    """Every record: the rule runs in full, and its result says why (``detail``)."""

    reason: str


Footprint = BatchRows | ChildrenOf | SharingKey | SharingKeys | Scoped | Whole


@dataclass(frozen=True)
class GxForm:
    """A native Great Expectations expectation: its class in ``great_expectations.expectations``
    and its arguments. A kind without one is run through GX from its selection (an
    ``UnexpectedRowsExpectation`` over the scan), when GX can express that selection."""

    expectation: str
    kwargs: dict = field(default_factory=dict)
    on_duckdb: bool = True  # False: GX cannot run it on DuckDB; the selection runs there instead


@dataclass(frozen=True)
class Defect:
    """A kind's default defect recipe, as data (``newsclaims.defects`` applies it).

    ``update``: the assignments of one ``UPDATE`` of the targets (their records are then
    the rule's violations); or ``action``: a named recipe body of ``newsclaims.defects``
    (``duplicate``, ``null_key_copy``, ``rename_id``). ``where``: the candidates' condition
    over alias ``t``; ``safe``: also only the table's safe records. ``pandera_also``: the
    table's pandera model rejects the same records."""

    doc: str
    where: str = "TRUE"
    update: str | None = None
    action: str | None = None
    safe: bool = True
    pandera_also: bool = False


class Kind:
    """A rule kind. Subclasses declare ``name``, ``required``/``optional`` parameters and
    ``summary`` (for the authoring guide), and implement ``select``; the rest is optional.
    Register a subclass with ``newsclaims.rules.kinds.register``."""

    name: ClassVar[str]
    required: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[tuple[str, ...]] = ()
    summary: ClassVar[str] = ""

    def validate(self, rule) -> str | None:
        """What is wrong with a declaration beyond its keys and columns, or None."""
        return None

    def select(self, rule) -> Selection:
        raise NotImplementedError

    def footprint(self, rule) -> Footprint:
        """Which records' verdicts a batch can change (``newsclaims ingest``): by default
        derived from the selection, in one place (``footprint_of``); a kind overrides it
        where its declaration says more."""
        return footprint_of(rule.selection)

    def describe(self, rule) -> str:
        """The rule's test in the generated catalogue (Markdown)."""
        return ""

    def gx(self, rule) -> GxForm | None:
        return None

    def defect(self, rule) -> Defect | None:
        """The default defect recipe of a rule of this kind (None: each rule needs its own)."""
        return None


def footprint_of(selection: Selection) -> Footprint:
    """The footprint a selection implies by its type alone."""
    if isinstance(selection, RowFilter):
        return BatchRows(tuple(sorted(selection.uses)))
    if isinstance(selection, MissingReference):
        return ChildrenOf(selection.column, selection.ref_table, selection.ref_column)
    if isinstance(selection, RepeatedKey):
        return SharingKey(selection.columns)
    if isinstance(selection, GroupedQuery):
        return Whole(f"a grouped query ({selection.file}) that declares no scope runs in full")
    if isinstance(selection, PanderaModel):
        return Whole("a pandera model validates its whole table")
    raise TypeError(f"no footprint for a {type(selection).__name__}")
