"""API operations declared once, with their models: routing, request parsing, response
checking and the OpenAPI 3 document are all generated from the same declarations."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from pydantic import BaseModel, ValidationError

from vmsdq.web.problems import RequestError
from vmsdq.web.reads import CachedView

PROBLEM = "application/problem+json"
Handler = Callable[..., Any]


@dataclass(frozen=True)
class Operation:
    rule: str  # Flask rule below /api/v1, e.g. /runs/<run_id>
    method: str
    name: str
    summary: str
    tag: str
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None  # None: a streamed file (see ``produces``)
    status: int = 200
    errors: tuple[int, ...] = (400, 404)
    produces: tuple[str, ...] = ("application/json",)
    etag: bool = False
    description: str = ""
    params: dict[str, str] = field(default_factory=dict)  # path parameter -> description


OPERATIONS: list[Operation] = []
SECURITY_SCHEMES = {  # see web/auth.py
    "bearer": {"type": "http", "scheme": "bearer", "description": "vmsdq tokens create"},
    "session": {"type": "apiKey", "in": "cookie", "name": "vmsdq_session"},
}


def operation(bp: Blueprint, op: Operation) -> Callable[[Handler], Handler]:
    """Register ``op`` on ``bp``: the handler receives path parameters, then ``query=`` and
    ``body=`` as validated models, and returns a view (dict), or a ``Response``."""

    def decorate(fn: Handler) -> Handler:
        @wraps(fn)
        def handler(**path: Any) -> Any:
            kwargs: dict[str, Any] = dict(path)
            if op.query is not None:
                kwargs["query"] = _parse(op.query, _args(op.query), "query")
            if op.body is not None:
                kwargs["body"] = _parse(op.body, _json_body(), "body")
            result = fn(**kwargs)
            if isinstance(result, CachedView):  # a view's JSON, from the read cache
                if op.response is not None and current_app.config.get("VMSDQ_CHECK_RESPONSES"):
                    op.response.model_validate(result.get_json())
                result.status_code = op.status
                return result
            if isinstance(result, Response):
                return result
            if op.response is not None and current_app.config.get("VMSDQ_CHECK_RESPONSES"):
                op.response.model_validate(result)  # tests: every view matches its schema
            response = jsonify(result)
            response.status_code = op.status
            return response

        bp.add_url_rule(op.rule, endpoint=op.name, view_func=handler, methods=[op.method])
        OPERATIONS.append(op)
        return handler

    return decorate


def _args(model: type[BaseModel]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in request.args:
        values = request.args.getlist(key)
        info = model.model_fields.get(key)
        is_list = info is not None and "list" in str(info.annotation)
        out[key] = values if is_list else values[-1]
    return out


def _json_body() -> Any:
    if not request.data:
        return {}
    found = request.get_json(silent=True)
    if found is None:
        raise RequestError("the request body is not JSON", "body")
    return found


def _parse(model: type[BaseModel], data: Any, where: str) -> BaseModel:
    if not isinstance(data, dict):
        raise RequestError(f"the {where} must be a JSON object", where)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"]) or where
        raise RequestError(f"{name}: {first['msg']}", name) from None


def utc(value: datetime | None) -> datetime | None:
    """A query time as UTC (times without an offset are taken as UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def openapi_document(title: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3.0 document of every registered operation."""
    from pydantic.json_schema import models_json_schema

    from vmsdq.web.api.models import Problem

    models: set[type[BaseModel]] = {Problem}
    for op in OPERATIONS:
        models |= {m for m in (op.query, op.body, op.response) if m is not None}
    ordered = sorted(models, key=lambda m: m.__name__)
    _, defs = models_json_schema(
        [(m, "serialization") for m in ordered], ref_template="#/components/schemas/{model}"
    )
    schemas = {k: to_openapi30(v) for k, v in defs.get("$defs", {}).items()}
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        path = "/api/v1" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", op.rule)
        paths.setdefault(path, {})[op.method.lower()] = _operation_doc(op, schemas)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": title,
            "version": version,
            "description": "vmsdq REST API. Errors are application/problem+json (code, message, "
            "field); lists are paged with an opaque next_cursor.",
        },
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": SECURITY_SCHEMES},
        "security": [{"bearer": []}, {"session": []}],
    }


def _operation_doc(op: Operation, schemas: dict[str, Any]) -> dict[str, Any]:
    params: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": op.params.get(name, ""),
            "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
            if converter == "int:"
            else {"type": "string", "minLength": 1},
        }
        for converter, name in re.findall(r"<(\w+:)?(\w+)>", op.rule)
    ]
    if op.query is not None:
        schema = schemas[op.query.__name__]
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            prop = {k: v for k, v in prop.items() if k != "title"}
            entry: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
            entry["description"] = prop.pop("description", "")
            entry["schema"] = prop
            if prop.get("type") == "array":
                entry["explode"] = True
            params.append(entry)
    doc: dict[str, Any] = {
        "operationId": op.name,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": params,
        "responses": _responses(op),
    }
    if op.description:
        doc["description"] = op.description
    if op.body is not None:
        ref = {"$ref": f"#/components/schemas/{op.body.__name__}"}
        doc["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref}}}
    return doc


def _responses(op: Operation) -> dict[str, Any]:
    problem = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    if op.response is not None:
        content = {"application/json": {"schema": {"$ref": _ref(op.response)}}}
    else:
        content = {t: {"schema": {"type": "string", "format": "binary"}} for t in op.produces}
    ok: dict[str, Any] = {"description": "OK", "content": content}
    if op.etag:
        ok["headers"] = {"ETag": {"schema": {"type": "string"}, "description": "finished runs"}}
    out: dict[str, Any] = {str(op.status): ok}
    if op.etag:
        out["304"] = {"description": "Not modified (If-None-Match matched a finished run)"}
    for code in sorted({*op.errors, 400, 401, 404, 405, 429}):
        out[str(code)] = {"description": _REASONS.get(code, "Error"), "content": problem}
    out["default"] = {"description": "Unexpected error", "content": problem}
    return out


def _ref(model: type[BaseModel]) -> str:
    return f"#/components/schemas/{model.__name__}"


_REASONS = {
    400: "The request is wrong (a parameter, the body, a value)",
    401: "No valid session or bearer token (once the project has accounts)",
    403: "Not allowed for this actor",
    404: "No such run, entity, rule or version",
    405: "Method not allowed",
    409: "Conflicts with the current state",
    429: "Too many requests: wait for Retry-After seconds",
    503: "A service is unavailable",
}


def to_openapi30(schema: Any) -> Any:
    """A pydantic (JSON Schema 2020-12) schema as an OpenAPI 3.0 schema object."""
    if isinstance(schema, list):
        return [to_openapi30(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: to_openapi30(v) for k, v in schema.items() if k not in ("examples",)}
    if "const" in out:
        out["enum"] = [out.pop("const")]
    for key in ("anyOf", "oneOf"):
        members = out.get(key)
        if not isinstance(members, list) or {"type": "null"} not in members:
            continue
        rest = [m for m in members if m != {"type": "null"}]
        out.pop(key)
        if len(rest) == 1 and "$ref" not in rest[0]:
            out = {**rest[0], **out, "nullable": True}
        elif len(rest) == 1:
            out = {**out, "allOf": rest, "nullable": True}
        else:
            out = {**out, key: rest, "nullable": True}
    if out.get("type") == "null":
        out = {k: v for k, v in out.items() if k != "type"} | {"nullable": True, "enum": [None]}
    return out
