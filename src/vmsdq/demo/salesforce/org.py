"""Serve the Salesforce-side demo files from the local fake org (`demo --salesforce-server`).

The demo writes one Parquet file per mirrored entity (``Contact_volunteer.parquet``, ...).
A real org holds one table per object, so files of the same object are stacked, and the
project's mirror source is switched to the real connector pointed at the fake org.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from vmsdq.core.errors import ConfigError
from vmsdq.spec.models import FilesSourceSpec, SalesforceSourceSpec

if TYPE_CHECKING:
    import pyarrow as pa

    from vmsdq.demo.salesforce.fake_server import FakeSalesforce
    from vmsdq.spec.models import Project

ENV_PREFIX = "VMSDQ_DEMO_SF_"


def object_tables(project: Project, source: str) -> dict[str, pa.Table]:
    """One table per Salesforce object, from the files source ``source`` of the project."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    spec = project.spec.sources.get(source)
    if not isinstance(spec, FilesSourceSpec):
        raise ConfigError(f"source '{source}' is not a files source; nothing to serve")
    folder = Path(project.root) / spec.path
    parts: dict[str, list[pa.Table]] = {}
    for entity in project.entities.values():
        where = entity.sources.get(source)
        if entity.mirror is None or where is None or where.path is None:
            continue
        parts.setdefault(entity.mirror.object, []).append(pq.read_table(folder / where.path))
    return {
        name: pa.concat_tables(tables, promote_options="permissive")
        for name, tables in parts.items()
    }


@contextmanager
def serve_mirror(project: Project) -> Iterator[tuple[Project, FakeSalesforce]]:
    """Start the fake org with the mirror files; yield the project reading it over HTTP."""
    from vmsdq.demo.salesforce.fake_server import FakeSalesforce

    mirror = project.spec.reconcile.get(project.spec.default_source)
    if mirror is None:
        raise ConfigError("the project pairs no sources under 'reconcile:'; nothing to serve")
    with FakeSalesforce(object_tables(project, mirror)) as org:
        env = org.source_env(ENV_PREFIX)
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            sf = SalesforceSourceSpec(
                type="salesforce", auth="client_credentials", domain=org.url, env_prefix=ENV_PREFIX
            )
            spec = project.spec.model_copy(update={"sources": {**project.spec.sources, mirror: sf}})
            yield project.model_copy(update={"spec": spec}), org
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
