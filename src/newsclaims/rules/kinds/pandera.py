"""``pandera``: the table's pandera model (``newsclaims.schemas.<model>``) accepts every
record; one violation per rejected record."""

from __future__ import annotations

from newsclaims.rules.kinds import register
from newsclaims.rules.kinds.base import Kind, PanderaModel


@register
class Pandera(Kind):
    name = "pandera"
    required = ("model",)
    summary = "the table's pandera model `newsclaims.schemas.<model>` accepts every record"

    def select(self, rule) -> PanderaModel:
        return PanderaModel(rule.params["model"])

    def describe(self, rule) -> str:
        return f"`newsclaims.schemas.{rule.params['model']}`"
