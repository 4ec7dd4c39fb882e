"""Registries of named types (rule types, source types) and the plugins that fill them.

A plugin is an entry point in the ``vmsdq.plugins`` group naming a function without
arguments. vmsdq calls each once per process, before the first project is parsed; the
function registers rule types and source types. vmsdq's own types are registered the same
way (its entry points are declared in ``pyproject.toml``) and always load first, so a plugin
cannot silently replace a shipped type. A plugin that does not import or fails to register
is a ``ConfigError`` naming the plugin and the cause: nothing runs, nothing is only logged.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from vmsdq.core.errors import ConfigError

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

GROUP = "vmsdq.plugins"
OWN_DISTRIBUTION = "vmsdq"
T = TypeVar("T")
Listener = Callable[[], None]


@dataclass
class _State:
    loaded: bool = False
    loading: bool = False
    current: str | None = None  # name of the plugin being loaded
    error: ConfigError | None = None
    pending: dict[Listener, None] = field(default_factory=dict)


_state = _State()
_lock = threading.RLock()
_registries: list[Registry[Any]] = []


class Registry(Generic[T]):
    """Entries by name, in registration order; each name is registered once."""

    def __init__(self, what: str) -> None:
        self.what = what  # "rule type", "source type": how messages name an entry
        self._entries: dict[str, T] = {}
        self._owners: dict[str, str] = {}
        self._listeners: list[Listener] = []
        _registries.append(self)

    def add(self, name: str, entry: T) -> None:
        """Register ``entry`` as ``name``; ConfigError when the name is taken."""
        if name in self._entries:
            raise ConfigError(f"{self.what} '{name}' is already registered{self.by(name)}")
        self._entries[name] = entry
        self._owners[name] = _state.current or ""
        _changed(self._listeners)

    def get(self, name: str) -> T | None:
        return self._entries.get(name)

    def names(self) -> list[str]:
        return list(self._entries)

    def values(self) -> list[T]:
        return list(self._entries.values())

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def by(self, name: str) -> str:
        """`` (by plugin 'x')`` when a plugin registered ``name``, else ``''``."""
        owner = self._owners.get(name)
        return f" (by plugin '{owner}')" if owner else ""

    def on_change(self, listener: Listener) -> None:
        """Call ``listener`` after entries change (once, after all plugins, while loading)."""
        self._listeners.append(listener)


def load_plugins() -> None:
    """Load every plugin of the ``vmsdq.plugins`` group, once per process.

    Thread-safe: a second thread waits for the first to finish loading. Called again from
    inside a plugin's ``register()``, it returns at once.

    Raises:
        ConfigError: a plugin does not import, is not a function, or fails to register
            (raised again on every later call: a process with a broken plugin runs nothing).
    """
    if _state.loaded:
        return
    with _lock:
        if _state.error is not None:
            raise _state.error
        if _state.loaded or _state.loading:
            return
        _state.loading = True
        try:
            for entry_point in _entry_points():
                _load(entry_point)
            _state.loaded = True
        except ConfigError as error:
            _state.error = error
            raise
        finally:
            _state.loading, _state.current = False, None
            _flush()


def reset_plugins() -> None:
    """Forget every registration and loaded plugin; the next lookup loads plugins again.

    For tests that put a plugin on ``sys.path`` (or take it away) within one process.
    """
    with _lock:
        for registry in _registries:
            registry._entries.clear()
            registry._owners.clear()
        _state.loaded, _state.error = False, None
        _state.pending.clear()
        listeners = {listener: None for r in _registries for listener in r._listeners}
        for listener in listeners:
            listener()


def _entry_points() -> list[EntryPoint]:
    """The group's entry points: vmsdq's own first, then the others by distribution and name."""
    from importlib.metadata import entry_points

    found = list(entry_points(group=GROUP))
    own = [ep for ep in found if _distribution(ep) == OWN_DISTRIBUTION]
    if not own:
        raise ConfigError(
            f"vmsdq's own rule and source types are not registered: the '{GROUP}' entry "
            "points are missing from its installed metadata (reinstall vmsdq: pip install -e .)"
        )
    others = sorted((ep for ep in found if ep not in own), key=lambda e: (_distribution(e), e.name))
    return own + others


def _load(entry_point: EntryPoint) -> None:
    label = _label(entry_point)
    _state.current = entry_point.name
    try:
        register = entry_point.load()
    except Exception as exc:
        raise ConfigError(f"{label} does not load: {_cause(exc)}") from exc
    if not callable(register):
        what = type(register).__name__
        raise ConfigError(f"{label} must name a function without arguments, not a {what}")
    try:
        register()
    except Exception as exc:
        raise ConfigError(f"{label} failed to register: {_cause(exc)}") from exc


def _label(entry_point: EntryPoint) -> str:
    dist = entry_point.dist
    origin = f", from {dist.name} {dist.version}" if dist is not None else ""
    return f"plugin '{entry_point.name}' ({entry_point.value}{origin})"


def _distribution(entry_point: EntryPoint) -> str:
    dist = entry_point.dist
    return dist.name.lower().replace("_", "-") if dist is not None else ""


def _cause(exc: Exception) -> str:
    return exc.message if isinstance(exc, ConfigError) else f"{type(exc).__name__}: {exc}"


def _changed(listeners: list[Listener]) -> None:
    if _state.loading:
        _state.pending.update(dict.fromkeys(listeners))
        return
    for listener in listeners:
        listener()


def _flush() -> None:
    pending = list(_state.pending)
    _state.pending.clear()
    for listener in pending:
        listener()
