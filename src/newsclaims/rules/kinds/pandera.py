"""``pandera``: the table's pandera model (``newsclaims.schemas.<model>``) accepts every
record; one violation per rejected record."""

from __future__ import annotations

from newsclaims import contract
from newsclaims.rules.kinds import register
from newsclaims.rules.kinds.base import Kind, PanderaModel, SharingKeys


@register
class Pandera(Kind):
    name = "pandera"
    required = ("model",)
    summary = "the table's pandera model `newsclaims.schemas.<model>` accepts every record"

    def select(self, rule) -> PanderaModel:
        return PanderaModel(rule.params["model"])

    def footprint(self, rule) -> SharingKeys:
        """A model's checks read one row each, except its uniqueness checks, which are the
        contract's primary key and unique column sets (``tests/test_ingest_pandera.py`` holds
        the models to that): the batch's rows and the rows sharing one of those keys."""
        spec = contract.tables()[rule.table]
        return SharingKeys((tuple(spec.primary_key), *spec.unique))

    def describe(self, rule) -> str:
        return f"`newsclaims.schemas.{rule.params['model']}`"
