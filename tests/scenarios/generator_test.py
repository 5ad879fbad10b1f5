#!/usr/bin/env python3
"""scripts/generate_scenario.py is deterministic and its output loads: the committed
scenarios/global_saas* regenerate byte for byte, the same seed gives the same files and
another seed different ones, and a small custom scenario passes `opsim validate` and the
schema.

Usage: generator_test.py SOURCE_DIR OPSIM_EXE   (exit 0 = all checks passed)
"""

import filecmp
import json
import os
import subprocess
import sys
import tempfile

from scenario_checks import report, schema_validator


def generate(root, out, *args):
    subprocess.run([sys.executable, os.path.join(root, "scripts", "generate_scenario.py"),
                    "--out", out, *args], check=True, stdout=subprocess.DEVNULL)


def same_tree(a, b, name):
    """Differences between a/NAME.json + a/NAME/ and the same under b."""
    folder = sorted(os.listdir(os.path.join(a, name)))
    files = [name + ".json"] + [os.path.join(name, f) for f in folder]
    _, mismatch, errors = filecmp.cmpfiles(a, b, files, shallow=False)
    return mismatch + errors


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    root, opsim = sys.argv[1], sys.argv[2]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        generate(root, os.path.join(tmp, "bundled"), "--preset", "global_saas")
        differing = same_tree(os.path.join(root, "scenarios"), os.path.join(tmp, "bundled"),
                              "global_saas")
        if differing:
            failures.append(f"regenerating global_saas changes {differing}: commit the "
                            "generator's output together with the generator")

        tiny = ["--name", "tiny", "--regions", "2", "--reps", "12", "--hires", "3", "--deals",
                "40", "--contracts", "25", "--months", "8", "--start", "2027-09",
                "--fiscal-start", "1", "--trials", "50"]
        generate(root, os.path.join(tmp, "a"), *tiny, "--seed", "3")
        generate(root, os.path.join(tmp, "b"), *tiny, "--seed", "3")
        generate(root, os.path.join(tmp, "c"), *tiny, "--seed", "4")
        if same_tree(os.path.join(tmp, "a"), os.path.join(tmp, "b"), "tiny"):
            failures.append("the same seed gave different files")
        if not same_tree(os.path.join(tmp, "a"), os.path.join(tmp, "c"), "tiny"):
            failures.append("different seeds gave identical files")

        # An existing scenario is replaced only with --force (opsim's rule for files).
        script = os.path.join(root, "scripts", "generate_scenario.py")
        again = subprocess.run([sys.executable, script, "--out", os.path.join(tmp, "c"), *tiny,
                                "--seed", "3"], capture_output=True, text=True)
        if again.returncode != 2 or "pass --force" not in again.stderr:
            failures.append(f"regenerating over existing files: exit {again.returncode}, "
                            f"{again.stderr.strip()!r} (expected exit 2 and 'pass --force')")
        if not same_tree(os.path.join(tmp, "a"), os.path.join(tmp, "c"), "tiny"):
            failures.append("a refused regeneration changed the existing files")
        generate(root, os.path.join(tmp, "c"), *tiny, "--seed", "3", "--force")
        if same_tree(os.path.join(tmp, "a"), os.path.join(tmp, "c"), "tiny"):
            failures.append("--force did not replace the existing files")

        path = os.path.join(tmp, "a", "tiny.json")
        result = subprocess.run([opsim, "validate", path], capture_output=True, text=True)
        if result.returncode != 0:
            failures.append(f"opsim validate tiny.json: exit {result.returncode}: "
                            f"{result.stdout}{result.stderr}")
        with open(path, encoding="utf-8") as f:
            for error in schema_validator(root).iter_errors(json.load(f)):
                failures.append(f"tiny.json does not match the schema: {error.message}")

    return report("generator check", failures)


if __name__ == "__main__":
    sys.exit(main())
