"""Dataset text is data, never markup: hostile values in a real database, checked by the real
``newsclaims check``, reach report.md, report.html, the chart and the terminal as text.

report.md is rendered with a real CommonMark renderer (markdown-it-py, raw HTML enabled as
on a pull-request page): no HTML, comment or extra heading gets through."""

from __future__ import annotations

import html.parser
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import report_fixtures as rf
from newsclaims.errors import printable

# A value that, read as Markdown, fakes a passing report and hides the rest of it.
FAKE_PASS = "maybe\n\n## newsclaims check: PASS\n\nEvery rule passed.\n\n<!--"
# Raw HTML in a quote, a GitHub math pair, a mention, and a code span's backticks.
HTML_QUOTE = '<img src=x onerror="alert(1)"> costs $5 and $6 @octocat ``` `x` '
# A claimant's name that matplotlib's mathtext cannot parse (check crashed with exit 3).
MATH_NAME = "$\\frac{a}{$ Ministry"
STATED = "$5 and $6"
# A record id with backticks, a newline, a heading and an unclosed comment.
BAD_ID = "ACT-`x`\n# PASS <!--"
# Terminal controls: an OSC title, a screen clear, a right-to-left override.
TTY = "\x1b]0;pwned\x07\x1b[2J\u202eSSAP"
INCIDENT_TITLE = "<script>alert(3)</script> strike"
# A value far longer than any page should show.
HUGE = "x" * 300_000


def _hostile_db(path: Path) -> Path:
    rf.build_fixture_db(path, results=False)
    con = duckdb.connect(str(path))
    try:
        con.execute("UPDATE claims SET modality = ? WHERE claim_id = 'clm-0005'", [FAKE_PASS])
        con.execute("UPDATE claims SET quote = ? WHERE claim_id = 'clm-0004'", [HTML_QUOTE])
        con.execute("UPDATE actors SET name = ? WHERE actor_id = 'act-russia-mod'", [MATH_NAME])
        con.execute("UPDATE figures SET stated_text = ? WHERE figure_id = 'fig-0001'", [STATED])
        con.execute("UPDATE actors SET actor_id = ? WHERE actor_id = 'ACT-Bad'", [BAD_ID + TTY])
        con.execute("UPDATE incidents SET title = ? WHERE incident_id = 'inc-0001'",
                    [INCIDENT_TITLE])
        con.execute("UPDATE claims SET quote = ? WHERE claim_id = 'CLM-6'", [HUGE])
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    db = _hostile_db(folder / "hostile.duckdb")
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-m", "newsclaims", "check", "--db", str(db),
                           "--reports", str(folder / "out"), "--no-progress"],
                          capture_output=True, text=True, env=env, timeout=200)
    return proc, folder / "out"


def test_check_survives_hostile_text(checked):
    proc, out = checked
    assert proc.returncode == 1, proc.stderr  # the gate fails; no internal error
    assert "Traceback" not in proc.stderr
    assert {p.name for p in out.iterdir()} >= {"report.json", "report.md", "report.html"}


def _markdown_tokens(text: str):
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark")  # raw HTML on, as GitHub renders a comment
    return md, md.parse(text)


def test_markdown_rendered_has_one_heading_and_no_html(checked):
    _, out = checked
    text = (out / "report.md").read_text(encoding="utf-8")
    md, tokens = _markdown_tokens(text)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == ["newsclaims check: FAIL"]
    assert [t.type for t in tokens if "html" in t.type] == []
    inline_html = [c.content for t in tokens if t.type == "inline" for c in t.children or []
                   if c.type == "html_inline"]
    assert inline_html == []
    rendered = md.render(text)
    assert "<img" not in rendered and "<!--" not in rendered and "<script" not in rendered
    assert "Every rule passed" not in re.sub(r"<code>.*?</code>", "", rendered)
    # the hostile values are still there, as text, in code spans
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; costs $5 and $6 @octocat" in rendered
    assert "maybe ## newsclaims check: PASS Every rule passed. &lt;!--" in rendered
    # the Full report line (after every hostile value) is still a paragraph of its own
    assert rendered.rstrip().endswith("(every offending record, one JSON object a line).</p>")


def test_markdown_code_spans_hold_backticks():
    from newsclaims.reporting.render import md_code

    md, _ = _markdown_tokens("")
    for value in ("a`b", "``x", "x`", "```", "a\n# b", "p|q"):
        rendered = md.render(md_code(value)).strip()
        shown = " ".join(value.split())
        assert rendered == f"<p><code>{shown}</code></p>", value
    assert md_code("p|q", in_table=True) == "`p\\|q`"
    assert md_code("") == "(empty)"


class _Elements(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_script = tag == "script"

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)
            self._in_script = False


def test_html_and_chart_show_hostile_text_as_text(checked):
    _, out = checked
    page = (out / "report.html").read_text(encoding="utf-8")
    parsed = _Elements()
    parsed.feed(page)
    assert parsed.tags.count("script") == 1 and "alert" not in parsed.scripts[0]
    assert "img" not in parsed.tags
    assert "&lt;script&gt;alert(3)&lt;/script&gt; strike" in page  # the incident's title
    # the chart's labels: dollars kept, no mathtext, the SVG's text escaped
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", page)
    assert f"{MATH_NAME}: {STATED} (fig-0001)" in labels
    assert "\x1b" not in page and "\u202e" not in page


def test_terminal_output_has_no_control_or_bidi_characters(checked):
    proc, _ = checked
    for stream in (proc.stdout, proc.stderr):
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", stream)


def test_printable_hides_escapes_and_bidi_controls():
    assert printable(TTY) == "?]0;pwned??[2J?SSAP"
    for c in "\u061c\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069":
        assert printable(f"a{c}b") == "a?b"
    assert printable("tab\tkept, é — 你好") == "tab\tkept, é — 你好"


def test_a_huge_value_is_clipped_on_the_pages_and_whole_in_violations_jsonl(checked):
    from newsclaims.reporting.render import CELL_CHARS

    _, out = checked
    page = (out / "report.html").read_text(encoding="utf-8")
    assert len(page) < 300_000  # the value appears in several rules' records, clipped
    assert "x" * (CELL_CHARS - 1) + "…" in page and "x" * CELL_CHARS not in page
    assert len((out / "report.md").read_text(encoding="utf-8")) < 65_536  # a PR comment's limit
    whole = [json.loads(line) for line in (out / "violations.jsonl").open(encoding="utf-8")]
    assert any(v["quote"] == HUGE for v in whole)


def test_a_chart_label_stays_on_one_short_line():
    from newsclaims.reporting.chart import LABEL_CHARS, label

    long = label({"claimant": "A" * 5000, "stated_text": "$5", "figure_id": "fig-0001"})
    assert long == "A" * (LABEL_CHARS - 1) + "… (fig-0001)"
    assert label({"claimant": "x\ny\x1b[2J", "stated_text": STATED, "figure_id": "fig-0002"}) == \
        "x y?[2J: $5 and $6 (fig-0002)"
