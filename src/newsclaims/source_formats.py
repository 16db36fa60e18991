"""The two source formats, read with line numbers: YAML (a ``SafeLoader`` whose mappings
remember their start line) and CSV (rows with the line they start on).

Both refuse, as one ``file:line: ...`` ``InputError``: bytes that are not UTF-8, malformed
syntax, a duplicate YAML key or an impossible YAML date, a record that is not a mapping,
an unknown key or CSV column (with the closest allowed name), a CSV row with the wrong
number of fields, a NUL character in a value (YAML's ``"\\0"`` escape included). YAML
also refuses a character YAML does not allow (a raw NUL byte, ...), a ``\\ud800``-style
escape that is no character (a lone surrogate) and nesting deeper than ``MAX_YAML_DEPTH``.

A byte-order mark (U+FEFF) at the start of a YAML or CSV file is dropped: it is an
encoding signature that spreadsheet programs write ("CSV UTF-8"), not data, and kept it
would make the first column name ``\\ufeffclaim_id``. A document text keeps its every
character, so ``document_text`` refuses one there instead (see there).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata

import polars as pl
import yaml

from newsclaims.errors import source_error
from newsclaims.source_values import describe_value, from_csv_text

# --- YAML ---------------------------------------------------------------------------


# Deeper nesting is a mistake in a curated file (a record is a mapping of scalars); the
# limit keeps PyYAML's recursive composer far from Python's recursion limit.
MAX_YAML_DEPTH = 50

_SURROGATE = re.compile(r"[\ud800-\udfff]")
BOM = "\ufeff"
NUL = "\x00"
NUL_MESSAGE = "a NUL character (\\0) is not allowed in a value; remove it"


class Record(dict):
    """A YAML mapping that remembers the line it starts on (1-based)."""

    line: int = 0


class Items(list):
    """A YAML list that remembers the line each of its entries starts on (1-based)."""

    lines: list[int]


class LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings are ``Record``s carrying their start line and lists
    ``Items`` carrying their entries' lines, and which refuses duplicate keys, impossible
    dates, lone surrogate escapes and too deep nesting with the line they are on."""

    _depth = 0
    shown = "<yaml>"  # the file, as messages name it

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_YAML_DEPTH} levels deep", self.peek_event().start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_scalar(self, node):
        value = super().construct_scalar(node)
        if isinstance(value, str) and NUL in value:
            raise source_error(self.shown, node.start_mark.line + 1, NUL_MESSAGE)
        if isinstance(value, str) and (found := _SURROGATE.search(value)):
            raise yaml.constructor.ConstructorError(
                None, None,
                f"'\\u{ord(found.group()):04x}' is not a character (a lone UTF-16 surrogate escape)",
                node.start_mark,
            )
        return value

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value if isinstance(node, yaml.MappingNode) else ():
            if not isinstance(key_node, yaml.ScalarNode):
                continue  # a complex key: refused later as an unknown key
            key = key_node.value
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen[key] = True
        return super().construct_mapping(node, deep=deep)

    def construct_record(self, node):
        data = Record()
        data.line = node.start_mark.line + 1
        yield data
        data.update(self.construct_mapping(node))

    def construct_checked_timestamp(self, node):
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"impossible date {node.value!r} ({exc})", node.start_mark
            ) from None

    def construct_items(self, node):
        data = Items()
        data.lines = [item.start_mark.line + 1 for item in node.value]
        yield data
        data.extend(self.construct_sequence(node))


LineLoader.add_constructor("tag:yaml.org,2002:map", LineLoader.construct_record)
LineLoader.add_constructor("tag:yaml.org,2002:seq", LineLoader.construct_items)
LineLoader.add_constructor("tag:yaml.org,2002:timestamp", LineLoader.construct_checked_timestamp)


def decode_utf8(shown: str, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise source_error(
            shown, line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at byte offset {exc.start})"
        ) from None


def load_yaml(shown: str, data: bytes):
    text = decode_utf8(shown, data)
    try:
        loader = LineLoader(text)  # what yaml.load does, with the file's name for messages
        loader.shown = shown
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "unreadable"
        if exc.problem and exc.context and exc.context_mark and exc.context_mark.line + 1 != line:
            problem += f" ({exc.context} on line {exc.context_mark.line + 1})"
        raise source_error(shown, line, f"malformed YAML: {problem}") from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, such as NUL
        line = text.count("\n", 0, exc.position) + 1
        raise source_error(
            shown, line, f"malformed YAML: special character #x{exc.character:04x} is not allowed"
        ) from None
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise source_error(shown, None, f"malformed YAML: {first}") from None
    except RecursionError:  # pragma: no cover - MAX_YAML_DEPTH is meant to come first
        raise source_error(shown, None, "malformed YAML: nested too deeply") from None


def _check_keys(allowed: tuple[str, ...], shown: str, record: Record) -> None:
    for key in record:
        if key not in allowed:
            hint = difflib.get_close_matches(str(key), allowed, n=1)
            more = f" (did you mean {hint[0]!r}?)" if hint else f" (allowed: {', '.join(allowed)})"
            raise source_error(shown, record.line, f"unknown key {key!r}{more}")


def yaml_records(allowed: tuple[str, ...], shown: str, data: bytes, *, single: bool) -> list[Record]:
    """The records (mappings with a ``.line``) of a YAML file: one mapping when ``single``,
    else a list of them; ``allowed`` are the keys a record may have."""
    loaded = load_yaml(shown, data)
    if single:
        if not isinstance(loaded, Record):
            raise source_error(shown, 1, "expected one YAML mapping (key: value lines)")
        items = [loaded]
    else:
        if loaded is None:
            items = []
        elif not isinstance(loaded, list):
            raise source_error(shown, 1, "expected a YAML list of records (lines starting with '- ')")
        else:
            items = loaded
    for i, item in enumerate(items):
        if not isinstance(item, Record):
            line = items.lines[i] if isinstance(items, Items) else None
            got = "an empty entry ('-' alone)" if item is None else describe_value(item)
            raise source_error(shown, line, f"expected every list entry to be a mapping, got {got}")
        _check_keys(allowed, shown, item)
    return items


# --- CSV ----------------------------------------------------------------------------


def csv_records(
    types: dict[str, pl.DataType], shown: str, data: bytes
) -> tuple[list[dict], list[int]]:
    """The rows of a CSV file whose header must name exactly the columns of ``types``,
    as records with typed cells where they parse, and the line each row starts on."""
    text = decode_utf8(shown, data)
    if text.startswith(BOM):  # an encoding signature, not part of the first column's name
        text = text[len(BOM):]
    expected = tuple(types)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[dict] = []
    lines: list[int] = []
    try:
        header = next(reader, None)
        if header is None:
            raise source_error(shown, 1, f"empty file; expected the header {','.join(expected)}")
        for name in header:
            if name not in expected:
                hint = difflib.get_close_matches(name, expected, n=1)
                more = f" (did you mean {hint[0]!r}?)" if hint else ""
                raise source_error(shown, 1, f"unknown column {name!r}{more}; expected the header {','.join(expected)}")
        missing = [name for name in expected if name not in header]
        if missing or len(set(header)) != len(header):
            what = f"missing column {missing[0]!r}" if missing else "a column appears twice"
            raise source_error(shown, 1, f"{what}; expected the header {','.join(expected)}")
        start = reader.line_num + 1
        for row in reader:
            if row:  # a blank line is not a record
                if len(row) != len(header):
                    raise source_error(
                        shown, start, f"malformed CSV: expected {len(header)} fields, got {len(row)}"
                    )
                for name, value in zip(header, row):
                    if NUL in value:
                        raise source_error(shown, start, f"column {name}: {NUL_MESSAGE}")
                records.append({k: from_csv_text(v, types[k]) for k, v in zip(header, row)})
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise source_error(shown, reader.line_num, f"malformed CSV: {exc}") from None
    return records, lines


# --- document texts -------------------------------------------------------------------


def document_text(shown: str, data: bytes) -> str:
    """A document's ``.txt`` as the text the database stores, character for character.

    Quote offsets count the text's characters from its first, and ``text_sha256`` hashes
    it, so nothing is changed silently; refused, each with the line it is on: a byte-order
    mark at the start (stripping it would shift every offset a tool reading the file
    computes by one), a NUL character, a ``\\r`` newline, and a text that is not Unicode
    NFC (the form texts are stored in: the same words in NFD have other offsets)."""
    text = decode_utf8(shown, data)
    if text.startswith(BOM):
        raise source_error(shown, 1, "starts with a byte-order mark (U+FEFF); save the text as UTF-8 "
                                     "without a BOM (quote offsets count characters from the first)")
    if NUL in text:
        raise source_error(shown, text.count("\n", 0, text.index(NUL)) + 1,
                           "a NUL character (\\0) is not allowed in a document text; remove it")
    if "\r" in text:
        raise source_error(shown, text.count("\n", 0, text.index("\r")) + 1,
                           "\\r\\n or \\r newlines; save the text with \\n newlines only")
    if not unicodedata.is_normalized("NFC", text):
        line = next((i for i, part in enumerate(text.split("\n"), 1)
                    if not unicodedata.is_normalized("NFC", part)), 1)
        raise source_error(shown, line, "not Unicode NFC (a character written decomposed, e.g. e + a "
                                        "combining accent); save the text in NFC, the form texts are stored in")
    return text
