"""JSON Schema validation for documents from outside (schemas/, shipped as federation.schemas).

Everything from outside is hostile until checked; this is the schema step at
the door. Validators are compiled once per :class:`Validators` instance, on
first use of each kind (nothing happens at import). Documents are checked by
code fastjsonschema generates; jsonschema, imported only when needed, explains
a refusal. ``$ref`` between our schemas resolves through an in-memory
registry: nothing is ever fetched.

Kinds and their schemas: ``actor``, ``object``, ``activity``, ``webfinger``
(Warmline's own, JSON Schema 2020-12) and ``nodeinfo-2.0``, ``nodeinfo-2.1``
(the official NodeInfo schemas from github.com/jhass/nodeinfo, draft-04, kept
verbatim). The NodeInfo schemas are strict (no extra properties, booleans must
be booleans); real servers break them (see the tests), so code that reads
NodeInfo should treat a failure as "unknown software", not as an error.

URIs are checked with a pattern (absolute http(s), no user info, no
whitespace), not with the "uri" format, which needs an extra package.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urljoin

import fastjsonschema

from federation.errors import SchemaError

if TYPE_CHECKING:  # jsonschema is imported when first needed: most processes never are
    from jsonschema import exceptions as js_exceptions
    from jsonschema.protocols import Validator
    from referencing import Registry

SCHEMA_FILES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "actor": "actor.schema.json",
        "object": "object.schema.json",
        "activity": "activity.schema.json",
        "webfinger": "webfinger.schema.json",
        "nodeinfo-2.0": "nodeinfo-2.0.schema.json",
        "nodeinfo-2.1": "nodeinfo-2.1.schema.json",
    }
)
KINDS: Final = tuple(SCHEMA_FILES)
MAX_PROBLEMS: Final = 10
_URI_PATTERN_HINT: Final = "^https?://"
_SHOWN_CHARS: Final = 80


class Validators:
    """Compiled validators for every kind, built lazily and kept by this instance."""

    def __init__(self, schema_dir: Traversable | None = None) -> None:
        self._dir = schema_dir
        self._compiled: dict[str, Validator] = {}
        self._generated: dict[str, Callable[[Any], Any]] = {}
        self._refs: Registry | None = None

    def check(self, kind: str, doc: Any) -> None:
        """Raise SchemaError (with readable ``problems``) unless ``doc`` matches ``kind``.

        A document is checked by code fastjsonschema generated from the schema
        (about ten times faster: this runs on every inbox delivery); only a
        refused one goes through jsonschema as well, for readable problems."""
        try:
            self.fast(kind)(doc)
            return
        except fastjsonschema.JsonSchemaException as exc:
            fast_reason = str(exc)
        errors = list(self.validator(kind).iter_errors(doc))
        if not errors:  # the two disagree: refuse anyway, with what the fast check said
            raise SchemaError(f"invalid {kind} document: {fast_reason}", [fast_reason])
        problems = _problems(errors)
        summary = problems[0] if len(problems) == 1 else f"{problems[0]} (+{len(errors) - 1} more)"
        raise SchemaError(f"invalid {kind} document: {summary}", problems)

    def is_valid(self, kind: str, doc: Any) -> bool:
        """True when ``doc`` matches the schema of ``kind``."""
        return self.validator(kind).is_valid(doc)

    def fast(self, kind: str) -> Callable[[Any], Any]:
        """The generated validator for ``kind`` (raises JsonSchemaException)."""
        if kind not in SCHEMA_FILES:
            raise ValueError(f"unknown schema kind {kind!r}; known: {', '.join(KINDS)}")
        if kind not in self._generated:
            # Refs stay refs, made absolute: fastjsonschema turns each target into
            # one shared function. Inlining them instead generated ~270 KB of
            # Python for the actor schema, and compiling that took 150 ms and a
            # 17 MB burst the allocator never gave back. Refusals are explained
            # by jsonschema, so the generated code carries no details either.
            by_id = {uri: _absolute_refs(schema, uri) for uri, schema in self._by_id().items()}

            def local_only(uri: str) -> Any:  # refs between our own schemas, never fetched
                found = by_id.get(uri.partition("#")[0])
                if found is None:
                    raise SchemaError(f"schema reference to {uri} is not one of ours")
                return found

            schema = self.schema(kind)
            schema = by_id.get(schema.get("$id"), schema)
            self._generated[kind] = fastjsonschema.compile(
                schema,
                handlers={"https": local_only, "http": local_only},
                detailed_exceptions=False,
            )
        return self._generated[kind]

    def validator(self, kind: str) -> Validator:
        """The compiled validator for ``kind``; an unknown kind raises ValueError."""
        if kind not in SCHEMA_FILES:
            raise ValueError(f"unknown schema kind {kind!r}; known: {', '.join(KINDS)}")
        if kind not in self._compiled:
            self._compiled[kind] = self._compile(kind)
        return self._compiled[kind]

    def schema(self, kind: str) -> dict[str, Any]:
        """The parsed schema document of ``kind``."""
        return json.loads(self._directory().joinpath(SCHEMA_FILES[kind]).read_text("utf-8"))

    def _compile(self, kind: str) -> Validator:
        from jsonschema import validators as js_validators

        schema = self.schema(kind)
        cls = js_validators.validator_for(schema)
        cls.check_schema(schema)
        if "$id" in schema:  # ours: inline every $ref (jsonschema spends most time resolving them)
            schema = _inline_refs(schema, schema["$id"], self._by_id())
        return cls(schema, registry=self._registry())

    def _by_id(self) -> dict[str, Any]:
        schemas = (self.schema(kind) for kind in KINDS)
        return {schema["$id"]: schema for schema in schemas if "$id" in schema}

    def _registry(self) -> Registry:
        from referencing import Registry, Resource

        if self._refs is None:
            resources = [Resource.from_contents(self.schema(kind)) for kind in KINDS]
            self._refs = Registry().with_resources((r.id(), r) for r in resources if r.id())
        return self._refs

    def _directory(self) -> Traversable:
        if self._dir is None:
            self._dir = schema_directory()
        return self._dir


def schema_directory() -> Traversable:
    """Where the schema files are: the installed federation.schemas package, or the checkout.

    In a source checkout that has not been pip-installed, ``schemas/`` sits
    beside ``federation/`` and is not importable as ``federation.schemas``.
    """
    try:
        return files("federation.schemas")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "schemas"


def validate(kind: str, doc: Any) -> None:
    """Raise SchemaError unless ``doc`` matches the schema of ``kind`` (one of KINDS)."""
    _default_validators().check(kind, doc)


@functools.cache
def _default_validators() -> Validators:
    return Validators()


def _absolute_refs(node: Any, base: str) -> Any:
    """Copy of a 2020-12 schema with every ``$ref`` absolute, for fastjsonschema.

    fastjsonschema reads draft-07, where keywords beside a ``$ref`` are
    ignored: such a ``$ref`` moves into ``allOf``, which is what 2020-12 means.
    """
    if isinstance(node, list):
        return [_absolute_refs(item, base) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _absolute_refs(v, base) for k, v in node.items() if k != "$ref"}
    if "$ref" not in node:
        return out
    ref = {"$ref": urljoin(base, node["$ref"])}
    if not out:
        return ref
    out["allOf"] = [*out.get("allOf", []), ref]
    return out


def _inline_refs(
    node: Any, base: str, by_id: Mapping[str, Any], stack: tuple[str, ...] = ()
) -> Any:
    """Copy of a 2020-12 schema with each ``$ref`` replaced by its target.

    A ``$ref`` next to other keywords becomes one more ``allOf`` entry, which
    is what 2020-12 means by it. A recursive reference is left in place (made
    absolute) for the registry to resolve.
    """
    if isinstance(node, list):
        return [_inline_refs(item, base, by_id, stack) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _inline_refs(v, base, by_id, stack) for k, v in node.items() if k != "$ref"}
    if "$ref" not in node:
        return out
    ref = urljoin(base, node["$ref"])
    if ref in stack:
        return {**out, "$ref": ref}
    document, _, pointer = ref.partition("#")
    target = by_id[document]
    for part in filter(None, pointer.split("/")):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    resolved = _inline_refs(target, document, by_id, (*stack, ref))
    resolved = {k: v for k, v in resolved.items() if k not in ("$id", "$schema", "$defs")}
    if not out:
        return resolved
    out["allOf"] = [*out.get("allOf", []), resolved]
    return out


def _problems(errors: Iterable[js_exceptions.ValidationError]) -> list[str]:
    """One line per violation, JSON path first, at most MAX_PROBLEMS (plus a count of the rest)."""
    ordered = sorted(errors, key=lambda e: (list(map(str, e.absolute_path)), str(e.validator)))
    leaves = [_leaf(error) for error in ordered]
    lines = [f"{leaf.json_path}: {_describe(leaf)}" for leaf in leaves]
    unique = list(dict.fromkeys(lines))
    if len(unique) > MAX_PROBLEMS:
        return [*unique[:MAX_PROBLEMS], f"... and {len(unique) - MAX_PROBLEMS} more problems"]
    return unique


def _leaf(error: js_exceptions.ValidationError) -> js_exceptions.ValidationError:
    """For "matches none of these forms" errors, the sub-error that explains the most."""
    from jsonschema import exceptions as js_exceptions

    while error.validator in ("anyOf", "oneOf") and error.context:
        error = js_exceptions.best_match(error.context)
    return error


def _describe(error: js_exceptions.ValidationError) -> str:
    """A short message that never echoes a (possibly huge) value back."""
    rule, expected = error.validator, error.validator_value
    messages = {
        "maxLength": lambda: f"text is too long (more than {expected} characters)",
        "minLength": lambda: f"text is too short (fewer than {expected} characters)",
        "maxItems": lambda: f"too many items (more than {expected})",
        "minItems": lambda: f"too few items (fewer than {expected})",
        "maxProperties": lambda: f"too many properties (more than {expected})",
        "type": lambda: f"should be {_either(expected)}, not {_json_type(error.instance)}",
        "enum": lambda: f"should be one of {_shorten(json.dumps(expected))}",
        "pattern": lambda: _pattern_message(error),
        "contains": lambda: (
            f"should include one of {_shorten(json.dumps(expected.get('enum', expected)))}"
        ),
    }
    describe = messages.get(str(rule))
    return describe() if describe else _shorten(error.message)


def _pattern_message(error: js_exceptions.ValidationError) -> str:
    shown = _shorten(json.dumps(error.instance))
    if str(error.validator_value).startswith(_URI_PATTERN_HINT):
        return f"{shown} is not an absolute http(s) URI"
    return f"{shown} does not match {error.validator_value}"


def _either(expected: Any) -> str:
    names = expected if isinstance(expected, list) else [expected]
    article = {"null": "", "array": "an ", "object": "an ", "integer": "an "}
    return " or ".join(f"{article.get(str(n), 'a ')}{n}" for n in names)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    names = {
        str: "a string",
        int: "an integer",
        float: "a number",
        list: "an array",
        dict: "an object",
    }
    return names.get(type(value), type(value).__name__)


def _shorten(text: str) -> str:
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."
