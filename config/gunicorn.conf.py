"""gunicorn settings for production: ``gunicorn -c config/gunicorn.conf.py 'competency:create_app()'``.

The app is imported once in the master and forked (``preload_app``): workers share its memory
pages and start at once, and a broken release fails before any worker starts. Each worker opens
its own database connections after the fork (competency.db.configure_engine).
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
preload_app = True
# A request longer than this is stopped; the slowest pages take well under a second.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Workers are replaced now and then, so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
