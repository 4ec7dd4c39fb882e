"""``vmsdq serve``: the dashboard and REST API of one project, served by gunicorn."""

from __future__ import annotations

import logging.config
from pathlib import Path
from typing import Any

import click

from vmsdq.cli import main
from vmsdq.cli.errors import handled
from vmsdq.cli.options import PROJECT
from vmsdq.services.logs import logging_config

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000


@main.command()
@PROJECT
@click.option("--host", default=DEFAULT_HOST, show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--threads", type=click.IntRange(min=1), default=8, show_default=True)
def serve(project_dir: Path, host: str, port: int, workers: int, threads: int) -> None:
    """Serve the dashboard and the REST API (/api/v1, docs at /api/docs) until Ctrl-C."""
    serve_project(project_dir, host=host, port=port, workers=workers, threads=threads)


def serve_project(
    project_dir: Path,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    workers: int = 1,
    threads: int = 8,
) -> None:
    """Serve ``project_dir`` with gunicorn (blocks until interrupted)."""
    from gunicorn.app.base import BaseApplication

    from vmsdq.web import create_app

    with handled():
        logging.config.dictConfig(logging_config())  # JSON lines from the start
        app = create_app({"VMSDQ_PROJECT": str(project_dir)})

    from vmsdq.web import gunicorn_conf

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options: dict[str, Any] = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": gunicorn_conf.worker_class,
                "accesslog": gunicorn_conf.accesslog,
                "timeout": gunicorn_conf.timeout,
                "logconfig_dict": gunicorn_conf.logconfig_dict,
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    click.echo(
        f"Serving {project_dir} on http://{host}:{port}/ (API docs: /api/docs); Ctrl-C stops"
    )
    Server().run()
