"""The typed calls of analysis' own hooks (declared in :mod:`.hookspecs`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ordercraft.sdk.plugins import HookWrapper

if TYPE_CHECKING:
    from ordercraft.plugins.analysis.metrics import MetricRegistry
    from ordercraft.plugins.analysis.reports import ReportRegistry


class AnalysisHooks(HookWrapper):
    """analysis' hooks, one method each: ``AnalysisHooks.of(session).register_kpi_metrics(...)``."""

    def register_kpi_metrics(self, registry: MetricRegistry) -> None:
        self.fill_registry("register_kpi_metrics", registry)

    def register_reports(self, registry: ReportRegistry) -> None:
        self.fill_registry("register_reports", registry)
