"""A regular expression of the rules' SQL, from DuckDB's flavour (RE2) to Spark's (Java's
``java.util.regex``), meaning the same on both engines.

The two read most patterns alike, but not all of them; where they differ, the pattern is
rewritten into Java's spelling of RE2's meaning:

| RE2 (DuckDB) | means | Java reads it as | written for Java |
|---|---|---|---|
| ``\\b``, ``\\B`` | an ASCII word boundary | a Unicode one (``٣`` is a word character) | lookarounds on ``[0-9A-Za-z_]`` |
| ``\\s``, ``\\S`` | ``[\\t\\n\\f\\r ]`` | also the vertical tab | the class itself |
| ``$`` | the end of the text | also before a final newline | ``\\z`` (not with the ``m`` flag) |
| ``.`` | any character but ``\\n`` | nor ``\\r``, ``\\u0085``, ``\\u2028``, ``\\u2029`` | the ``(?d)`` flag (only ``\\n`` ends a line) |
| ``(?i)`` | Unicode case folding | ASCII case folding | ``(?iu)`` |
| ``[`` and ``&&`` in a class | themselves | a nested class, an intersection | ``\\[``, ``\\&`` |
| ``[[:alpha:]]`` | an ASCII POSIX class | a nested class | ``\\p{Alpha}`` |
| ``(?P<name>`` | a named group | an error | ``(?<name>`` |

and a ``regexp_replace`` replacement's ``\\1`` (a group) is Java's ``$1``, its ``$`` Java's
``\\$``. ``replacement`` and ``pattern`` are pure functions of the pattern's text."""

from __future__ import annotations

import re

_WORD = "[0-9A-Za-z_]"
_BOUNDARY = f"(?:(?<={_WORD})(?!{_WORD})|(?<!{_WORD})(?={_WORD}))"
_NOT_BOUNDARY = f"(?:(?<={_WORD})(?={_WORD})|(?<!{_WORD})(?!{_WORD}))"
_SPACE = "\\t\\n\\f\\r "
_POSIX = {"alnum": "Alnum", "alpha": "Alpha", "ascii": "ASCII", "blank": "Blank", "cntrl": "Cntrl",
          "digit": "Digit", "graph": "Graph", "lower": "Lower", "print": "Print", "punct": "Punct",
          "space": "Space", "upper": "Upper", "xdigit": "XDigit"}
_POSIX_CLASS = re.compile(r"\[:(\^?)(\w+):\]")
_FLAGS = re.compile(r"\(\?([a-zA-Z]*)(-[a-zA-Z]*)?([:)])")


def pattern(re2: str) -> str:
    """``re2`` (a pattern as DuckDB reads it) written so that Java reads it the same."""
    out: list[str] = []
    i, n, in_class = 0, len(re2), False
    multiline = any("m" in (m.group(1) or "") for m in _FLAGS.finditer(re2))
    needs_unix_lines = multiline
    while i < n:
        c = re2[i]
        if c == "\\" and i + 1 < n:
            e = re2[i + 1]
            if e == "Q":  # \Q...\E: literal text, the same in both
                end = re2.find("\\E", i + 2)
                end = n if end < 0 else end + 2
                out.append(re2[i:end])
                i = end
                continue
            if in_class:
                out.append(_SPACE if e == "s" else f"[^{_SPACE}]" if e == "S" else c + e)
            else:
                out.append({"b": _BOUNDARY, "B": _NOT_BOUNDARY, "s": f"[{_SPACE}]",
                            "S": f"[^{_SPACE}]"}.get(e, c + e))
            i += 2
            continue
        if in_class:
            posix = _POSIX_CLASS.match(re2, i)
            if posix and posix.group(2) in _POSIX:
                out.append(("\\P" if posix.group(1) else "\\p") + "{" + _POSIX[posix.group(2)] + "}")
                i = posix.end()
                continue
            if c == "]":  # (a ']' first in the class was taken with its '[')
                in_class = False
                out.append(c)
            elif c in "[&":
                out.append("\\" + c)
            else:
                out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            i += 1
            if i < n and re2[i] == "^":
                out.append("^")
                i += 1
            if i < n and re2[i] == "]":  # a ']' first in a class is itself
                out.append("\\]")
                i += 1
            continue
        if c == "(" and re2.startswith("(?P<", i):
            out.append("(?<")
            i += 4
            continue
        if c == "(":
            flags = _FLAGS.match(re2, i)
            if flags and "i" in flags.group(1) and "u" not in flags.group(1):
                out.append(f"(?{flags.group(1)}u{flags.group(2) or ''}{flags.group(3)}")
                i = flags.end()
                continue
        if c == "$" and not multiline:
            out.append("\\z")
        else:
            needs_unix_lines = needs_unix_lines or c == "."
            out.append(c)
        i += 1
    java = "".join(out)
    return "(?d)" + java if needs_unix_lines else java


def replacement(re2: str) -> str:
    """A ``regexp_replace`` replacement as DuckDB reads it (``\\0``-``\\9`` a group, ``\\\\`` a
    backslash) written as Java reads one (``$1``; ``\\`` escapes the next character)."""
    out: list[str] = []
    i = 0
    while i < len(re2):
        c = re2[i]
        if c == "\\" and i + 1 < len(re2):
            e = re2[i + 1]
            if e.isdigit():
                out.append("$" + e)
                if i + 2 < len(re2) and re2[i + 2].isdigit():  # "\12": group 1, then "2"
                    out.append("\\" + re2[i + 2])
                    i += 1
            else:
                out.append("\\" + e)
            i += 2
            continue
        out.append("\\$" if c == "$" else c)
        i += 1
    return "".join(out)
