import os

from django.core.asgi import get_asgi_application

from refundportal.checks import refuse_without_email, refuse_without_static_manifest

os.environ.setdefault(
    "DJANGO_SETTINGS_MODULE", f"refundportal.settings.{os.environ.get('DJANGO_ENV', 'local')}"
)
application = get_asgi_application()
# Refuse to start rather than answer 500 on every page, or send mail nowhere.
refuse_without_static_manifest()
refuse_without_email()
