"""Check FtM entities with the followthemoney package: run by the interpreter of the
separate environment that `make test` gives it (.venv/ftm), not imported by the tests.

Reads entities as JSON lines on stdin; prints a JSON list of problems ([] when every
entity is valid): an unknown schema or property, a value FtM's own validation
refuses, an entity id it refuses (or longer than its 200 characters), a required
property missing, a date, country or entity id that FtM's
cleaning would change (so that it would store something else), or a value of a
type cleaning would drop.
"""

import json
import sys

from followthemoney import model
from followthemoney.types import registry

KEPT_AS_IS = {"date", "country", "entity"}

problems = []
for number, line in enumerate(sys.stdin, 1):
    entity = json.loads(line)
    where = f"line {number} ({entity.get('id')})"
    schema = model.get(entity.get("schema", ""))
    if schema is None:
        problems.append(f"{where}: unknown schema {entity.get('schema')!r}")
        continue
    if schema.abstract:
        problems.append(f"{where}: abstract schema {schema.name}")
    entity_type = registry.entity
    if not entity_type.validate(entity.get("id", "")) or len(entity["id"]) > 200:
        problems.append(f"{where}: FtM refuses the id")
    properties = entity.get("properties", {})
    try:
        schema.validate({"properties": properties})
    except Exception as exc:  # InvalidData: what FtM refuses, by property
        problems.append(f"{where}: {getattr(exc, 'errors', exc)}")
    for name in schema.required:
        if not properties.get(name):
            problems.append(f"{where}: required property {name} missing")
    for name, values in properties.items():
        prop = schema.properties.get(name)
        if prop is None:
            problems.append(f"{where}: {schema.name} has no property {name}")
            continue
        for value in values:
            cleaned = prop.type.clean(value, proxy=None)
            if cleaned is None:
                problems.append(f"{where}: {name}: FtM drops {value!r}")
            elif prop.type.name in KEPT_AS_IS and cleaned != value:
                problems.append(f"{where}: {name}: FtM stores {cleaned!r} for {value!r}")
print(json.dumps(problems))
