"""The metrics dashboard in a real browser (Debian's chromium through Playwright), for everyone: an axe-core
scan finds nothing serious or critical in English and Spanish, wide and at 360 px; every chart (and the map)
has a table holding the numbers it draws, in step after a refresh, reached by keyboard; at 360 px the page
never scrolls sideways; the Spanish page speaks Spanish."""
import os
import re
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
from babel.messages.pofile import read_po

from services.metrics.dashboard import WEB
from shared.persistence.migrations import upgrade
from tests.integration.metrics.city_events import month_of_events
from tests.integration.metrics.conftest import RunningMetrics, fold
from tests.support.broker import isolated_vhost
from tests.support.processes import free_port, nameko_process
from tests.support.system import FAST

pytestmark = pytest.mark.integration   # a real broker, and chromium

AXE = WEB / "node_modules" / "axe-core" / "axe.min.js"
CHARTS = ("service-levels", "time-to-close", "channels", "days", "equity")
SIZES = {"wide": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 740}}
OPEN_TABLES = "document.querySelectorAll('details.data-table').forEach((d) => { d.open = true; })"
CHART_NUMBERS = """(id) => { const chart = Chart.getChart('chart-' + id);
  return { labels: chart.data.labels, series: chart.data.datasets.map((d) => ({ label: d.label, data: d.data })) }; }"""
TABLE = """(id) => { const table = document.getElementById(id), cells = (row) => [...row.cells];
  return { caption: table.caption && table.caption.textContent,
           head: cells(table.tHead.rows[0]).map((c) => [c.tagName, c.scope, c.textContent]),
           rows: [...table.tBodies[0].rows].map((r) => cells(r).map((c) => [c.tagName, c.scope, c.textContent])) }; }"""
AXE_RUN = """async () => (await axe.run(document)).violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
  nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary}`) }))"""


@pytest.fixture(scope="module")
def metrics(tmp_path_factory):
    """The metrics service as a real process on a vhost of its own, with a month of a small city's facts."""
    workdir = tmp_path_factory.mktemp("e2e-dashboard")
    database = f"sqlite:///{workdir}/metrics.sqlite"
    with isolated_vhost() as uri:
        upgrade("metrics", database)
        fold(database, month_of_events(datetime.now(timezone.utc)))
        port = free_port()
        env = dict(os.environ, **FAST, AMQP_URI=uri, METRICS_DATABASE_URL=database,
                   METRICS_HTTP_ADDRESS=f"127.0.0.1:{port}")
        process = nameko_process("metrics", env, port, workdir).start()
        try:
            yield RunningMetrics(uri, port, "sqlite", database, process)
        finally:
            process.stop()


@contextmanager
def dashboard(browser, metrics, locale="en-US", size="wide", path="/"):
    """The dashboard loaded with its data in a fresh browser context; no script or policy error on the way."""
    context = browser.new_context(viewport=SIZES[size], locale=locale)
    context.set_default_timeout(20_000)
    problems = []
    try:
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(metrics.url(path))
        page.wait_for_selector("body[data-state=ready]")
        yield page
        assert problems == []
    finally:
        context.close()


def scan(page):
    """axe-core's violations on the page as it is. The page's policy runs only its own scripts, so axe goes in
    through the browser's devtools protocol (page.evaluate), not as a <script>."""
    assert AXE.is_file(), f"no {AXE}: make install runs npm ci in services/metrics/web, which installs axe-core"
    page.evaluate(AXE.read_text() + "\n;0")
    return page.evaluate(AXE_RUN)


def reading(text, locale):
    """A number as a table cell writes it in `locale` ("1,234.5", "1234,5", "–" for none)."""
    if text == "–":
        return None
    text = text.replace(",", "") if locale.startswith("en") else text.replace(".", "").replace(",", ".")
    return float(text)


def switch_to_district(page, code):
    page.select_option("#filter-district", code)
    page.click("#filters button[type=submit]")
    page.wait_for_selector("body[data-state=ready]")


@pytest.mark.parametrize("locale", ["en-US", "es-ES"])
@pytest.mark.parametrize("size", ["wide", "phone"])
def test_axe_finds_no_serious_or_critical_violation(browser, metrics, locale, size):
    with dashboard(browser, metrics, locale, size) as page:
        page.evaluate(OPEN_TABLES)            # the tables are scanned too
        violations = scan(page)
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], "\n".join(f"{v['impact']} {v['id']} ({v['help']}): {'; '.join(v['nodes'][:5])}"
                                    for v in serious)


def test_the_scan_reports_a_serious_violation_when_there_is_one(browser, metrics):
    with dashboard(browser, metrics) as page:     # faint text, and a date field that loses its label
        page.evaluate("""() => { const faint = document.createElement('p');
          const from = document.getElementById('filter-from');
          faint.textContent = 'barely there'; faint.style.color = '#eeeeee';
          document.querySelector('main').appendChild(faint); from.closest('label').replaceWith(from); }""")
        found = {(v["id"], v["impact"]) for v in scan(page)}
    assert {("color-contrast", "serious"), ("label", "critical")} <= found


@pytest.mark.parametrize("locale", ["en-US", "es-ES"])
def test_every_charts_table_holds_the_numbers_it_draws_also_after_a_refresh(browser, metrics, locale):
    with dashboard(browser, metrics, locale) as page:
        before = {id: (page.evaluate(CHART_NUMBERS, id), page.evaluate(TABLE, f"table-{id}")) for id in CHARTS}
        switch_to_district(page, "CD-01")
        after = {id: (page.evaluate(CHART_NUMBERS, id), page.evaluate(TABLE, f"table-{id}")) for id in CHARTS}
        captions = {id: page.locator(f"#chart-{id}").locator("xpath=ancestor::figure/figcaption").inner_text()
                    for id in CHARTS}
    for numbers in (before, after):
        for id, (chart, table) in numbers.items():
            assert captions[id].startswith(table["caption"]) and table["caption"]
            assert table["head"][0][:2] == ["TH", "col"]
            assert [text for _tag, _scope, text in table["head"][1:]] == [s["label"] for s in chart["series"]]
            assert [row[0] for row in table["rows"]] == [["TH", "row", label] for label in chart["labels"]]
            for i, row in enumerate(table["rows"]):
                assert [reading(text, locale) for _tag, _scope, text in row[1:]] == \
                       [s["data"][i] for s in chart["series"]], (id, row)
    assert len(before["days"][1]["rows"]) >= 20 and len(before["service-levels"][1]["rows"]) >= 3
    total = lambda numbers: sum(sum(s["data"]) for s in numbers["channels"][0]["series"])  # noqa: E731
    assert 0 < total(after) < total(before)       # the filter changed the numbers, and the tables followed


def test_the_maps_table_counts_the_open_requests_it_draws_by_district(browser, metrics):
    points = metrics.get("/api/map").json()["points"]
    with dashboard(browser, metrics) as page:
        page.evaluate(OPEN_TABLES)
        table = page.evaluate(TABLE, "table-map")
        names = {f["properties"]["name"]: f["properties"]["code"]
                 for f in metrics.get("/api/geography").json()["districts"]["features"]}
    counted = {names.get(row[0][2]): [int(row[1][2]), int(row[2][2])] for row in table["rows"]}  # None: no district
    district = {p["service_request_id"]: p["district"] if p["district"] in names.values() else None for p in points}
    codes = set(names.values()) | set(district.values())
    assert counted == {code: [sum(district[p["service_request_id"]] == code for p in points),
                              sum(district[p["service_request_id"]] == code and p["overdue"] for p in points)]
                       for code in codes}
    assert sum(open_ for open_, _overdue in counted.values()) == len(points) > 0


def test_a_charts_table_is_reached_and_opened_with_the_keyboard(browser, metrics):
    with dashboard(browser, metrics) as page:
        summary = page.locator("#details-service-levels summary")
        for _ in range(40):                       # the filters come first; a date field takes a tab per part
            page.keyboard.press("Tab")
            if summary.evaluate("(node) => node === document.activeElement"):
                break
        assert summary.evaluate("(node) => node === document.activeElement")
        page.keyboard.press("Enter")
        table = page.get_by_role("table", name="Service levels met, by department")
        assert table.is_visible()
        assert table.get_by_role("rowheader").count() >= 3 and table.get_by_role("columnheader").count() == 2


@pytest.mark.parametrize("locale", ["en-US", "es-ES"])
def test_at_360_px_the_page_never_scrolls_sideways(browser, metrics, locale):
    with dashboard(browser, metrics, locale, "phone") as page:
        closed = page.evaluate("document.documentElement.scrollWidth")
        page.evaluate(OPEN_TABLES)
        opened = page.evaluate("document.documentElement.scrollWidth")
        canvases = page.evaluate("[...document.querySelectorAll('canvas')].map((c) => c.getBoundingClientRect().right)")
        wide_tables = page.evaluate("""[...document.querySelectorAll('.table-scroll')].map((box) =>
          [box.scrollWidth > box.clientWidth, box.tabIndex, box.getAttribute('role')])""")
    assert closed <= 360 and opened <= 360
    assert len(canvases) == len(CHARTS) and max(canvases) <= 360
    assert wide_tables and all(tab == 0 and role == "region" for _scrolls, tab, role in wide_tables)


def test_the_spanish_page_speaks_spanish(browser, metrics):
    english = english_texts()
    with dashboard(browser, metrics, "es-ES") as page:
        page.evaluate(OPEN_TABLES)
        lang = page.evaluate("document.documentElement.lang")
        heading, tile = page.locator("h1").inner_text(), page.locator("#kpis .tile .label").first.inner_text()
        series = page.evaluate("Chart.getChart('chart-channels').data.datasets.map((d) => d.label)")
        status, share = page.locator("#status").inner_text(), page.locator("#kpis .tile .value").nth(1).inner_text()
        texts = page.evaluate("""() => { const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT),
          found = []; while (walker.nextNode()) { const text = walker.currentNode.textContent.trim();
          if (text && !walker.currentNode.parentElement.closest('script')) found.push(text); } return found; }""")
    assert lang == "es" and heading.startswith("Cómo le va a la ciudad") and tile == "Solicitudes de servicio"
    assert series == ["solicitudes de servicio", "consultas de información"]
    assert status.startswith("Solicitudes creadas del") and re.fullmatch(r"\d+(,\d)?\s%", share)
    assert [text for text in texts if any(pattern.fullmatch(text) for pattern in english)] == []


def test_the_language_switch_keeps_the_filters_and_is_remembered(browser, metrics):
    with dashboard(browser, metrics, "en-US", path="/?district=CD-02") as page:
        with page.expect_response(lambda response: "/language/es?" in response.url):
            page.get_by_role("link", name="Español").click()
        page.wait_for_selector("html[lang=es] body[data-state=ready]")
        assert page.url == metrics.url("/?district=CD-02")
        assert page.input_value("#filter-district") == "CD-02"
        assert {c["name"]: c["value"] for c in page.context.cookies()}["lang"] == "es"
        page.goto(metrics.url("/"))                 # the browser still asks for English: the choice wins
        assert page.locator("h1").inner_text().startswith("Cómo le va a la ciudad")
        page.wait_for_selector("body[data-state=ready]")


def english_texts():
    """Patterns of the English texts whose Spanish differs (placeholders match whatever fills them)."""
    with open(WEB / "locale" / "es" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle, locale="es")
    texts = set()
    for message in catalog:
        english = message.id if isinstance(message.id, tuple) else (message.id,)
        spanish = message.string if isinstance(message.string, tuple) else (message.string,)
        texts |= {text for text in english if text and text not in spanish}
    return [re.compile(".+".join(re.escape(part) for part in re.split(r"\{\w+\}|%\(\w+\)s", text))) for text in texts]
