# The production image: gunicorn for the web, the same image for Celery.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_ENV=production \
    REFUNDPORTAL_VAR_DIR=/app/var

WORKDIR /app
RUN useradd --create-home --uid 1000 portal

COPY pyproject.toml README.md ./
COPY refundportal ./refundportal
COPY accounts ./accounts
COPY orders ./orders
COPY refunds ./refunds
COPY payouts ./payouts
COPY finance ./finance
COPY analytics ./analytics
COPY notifications ./notifications
COPY demo ./demo
RUN pip install .

COPY . .
# collectstatic needs a key to import the settings; it is not the runtime key.
RUN DJANGO_SECRET_KEY=build-only-collectstatic-key-0123456789-abcdefghijklmnopqrstuvwxyz \
    python manage.py collectstatic --no-input \
 && mkdir -p /app/var && chown -R portal /app/var

USER portal
EXPOSE 8000
CMD ["gunicorn", "refundportal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
