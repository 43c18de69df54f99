from django.apps import AppConfig


class DemoConfig(AppConfig):
    # No models: an app only so that Django finds ``manage.py seed_demo``.
    name = "demo"
