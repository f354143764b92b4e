#!/usr/bin/env python3
"""Makes the schemas DeploymentFilesTest validates docker/k8s/*.yaml against (see README.md here).

  python3 extract.py --swagger swagger.json --crd CRD.yaml... [--out DIR]

--swagger: the Kubernetes OpenAPI v2 document (api/openapi-spec/swagger.json of a Kubernetes
release, as kubernetes-client/python vendors it in kubernetes/swagger.json.unprocessed). Writes
kubernetes-definitions.json: the definitions of KINDS and every definition they reference, with
IntOrString accepting a string or an integer and Quantity a string or a number (as the API server
does; the OpenAPI document types both as strings).

--crd: CustomResourceDefinition YAML files (several documents allowed). Writes <crd name>.json per
CRD: its group, kind and each served version's openAPIV3Schema.

Both drop every schema's `description` (most of the bytes, no validation meaning) and change
nothing else. Needs Python 3 and PyYAML (Debian: python3-yaml).
"""
import argparse
import hashlib
import json
import os
import sys

import yaml

# (group, version, kind) of the Kubernetes objects docker/k8s may contain.
KINDS = [
    ("apps", "v1", "Deployment"),
    ("", "v1", "PersistentVolumeClaim"),
    ("", "v1", "Service"),
    ("", "v1", "ConfigMap"),
]
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"


def strip(schema):
    """A copy of a schema object without `description`, recursing only where schemas nest."""
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "description":
            continue
        if key in ("properties", "patternProperties", "definitions") and isinstance(value, dict):
            out[key] = {name: strip(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = strip(value)
        elif key in ("allOf", "anyOf", "oneOf") and isinstance(value, list):
            out[key] = [strip(sub) for sub in value]
        else:
            out[key] = value
    return out


def refs(node, found):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            found.add(ref[len("#/definitions/"):])
        for value in node.values():
            refs(value, found)
    elif isinstance(node, list):
        for value in node:
            refs(value, found)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def kubernetes(swagger_path, out_dir):
    with open(swagger_path) as f:
        definitions = json.load(f)["definitions"]
    roots = []
    for name, definition in definitions.items():
        for gvk in definition.get("x-kubernetes-group-version-kind", []):
            if (gvk["group"], gvk["version"], gvk["kind"]) in KINDS:
                roots.append(name)
    missing = set(KINDS) - {(g["group"], g["version"], g["kind"])
                            for n in roots for g in definitions[n]["x-kubernetes-group-version-kind"]}
    if missing:
        sys.exit(f"not in {swagger_path}: {sorted(missing)}")
    keep, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        found = set()
        refs(definitions[name], found)
        todo.extend(found - keep)
    out = {name: strip(definitions[name]) for name in sorted(keep)}
    out[INT_OR_STRING] = {"oneOf": [{"type": "string"}, {"type": "integer"}]}
    out[QUANTITY] = {"oneOf": [{"type": "string"}, {"type": "number"}]}
    write(out_dir, "kubernetes-definitions.json", {
        "$comment": "Made by extract.py from " + os.path.basename(swagger_path)
                    + " (sha256 " + sha256(swagger_path) + "); see README.md.",
        "definitions": out,
    })


def crds(paths, out_dir):
    for path in paths:
        with open(path) as f:
            for doc in yaml.safe_load_all(f):
                if not doc or doc.get("kind") != "CustomResourceDefinition":
                    continue
                spec = doc["spec"]
                write(out_dir, doc["metadata"]["name"] + ".json", {
                    "$comment": "Made by extract.py from " + os.path.basename(path)
                                + " (sha256 " + sha256(path) + "); see README.md.",
                    "group": spec["group"],
                    "kind": spec["names"]["kind"],
                    "versions": {v["name"]: strip(v["schema"]["openAPIV3Schema"])
                                 for v in spec["versions"] if v.get("served")},
                })


def write(out_dir, name, content):
    path = os.path.join(out_dir, name)
    with open(path, "w") as f:
        # compact: the indented form is three times the size and only a script reads these
        json.dump(content, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    print(f"{path}: {os.path.getsize(path)} bytes")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swagger")
    parser.add_argument("--crd", nargs="*", default=[])
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = parser.parse_args()
    if args.swagger:
        kubernetes(args.swagger, args.out)
    crds(args.crd, args.out)


if __name__ == "__main__":
    main()
