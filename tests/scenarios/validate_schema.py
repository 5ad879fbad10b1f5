#!/usr/bin/env python3
"""Validates every scenarios/*.json (except schema.json) against scenarios/schema.json, checks
that deliberately bad documents are rejected at the expected place, and that the schema's
objects have exactly the key sets the loader accepts (its allow_only lists).

A scenario that extends another ("extends") is checked in its resolved form, as printed by
`opsim validate --resolved`.

Usage: validate_schema.py SOURCE_DIR OPSIM   (exit 0 = all checks passed)
"""

import copy
import glob
import json
import os
import re
import subprocess
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
        raise SystemExit(f"cannot find {pattern!r} in sim/io/scenario_loader.cpp")
    return set(re.findall(r'"([a-z_]+)"', match.group(1)))


def object_key_sets(node):
    """Key sets of every object schema inside `node` (conditions such as "if" excluded)."""
    if isinstance(node, dict):
        closed = False in (node.get("additionalProperties"), node.get("unevaluatedProperties"))
        if isinstance(node.get("properties"), dict) and (node.get("type") == "object" or closed):
            yield frozenset(node["properties"])
        for value in node.values():
            yield from object_key_sets(value)
    elif isinstance(node, list):
        for value in node:
            yield from object_key_sets(value)


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    root, opsim = sys.argv[1], sys.argv[2]
    validator = schema_validator(root)
    schema = validator.schema
    failures = []

    scenario_files = sorted(p for p in glob.glob(os.path.join(root, "scenarios", "*.json"))
                            if os.path.basename(p) != "schema.json")
    # Worked examples in subfolders carry comments: checked in their resolved form.
    example_files = sorted(glob.glob(os.path.join(root, "scenarios", "*", "*.json")))
    if not scenario_files:
        failures.append("no scenarios/*.json found")
    for path in scenario_files + example_files:
        if path in example_files:
            document = {"extends": path}
        else:
            with open(path, encoding="utf-8") as f:
                document = json.load(f)
        if "extends" in document:
            document = json.loads(subprocess.run([opsim, "validate", "--resolved", path],
                                                 check=True, capture_output=True, text=True).stdout)
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
        "schema_version 3": (
            mutate(lambda d: d.update(schema_version=3)), "/schema_version"),
        "unknown owner policy": (
            mutate(lambda d: d["pipeline"].update(unknown_owner="drop")),
            "/pipeline/unknown_owner"),
        "mapped CSV without a path": (
            mutate(lambda d: d["installed_base"].update(csv={"columns": {"id": "contract"}})),
            "/installed_base/csv"),
        "thousands separator as a word": (
            mutate(lambda d: d["installed_base"].update(csv={"path": "x.csv", "thousands": "comma"})),
            "/installed_base/csv"),
        "missing horizon": (
            mutate(lambda d: d.pop("horizon")), "/"),
        "backfill lag as a word": (
            mutate(lambda d: d["segments"][0].update(backfill_lag_months="never")),
            "/segments/0/backfill_lag_months"),
    }
    # Any numeric parameter may be a distribution (scenarios/README.md, Uncertain assumptions),
    # facts and questions may not; and a distribution's own fields are checked.
    tri = {"dist": "triangular", "min": 0.2, "mode": 0.25, "max": 0.3}
    bad.update({
        "distribution as a target amount": (
            mutate(lambda d: d["targets"][0].update(amount=dict(tri))), "/targets/0/amount"),
        "distribution as the horizon's months": (
            mutate(lambda d: d["horizon"].update(months=dict(tri))), "/horizon/months"),
        "distribution without its mode": (
            mutate(lambda d: d["segments"][0].update(win_rate={"dist": "triangular", "min": 0,
                                                               "max": 1})),
            "/segments/0/win_rate"),
    })
    uncertain = {
        "win rate": lambda d: d["segments"][0].update(win_rate=dict(tri)),
        "deal size mean": lambda d: d["segments"][0]["deal_size"].update(
            mean={"dist": "lognormal", "mean": 30000, "cv": 0.2}),
        "attrition": lambda d: d["segments"][0].update(
            attrition={"dist": "beta", "alpha": 2, "beta": 8}),
        "opportunity rate": lambda d: d["segments"][0].update(
            opportunity_rate={"dist": "normal", "mean": 6, "sd": 1, "min": 0}),
        "programme cost": lambda d: d.update(costs=[{"id": "x", "monthly": {
            "dist": "pert", "min": 1000, "mode": 2000, "max": 5000}}]),
    }
    for name, change in uncertain.items():
        found = [pointer(e) for e in errors_of(validator, mutate(change))]
        if found:
            failures.append(f"uncertain {name} refused by the schema at {found}")
        else:
            print(f"accepted as expected: uncertain {name}")

    for name, (document, expected) in bad.items():
        found = [pointer(e) for e in errors_of(validator, document)]
        if not found:
            failures.append(f"bad document accepted by the schema: {name}")
        elif expected not in found:
            failures.append(f"bad document '{name}' rejected at {found}, expected {expected}")
        else:
            print(f"rejected as expected: {name} ({expected})")

    # The schema's objects must have exactly the keys the loader allows: every allow_only({...})
    # list in the loader is some schema object's key set and vice versa, and the segment
    # parameters are kSegmentParamKeys.
    # The plan section is read by sim/io/plan_loader.cpp, costs by cost_loader.cpp,
    # distributions by assumptions.cpp and every CSV's mapping object by csv_source.cpp.
    with open(os.path.join(root, "sim", "io", "scenario_loader.cpp"), encoding="utf-8") as f:
        source = f.read()
    plan_source = ""  # the plan section, costs and distributions have their own readers
    for name in ("plan_loader.cpp", "cost_loader.cpp", "assumptions.cpp", "csv_source.cpp"):
        with open(os.path.join(root, "sim", "io", name), encoding="utf-8") as f:
            plan_source += f.read()
    loader_sets = {frozenset(re.findall(r'"([a-z_]+)"', keys))
                   for keys in re.findall(r"(?:allow_only\(\s*|kRootKeys)\{([^}]*)\}", source + plan_source)}
    segment_keys = loader_keys(source, "kSegmentParamKeys =")
    schema_sets = set(object_key_sets(schema)) - {frozenset({"id"})}  # segment: id + $ref
    documented_segment_keys = set(schema["$defs"]["segment_params"]["properties"])
    if segment_keys != documented_segment_keys:
        failures.append(f"segment parameters: loader {sorted(segment_keys)}, schema "
                        f"{sorted(documented_segment_keys)}")
    schema_sets.discard(frozenset(documented_segment_keys))
    for keys in sorted(loader_sets - schema_sets, key=sorted):
        failures.append(f"the loader allows {{{', '.join(sorted(keys))}}}: no schema object has "
                        "exactly these keys")
    for keys in sorted(schema_sets - loader_sets, key=sorted):
        failures.append(f"the schema has an object {{{', '.join(sorted(keys))}}}: the loader "
                        "allows no such key set")
    if len(loader_sets) < 20:
        failures.append(f"found only {len(loader_sets)} allow_only lists in the loader")

    return report("schema check", failures)


if __name__ == "__main__":
    sys.exit(main())
