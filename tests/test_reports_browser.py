"""report.html opened in real headless Chromium: it renders, shows every failing rule and
the chart, and makes no network request."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import report_fixtures as rf
from newsclaims.reporting import write_reports

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()) and not shutil.which("chromedriver"),
    reason="needs Debian's chromium and chromedriver",
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--window-size=1200,1600"):
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)  # a page that never loads fails here, not at the run's timeout
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def page(browser, tmp_path_factory):
    folder = tmp_path_factory.mktemp("html")
    db = rf.build_fixture_db(folder / "fixture.duckdb")
    paths = write_reports(db, folder / "out", rationales=rf.FIXTURE_RATIONALES)
    browser.get_log("performance")  # drop what came before this page
    browser.get(paths["html"].as_uri())
    return browser, paths


def test_page_renders_summary(page):
    driver, _ = page
    assert driver.title == "newsclaims check: FAIL"
    text = {k: driver.find_element("id", f"n-{k}").text
            for k in ("rules", "passed", "failed", "warnings", "errored", "violations")}
    assert driver.find_elements("id", "n-skipped") == []  # shown only when a rule was skipped
    assert text == {"rules": "6", "passed": "1", "failed": "2", "warnings": "2",
                    "errored": "1", "violations": "6"}


def test_every_failing_rule_is_shown(page):
    driver, _ = page
    body = driver.find_element("tag name", "body").text
    failing = [r[0] for r in rf.FIXTURE_RESULTS if r[5] != "pass"]
    assert len(failing) == 5
    for rule_id in failing:
        assert driver.find_element("id", f"rule-{rule_id}").is_displayed()
        assert rule_id in body
    # the quote of an offending claim is visible, with its claimant
    assert '"fewer than 50" soldiers died' in body
    assert "Government of Syria" in body


def test_filter_shows_passed_rules(page):
    driver, _ = page
    from selenium.webdriver.support.ui import Select

    rows = driver.find_elements("css selector", "#rules tr.rule")
    visible = lambda: [r.find_element("tag name", "code").text for r in rows if r.is_displayed()]
    assert "claims.modality_valid" not in visible()
    Select(driver.find_element("id", "filter")).select_by_value("all")
    assert "claims.modality_valid" in visible() and len(visible()) == 6
    Select(driver.find_element("id", "filter")).select_by_value("warn")
    assert sorted(visible()) == ["claims.unattributed", "figures.cross_source_discrepancy"]


def test_chart_is_drawn(page):
    driver, _ = page
    charts = driver.find_elements("css selector", "#charts figure svg")
    assert len(charts) == 2
    size = charts[0].size
    assert size["width"] > 300 and size["height"] > 100
    chart_text = driver.find_element("id", "charts").text
    for label in ("Russian Ministry of Defence", "unattributed", "fig-0001", "fig-0004"):
        assert label in chart_text


def test_no_network_request(page):
    driver, paths = page
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources == []
    requested = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requested.append(message["params"]["request"]["url"])
    assert requested == [paths["html"].as_uri()]


@pytest.fixture(scope="module")
def big_page(browser, tmp_path_factory):
    folder = tmp_path_factory.mktemp("big-html")
    db = rf.build_big_fixture_db(folder / "big.duckdb")
    paths = write_reports(db, folder / "out", rationales=rf.FIXTURE_RATIONALES)
    browser.get_log("performance")
    browser.get(paths["html"].as_uri())
    return browser, paths


def test_big_rule_shows_the_first_records_and_the_truncation_note(big_page):
    from newsclaims.reporting.render import HTML_RECORDS

    driver, _ = big_page
    section = driver.find_element("id", f"rule-{rf.MANY_RULE}")
    assert len(section.find_elements("css selector", "tbody tr")) == HTML_RECORDS
    note = driver.find_element("id", f"more-{rf.MANY_RULE}")
    assert note.is_displayed()
    assert f"Showing the first {HTML_RECORDS} of {rf.MANY_COUNT + 1} offending records" \
        in note.text
    assert "report.json" in note.text
    assert (f"SELECT * FROM dq_violations WHERE rule_id = '{rf.MANY_RULE}' "
            "ORDER BY record_id;") in note.text
    assert driver.find_element("id", "n-violations").text == str(rf.MANY_COUNT + 6)


def test_big_chart_says_it_shows_some_incidents(big_page):
    from newsclaims.reporting.results import CHART_INCIDENTS

    driver, paths = big_page
    assert len(driver.find_elements("css selector", "#charts figure svg")) >= CHART_INCIDENTS
    incidents = {f.get_attribute("data-incident")
                 for f in driver.find_elements("css selector", "#charts figure")}
    assert len(incidents) == CHART_INCIDENTS
    assert driver.find_element("id", "chart-note").is_displayed()
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources == []
