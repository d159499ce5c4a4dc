# The same steps as `make run`: install the package, then `kb serve`, which applies
# migrations and seeds an empty database before serving.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    KB_DATABASE_URL=sqlite:////srv/smk-kb/var/kb.sqlite3

RUN useradd --create-home --uid 10001 kb
WORKDIR /srv/smk-kb
COPY --chown=kb:kb . .
RUN pip install --no-cache-dir -e . && mkdir -p var && chown kb:kb var

USER kb
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2).status == 200 else 1)"
CMD ["kb", "serve", "--host", "0.0.0.0", "--port", "8000"]
