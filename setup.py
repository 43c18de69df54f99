"""The build's one step pyproject.toml cannot say: templates/, static/ and
locale/ live at the top of the checkout (beside manage.py) and go into the
wheel inside the package, as refundportal/project/, where the settings of an
installed copy look for them."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
PROJECT_FOLDERS = ("templates", "static", "locale")


class BuildPyWithProjectFiles(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            # An editable install reads them from the checkout.
            return
        target = Path(self.build_lib) / "refundportal" / "project"
        shutil.rmtree(target, ignore_errors=True)
        for name in PROJECT_FOLDERS:
            shutil.copytree(
                ROOT / name,
                target / name,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"),
            )


setup(cmdclass={"build_py": BuildPyWithProjectFiles})
