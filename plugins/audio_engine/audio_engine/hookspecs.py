"""The extension point the Audio Engine offers other plugins: contribute pipeline components.

Returned by the module's ``scaigrid_hookspecs`` hook, so any loaded plugin may implement it::

    from scaigrid.hookspecs import hookimpl
    from audio_engine.registry import Component, ComponentResult

    @hookimpl
    def scaigrid_audio_engine_components(register):
        register(Component(id="loudness", params=LoudnessParams, handler=measure,
                           produces_audio=False, produces_metrics=True))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scaigrid.hookspecs import hookspec

__all__ = ["scaigrid_audio_engine_components"]


@hookspec
def scaigrid_audio_engine_components(register: Callable[[Any], None]) -> None:
    """Register Audio Engine components: call ``register(Component(...))`` once per component.

    :param register: takes one :class:`audio_engine.registry.Component`. Ids are unique
        across all plugins: a second provider of an id stops start-up naming both.
        ``params`` must be a ``msgspec.Struct`` with ``forbid_unknown_fields=True``;
        ``handler(step, params)`` is blocking and returns a
        :class:`~audio_engine.registry.ComponentResult`.
    """
