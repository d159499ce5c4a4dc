"""smk-kb: a knowledge base of the Socialist Movement of Kazakhstan, every fact sourced."""

from app.native import prefer_fresh_sources

# Before any module of the compiled group is imported (app/native.py).
prefer_fresh_sources()
