"""MkDocs hooks (mkdocs.yml `hooks:`): the layer catalog page is generated from the code at
every build, so it cannot drift from the declarations."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from mkdocs.structure.files import File

_PAGE = Path(__file__).with_name("catalog_page.py")


def _render() -> str:
    spec = importlib.util.spec_from_file_location("catalog_page", _PAGE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.render()


def on_files(files, config):
    files.append(File.generated(config, "CATALOG.md", content=_render()))
    return files
