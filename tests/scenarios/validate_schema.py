#!/usr/bin/env python3
"""Validates every scenarios/*.json (except schema.json) against scenarios/schema.json, checks
that deliberately bad documents are rejected at the expected place, and that the schema's
top-level and segment-parameter keys are exactly those the loader accepts.

Usage: validate_schema.py SOURCE_DIR   (exit 0 = all checks passed)
"""

import copy
import glob
import json
import os
import re
import sys

from scenario_checks import report, schema_validator


def errors_of(validator, document):
    return sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))


def pointer(error):
    return "/" + "/".join(str(p) for p in error.absolute_path)


def loader_keys(source, pattern):
    """The quoted keys of the first brace list after `pattern` in the loader source."""
    match = re.search(re.escape(pattern) + r"\s*\{([^}]*)\}", source)
    if not match:
        raise SystemExit(f"cannot find {pattern!r} in sim/scenario_loader.cpp")
    return set(re.findall(r'"([a-z_]+)"', match.group(1)))


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    root = sys.argv[1]
    validator = schema_validator(root)
    schema = validator.schema
    failures = []

    scenario_files = sorted(p for p in glob.glob(os.path.join(root, "scenarios", "*.json"))
                            if os.path.basename(p) != "schema.json")
    if not scenario_files:
        failures.append("no scenarios/*.json found")
    for path in scenario_files:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
        for error in errors_of(validator, document):
            failures.append(f"{os.path.basename(path)}: {pointer(error)}: {error.message}")
        print(f"checked {os.path.basename(path)}")

    # Bad documents, each a mutation of the didactic scenario, and the pointer of the error.
    with open(os.path.join(root, "scenarios", "didactic.json"), encoding="utf-8") as f:
        good = json.load(f)

    def mutate(change):
        document = copy.deepcopy(good)
        change(document)
        return document

    bad = {
        "unknown top-level key": (
            mutate(lambda d: d.update(horizn=d["horizon"])), "/"),
        "win rate 1.4": (
            mutate(lambda d: d["segments"][0].update(win_rate=1.4)), "/segments/0/win_rate"),
        "unknown segment key": (
            mutate(lambda d: d["segments"][0].update(win_rat=0.2)), "/segments/0"),
        "unknown key in an override": (
            mutate(lambda d: d.update(overrides=[{"set": {"winrate": 0.3}}])), "/overrides/0/set"),
        "11 seasonality values": (
            mutate(lambda d: d["regions"][0]["seasonality"].pop()), "/regions/0/seasonality"),
        "malformed month": (
            mutate(lambda d: d["horizon"].update(start="2027-13")), "/horizon/start"),
        "10^12 trials": (
            mutate(lambda d: d["simulation"].update(trials=10**12)), "/simulation/trials"),
        "negative deal amount": (
            mutate(lambda d: d["pipeline"]["deals"][0].update(amount=-1)),
            "/pipeline/deals/0/amount"),
        "opportunity rate without deal size": (
            mutate(lambda d: d["segments"][0].pop("deal_size")), "/segments/0"),
        "schema_version 2": (
            mutate(lambda d: d.update(schema_version=2)), "/schema_version"),
        "missing horizon": (
            mutate(lambda d: d.pop("horizon")), "/"),
        "backfill lag as a word": (
            mutate(lambda d: d["segments"][0].update(backfill_lag_months="never")),
            "/segments/0/backfill_lag_months"),
    }
    for name, (document, expected) in bad.items():
        found = [pointer(e) for e in errors_of(validator, document)]
        if not found:
            failures.append(f"bad document accepted by the schema: {name}")
        elif expected not in found:
            failures.append(f"bad document '{name}' rejected at {found}, expected {expected}")
        else:
            print(f"rejected as expected: {name} ({expected})")

    # The schema must list exactly the keys the loader allows.
    with open(os.path.join(root, "sim", "scenario_loader.cpp"), encoding="utf-8") as f:
        source = f.read()
    checks = [
        ("top level", loader_keys(source, "root.allow_only("), set(schema["properties"])),
        ("segment parameters", loader_keys(source, "kSegmentParamKeys ="),
         set(schema["$defs"]["segment_params"]["properties"])),
    ]
    for what, loader, documented in checks:
        if loader != documented:
            failures.append(f"{what}: loader allows {sorted(loader - documented)} not in the "
                            f"schema; schema has {sorted(documented - loader)} not in the loader")

    return report("schema check", failures)


if __name__ == "__main__":
    sys.exit(main())
