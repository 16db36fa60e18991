"""``create_release``: build, gate and write an immutable snapshot folder ``<releases>/<version>/``.

The steps, all inside a temporary folder next to the final one (renamed into place only
when everything passed, so a failed release leaves nothing behind):

1. check the version (syntax, not released yet: no snapshot of it in ``--out`` or the
   registry and no project report ``reports/<version>/report.md``, greater than the
   latest), that the output folders (``--out`` and ``--reports-dir``) can be written, and
   that ``--db`` is a newsclaims database;
2. build the database from ``dataset/`` (or copy an already built one);
3. run the rule catalogue (``dq_results``/``dq_violations``) and the version-discipline
   rules against the parent release; refuse, naming every failing error-level rule;
4. store the record-level ``changes`` and the ``release`` row; export Parquet; write the
   reports, ``datapackage.json``, ``CHANGELOG.md``, ``SHA256SUMS``, ``manifest.json`` and
   its signature;
5. write the project's ``reports/<version>/report.md`` under a temporary name, rename the
   snapshot folder into place, then the report; a failure at any point removes all of it.
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

from newsclaims import changelog, project, signing, snapshot, versioning
from newsclaims.errors import GateFailure, InputError
from newsclaims.folders import make_folders, remove_folders
from newsclaims.interrupts import finishing

Step = Callable[[str], None]


@dataclass(frozen=True)
class ReleaseResult:
    version: str
    parent: str | None
    folder: Path
    changes: list[changelog.Change]
    signed: bool


def local_versions(releases_dir: Path) -> list[str]:
    """Versions with a complete snapshot (a manifest) in ``releases_dir``."""
    if not releases_dir.is_dir():
        return []
    return versioning.sort_versions(
        p.name for p in releases_dir.iterdir()
        if versioning.VERSION_RE.match(p.name) and (p / snapshot.MANIFEST).is_file()
    )


def source_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project.root(),
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip()
    return commit if out.returncode == 0 and len(commit) == 40 else None


def _parent_db(parent: str, releases_dir: Path, registry: str | None) -> Path:
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
        return pull.pull(parent, registry) / snapshot.DB_NAME
    raise InputError(f"parent release {parent} not found in {releases_dir}")


def _failing_rules(run, db_path: Path) -> list[str]:
    """Error-level rules that fail, as ``rule_id (n violations)``, read from ``dq_results``."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        rows = con.execute(
            "SELECT rule_id, status, violation_count FROM dq_results "
            "WHERE CAST(severity AS VARCHAR) = 'error' AND CAST(status AS VARCHAR) <> 'pass' "
            "ORDER BY rule_id"
        ).fetchall()
    finally:
        con.close()
    failing = {r[0]: (f"{r[0]} (query error)" if str(r[1]) == "error"
                      else f"{r[0]} ({r[2]} violations)") for r in rows}
    if run is not None and hasattr(run, "failed"):
        for item in run.failed("error"):
            rule_id = item if isinstance(item, str) else getattr(item, "rule_id", str(item))
            failing.setdefault(rule_id, rule_id)
    return [failing[k] for k in sorted(failing)]


def _record_discipline(con, violations: list[versioning.Violation], run_at: datetime) -> None:
    """Store the version-discipline rules' results beside the catalogue's in ``dq_results``."""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'dq_results'").fetchone()[0]
    if not exists:
        return
    failed = {v.rule_id for v in violations}
    rules = list(versioning.ORDER_RULES) + [(r.rule_id, r.title) for r in versioning.PARENT_RULES]
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
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
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


def _write_error(path: Path, exc: OSError) -> InputError:
    reason = exc.strerror or str(exc) or type(exc).__name__
    return InputError(f"{path}: cannot write the release report "
                      f"({reason[0].lower()}{reason[1:]}); nothing was released")


def assemble_snapshot(work: Path, version: str, parent_version: str | None,
                      parent_db: Path | None, *, signing_key: Path | None = None,
                      violations: list[versioning.Violation] = (), step: Step | None = None,
                      with_reports: bool = True) -> list[changelog.Change]:
    """Turn ``work/newsclaims.duckdb`` (built and checked) into a complete snapshot folder:
    ``changes`` and ``release`` tables, Parquet, reports, changelog, datapackage, sums,
    manifest and signature. Returns the record-level changes against the parent."""
    step = step or (lambda name: None)
    db_path = work / snapshot.DB_NAME
    step("changelog")
    created = datetime.now(timezone.utc).replace(microsecond=0)
    created_at = created.isoformat().replace("+00:00", "Z")
    changes = (changelog.diff_databases(parent_db, db_path) if parent_db
               else changelog.all_added(db_path))
    counts = snapshot.row_counts(db_path)
    digest = snapshot.rules_digest()
    commit = source_commit()
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
        con.execute("CHECKPOINT")
    finally:
        con.close()
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
    (work / snapshot.CHANGELOG).write_text(
        changelog.render_markdown(version, parent_version, created_at, changes),
        encoding="utf-8")
    snapshot.write_json(work / snapshot.DATAPACKAGE, snapshot.datapackage(version, work, files))
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
) -> ReleaseResult:
    """Make release ``version``; raise ``GateFailure`` (exit 1) when a gate refuses it."""
    from newsclaims import registry as registries

    versioning.validate_version(version)
    if parent != "auto":
        versioning.validate_version(parent, "parent version")
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
    report_target = (Path(reports_root) / version / "report.md"
                     if reports_root is not None else None)
    order = versioning.check_version_order(version, existing, report=report_target)
    if order:
        raise GateFailure(f"release {version} refused: {order[0]}")
    if parent == "auto":
        parent_version = versioning.latest(existing)
    else:
        if parent not in existing:
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
        from newsclaims.rules.engine import open_database

        # names the user's file, not the copy in the temporary folder
        open_database(db, read_only=True).close()
    parent_db = _parent_db(parent_version, releases_dir, registry) if parent_version else None

    made_out = make_folders(releases_dir)
    try:
        work = Path(tempfile.mkdtemp(dir=releases_dir, prefix=f".tmp-{version}-"))
    except BaseException:
        remove_folders(made_out)
        raise
    staged: Path | None = None
    made_reports: list[Path] = []
    placed = False
    try:
        db_path = work / snapshot.DB_NAME
        step("build")
        if db is not None:
            from newsclaims.dbfiles import copy_database

            copy_database(db, db_path)  # with its write-ahead log: every committed change
        else:
            from newsclaims.build import build_database

            build_database(Path(dataset_dir or project.dataset_dir()), db_path)
        step("check")
        from newsclaims.rules.engine import run_checks

        run = run_checks(db_path)
        failing = _failing_rules(run, db_path)
        violations: list[versioning.Violation] = []
        if parent_db is not None:
            violations = versioning.check_against_parent(db_path, parent_db, version,
                                                         parent_version)
        problems = failing + [str(v) for v in violations]
        if problems:
            raise GateFailure(f"release {version} refused: error-level rules fail: "
                              + "; ".join(problems))

        changes = assemble_snapshot(work, version, parent_version, parent_db,
                                    signing_key=signing_key, violations=violations, step=step)
        step("publish")
        if target.exists():
            raise GateFailure(f"release {version} refused: {target} already exists")
        late = versioning.check_version_order(version, (), report=report_target)
        if late:  # the project report appeared while the release was made
            raise GateFailure(f"release {version} refused: {late[0]}")
        report_md = work / "reports" / "report.md"
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
    except BaseException:
        if staged is not None:
            staged.unlink(missing_ok=True)
        remove_folders(made_reports)
        if placed:  # the report could not be put in place: the release goes too
            shutil.rmtree(target, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
        remove_folders(made_out)
        raise
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
