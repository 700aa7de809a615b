"""Any change to a signed credential is rejected: 200 seeded random mutations.

Half change one field of the parsed credential (edit one character of a
value, flip a boolean, delete a member, add or rename a member), half change
one byte of the JSON file (kept only when the result still parses and says
something different, so whitespace-only edits do not count).  Every mutant
must be refused: Not valid, or Could not check (for example when the changed
byte is inside a context URL), never Valid.
"""
import json
import random
import string
from collections import Counter

import pytest

from competency.passport.verification import Outcome

SEED = 20_260_302
MUTANTS = 200
PRINTABLE = string.ascii_letters + string.digits + string.punctuation + " "


def leaf_paths(node, path=()):
    """Every (path, value) where value is a scalar, plus member keys of objects."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaf_paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from leaf_paths(value, (*path, index))
    else:
        yield path, node


def object_paths(node, path=()):
    if isinstance(node, dict):
        yield path
        for key, value in node.items():
            yield from object_paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from object_paths(value, (*path, index))


def get(node, path):
    for step in path:
        node = node[step]
    return node


def change_one_character(rng, text):
    if not text:
        return rng.choice(PRINTABLE)
    position = rng.randrange(len(text))
    replacement = rng.choice([c for c in PRINTABLE if c != text[position]])
    return text[:position] + replacement + text[position + 1 :]


def field_mutant(rng, credential):
    mutant = json.loads(json.dumps(credential))
    kind = rng.choice(["value", "value", "delete", "add", "rename"])
    if kind == "value":
        path, value = rng.choice(list(leaf_paths(mutant)))
        parent = get(mutant, path[:-1])
        if isinstance(value, bool):
            parent[path[-1]] = not value
        elif isinstance(value, str):
            parent[path[-1]] = change_one_character(rng, value)
        else:
            parent[path[-1]] = value + 1
        return f"value {path}", mutant
    parent_path = rng.choice([p for p in object_paths(mutant) if get(mutant, p)])
    parent = get(mutant, parent_path)
    key = rng.choice(list(parent))
    if kind == "delete":
        del parent[key]
    elif kind == "add":
        parent["x" + "".join(rng.choices(string.ascii_letters, k=6))] = "added"
    else:
        parent[change_one_character(rng, key)] = parent.pop(key)
    return f"{kind} {parent_path + (key,)}", mutant


def byte_mutant(rng, credential, original_bytes):
    while True:
        position = rng.randrange(len(original_bytes))
        replacement = rng.choice([c for c in PRINTABLE.encode() if c != original_bytes[position]])
        changed = original_bytes[:position] + bytes([replacement]) + original_bytes[position + 1 :]
        try:
            parsed = json.loads(changed)
        except ValueError:
            continue  # not JSON any more: trivially rejected, so not counted
        if parsed != credential:
            return f"byte {position}", parsed


@pytest.fixture(scope="module")
def issued():
    from passport_issuer import Installation

    installation = Installation()
    credential = installation.issue()
    assert installation.verify(credential).outcome is Outcome.valid
    return installation, credential


def test_two_hundred_random_single_changes_are_all_rejected(issued):
    installation, credential = issued
    rng = random.Random(SEED)
    original_bytes = json.dumps(credential, indent=2).encode()
    outcomes = Counter()
    accepted = []
    seen = set()
    while len(seen) < MUTANTS:
        if len(seen) % 2:
            label, mutant = byte_mutant(rng, credential, original_bytes)
        else:
            label, mutant = field_mutant(rng, credential)
        fingerprint = json.dumps(mutant, sort_keys=True)
        if mutant == credential or fingerprint in seen:
            continue
        seen.add(fingerprint)
        result = installation.verify(mutant)
        outcomes[result.outcome] += 1
        if result.outcome is Outcome.valid:
            accepted.append(label)
    assert accepted == [], f"accepted after changes: {accepted}"
    assert outcomes[Outcome.not_valid] > MUTANTS * 0.8, outcomes
