#!/usr/bin/python3
"""Reads the Kubernetes manifests of deploy/ for the t9xxx tests.

Usage:
  deploy-yaml.py json FILE...
      every YAML document of every FILE as one JSON line
      {"file": FILE, "index": N, "object": {...}}; exit 1 naming the file
      and the problem when a file does not parse or a document is not a
      mapping with apiVersion and kind.
  deploy-yaml.py prune CRDFILE FILE...
      for every object of FILE (YAML documents, or JSON lines holding either
      an object or a watch event {"type":..,"object":..}) whose group and
      version CRDFILE defines, print one line per field the API server would
      drop (not in the structural schema) or refuse (wrong type, value out of
      range or not in the enum), as "FILE: Kind/name: PATH: problem";
      exit 1 when there is any.

Needs PyYAML (Debian: python3-yaml).
"""

import json
import sys

import yaml


def load_docs(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if path.endswith(".ndjson") or path.endswith(".jsonl"):
        out = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as e:
                raise SystemExit("%s:%d: %s" % (path, n, e))
            if isinstance(obj, dict) and isinstance(obj.get("object"), dict):
                obj = obj["object"]
            out.append(obj)
        return out
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as e:
        raise SystemExit("%s: %s" % (path, e))
    return docs


def cmd_json(files):
    for path in files:
        for i, doc in enumerate(load_docs(path)):
            if not isinstance(doc, dict) or "apiVersion" not in doc or "kind" not in doc:
                raise SystemExit("%s: document %d: not an object with apiVersion and kind"
                                 % (path, i))
            print(json.dumps({"file": path, "index": i, "object": doc}, sort_keys=True))


def type_ok(schema, value):
    t = schema.get("type")
    if t == "object":
        return isinstance(value, dict)
    if t == "array":
        return isinstance(value, list)
    if t == "string":
        return isinstance(value, str)
    if t == "boolean":
        return isinstance(value, bool)
    if t == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if t == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return False


def check(schema, value, path, problems):
    if not type_ok(schema, value):
        problems.append("%s: %r is not of type %s" % (path, value, schema.get("type")))
        return
    if "enum" in schema and value not in schema["enum"]:
        problems.append("%s: %r is not one of %s" % (path, value, schema["enum"]))
    if "minimum" in schema and value < schema["minimum"]:
        problems.append("%s: %r is below %s" % (path, value, schema["minimum"]))
    if "maximum" in schema and value > schema["maximum"]:
        problems.append("%s: %r is above %s" % (path, value, schema["maximum"]))
    if isinstance(value, dict):
        if path == "metadata":
            return
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        for k in schema.get("required", []):
            if k not in value:
                problems.append("%s: required field %s missing" % (path, k))
        for k, v in value.items():
            sub = "%s.%s" % (path, k) if path else k
            if props is not None and k in props:
                check(props[k], v, sub, problems)
            elif isinstance(extra, dict):
                check(extra, v, sub, problems)
            elif schema.get("x-kubernetes-preserve-unknown-fields"):
                continue
            else:
                problems.append("%s: not in the schema (pruned)" % sub)
    elif isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            problems.append("%s: fewer than %d items" % (path, schema["minItems"]))
        for i, v in enumerate(value):
            check(schema.get("items", {}), v, "%s[%d]" % (path, i), problems)


def cmd_prune(crdfile, files):
    schemas = {}
    for crd in load_docs(crdfile):
        if crd.get("kind") != "CustomResourceDefinition":
            continue
        spec = crd["spec"]
        for v in spec["versions"]:
            schemas[(spec["group"] + "/" + v["name"], spec["names"]["kind"])] = \
                v["schema"]["openAPIV3Schema"]
    bad = 0
    for path in files:
        for obj in load_docs(path):
            if not isinstance(obj, dict):
                continue
            schema = schemas.get((obj.get("apiVersion"), obj.get("kind")))
            if schema is None:
                continue
            problems = []
            check(schema, obj, "", problems)
            name = (obj.get("metadata") or {}).get("name", "?")
            for p in problems:
                print("%s: %s/%s: %s" % (path, obj["kind"], name, p))
                bad += 1
    return 1 if bad else 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "json":
        cmd_json(argv[1:])
        return 0
    if len(argv) >= 3 and argv[0] == "prune":
        return cmd_prune(argv[1], argv[2:])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
