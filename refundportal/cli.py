"""The ``refundportal`` command of an installed copy, and ``manage.py``'s:
Django's management commands (``refundportal migrate``, ``refundportal
tick``, ``refundportal check``) with the settings of ``DJANGO_ENV``
(``local`` when unset) unless ``DJANGO_SETTINGS_MODULE`` says otherwise."""

import os
import sys

from django.core.management import execute_from_command_line


def settings_module() -> str:
    return f"refundportal.settings.{os.environ.get('DJANGO_ENV', 'local')}"


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module())
    execute_from_command_line(sys.argv if argv is None else argv)


if __name__ == "__main__":
    main()
