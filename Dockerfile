# The production image: gunicorn for the web, the same image for Celery.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_ENV=production \
    REFUNDPORTAL_VAR_DIR=/app/var

WORKDIR /app
RUN useradd --create-home --uid 1000 portal

# The dependencies in a layer of their own, every version from constraints.txt
# (the whole tree pinned): a change to the code does not reinstall them.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && pip install -c constraints.txt -r /tmp/requirements.txt setuptools \
 && rm /tmp/requirements.txt

COPY . .
RUN pip install --no-deps --no-build-isolation -c constraints.txt .
# collectstatic needs a key to import the settings; it is not the runtime key.
RUN DJANGO_SECRET_KEY=build-only-collectstatic-key-0123456789-abcdefghijklmnopqrstuvwxyz \
    python manage.py collectstatic --no-input \
 && mkdir -p /app/var && chown -R portal /app/var

USER portal
EXPOSE 8000
# The web's check; the compose file gives workers and beat checks of their own.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=5 \
    CMD ["python", "-m", "refundportal.probe"]
CMD ["gunicorn", "refundportal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
