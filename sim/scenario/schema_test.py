#!/usr/bin/env python3
"""The JSON Schema of scenario files (docs/scenario.schema.json) against the parser.

    schema_test.py DISCOSIM SCHEMA VALID... --invalid DIR --probe FILE...

Checks, each failing with a message that names the file, the place and the key:
  1. the schema is a valid draft-07 schema, and every key it declares has a
     description (editors show it);
  2. every VALID file, and every *.yaml under each VALID folder (subfolders
     too), validates, and so do the --probe files;
  3. each file in --invalid is refused by the schema at the place its first
     line names (`# invalid at: timeline/0/at`) and by `discosim check`;
  4. the keys: in every map of every valid file, a key no scenario has is
     written in, and `discosim check` answers with the keys it allows there
     ("the keys here are ..."): the schema must declare exactly those keys at
     that place. A key the parser accepts and the schema lacks fails the test
     with its name, so whoever adds a key to the format adds it here too;
  5. the enums: every value the schema restricts to a list of words is
     replaced by a word no list has, and the parser's "expected one of ..."
     must list the schema's words;
  6. the --probe files use every key the schema declares, so that 4 and 5
     look at each of them.
Uses python3-jsonschema and python3-yaml (Debian packages; .ci/setup).
"""
import argparse
import copy
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

import jsonschema
import yaml

PROBE_KEY = "zz_schema_probe"
PROBE_WORD = "zz_schema_probe_word"


class Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):  # the format refuses anchors and aliases
        return True


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def parser_path(tokens):
    """The parser's key path of a place: timeline[2].dns (reader.h KeyPath, IndexPath)."""
    text = ""
    for t in tokens:
        if isinstance(t, int):
            text += "[%d]" % t
        else:
            text = t if text == "" else text + "." + t
    return text or "(top level)"


class SchemaWalk:
    """Finds the subschemas that apply at a place of a document."""

    def __init__(self, schema):
        self.schema = schema
        self.resolver = jsonschema.RefResolver.from_schema(schema)

    def deref(self, s):
        while isinstance(s, dict) and "$ref" in s:
            _, s = self.resolver.resolve(s["$ref"])
        return s

    def valid(self, s, value):
        return jsonschema.Draft7Validator(s, resolver=self.resolver).is_valid(value)

    def expand(self, s, value):
        """s and the parts of it that apply to value: $ref, allOf, and the
        anyOf/oneOf branches value validates against."""
        out, todo = [], [s]
        while todo:
            s = self.deref(todo.pop())
            if not isinstance(s, dict):
                continue
            out.append(s)
            todo.extend(s.get("allOf", []))
            for key in ("anyOf", "oneOf"):
                branches = s.get(key, [])
                matching = [b for b in branches if self.valid(b, value)]
                todo.extend(matching or branches)
        return out

    def at(self, doc, tokens):
        """The expanded subschemas at `tokens` of doc."""
        schemas, value = self.expand(self.schema, doc), doc
        for t in tokens:
            children = []
            for s in schemas:
                if isinstance(t, int):
                    items = s.get("items")
                    if isinstance(items, dict):
                        children.append(items)
                elif t in s.get("properties", {}):
                    children.append(s["properties"][t])
                elif isinstance(s.get("additionalProperties"), dict):
                    children.append(s["additionalProperties"])
            value = value[t]
            schemas = [x for c in children for x in self.expand(c, value)]
        return schemas


def keys_declared(schemas):
    keys, open_map = set(), False
    for s in schemas:
        keys |= set(s.get("properties", {}))
        if s.get("type") == "object" and s.get("additionalProperties", True) is not False:
            open_map = True
    return keys, open_map


def enum_words(schemas):
    words = set()
    for s in schemas:
        for w in s.get("enum", []):
            if isinstance(w, str):
                words.add(w)
    return words


def places(value, tokens=()):
    """Every (tokens, value) of a document, depth first."""
    yield list(tokens), value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from places(v, tokens + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from places(v, tokens + (i,))


def set_at(doc, tokens, value):
    target = doc
    for t in tokens[:-1]:
        target = target[t]
    target[tokens[-1]] = value


def check_files(discosim, files):
    """Runs `discosim check` on files; returns {file: [error lines]} and the exit code."""
    result = subprocess.run([discosim, "check", *files], capture_output=True, text=True)
    errors = {f: [] for f in files}
    for line in result.stderr.splitlines():
        for f in files:
            if line.startswith(f + ":"):
                errors[f].append(line[len(f) + 1:])
                break
    return errors, result.returncode


class Test:
    def __init__(self, args):
        self.args = args
        with open(args.schema, encoding="utf-8") as f:
            self.schema = json.load(f)
        self.walk = SchemaWalk(self.schema)
        self.failures = {}  # one entry per problem, however many places show it

    def fail(self, text, same=None):
        """Records a problem; those with the same `same` are shown once, counted."""
        key = same or text
        if key in self.failures:
            self.failures[key][1] += 1
        else:
            self.failures[key] = [text, 0]

    def schema_is_sound(self):
        jsonschema.Draft7Validator.check_schema(self.schema)
        for tokens, value in places(self.schema):
            if isinstance(value, dict) and tokens and tokens[-1] == "properties":
                for key, sub in value.items():
                    if isinstance(sub, dict) and "description" not in sub:
                        self.fail("%s: key %r at /%s has no description"
                                  % (self.args.schema, key, "/".join(map(str, tokens))))

    def valid_files(self):
        files = []
        for d in self.args.valid:
            if os.path.isdir(d):
                files += sorted(glob.glob(os.path.join(d, "**", "*.yaml"), recursive=True))
            else:
                files.append(d)
        return files + self.args.probe

    def all_validate(self, files):
        validator = jsonschema.Draft7Validator(self.schema)
        for f in files:
            for e in validator.iter_errors(load(f)):
                self.fail("%s: does not validate against the schema at /%s: %s"
                          % (f, "/".join(map(str, e.absolute_path)), e.message[:300]),
                          same=("invalid", f))

    def invalid_refused(self):
        validator = jsonschema.Draft7Validator(self.schema)
        files = sorted(glob.glob(os.path.join(self.args.invalid, "*.yaml")))
        if not files:
            self.fail("no invalid files in %s" % self.args.invalid)
        for f in files:
            with open(f, encoding="utf-8") as text:
                first = text.readline()
            m = re.match(r"# invalid at: (\S*)", first)
            if not m:
                self.fail("%s: the first line must be `# invalid at: PATH`" % f)
                continue
            paths = ["/".join(map(str, e.absolute_path)) for e in validator.iter_errors(load(f))]
            paths += ["/".join(map(str, list(e.absolute_path) + [k]))
                      for e in validator.iter_errors(load(f)) if e.validator == "additionalProperties"
                      for k in re.findall(r"'([^']+)' was unexpected", e.message)]
            if m.group(1) not in paths:
                self.fail("%s: the schema does not refuse it at %s (its errors are at: %s)"
                          % (f, m.group(1), ", ".join(paths) or "nowhere"))
            _, code = check_files(self.args.discosim, [f])
            if code != 2:
                self.fail("%s: discosim check exits %d, not 2: the parser accepts what the "
                          "schema refuses" % (f, code))

    def probe(self, files, make_probe, judge):
        """For each place make_probe picks, writes the probed file, runs
        discosim check on all of them at once and hands each answer to judge."""
        with tempfile.TemporaryDirectory(prefix="discosim-schema-") as tmp:
            probes = []
            for f in files:
                doc = load(f)
                for tokens, value in places(doc):
                    probed = make_probe(doc, tokens, value)
                    if probed is None:
                        continue
                    path = os.path.join(tmp, "p%05d.yaml" % len(probes))
                    with open(path, "w", encoding="utf-8") as out:
                        yaml.dump(probed, out, Dumper=Dumper, sort_keys=False, allow_unicode=True)
                    probes.append((path, f, doc, tokens))
            for start in range(0, len(probes), 200):
                batch = probes[start:start + 200]
                errors, _ = check_files(self.args.discosim, [p[0] for p in batch])
                for path, f, doc, tokens in batch:
                    judge(f, doc, tokens, errors[path])
            return len(probes)

    def keys_match(self, files):
        def make(doc, tokens, value):
            if not isinstance(value, dict) or PROBE_KEY in value:
                return None
            probed = copy.deepcopy(doc)
            target = probed
            for t in tokens:
                target = target[t]
            target[PROBE_KEY] = 1
            return probed

        def judge(f, doc, tokens, errors):
            where = parser_path(tokens)
            place = re.sub(r"\[\d+\]", "[]", where)
            declared, open_map = keys_declared(self.walk.at(doc, tokens))
            listed = None
            for e in errors:
                m = re.search(r"unknown key \"%s\"; the keys here are (.*)$" % PROBE_KEY, e)
                if m:
                    listed = set(m.group(1).split(", "))
            if listed is None:
                if not errors and not open_map:
                    self.fail("%s: at %s the parser accepts any key, the schema only %s"
                              % (f, where, sorted(declared)))
                return  # a map the parser reads otherwise (a message): nothing to compare
            for key in sorted(listed - declared):
                self.fail("%s: at %s the parser accepts key \"%s\", which %s does not declare "
                          "there: add it to the schema, with a description"
                          % (f, where, key, self.args.schema), same=("missing", place, key))
            for key in sorted(declared - listed):
                self.fail("%s: at %s the schema declares key \"%s\", which the parser refuses "
                          "there" % (f, where, key), same=("extra", place, key))

        return self.probe(files, make, judge)

    def enums_match(self, files):
        def make(doc, tokens, value):
            if not isinstance(value, str) or not tokens:
                return None
            if not enum_words(self.walk.at(doc, tokens)):
                return None
            probed = copy.deepcopy(doc)
            set_at(probed, tokens, PROBE_WORD)
            return probed

        def judge(f, doc, tokens, errors):
            words = enum_words(self.walk.at(doc, tokens))
            for e in errors:
                m = re.search(r"expected one of (.*?), found", e)
                if m:
                    listed = set(m.group(1).split(", "))
                    if listed != words:
                        self.fail("%s: at %s the parser allows %s, the schema's enum is %s"
                                  % (f, parser_path(tokens), sorted(listed), sorted(words)),
                                  same=("enum", tokens[-1], tuple(sorted(listed))))
                    return
            # The parser reads some words itself (heal: all, message: check):
            # the probe must at least be refused.
            if not errors:
                self.fail("%s: at %s the parser accepts %r, which the schema refuses"
                          % (f, parser_path(tokens), PROBE_WORD), same=("word", tokens[-1]))

        return self.probe(files, make, judge)

    def probes_use_every_key(self):
        used = set()
        for f in self.args.probe:
            for tokens, value in places(load(f)):
                if isinstance(value, dict):
                    used |= set(value)
        for tokens, value in places(self.schema):
            if isinstance(value, dict) and tokens and tokens[-1] == "properties":
                for key in value:
                    if key not in used:
                        self.fail("no --probe file uses key \"%s\" (/%s): add it to %s so that "
                                  "the parser is asked about it"
                                  % (key, "/".join(map(str, tokens)), " ".join(self.args.probe)))

    def run(self):
        self.schema_is_sound()
        files = self.valid_files()
        self.all_validate(files)
        self.invalid_refused()
        self.probes_use_every_key()
        maps = self.keys_match(files)
        words = self.enums_match(files)
        for text, more in self.failures.values():
            print("FAIL: " + text + ("  (and %d more places)" % more if more else ""))
        print("schema: %d files validate, %d maps and %d enum values asked of the parser; %d "
              "problems" % (len(files), maps, words, len(self.failures)))
        return 1 if self.failures else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("discosim")
    p.add_argument("schema")
    p.add_argument("valid", nargs="+", help="scenario files, or folders of them")
    p.add_argument("--invalid", required=True)
    p.add_argument("--probe", nargs="+", required=True)
    sys.exit(Test(p.parse_args()).run())


if __name__ == "__main__":
    main()
