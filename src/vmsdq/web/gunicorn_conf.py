"""gunicorn settings for the web app: ``gunicorn -c python:vmsdq.web.gunicorn_conf
'vmsdq.web:create_app()'`` (``vmsdq serve`` uses the same). Logs are JSON lines
(``services.logs``), gunicorn's own and the access log included; ``VMSDQ_LOG_LEVEL``
(default info) sets the level."""

from __future__ import annotations

import os

from vmsdq.services.logs import logging_config

worker_class = "gthread"
threads = int(os.environ.get("VMSDQ_WEB_THREADS", "8"))
timeout = 120
accesslog = "-"
logconfig_dict = logging_config(os.environ.get("VMSDQ_LOG_LEVEL", "info"))
