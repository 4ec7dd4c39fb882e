"""The Flask app factory: blueprints ``api`` (JSON under /api/v1, OpenAPI at
/api/openapi.json, docs at /api/docs) and ``ui`` (the dashboard pages)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, jsonify, render_template, send_from_directory

from vmsdq import __version__
from vmsdq.services import metrics
from vmsdq.services.jobconfig import job_settings
from vmsdq.services.served import ServedProject
from vmsdq.web import auth, health, problems, security
from vmsdq.web import metrics as web_metrics
from vmsdq.web.background import attach_celery
from vmsdq.web.state import WebState, local_actor, make_executor

DEFAULTS: dict[str, Any] = {
    "VMSDQ_PROJECT": ".",  # the project folder served ($VMSDQ_PROJECT)
    "VMSDQ_EXECUTOR": None,  # None: jobs.broker chooses; tests: an object with submit()
    "VMSDQ_ACTOR": None,  # a callable returning the request's Actor (default: local admin)
    "VMSDQ_CHECK_RESPONSES": False,  # tests: check every JSON response against its model
    "VMSDQ_REFRESH_SECONDS": 5,  # how often pages look for a run that finished
    "VMSDQ_SAMPLE_SECONDS": 60,  # monitoring samples (0: none; not started under TESTING)
    "VMSDQ_HEALTH_SECONDS": 5,  # how long the degraded banner trusts its last check
    "MAX_CONTENT_LENGTH": 1_000_000,
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The vmsdq web app serving one project (``VMSDQ_PROJECT``, default ``$VMSDQ_PROJECT``
    or the current folder). For gunicorn: ``gunicorn 'vmsdq.web:create_app()'``."""
    app = Flask(__name__, static_folder=None, template_folder="ui/templates")
    app.config.update(DEFAULTS)
    if "VMSDQ_PROJECT" in os.environ:
        app.config["VMSDQ_PROJECT"] = os.environ["VMSDQ_PROJECT"]
    for key in ("VMSDQ_SAMPLE_SECONDS", "VMSDQ_HEALTH_SECONDS"):  # settable under gunicorn
        if key in os.environ:
            app.config[key] = float(os.environ[key])
    app.config.update(config or {})
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.url_map.merge_slashes = False  # "//" in an id is a 404, not a redirect
    served = ServedProject(Path(app.config["VMSDQ_PROJECT"]))
    state = WebState(
        served=served,
        executor=make_executor(app.config, served),
        actor_of=app.config["VMSDQ_ACTOR"] or local_actor,
    )
    app.extensions["vmsdq"] = state
    attach_celery(app, state.executor)
    metrics.configure(job_settings(served.project).redis)
    problems.register(app)
    health.register(app)
    web_metrics.register(app)
    security.init_app(app)  # sessions, CSRF, rate limits, headers
    auth.init_app(app)  # login, tokens, the request's actor (web/auth.py)
    from vmsdq.web.api import bp as api
    from vmsdq.web.ui import bp as ui

    app.register_blueprint(api, url_prefix="/api/v1")
    app.register_blueprint(ui)
    _docs_and_assets(app)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return app


def _docs_and_assets(app: Flask) -> None:
    from vmsdq.web.api.spec import openapi_document

    document: dict[str, Any] = {}

    @app.get("/api/openapi.json")
    def openapi() -> Response:
        if not document:
            document.update(openapi_document("vmsdq", __version__))
        return jsonify(document)

    @app.get("/api/docs")
    def api_docs() -> str:
        return render_template("api_docs.html")

    @app.get("/assets/plotly.min.js")
    def plotly_js() -> Response:
        import plotly

        folder = Path(plotly.__file__).parent / "package_data"
        return send_from_directory(folder, "plotly.min.js", max_age=86400)

    @app.get("/assets/swagger/<path:name>")
    def swagger(name: str) -> Response:
        import swagger_ui_bundle

        if name not in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"):
            abort(404)
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, name, max_age=86400)

    @app.get("/static/<path:name>")
    def static(name: str) -> Response:
        return send_from_directory(Path(__file__).parent / "ui" / "static", name, max_age=300)
