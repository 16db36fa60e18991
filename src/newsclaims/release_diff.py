"""What changed between two releases: their records (``changelog``) and the rule catalogue
they ran (``governance``), as one list of changes (``newsclaims diff``)."""

from __future__ import annotations

from newsclaims import governance, snapshot
from newsclaims.changelog import Change, diff_databases


def diff_versions(old: str, new: str, *, releases=None, cache=None) -> list[Change]:
    """Record-level changes between two versions found in ``releases`` or the cache, then
    the changes to the rule catalogue they ran (table ``rules``, ``newsclaims.governance``). Each
    snapshot's database is checked against its manifest first (a damaged or replaced file
    is refused, naming it, rather than compared)."""
    from newsclaims.query import resolve

    old_db = resolve(old, releases=releases, cache=cache)
    new_db = resolve(new, releases=releases, cache=cache)
    for db in (old_db, new_db):
        snapshot.verify_database(db.parent)
    rules = governance.rule_changes(governance.release_rules(old_db.parent),
                                    governance.release_rules(new_db.parent))
    return diff_databases(old_db, new_db) + rules
