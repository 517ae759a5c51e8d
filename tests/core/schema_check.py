#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Keeps config/trellis.schema.json honest: every example config/*.yaml must
# validate against it, and the host-level bad configs under bad-configs/ that
# the C++ parser refuses must be refused by the schema too. Environment
# references are replaced by their defaults first, as the host would with an
# empty environment. Exit 77 (skipped) when jsonschema or PyYAML is missing
# (Debian: python3-jsonschema, python3-yaml).
import glob
import json
import os
import re
import sys

try:
    import jsonschema
    import yaml
except ImportError as e:
    print(f"SKIP: {e} (install python3-jsonschema and python3-yaml)")
    sys.exit(77)

config_dir, bad_dir = sys.argv[1], sys.argv[2]
# Refused by the parser for a reason the schema can express.
SCHEMA_REFUSES = [
    "unknown-key.yaml", "wrong-type.yaml", "missing-required.yaml", "bad-enum.yaml",
    "bad-duration.yaml", "nested-unknown-key.yaml", "list-type.yaml", "roles-list.yaml",
    "out-of-range.yaml", "not-a-mapping.yaml", "role-section-scalar.yaml", "bad-listen.yaml",
]

with open(os.path.join(config_dir, "trellis.schema.json")) as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)


def load(path):
    with open(path) as f:
        text = re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*:-([^}]*)\}", r"\1", f.read())
    return yaml.safe_load(text)


failures = 0
examples = sorted(glob.glob(os.path.join(config_dir, "*.yaml")))
if not examples:
    print("no example configs found")
    failures += 1
for path in examples:
    errors = list(validator.iter_errors(load(path)))
    for e in errors:
        print(f"{path}: schema error at {list(e.path)}: {e.message}")
    failures += bool(errors)
for name in SCHEMA_REFUSES:
    path = os.path.join(bad_dir, name)
    if validator.is_valid(load(path)):
        print(f"{path}: accepted by the schema, refused by trellis")
        failures += 1
print(f"{len(examples)} examples valid, {len(SCHEMA_REFUSES)} bad configs refused" if not failures
      else f"{failures} failure(s)")
sys.exit(1 if failures else 0)
