# The same steps as `make run`: install the package, then `kb serve`, which applies
# migrations and seeds an empty database before serving. Dependencies come from the
# lock (requirements/runtime.txt, written by `make lock`) in a layer of their own, so a
# change to the code reuses it.
FROM python:3.11-slim

# The port the server listens on; `docker run -e PORT=...` changes it at run time.
ARG PORT=8000
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=${PORT} \
    KB_DATA_DIR=/srv/smk-kb/data \
    KB_DATABASE_URL=sqlite:////srv/smk-kb/var/kb.sqlite3

RUN groupadd --gid 10001 kb \
    && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin kb

WORKDIR /srv/smk-kb

# Dependencies: exact versions, one layer.
COPY requirements/runtime.txt requirements/runtime.txt
RUN pip install --no-cache-dir -r requirements/runtime.txt

# The package itself, installed (not editable) without touching the dependencies.
COPY pyproject.toml README.md ./
COPY app app
COPY migrations migrations
COPY data data
RUN pip install --no-cache-dir --no-deps . \
    && rm -rf build smk_kb.egg-info \
    && mkdir var \
    && chown 10001:10001 var
# The app finds migrations/ and pyproject.toml (Alembic's configuration) beside its own
# source (app/core/config.py PROJECT_ROOT), and neither is in the wheel: import app from
# here until the package carries them.
ENV PYTHONPATH=/srv/smk-kb

USER 10001:10001
EXPOSE ${PORT}
HEALTHCHECK --interval=30s --timeout=3s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ['PORT'], timeout=2)"]
# A shell only to read $PORT; exec hands PID 1 (and SIGTERM) to kb.
CMD ["sh", "-c", "exec kb serve --host 0.0.0.0 --port \"$PORT\""]
