"""The ``demo`` source type: the generated VMS dataset, made on first use and then reused.

``sources: {demo: {type: demo, volunteers: 5000, seed: 7}}`` gives a project data without any
files of its own. The dataset is generated once into ``<artifacts>/demo/v<N>-s<seed>/`` (with
the VMS pack describing it) and served by a files source, using the pack's file layout.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from vmsdq.core.errors import SourceError

if TYPE_CHECKING:
    from vmsdq.core.snapshots import Snapshot
    from vmsdq.core.words import FieldType
    from vmsdq.core.workspace import Workspace
    from vmsdq.sources.files import FilesSource
    from vmsdq.spec.models import DemoSourceSpec, EntitySpec, Project


class DemoSource:
    def __init__(
        self, name: str, spec: DemoSourceSpec, *, root: Path, workspace: Workspace
    ) -> None:
        self.name = name
        self.spec = spec
        self.workspace = workspace
        self.folder = workspace.cache / f"v{spec.volunteers}-s{spec.seed}"
        self._dataset: tuple[Project, FilesSource] | None = None

    def read(self, entity: EntitySpec) -> Snapshot:
        project, files = self._open()
        layout = project.entities.get(entity.entity)
        if layout is None:
            raise SourceError(
                f"entity '{entity.entity}': the demo dataset has no such entity; it has "
                f"{', '.join(sorted(project.entities))} (source '{self.name}')"
            )
        own = {files.name: layout.sources[files.name]} if files.name in layout.sources else {}
        return files.read(entity.model_copy(update={"sources": own}))

    def column_types(self, entity: EntitySpec) -> dict[str, FieldType]:
        """The demo dataset's column types (its files' schemas)."""
        project, files = self._open()
        layout = project.entities.get(entity.entity)
        if layout is None or files.name not in layout.sources:
            return {}
        own = {files.name: layout.sources[files.name]}
        return files.column_types(entity.model_copy(update={"sources": own}))

    def read_mirror(self, entity: EntitySpec) -> Snapshot:
        """The demo dataset's Salesforce-side copy of a mirrored entity."""
        project, _ = self._open()
        mirror = project.spec.reconcile.get(project.spec.default_source)
        if mirror is None or entity.mirror is None:
            raise SourceError(f"entity '{entity.entity}': the demo dataset has no mirror of it")
        from vmsdq.sources.files import FilesSource

        files = FilesSource(
            mirror,
            project.spec.sources[mirror],  # type: ignore[arg-type]
            root=self.folder,
            workspace=self.workspace,
        )
        return files.read_mirror(entity)

    def close(self) -> None:
        return None

    def _open(self) -> tuple[Project, FilesSource]:
        if self._dataset is None:
            from vmsdq.sources.files import FilesSource
            from vmsdq.spec.loader import load_project

            self._generate()
            project = load_project(self.folder)
            main = project.spec.default_source
            files = FilesSource(
                main,
                project.spec.sources[main],  # type: ignore[arg-type]
                root=self.folder,
                workspace=self.workspace,
            )
            self._dataset = (project, files)
        return self._dataset

    def _generate(self) -> None:
        """Generate once; a half-written dataset never becomes visible (rename at the end)."""
        from vmsdq.demo import generate_demo

        if (self.folder / "vmsdq.yaml").exists():
            return
        scratch = self.folder.with_name(f"{self.folder.name}.tmp-{os.getpid()}")
        shutil.rmtree(scratch, ignore_errors=True)
        generate_demo(
            scratch,
            volunteers=self.spec.volunteers,
            seed=self.spec.seed,
            write_truth=False,
            salesforce=False,
        )
        try:
            scratch.rename(self.folder)
        except OSError:  # another process finished first: use its dataset
            shutil.rmtree(scratch, ignore_errors=True)
