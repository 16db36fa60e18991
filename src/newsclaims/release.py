"""``create_release``: build, gate and write an immutable snapshot folder ``<releases>/<version>/``.

The steps, all inside a temporary folder next to the final one (``.release-<pid>-*``, locked
while the run lives; renamed into place only when everything passed, so a failed release
leaves nothing behind, and one killed outright leaves a folder the next release removes):

1. check the version (syntax, not released yet: no snapshot of it in ``--releases`` or the
   registry and no project report ``reports/<version>/report.md``, greater than the
   latest of those), that the output folders (``--releases`` and ``--reports-dir``) can be
   written, that ``--db`` is a newsclaims database, and that ``checks/``, ``sql/`` and
   the dataset have no uncommitted changes (or ``allow_dirty``); find the parent's
   snapshot (``--releases`` or the registry; one known only from its report is asked for);
2. build the database from ``dataset/`` (or copy an already built one), every text the
   repository holds in it;
3. run the rule catalogue (``dq_results``/``dq_violations``) and the version-discipline
   rules against the parent release, including ``release.rule_weakening_noted`` (an error
   rule removed or loosened needs ``rule_change_note``); refuse, naming every failing
   error-level rule;
4. write the snapshot's database from it without the texts a release must not ship
   (``text_policy.withhold_texts``);
5. store the record-level ``changes`` and the ``release`` row; run
   ``documents.text_policy_honoured`` again on the snapshot's database (refused if a
   forbidden text is in it); export Parquet; write the reports, ``rules.json``,
   ``SOURCES.md``, ``README.md``, ``codebook.md``, ``CHANGELOG.md``, ``CITATION.cff``,
   ``LICENSE.md``, ``datapackage.json``, ``SHA256SUMS``, ``manifest.json`` and its
   signature;
6. write the project's ``reports/<version>/report.md`` under a temporary name, rename the
   snapshot folder into place, then the report; a failure at any point removes all of it.
   A run killed outright between the two renames is completed by the next run of the same
   release (``_complete_interrupted``). A full disk is ``NoRoom`` naming the release.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from newsclaims import (changelog, citation, governance, project, signing, snapshot, text_policy,
                        versioning, workfolders)
from newsclaims.errors import GateFailure, InputError, NoRoom, disk_full
from newsclaims.folders import make_folders, remove_folders
from newsclaims.interrupts import finishing
from newsclaims.rules.digest import rules_digest
from newsclaims.rules.results import gate, read_results

Step = Callable[[str], None]
WORK_PREFIX = ".release-"  # the temporary folder in --releases: .release-<pid>-<random>/


@dataclass(frozen=True)
class ReleaseResult:
    version: str
    parent: str | None
    folder: Path
    changes: list[changelog.Change]
    signed: bool
    completed: bool = False  # an interrupted release's report put in place, nothing built


def local_versions(releases_dir: Path) -> list[str]:
    """Versions with a complete snapshot (a manifest) in ``releases_dir``."""
    if not releases_dir.is_dir():
        return []
    return versioning.sort_versions(
        p.name for p in releases_dir.iterdir()
        if versioning.VERSION_RE.match(p.name) and (p / snapshot.MANIFEST).is_file()
    )


def _git(args: list[str]) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(["git", *args], cwd=project.root(), capture_output=True,
                              timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None


def source_commit() -> str | None:
    """The commit checked out in the project's git working tree (``None`` outside git)."""
    out = _git(["rev-parse", "HEAD"])
    commit = out.stdout.decode().strip() if out is not None and out.returncode == 0 else ""
    return commit if len(commit) == 40 else None


def uncommitted_changes(folders: list[Path]) -> list[str]:
    """Files under ``folders`` (inside the project's git working tree) that differ from the
    commit checked out: modified, added, deleted, renamed or untracked (ignored files do
    not count), as git names them (relative to the top of the working tree), sorted.
    Folders outside the working tree, and a project that is not in git, give none."""
    root = project.root().resolve()
    inside = []
    for folder in folders:
        resolved = Path(folder).resolve()
        if resolved == root or root in resolved.parents:
            inside.append(resolved.relative_to(root).as_posix() or ".")
    if not inside:
        return []
    out = _git(["status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *inside])
    if out is None or out.returncode != 0:
        return []
    entries = out.stdout.decode("utf-8", "replace").split("\0")
    changed: set[str] = set()
    skip = False
    for entry in entries:
        if skip:  # the original path of a rename or copy
            skip = False
            changed.add(entry)
            continue
        if len(entry) < 4:
            continue
        changed.add(entry[3:])
        skip = entry[0] in "RC"
    return sorted(changed)


def _source_state(dataset_dir: Path | None, allow_dirty: bool) -> str | None:
    """The ``source_commit`` the release records: the commit checked out, refused (exit 2,
    naming the files) when ``checks/``, ``sql/`` or the dataset built (when it lies inside
    the working tree) have uncommitted changes, unless ``allow_dirty``; then the commit is
    recorded as ``<commit>-dirty`` (as ``git describe --dirty`` marks it)."""
    commit = source_commit()
    if commit is None:
        return None
    folders = [project.checks_dir(), project.sql_dir()]
    if dataset_dir is not None:
        folders.append(dataset_dir)
    changed = uncommitted_changes(folders)
    if not changed:
        return commit
    if allow_dirty:
        return f"{commit}-dirty"
    shown = ", ".join(changed[:10]) + (f" and {len(changed) - 10} more" if len(changed) > 10
                                       else "")
    raise InputError(f"uncommitted changes to {shown}: the checked-out commit {commit[:12]} "
                     "does not hold what would be released; commit them, or release with "
                     "--allow-dirty (source_commit is then recorded as <commit>-dirty)")


def reported_versions(reports_root: Path) -> list[str]:
    """Versions with a project report ``<reports_root>/<version>/report.md`` (committed
    with each release, so a fresh clone knows what was released)."""
    root = Path(reports_root)
    if not root.is_dir():
        return []
    return versioning.sort_versions(p.name for p in root.iterdir()
                                    if versioning.VERSION_RE.match(p.name)
                                    and (p / "report.md").is_file())


def _parent_db(version: str, parent: str, releases_dir: Path, registry: str | None,
               reported_in: Path | None = None, trust_key=None) -> Path:
    """The database of the parent release, from ``releases_dir`` or the registry. A parent
    known only from its project report (a fresh clone) comes from the registry the project
    declares (``registry.toml``) when no ``--registry`` is given; with none declared it is
    refused with what to do."""
    if reported_in is not None and not registry:
        from newsclaims.declaration import declared_registry

        registry = declared_registry()
        if not registry:
            raise InputError(
                f"release {version}: its parent {parent} (the latest release: "
                f"{Path(reported_in) / parent / 'report.md'} exists) is not in {releases_dir} "
                f"and registry.toml declares no registry; give --registry a registry holding "
                f"{parent} (or --releases the folder of releases holding it), or --parent none "
                "to start a new line of releases without one")
    local = releases_dir / parent / snapshot.DB_NAME
    if local.is_file():
        snapshot.refuse_wal(local.parent, f"parent release {parent}")
        return local
    if registry:
        from newsclaims import pull, registry as registries

        reg = registries.open_registry(registry)
        if reg.folder is not None and (reg.folder / parent / snapshot.DB_NAME).is_file():
            snapshot.refuse_wal(reg.folder / parent, f"parent release {parent}")
            return reg.folder / parent / snapshot.DB_NAME
        # no bar of its own: the release's bar is on the terminal
        return pull.pull(parent, registry, trust_key=trust_key, progress=False) / snapshot.DB_NAME
    raise InputError(f"parent release {parent} not found in {releases_dir}")


def _failing_rules(db_path: Path) -> list[str]:
    """The rules that block the release (``rules.results.gate`` at level error over the
    stored ``dq_results``), as ``rule_id (n violations)`` or ``rule_id (query error)``."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        blocking = gate(read_results(con), "error")
    finally:
        con.close()
    return [f"{r.rule_id} (query error)" if r.status == "error" else f"{r.rule_id} ({r.violation_count} violations)"
            for r in blocking]


def _record_discipline(con, violations: list[versioning.Violation], run_at: datetime) -> None:
    """Store the version-discipline rules' results beside the catalogue's in ``dq_results``."""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'dq_results'").fetchone()[0]
    if not exists:
        return
    failed = {v.rule_id for v in violations}
    rules = (list(versioning.ORDER_RULES) + [(r.rule_id, r.title) for r in versioning.PARENT_RULES]
             + [(governance.NOTE_RULE, "A removed or weakened error-level rule needs a "
                 "--rule-change-note")])
    for rule_id, title in rules:
        con.execute(
            "INSERT INTO dq_results (rule_id, title, family, severity, table_name, status, "
            "violation_count, fail_above, engine, run_at) VALUES (?, ?, 'versioning', 'error', "
            "NULL, ?, ?, 0, 'release', ?)",
            [rule_id, title, "fail" if rule_id in failed else "pass",
             1 if rule_id in failed else 0, run_at],
        )


def _check_writable(target: Path, what: str) -> None:
    """Refuse, before anything is built or written, a ``target`` that cannot be created:
    its nearest existing ancestor is not a folder (a file given as a folder) or cannot be
    written. One line naming that path, worded as the CLI words the same ``OSError``."""
    folder = target.parent
    while not os.path.lexists(folder) and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise InputError(f"{folder}: exists and is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{folder}: not writable (needed for {what} {target})")


def _stage(data: bytes, path: Path) -> tuple[Path, list[Path]]:
    """Write ``data`` beside ``path`` under a temporary name, making missing folders; return
    the temporary file (for ``os.replace``) and the folders made."""
    made = make_folders(path.parent)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_staged_prefix(path) + f"{os.getpid()}-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except BaseException:
        remove_folders(made)
        raise
    return Path(tmp), made


def _staged_prefix(path: Path) -> str:
    """The staged report beside ``path``: ``.report.md.<pid>-<random>``."""
    return f".{path.name}."


def _complete_interrupted(version: str, target: Path, report_target: Path):
    """A release killed outright between its last two renames left its snapshot ``target``
    in place without its project report; the staged copy of the report, made by a process
    that is gone, is still beside the report's place. Then the snapshot is verified against
    its manifest and its report put in place (a ``ReleaseResult`` with ``completed``);
    ``None`` when that is not the case."""
    folder, prefix = report_target.parent, _staged_prefix(report_target)
    if report_target.exists() or not (target / snapshot.MANIFEST).is_file() or not folder.is_dir():
        return None
    left = [folder / name for name in os.listdir(folder)
            if (pid := workfolders.recorded_pid(name, prefix)) is not None
            and not workfolders.process_alive(pid)]
    report = target / "reports" / "report.md"
    if not left or not report.is_file():
        return None
    manifest = snapshot.parse_manifest((target / snapshot.MANIFEST).read_bytes(), str(target))
    if manifest.get("version") != version:
        return None
    snapshot.verify_folder(target, manifest, str(target))
    data = report.read_bytes()
    if not any(path.is_file() and path.read_bytes() == data for path in left):
        return None
    try:
        staged, _ = _stage(data, report_target)
        os.replace(staged, report_target)
    except OSError as exc:
        raise _write_error(report_target, exc) from None
    workfolders.remove_stale_files(folder, prefix)
    return ReleaseResult(version, manifest.get("parent_version"), target, [],
                         (target / snapshot.SIGNATURE).is_file(), completed=True)


def _write_error(path: Path, exc: OSError) -> InputError:
    reason = exc.strerror or str(exc) or type(exc).__name__
    return InputError(f"{path}: cannot write the release report "
                      f"({reason[0].lower()}{reason[1:]}); nothing was released")


def assemble_snapshot(work: Path, version: str, parent_version: str | None,
                      parent_db: Path | None, *, signing_key: Path | None = None,
                      violations: list[versioning.Violation] = (), step: Step | None = None,
                      with_reports: bool = True, commit: str | None = None,
                      rules: dict[str, dict] | None = None,
                      parent_rules: dict[str, dict] | None = None,
                      rule_change_note: str | None = None) -> list[changelog.Change]:
    """Turn ``work/newsclaims.duckdb`` (built and checked) into a complete snapshot folder:
    ``changes`` and ``release`` tables, Parquet, reports, changelog, datapackage, sums,
    manifest and signature. ``commit`` is the ``source_commit`` recorded (see
    ``_source_state``); ``rules`` the catalogue that ran (``rules.json``), compared with
    ``parent_rules`` in the changelog, with ``rule_change_note``. Returns the record-level
    changes against the parent."""
    step = step or (lambda name: None)
    db_path = work / snapshot.DB_NAME
    step("changelog")
    created = datetime.now(timezone.utc).replace(microsecond=0)
    created_at = created.isoformat().replace("+00:00", "Z")
    changes = (changelog.diff_databases(parent_db, db_path) if parent_db
               else changelog.all_added(db_path))
    counts = snapshot.row_counts(db_path)
    digest = rules_digest()
    con = duckdb.connect(str(db_path))
    try:
        _record_discipline(con, violations, created.replace(tzinfo=None))
        changelog.store_changes(con, changes)
        con.execute(
            "CREATE TABLE release (version VARCHAR NOT NULL, parent_version VARCHAR, "
            "created_at TIMESTAMP NOT NULL, source_commit VARCHAR, rules_digest VARCHAR "
            "NOT NULL, contract_version INTEGER NOT NULL, row_counts MAP(VARCHAR, BIGINT))"
        )
        con.execute("INSERT INTO release VALUES (?, ?, ?, ?, ?, ?, MAP(?, ?))",
                    [version, parent_version, created.replace(tzinfo=None), commit, digest,
                     snapshot.contract_version(), list(counts), list(counts.values())])
        # the release gate's own run of documents.text_policy_honoured, on the snapshot
        forbidden = text_policy.gate(con, version)
        sources = text_policy.sources_markdown(con, version)
        resource_licences = text_policy.resource_licences(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    if forbidden:
        raise GateFailure(forbidden)
    for leftover in (work / (snapshot.DB_NAME + ".wal"), work / (snapshot.DB_NAME + ".tmp")):
        if leftover.is_dir():
            shutil.rmtree(leftover)
        elif leftover.exists():
            leftover.unlink()

    step("export")
    files = snapshot.export_parquet(db_path, work / "data")
    step("reports")
    if with_reports:
        from newsclaims.reporting import write_reports

        # the snapshot's reports name its files as they are inside the snapshot folder
        write_reports(db_path, work / "reports", database_label=snapshot.DB_NAME,
                      reports_label="reports")
    rule_changes = None
    if rules is not None:
        governance.write_rules(work, rules)
        if parent_db is not None:
            if parent_rules is None:
                parent_rules = governance.release_rules(Path(parent_db).parent)
            rule_changes = governance.rule_changes(parent_rules, rules)
    (work / snapshot.CHANGELOG).write_text(
        changelog.render_markdown(version, parent_version, created_at, changes,
                                  rule_changes=rule_changes, rule_note=rule_change_note),
        encoding="utf-8")
    (work / snapshot.CITATION).write_text(
        citation.release_citation(version, created_at[:10], commit), encoding="utf-8")
    (work / snapshot.LICENSE).write_text(citation.DATA_LICENCE, encoding="utf-8")
    (work / snapshot.README).write_text(citation.release_readme(version, created_at[:10]), encoding="utf-8")
    from newsclaims.docs import codebook

    (work / snapshot.CODEBOOK).write_text(codebook(), encoding="utf-8")
    (work / text_policy.SOURCES).write_text(sources, encoding="utf-8")
    snapshot.write_json(work / snapshot.DATAPACKAGE,
                        snapshot.datapackage(version, work, files, resource_licences))
    snapshot.write_sums(work)
    facts = {
        "version": version,
        "parent_version": parent_version,
        "created_at": created_at,
        "contract_version": snapshot.contract_version(),
        "rules_digest": digest,
        "source_commit": commit,
        "row_counts": counts,
        "signing_key_id": signing.signer_id(signing_key) if signing_key else None,
        "rule_change_note": rule_change_note,
    }
    manifest_bytes = snapshot.write_json(work / snapshot.MANIFEST, snapshot.manifest(work, facts))
    if signing_key is not None:
        (work / snapshot.SIGNATURE).write_bytes(signing.sign(manifest_bytes, signing_key))
    return changes


def create_release(
    version: str,
    *,
    dataset_dir: Path | None = None,
    db: Path | None = None,
    releases_dir: Path = Path("releases"),
    parent: str = "auto",
    registry: str | None = None,
    signing_key: Path | None = None,
    reports_root: Path | None = None,
    step: Step | None = None,
    trust_key: Path | None = None,
    pandera: str = "auto",
    allow_dirty: bool = False,
    rule_change_note: str | None = None,
) -> ReleaseResult:
    """Make release ``version``; raise ``GateFailure`` (exit 1) when a gate refuses it.

    ``pandera`` is ``check``'s option of that name: the gate is the same as ``check``'s
    (a rule that was skipped never blocks it)."""
    from newsclaims import registry as registries

    versioning.validate_version(version)
    if parent not in ("auto", "none"):
        versioning.validate_version(parent, "parent version")
    if rule_change_note is not None and not rule_change_note.strip():
        raise InputError("--rule-change-note: empty; say which rules changed and why")
    step = step or (lambda name: None)
    releases_dir = Path(releases_dir)
    target = releases_dir / version
    if signing_key is not None:
        signing.signer_id(signing_key)  # a bad key fails before the build, not after

    existing = set(local_versions(releases_dir))
    if registry:
        existing |= set(registries.open_registry(registry).versions())
    if target.exists():
        existing.add(version)
    # the project's committed reports count as released versions: version discipline does
    # not depend on which folder --releases names (an empty one would otherwise skip the parent)
    reported = set(reported_versions(reports_root)) if reports_root is not None else set()
    report_target = (Path(reports_root) / version / "report.md"
                     if reports_root is not None else None)
    if report_target is not None:
        completed = _complete_interrupted(version, target, report_target)
        if completed is not None:
            return completed
    order = versioning.check_version_order(version, existing | (reported - {version}),
                                           report=report_target)
    if order:
        raise GateFailure(f"release {version} refused: {order[0]}")
    if parent == "none":
        parent_version = None
    elif parent == "auto":
        parent_version = versioning.latest(existing | reported)
    else:
        if parent not in existing | reported:
            raise InputError(f"parent version {parent} not found in {releases_dir}"
                             + (f" or {registry}" if registry else ""))
        parent_version = parent
    # every output location and the input database are checked before anything is made
    _check_writable(target, "the release")
    if report_target is not None:
        _check_writable(report_target, "the release report")
    if db is not None:
        if not Path(db).is_file():
            raise InputError(f"{db}: no such database")
        from newsclaims.engines.duckdb.database import open_database

        # names the user's file, not the copy in the temporary folder
        open_database(db, read_only=True).close()
    commit = _source_state(Path(dataset_dir or project.dataset_dir()) if db is None else None,
                           allow_dirty)
    parent_db = (_parent_db(version, parent_version, releases_dir, registry,
                            reports_root if parent_version in reported - existing else None,
                            trust_key)
                 if parent_version else None)

    made_out = make_folders(releases_dir)
    try:
        # a release killed outright (kill -9) left its folder: removed when no run holds it
        workfolders.remove_stale(releases_dir, WORK_PREFIX)
        held_work = workfolders.WorkFolder(releases_dir, WORK_PREFIX)
    except BaseException:
        remove_folders(made_out)
        raise
    work = held_work.path
    staged: Path | None = None
    made_reports: list[Path] = []
    placed = False
    try:
        db_path = work / snapshot.DB_NAME
        # built and checked with every text the repository holds; the snapshot's database
        # is then written from it without the texts a release must not ship
        full_db = Path(tempfile.mkdtemp(dir=work, prefix=".build-")) / snapshot.DB_NAME
        step("build")
        if db is not None:
            from newsclaims.dbfiles import copy_database

            copy_database(db, full_db)  # with its write-ahead log: every committed change
        else:
            from newsclaims.build import build_database

            build_database(Path(dataset_dir or project.dataset_dir()), full_db)
        step("check")
        from newsclaims.check import run_checks

        from newsclaims.rules.catalogue import load_catalogue

        catalogue = load_catalogue()
        rules = governance.catalogue_entries(catalogue)
        run_checks(full_db, rules=catalogue, pandera=pandera)
        failing = _failing_rules(full_db)
        violations: list[versioning.Violation] = []
        parent_rules = None
        if parent_db is not None:
            violations = versioning.check_against_parent(full_db, parent_db, version,
                                                         parent_version)
            parent_rules = governance.release_rules(parent_db.parent)
            weakened = governance.weakened(parent_rules, rules)
            if weakened and rule_change_note is None:
                violations.append(versioning.Violation(
                    governance.NOTE_RULE,
                    f"error-level rules weakened since {parent_version} ("
                    + ", ".join(weakened) + "): release with --rule-change-note saying why"))
        problems = failing + [str(v) for v in violations]
        if problems:
            raise GateFailure(f"release {version} refused: error-level rules fail: "
                              + "; ".join(problems))
        text_policy.withhold_texts(full_db, db_path)
        shutil.rmtree(full_db.parent)

        changes = assemble_snapshot(work, version, parent_version, parent_db,
                                    signing_key=signing_key, violations=violations, step=step,
                                    commit=commit, rules=rules, parent_rules=parent_rules,
                                    rule_change_note=rule_change_note)
        step("publish")
        if target.exists():
            raise GateFailure(f"release {version} refused: {target} already exists")
        late = versioning.check_version_order(version, (), report=report_target)
        if late:  # the project report appeared while the release was made
            raise GateFailure(f"release {version} refused: {late[0]}")
        report_md = work / "reports" / "report.md"
        if report_target is not None and report_target.parent.is_dir():
            # the staged report a killed release left (its process gone)
            workfolders.remove_stale_files(report_target.parent, _staged_prefix(report_target))
        if report_target is not None and report_md.is_file():
            report = report_md.read_bytes()
            try:
                staged, made_reports = _stage(report, report_target)
            except OSError as exc:
                raise _write_error(report_target, exc) from None
        with finishing():  # the release and its report are placed together or not at all
            os.rename(work, target)
            placed = True
            if staged is not None:
                try:
                    os.replace(staged, report_target)
                except OSError as exc:
                    raise _write_error(report_target, exc) from None
                staged = None
    except BaseException as exc:
        full = disk_full(exc) if isinstance(exc, Exception) else None
        if staged is not None:
            staged.unlink(missing_ok=True)
        remove_folders(made_reports)
        if placed:  # the report could not be put in place: the release goes too
            shutil.rmtree(target, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
        held_work.close()
        remove_folders(made_out)
        if full is not None:
            raise NoRoom(f"{target}: cannot write the release ({full}); nothing was "
                         "released", full) from None
        raise
    held_work.close()
    return ReleaseResult(version, parent_version, target, changes, signing_key is not None)


def read_release_row(db_path: Path) -> dict:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        cur = con.execute("SELECT * FROM release")
        names = [d[0] for d in cur.description]
        return dict(zip(names, cur.fetchone()))
    finally:
        con.close()


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / snapshot.MANIFEST).read_bytes())
