"""The install hints for optional dependencies name extras that exist."""

import re
from importlib.metadata import metadata

from gelu.cli._optional import INSTALL_HINT


def test_every_extra_named_in_an_install_hint_is_declared():
    extras = set(metadata("gelu").get_all("Provides-Extra") or [])
    named = {extra for hint in INSTALL_HINT.values() for extra in re.findall(r"gelu\[(\w+)\]", hint)}
    assert named, "no hint names an extra"
    assert named <= extras, f"hints name {sorted(named - extras)}; the package declares {sorted(extras)}"
