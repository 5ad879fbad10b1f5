#!/usr/bin/python3
"""opsim report in a real browser: each kind of report (run, compare, sweep, quotas, capacity,
territories, backtest, drivers, and the input sanity page of a scenario file) is opened in headless
Chromium; the page must run without script errors, every chart must hold drawn data, and every
number shown must equal the HDF5 file's value, or for the input page the input summary's
(`opsim validate --summary-json`, or /scenario/input_summary in a run file), and read as that
value, rounded).

usage: report_browser_test.py OPSIM SOURCE_DIR
Exit 77 (skip) when chromium or h5py is missing outside CI; under CI=true that is a failure."""
import csv
import json
import math
import os
import re
import subprocess
import sys
import tempfile
from html.parser import HTMLParser

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def skip(reason):
    if os.environ.get("CI") == "true":
        print(f"FAIL (CI): {reason}")
        sys.exit(1)
    print(f"SKIP: {reason}")
    sys.exit(77)


try:
    import h5py
    import numpy as np
except ImportError:
    skip("python3-h5py / python3-numpy are not installed")
CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser")
                 if os.path.exists(p)), None)
if CHROMIUM is None:
    skip("chromium is not installed (scripts/setup installs it)")


class Dom(HTMLParser):
    """Collects the elements the checks need from a dumped DOM."""

    def __init__(self):
        super().__init__()
        self.numbers = []  # (attrs, text)
        self.charts = []
        self.checks = None
        self._open = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg" and "chart" in a.get("class", ""):
            self.charts.append(a)
        if a.get("id") == "report-checks":
            self.checks = a
        if "data-v" in a:
            self._open.append([tag, a, ""])

    def handle_data(self, data):
        for entry in self._open:
            entry[2] += data

    def handle_endtag(self, tag):
        if self._open and self._open[-1][0] == tag:
            _, a, text = self._open.pop()
            self.numbers.append((a, text.strip()))


def shown_value(text):
    """The number a cell shows and the rounding it carries: ("52.7%") -> (0.527, 0.0005)."""
    if text == "n/a":
        return math.nan, 0.0
    # A share of none or every trial, with its rule-of-three bound: "<1.5% (none)", ">98.5% (all)".
    if text.endswith(" (none)"):
        return 0.0, 0.0
    if text.endswith(" (all)"):
        return 1.0, 0.0
    if text.startswith("<"):  # "<0.001": a p-value in [0, 0.0005)
        bound = float(text[1:]) / 2
        return bound / 2, bound / 2 * (1 + 1e-9)
    scale = 1.0
    t = text.replace(",", "")
    if t.endswith("%"):
        scale, t = 0.01, t[:-1]
    elif t.endswith(" pts"):  # percentage points: a change or spread of probabilities
        scale, t = 0.01, t[:-4]
    elif t.endswith(" mo"):  # a tornado's month shift: "-1 mo"
        t = t[:-3]
    if t.startswith("x"):  # a tornado's factor: "x0.9"
        t = t[1:]
    if t.startswith("FY"):  # a fiscal year: "FY2027"
        t = t[2:]
    decimals = len(t.split(".")[1]) if "." in t else 0
    return float(t) * scale, 0.5 * 10 ** -decimals * scale * (1 + 1e-9)


def derived(h5, name):
    """Numbers no dataset holds: reach90:i and reach95:i, P(value >= 90% / 95% of target i);
    product_share:c, the mean of /summary/products cell c over its period and region's mean new
    bookings (all segments)."""
    kind, index = name.split(":")
    i = int(index)
    if kind == "product_share":
        mean = h5["summary/products/mean"]
        p, r, _, _ = np.unravel_index(i, mean.shape)
        metrics = [s.decode() for s in h5["labels"]["metrics"][()]]
        periods = h5["summary/periods/mean"]
        total = periods[p, r, periods.shape[2] - 1, metrics.index("new_bookings")]
        return float(mean[()].ravel()[i] / total) if total > 0 else math.nan
    labels = {k: [s.decode() for s in h5["labels"][k][()]]
              for k in ("periods", "regions", "segments", "metrics")}
    t = h5["summary/targets"]
    cell = (labels["periods"].index(t["period"][i].decode()),
            labels["regions"].index(t["region"][i].decode()),
            labels["segments"].index(t["segment"][i].decode()),
            labels["metrics"].index(t["metric"][i].decode()))
    values = h5["trials/periods"][(slice(None),) + cell]
    share = {"reach90": 0.90, "reach95": 0.95}[kind]
    return float(np.mean(values >= share * t["amount"][i]))


def json_value(document, pointer):
    """The number at a JSON pointer ("/pipeline/3/amount"); null is NaN."""
    node = document
    for token in pointer.lstrip("/").split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return math.nan if node is None else float(node)


def check_dom(dom_text, h5_path, summary=None):
    """Problems found in a dumped report DOM against its HDF5 file (empty: none). Numbers of the
    input page (data-json) are checked against `summary`, or the run file's input summary."""
    dom = Dom()
    dom.feed(dom_text)
    problems = []
    if dom.checks is None or dom.checks.get("data-done") != "1":
        return ["the page's check script did not run"]
    if dom.checks.get("data-errors"):
        problems.append(f"script errors: {dom.checks['data-errors']}")
    if not dom.charts:
        problems.append("no charts")
    for chart in dom.charts:
        if int(chart.get("data-drawn", "0")) == 0:
            problems.append(f"chart without drawn data: {chart.get('aria-label')}")
    if not dom.numbers:
        problems.append("no numbers tagged with their dataset")
    h5 = h5py.File(h5_path, "r") if h5_path else None
    if summary is None and h5 is not None and "scenario/input_summary" in h5:
        raw = h5["scenario/input_summary"][()]
        raw = raw.flat[0] if hasattr(raw, "flat") else raw
        summary = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
    try:
        cache = {}
        for attrs, text in dom.numbers:
            value = float(attrs["data-v"])
            if "data-json" in attrs:
                if summary is None:
                    problems.append(f"{attrs['data-json']}: no input summary to check against")
                    continue
                stored = json_value(summary, attrs["data-json"])
                where = attrs["data-json"]
            elif "data-h5" in attrs:
                name = attrs["data-h5"]
                if name not in cache:
                    cache[name] = np.asarray(h5[name][()], dtype=float).ravel()
                stored = cache[name][int(attrs["data-i"])]
                where = f"{name}[{attrs['data-i']}]"
            else:
                stored = derived(h5, attrs["data-derived"])
                where = attrs["data-derived"]
            same = (math.isnan(stored) and math.isnan(value)) or stored == value
            if not same:
                problems.append(f"{where}: page says {value!r}, file holds {stored!r}")
                continue
            if text in ("identical",):
                continue
            shown, tolerance = shown_value(text)
            if math.isnan(value) != math.isnan(shown) or (
                    not math.isnan(value) and abs(shown - value) > tolerance):
                problems.append(f"{where}: shows {text!r} for {value!r}")
    finally:
        if h5 is not None:
            h5.close()
    return problems


# Plan tables checked against the CSV folder written next to the HDF5 file (the report's numbers
# must be the files' numbers), per report kind: dataset group -> CSV file.
PLAN_TABLES = {
    "quotas": {"/quotas/organisation": "organisation.csv", "/quotas/regions": "regions.csv",
               "/compensation/groups": "compensation_groups.csv",
               "/compensation/components": "compensation_components.csv"},
    "capacity": {"/capacity/plan": "plan.csv", "/capacity/headcount": "headcount.csv"},
}
# Headings that must appear in this order (a planner's reading order, not the alphabet).
PLAN_HEADINGS = {
    "quotas": ["Seat class", "Fiscal year", "Company target (USD)", "Over-assignment",
               "Target x over-assignment (USD)", "Quota seats",
               "Expected share at quota", "Total quota (USD)", "Quota coverage (quota / P50)"],
    "capacity": ["Hire", "Region", "Segment", "Role", "Requisition", "Start",
                 "Cost to fiscal-year end (USD)"],
}


def check_plan_tables(kind, dom_text, csv_folder):
    """Problems of a quotas or capacity report's plan tables (empty: none): every table of
    PLAN_TABLES is on the page and each of its numbers equals the CSV's (to the CSV's
    decimals); amounts of 1,000 and more carry thousands separators; headings are for people
    (no snake_case) and in the written order."""
    dom = Dom()
    dom.feed(dom_text)
    problems = []
    for group, name in PLAN_TABLES[kind].items():
        with open(os.path.join(csv_folder, name)) as f:
            rows = list(csv.DictReader(f))
        cells = [(a, t) for a, t in dom.numbers
                 if a.get("data-h5", "").rsplit("/", 1)[0] == group]
        if not cells:
            problems.append(f"{kind}: no {group} table on the page")
            continue
        for a, text in cells:
            column, i = a["data-h5"].rsplit("/", 1)[1], int(a["data-i"])
            value, written = float(a["data-v"]), rows[i][column]
            if written == "":
                same = math.isnan(value)
            else:
                decimals = len(written.split(".")[1]) if "." in written else 0
                tolerance = 0.5 * 10 ** -decimals * (1 + 1e-9) + 1e-12 * abs(value)
                same = abs(value - float(written)) <= tolerance
            if not same:
                problems.append(f"{kind}: {group}/{column}[{i}] page {value!r}, {name} {written}")
            if (abs(value) >= 1000 and column != "fiscal_year" and not text.endswith("%")
                    and "," not in text):
                problems.append(f"{kind}: {group}/{column}[{i}] shows {text!r} (no separator)")
    headings = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<th>(.*?)</th>", dom_text)]
    for h in headings:
        if "_" in h:
            problems.append(f"{kind}: heading {h!r} is a column name, not for people")
    # Each expected heading found after the previous one.
    position = 0
    for h in PLAN_HEADINGS[kind]:
        if h not in headings[position:]:
            problems.append(f"{kind}: heading {h!r} missing or out of order ({headings})")
            break
        position = headings.index(h, position) + 1
    return problems


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        print(f"FAIL: {' '.join(command)}\n{result.stdout}\n{result.stderr}")
        sys.exit(1)
    return result.stdout


def dump_dom(html_path):
    with tempfile.TemporaryDirectory() as profile:
        return run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                    "--virtual-time-budget=5000", f"file://{os.path.abspath(html_path)}"],
                   timeout=120)


def check_inputs_page(opsim, source, work):
    """`opsim report SCENARIO.json` alone: the input sanity page against the summary that
    `opsim validate --summary-json` writes."""
    failures = []
    scenario = os.path.join(source, "tests/fixtures/input_summary_scenario.json")
    summary_path = os.path.join(work, "inputs.json")
    html = os.path.join(work, "inputs.html")
    run([opsim, "validate", scenario, "--summary-json", summary_path])
    run([opsim, "report", scenario, "-o", html])
    with open(summary_path) as f:
        summary = json.load(f)
    page = open(html, encoding="utf-8").read()
    if re.search(r'(src|href)\s*=\s*"(https?:)?//', page, re.I) or "@import" in page:
        failures.append("inputs: the page loads something from the network")
    dom = dump_dom(html)
    problems = check_dom(dom, None, summary)
    failures += [f"inputs: {p}" for p in problems]
    numbers, charts = dom.count("data-v="), dom.count('class="chart"')
    print(f"inputs: {os.path.getsize(html)} bytes, {numbers} numbers checked, {charts} charts, "
          f"{len(problems)} problems")
    if numbers < 20 or charts < 2:
        failures.append(f"inputs: {numbers} numbers and {charts} charts (expected >= 20 and 2)")
    if "covers 90.3%" not in page:
        failures.append("inputs: the coverage sentence is missing")
    # The seats table ends with the total row the terminal's has (review: it had none).
    seats = sum(row["seats"] for row in summary["seats"])
    if len(summary["seats"]) > 1 and \
            f'<tr class="total"><td>total</td><td></td><td></td><td class="num">{seats:,}</td>' not in page:
        failures.append(f"inputs: the seats table has no total row of {seats} seats")
    # Negative twin: a number 5% off must be caught.
    tampered = re.sub(r'(data-json="[^"]+" data-v=")([^"]+)"',
                      lambda m: m.group(1) + repr(float(m.group(2)) * 1.05 + 1) + '"', dom,
                      count=1)
    if not check_dom(tampered, None, summary):
        failures.append("inputs: a changed number went unnoticed (checker broken)")
    return failures


def main():
    opsim, source = sys.argv[1], sys.argv[2]
    fixture = os.path.join(source, "tests/fixtures/small_scenario.json")
    plan = os.path.join(source, "scenarios/plan_example.json")
    failures = []
    with tempfile.TemporaryDirectory() as work:
        alt_path = os.path.join(work, "alternative.json")
        with open(fixture) as f:
            alt = json.load(f)
        alt["name"] = "more_wins"
        alt["segments"][0]["win_rate"] = min(0.95, alt["segments"][0]["win_rate"] + 0.05)
        with open(alt_path, "w") as f:
            json.dump(alt, f)
        # A programme cost, swept with the win rate: two axes and a return on cost.
        costly_path = os.path.join(work, "costly.json")
        with open(fixture) as f:
            costly = json.load(f)
        costly["costs"] = [{"id": "enablement", "one_off": 25000,
                            "month": costly["horizon"]["start"], "monthly": 1500}]
        with open(costly_path, "w") as f:
            json.dump(costly, f)
        # A territory problem: 60 accounts on a grid with a potential to balance.
        accounts = os.path.join(work, "accounts.csv")
        with open(accounts, "w") as f:
            f.write("id,x,y,potential\n")
            for i in range(60):
                f.write(f"A{i},{i % 10},{i // 10},{10 + (i * 7) % 13}\n")
        # A backtest: a history exported from a simulated scenario, scored over 9 cut-offs.
        history_scenario = os.path.join(work, "history.json")
        with open(history_scenario, "w") as f:
            json.dump({
                "schema_version": 1,
                "horizon": {"start": "2027-01", "months": 24, "reporting_currency": "USD"},
                "regions": [{"id": "NA"}, {"id": "EMEA"}],
                "segments": [{"id": "SMB", "opportunity_rate": 2, "win_rate": 0.4,
                              "deal_size": {"mean": 1000, "cv": 0.3}}],
                "new_business_intensity": [
                    {"region": "NA", "segment": "SMB", "opportunities_per_month": 40},
                    {"region": "EMEA", "segment": "SMB", "opportunities_per_month": 25}]}, f)
        deals = os.path.join(work, "deals.csv")
        run([opsim, "run", history_scenario, "--trials", "4", "-q", "--export-deals", deals,
             "--export-trial", "3"])
        files = {
            "run": ["run", fixture, "--trials", "300", "-q"],
            "products": ["run", plan, "--trials", "200", "-q"],
            "compare": ["compare", fixture, alt_path, fixture, "--trials", "200", "-q"],
            "sweep": ["sweep", costly_path, "--set", "/segments/0/win_rate=0.1:0.3:0.1",
                      "--set", "/costs/0/monthly=1000,3000", "--trials", "100", "-q"],
            "quotas": ["quotas", plan, "--trials", "300", "-q"],
            # At 0.7 the example needs hires, so that the hiring plan has rows.
            "capacity": ["capacity", plan, "--trials", "200", "--confidence", "0.7", "-q"],
            "territories": ["territories", accounts, "--territories", "4", "--balance",
                            "potential=0.1", "--time-limit", "10", "--seed", "3", "-q"],
            "drivers": ["drivers", fixture, "--region", "NA", "--trials", "200", "--solve",
                        "/segments/0/win_rate", "--solve-range", "0.05:0.9", "--for-probability",
                        "0.5", "-q"],
            "backtest": ["backtest", "--opportunities", deals, "--as-of", "2027-12",
                         "--last-origin", "2028-08", "--horizon", "3", "--trials", "200", "-q"],
        }
        for kind, command in files.items():
            h5 = os.path.join(work, f"{kind}.h5")
            html = os.path.join(work, f"{kind}.html")
            csv_folder = os.path.join(work, f"{kind}_csv")
            extra = ["--csv", csv_folder] if kind in PLAN_TABLES else []
            run([opsim, *command, "-o", h5, *extra])
            run([opsim, "report", h5, "-o", html])
            page = open(html, encoding="utf-8").read()
            size = os.path.getsize(html)
            if size > 3 * 1024 * 1024:
                failures.append(f"{kind}: report is {size} bytes (limit 3 MiB)")
            if re.search(r'(src|href)\s*=\s*"(https?:)?//', page, re.I) or "@import" in page:
                failures.append(f"{kind}: the page loads something from the network")
            dom = dump_dom(html)
            problems = check_dom(dom, h5)
            failures += [f"{kind}: {p}" for p in problems]
            numbers, charts = dom.count("data-v="), dom.count('class="chart"')
            print(f"{kind}: {size} bytes, {numbers} numbers checked, {charts} charts, "
                  f"{len(problems)} problems")
            # Negative twin: a number changed on the page must be caught.
            tampered = re.sub(r'(data-h5="[^"]+" data-i="\d+" data-v=")([^"]+)"',
                              lambda m: m.group(1) + repr(float(m.group(2)) * 1.05 + 1) + '"',
                              dom, count=1)
            if not check_dom(tampered, h5):
                failures.append(f"{kind}: a changed number went unnoticed (checker broken)")
            if kind in PLAN_TABLES:
                plan_problems = check_plan_tables(kind, dom, csv_folder)
                failures += plan_problems
                group = next(iter(PLAN_TABLES[kind]))
                print(f"{kind}: plan tables against the CSV files, {len(plan_problems)} problems")
                # Negative twin: a plan-table number 5% off the CSV's must be caught.
                twisted = re.sub(r'(data-h5="' + re.escape(group) + r'/[^"]+" data-i="\d+" '
                                 r'data-v=")([^"]+)"',
                                 lambda m: m.group(1) + repr(float(m.group(2)) * 1.05 + 1) + '"',
                                 dom, count=1)
                if not check_plan_tables(kind, twisted, csv_folder):
                    failures.append(f"{kind}: a plan number 5% off went unnoticed (broken)")
            if kind == "sweep":
                # Review: return on cost shown as a whole number, machine headings, and a
                # two-axis sweep drawn as one zigzag line.
                headings = re.findall(r"<th>([^<]*)</th>", page)
                machine = [h for h in headings if re.search(r"_(mean|p10|p50|p90)$", h)]
                if machine or not [h for h in headings if "P(return on cost &gt; 1)" in h]:
                    failures.append(f"sweep: headings not for people: {machine[:3]!r}")
                # The axis by what it names (review: by its pointer), its values grouped as the
                # workbook shows them (review: 160000).
                for line in ("Monthly (cost enablement) = 1,000",
                             "Monthly (cost enablement) = 3,000"):
                    if line not in page:
                        failures.append(f"sweep: no response line '{line}'")
            if kind == "drivers":
                # Review: the terminal flags shares within 2 SE of zero and a negative
                # interaction; the page showed them bare. Each source row says what the file's
                # share and SE imply, and only then.
                import h5py
                with h5py.File(h5, "r") as f:
                    names = [n.decode() for n in f["drivers/sources/names"][()]]
                    values = f["drivers/sources/values"][()]
                rows = re.findall(r"<tr><td>([^<]*)</td>(.*?)</tr>", page, re.S)
                notes = {name: body for name, body in rows if name in names}
                for name, v in zip(names, values):
                    share, se = v[0], v[1]
                    flagged = ("within 2 SE of zero" in notes.get(name, "") or
                               "below 0 by the shares" in notes.get(name, ""))
                    expected = (se == se and abs(share) < 2 * se) or (se != se and share < 0)
                    if name in notes and flagged != expected:
                        failures.append(f"drivers: {name}: share {share:.4f} se {se:.4f}, "
                                        f"flagged {flagged}")
            if kind == "drivers" and ("x0.9" not in page or "+1 mo" not in page):
                failures.append("drivers: the tornado's ends are not written as the terminal "
                                "writes them (x0.9, +1 mo)")
            if kind == "capacity" and "required confidence of 70.0%" not in page:
                failures.append("capacity: the page does not state the required confidence")
            if kind == "compare" and "identical" not in page:
                failures.append("compare of a scenario with itself does not say 'identical'")
            if kind == "products" and ("Product mix" not in page or "product_share:" not in page):
                failures.append("products: the report has no product-mix table")
            if kind == "run" and "Product mix" in page:
                failures.append("run: a product-mix table without products")
            if kind == "backtest" and "Bias is the mean of actual" not in page:
                failures.append("backtest: the bias column's sign is not explained")
            if kind == "run" and dom.count("data-json=") == 0:
                failures.append("run: the report has no input sanity page")
            # Metrics in words for people (review: "new_bookings FY2028 NA", "arr at month end").
            if kind in ("run", "compare") and (
                    re.search(r"new_bookings (FY|in )|>arr at|\(new_bookings\)", page) or
                    "new bookings" not in page):
                failures.append(f"{kind}: a metric shown by its id, not in words")
        failures += check_inputs_page(opsim, source, work)
    if failures:
        print("FAIL:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
