"""Load a project folder (``vmsdq.yaml`` + entity files) into a validated ``Project``.

Every problem found in one load is collected and raised together (``ConfigErrors``; a single
one as ``ConfigError``), each with ``file:line:column``. Nothing runs on a project that does
not load. ``${VAR}`` in any string of ``vmsdq.yaml`` reads the environment
(``spec.envvars``). The plugins (``vmsdq.spec.plugins``) are loaded first, once per process.
"""

from __future__ import annotations

import glob
from pathlib import Path
from typing import NoReturn, TypeVar

from pydantic import BaseModel, ValidationError

from vmsdq.core.errors import ConfigError, ConfigErrors, Location
from vmsdq.spec import paths
from vmsdq.spec.crosscheck import Checker, Parsed, check_entity
from vmsdq.spec.diagnostics import config_errors
from vmsdq.spec.models import EntitySpec, FilesSourceSpec, Project, ProjectSpec
from vmsdq.spec.plugins import load_plugins
from vmsdq.spec.sqlstrings import check_sql_strings
from vmsdq.spec.yamlpos import YamlDoc, load_yaml

PROJECT_FILE = "vmsdq.yaml"
_M = TypeVar("_M", bound=BaseModel)


def load_project(root: str | Path) -> Project:
    """Load and validate a project.

    Args:
        root: the project folder (or its ``vmsdq.yaml``).

    Returns:
        The project; ``Project.entity_files`` maps each entity to its file and
        ``Project.rule_locations`` maps each full rule name to ``file:line:column``.

    Raises:
        ConfigError: one problem (or a plugin that does not load). ConfigErrors: several.
    """
    load_plugins()
    root_path, project_file = _paths(Path(root))
    errors: list[ConfigError] = []
    project_doc = _read(project_file, errors, interpolate=True)
    spec = _parse(ProjectSpec, project_doc, errors) if project_doc else None
    patterns = spec.entities if spec else ["entities/*.yaml"]
    parsed: dict[str, Parsed] = {}
    for file in _entity_files(root_path, patterns, project_doc, errors):
        entity = _load_entity(file, errors)
        if entity is None:
            continue
        if entity.spec.entity in parsed:
            first = parsed[entity.spec.entity].doc.file
            message = f"entity: entity '{entity.spec.entity}' is already declared in {first}"
            errors.append(ConfigError(message, entity.doc.location(("entity",))))
            continue
        parsed[entity.spec.entity] = entity
    checker = Checker(parsed)
    for entity in parsed.values():
        check_entity(checker, entity, spec.sources if spec else None)
        check_sql_strings(checker, entity, spec.sources if spec else None)
        if spec is not None:
            _check_paths(checker, entity, spec, root_path)
    if spec and project_doc:
        _check_project(spec, project_doc, parsed, checker)
    if errors or checker.errors or spec is None:
        _raise(errors + checker.errors)
    return Project(
        root=str(root_path),
        spec=spec,
        entities={name: p.spec for name, p in parsed.items()},
        entity_files={name: p.doc.file for name, p in parsed.items()},
        rule_locations=checker.rule_locations,
    )


def load_entity_file(path: str | Path) -> EntitySpec:
    """Load one entity file and check it on its own (its own field names and expressions;
    other entities and sources are not checked). Raises like ``load_project``."""
    load_plugins()
    errors: list[ConfigError] = []
    entity = _load_entity(Path(path), errors)
    if entity is not None:
        checker = Checker({entity.spec.entity: entity}, check_targets=False)
        check_entity(checker, entity, None)
        check_sql_strings(checker, entity, None)
        errors += checker.errors
    if errors or entity is None:
        _raise(errors)
    return entity.spec


def rule_location(project: Project, rule: str) -> str | None:
    """Where rule ``rule`` (full name, e.g. ``event.end_after_start``) was declared."""
    return project.rule_locations.get(rule)


def _paths(root: Path) -> tuple[Path, Path]:
    if root.is_file():
        return root.parent, root
    return root, root / PROJECT_FILE


def _read(file: Path, errors: list[ConfigError], *, interpolate: bool = False) -> YamlDoc | None:
    if not file.exists():
        hint = f" (create a project with: vmsdq init {file.parent})"
        errors.append(ConfigError(f"project file not found{hint}", Location(str(file))))
        return None
    try:
        doc = load_yaml(file, interpolate=interpolate)
    except ConfigError as e:
        errors.append(e)
        return None
    if not isinstance(doc.data, dict):
        what = (
            "the file is empty" if doc.data is None else "the file must be a mapping (key: value)"
        )
        errors.append(ConfigError(what, Location(doc.file, 1, 1)))
        return None
    return doc


def _parse(model: type[_M], doc: YamlDoc, errors: list[ConfigError]) -> _M | None:
    try:
        return model.model_validate(doc.data)
    except ValidationError as e:
        errors.extend(config_errors(e, model, doc))
        return None


def _load_entity(file: Path, errors: list[ConfigError]) -> Parsed | None:
    doc = _read(file, errors)
    spec = _parse(EntitySpec, doc, errors) if doc else None
    return Parsed(spec, doc) if spec and doc else None


def _entity_files(
    root: Path, patterns: list[str], doc: YamlDoc | None, errors: list[ConfigError]
) -> list[Path]:
    files: list[Path] = []
    for i, pattern in enumerate(patterns):
        found = sorted(Path(p) for p in glob.glob(str(root / pattern), recursive=True))
        if not found and doc is not None:
            at = doc.location(("entities", i))
            errors.append(ConfigError(f"entities: no file matches '{pattern}'", at))
        files += [f for f in found if f not in files]
    return files


def _check_project(
    spec: ProjectSpec, doc: YamlDoc, parsed: dict[str, Parsed], checker: Checker
) -> None:
    for ours, theirs in spec.reconcile.items():
        for name, key in ((ours, True), (theirs, False)):
            if name not in spec.sources:
                message = f"unknown source '{name}' (known: {', '.join(sorted(spec.sources))})"
                checker.error(doc, ("reconcile", ours), message, key=key)
    for name in spec.scoring.entity_weights:
        if name not in parsed:
            message = f"unknown entity '{name}' (known: {', '.join(sorted(parsed))})"
            checker.error(doc, ("scoring", "entity_weights", name), message, key=True)


def _check_paths(checker: Checker, parsed: Parsed, spec: ProjectSpec, root: Path) -> None:
    """Entity paths of files sources stay in the source's folder or its ``allow:`` list."""
    for name, declared in parsed.spec.sources.items():
        source = spec.sources.get(name)
        if not isinstance(source, FilesSourceSpec):
            continue
        allowed = paths.folders(root, source.path, source.allow)
        folder = allowed[0]
        for key in ("path", "previous"):
            pattern = getattr(declared, key)
            if pattern and paths.pattern_escapes(folder, pattern, allowed):
                message = paths.refusal(parsed.spec.entity, name, pattern, allowed)
                checker.errors.append(
                    ConfigError(message, parsed.doc.location(("sources", name, key)))
                )


def _raise(errors: list[ConfigError]) -> NoReturn:
    if len(errors) == 1:
        raise errors[0]
    raise ConfigErrors(sorted(errors, key=_position))


def _position(error: ConfigError) -> tuple[str, int, int]:
    at = error.location
    return (at.file, at.line, at.column) if at else ("", 0, 0)
