"""Shared pieces of the scenario checks run by ctest."""

import json
import os

import jsonschema


def schema_validator(root):
    """A validator for ROOT/scenarios/schema.json, after checking the schema itself."""
    with open(os.path.join(root, "scenarios", "schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def report(what, failures):
    """Prints the failures and returns the exit status (0 when there are none)."""
    for failure in failures:
        print("FAIL:", failure)
    print(f"{what}:", "FAILED" if failures else "passed")
    return 1 if failures else 0
