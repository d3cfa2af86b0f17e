"""Validates YAML files against a JSON Schema (draft 2020-12) with the `jsonschema` package.

usage: validate_schema.py SCHEMA.json FILE.yaml...
Prints one line per file, "valid FILE" or "invalid FILE: <first error>"; exits 2 if the
schema itself is not a valid draft 2020-12 schema.
"""
import json
import sys

import jsonschema
import yaml

schema = json.load(open(sys.argv[1]))
try:
    jsonschema.Draft202012Validator.check_schema(schema)
except jsonschema.SchemaError as error:
    print(f"bad schema: {error.message}")
    sys.exit(2)
validator = jsonschema.Draft202012Validator(schema)
for path in sys.argv[2:]:
    with open(path) as file:
        document = yaml.safe_load(file)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        where = "/".join(str(part) for part in errors[0].absolute_path)
        print(f"invalid {path}: {where}: {errors[0].message[:200]}")
    else:
        print(f"valid {path}")
