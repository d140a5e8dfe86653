"""Scryon's two analysis backends as host backends, and choosing one under the tenant policy.

``scryon.local`` (kind A) runs offline on the bundled MiniLM model;
``scryon.relay`` (kind B) relays to an OpenAI-compatible chat API. Which one a
call uses follows the tenant's shared backend policy (scope ``scryon``,
defaults from ``SCRYON_ALLOWED_BACKENDS`` / ``SCRYON_DEFAULT_BACKEND``) and the
upload's ``backendPreference``; a relay with no URL configured is skipped.
"""

from __future__ import annotations

from scaigrid.backends.policy import BackendChoice, PolicyDefaults, choose_backend, resolve_backend_order
from scaigrid.backends.relay import RelayClient
from scaigrid.platform import Platform
from scaigrid.records import BackendSpec

from scryon.analysis.local import LOCAL_BACKEND, LocalAnalyzer
from scryon.analysis.relay import PROVIDER_FAILED, RELAY_BACKEND, RelayAnalyzer
from scryon.settings import Module, ScryonSettings

__all__ = ["CAPABILITY", "MODULE_ID", "backend_specs", "choose_analysis_backend", "relay_configured"]

MODULE_ID = "scryon"
CAPABILITY = "analysis"

_PREFERENCES = {"ANY": "any", "PREFER_SELF_HOSTED": "prefer_self_hosted", "PREFER_RELAY": "prefer_relay"}


def relay_client(platform: Platform, settings: ScryonSettings) -> RelayClient:
    return RelayClient.from_settings(
        platform.settings,
        base_url=settings.relay_base_url or None,
        api_key=settings.relay_api_key or None,
        timeout=settings.relay_timeout_seconds,
        error_code=PROVIDER_FAILED,
    )


def relay_configured(platform: Platform, settings: ScryonSettings) -> bool:
    return bool(settings.relay_base_url or platform.settings.relay_base_url)


def backend_specs(module: Module) -> list[BackendSpec]:
    """Both backends; factories read the platform from the module context (it exists at registration)."""
    settings: ScryonSettings = module.settings
    return [
        BackendSpec(
            capability=CAPABILITY,
            name=LOCAL_BACKEND,
            kind="A",
            factory=lambda _platform: LocalAnalyzer(),
            description="Offline analysis: MiniLM extractive summary, rule+embedding action items, VADER.",
            max_concurrency=1,
        ),
        BackendSpec(
            capability=CAPABILITY,
            name=RELAY_BACKEND,
            kind="B",
            factory=lambda _p: RelayAnalyzer(relay_client(module.platform, settings), settings.relay_model),
            description="Relay to an OpenAI-compatible chat-completions API with a JSON schema.",
            max_concurrency=4,
        ),
    ]


def policy_defaults(settings: ScryonSettings) -> PolicyDefaults:
    return PolicyDefaults(
        allowed_backends=settings.allowed_backends, default_backend=settings.default_backend
    )


async def choose_analysis_backend(
    platform: Platform, settings: ScryonSettings, tenant_id: str, preference: str
) -> BackendChoice:
    """The analysis backend for one call: tenant policy order, preference, then availability."""
    policy = await platform.policies.get(tenant_id, MODULE_ID, defaults=policy_defaults(settings))
    order = resolve_backend_order(policy, _PREFERENCES.get(preference, "any"), code="validation_error")

    def usable(kind: str, name: str) -> bool:
        return kind == "A" or relay_configured(platform, settings)

    choice: BackendChoice = await choose_backend(
        platform.backends,
        CAPABILITY,
        order,
        usable,
        candidates={"A": [LOCAL_BACKEND], "B": [RELAY_BACKEND]},
        no_backend_code="no_analysis_backend",
        unavailable_code="analysis_backend_unavailable",
    )
    return choice
