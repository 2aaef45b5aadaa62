# The one image of web, worker, beat and the migrate step (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    MEDIA_ROOT=/app/media \
    STATIC_ROOT=/app/staticfiles

# WeasyPrint (PDF briefings) needs Pango; `manage.py backup` and `restore` need the
# PostgreSQL 15 client (pg_dump / pg_restore).
RUN apt-get update \
    && apt-get install --no-install-recommends -y \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
        postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so that a code change reuses this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt

COPY . .

# Hashed, compressed static files, served by WhiteNoise. The settings need a key and a
# database URL to load; neither is used or kept.
RUN DJANGO_SECRET_KEY="build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(48))')" \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --no-input --verbosity 0 \
    && rm -f /tmp/build.sqlite3

RUN useradd --system --uid 10001 --home-dir /app app \
    && mkdir -p /app/media \
    && chown app /app/media
USER app

EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--config", "gunicorn.conf.py"]
