"""``newsclaims release VERSION``: build, gate and write an immutable snapshot."""

from __future__ import annotations

from pathlib import Path

import click

from newsclaims.cli.options import progress_option, renamed_from


@click.command(name="release")
@click.argument("version")
@click.option("--dataset", "dataset", type=click.Path(path_type=Path), default=None,
              help="Dataset folder to build (default: the project's dataset/).")
@click.option("--db", "db", type=click.Path(path_type=Path), default=None,
              help="Release an already built database instead of building (rules still run).")
@click.option("--releases", "out", type=click.Path(path_type=Path), default=Path("releases"),
              show_default=True, help="Folder of releases; the snapshot goes to RELEASES/VERSION.")
@renamed_from("--out", "--releases", "out", type=click.Path(path_type=Path))
@click.option("--parent", default="auto", show_default=True,
              help="Parent version for the changelog and the discipline rules (auto: the latest "
                   "known, counting the project's reports/VERSION/; none: start a new line of "
                   "releases, which publish refuses into a registry with history).")
@click.option("--registry", default=None,
              help="Registry whose versions also count (folder or http(s):// address).")
@click.option("--trust-key", default=None,
              help="Public key that verifies the parent version pulled from an http(s) --registry "
                   "(default: $NEWSCLAIMS_TRUSTED_KEY or ~/.config/newsclaims/trusted_key.pub).")
@click.option("--key", "key", type=click.Path(path_type=Path), default=None,
              help="Ed25519 private key to sign the manifest (default: $NEWSCLAIMS_SIGNING_KEY).")
@click.option("--reports-dir", type=click.Path(path_type=Path), default=None,
              help="Where reports/VERSION/report.md is written (default: the project's reports/).")
@click.option("--allow-dirty", is_flag=True, default=False, envvar="NEWSCLAIMS_ALLOW_DIRTY",
              help="Release although checks/, sql/ or the dataset have uncommitted changes "
                   "(source_commit is recorded as <commit>-dirty); also NEWSCLAIMS_ALLOW_DIRTY=1.")
@click.option("--rule-change-note", default=None,
              help="Why error-level rules were removed or weakened since the parent (needed "
                   "then; recorded in the manifest and the changelog).")
@click.option("--pandera", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="As in `check`: auto skips the pandera rule of a table of more than 250,000 rows "
                   "(a skipped rule never blocks the release).")
@progress_option("A progress bar (one step per stage)")
def command(version, dataset, db, out, parent, registry, trust_key, key, reports_dir, allow_dirty,
            rule_change_note, pandera, progress) -> None:
    """Build, run every rule, and write releases/VERSION/ (exit 1 when a gate refuses)."""
    from newsclaims import project, signing
    from newsclaims.progress import steps
    from newsclaims.release import create_release

    names = ["build", "check", "changelog", "export", "reports", "publish"]
    with steps("release", len(names), enabled=progress) as step:
        result = create_release(
            version, dataset_dir=dataset, db=db, releases_dir=out, parent=parent,
            registry=registry, signing_key=signing.signing_key_path(key),
            reports_root=reports_dir or project.reports_dir(), step=step.begin, trust_key=trust_key, pandera=pandera,
            allow_dirty=allow_dirty, rule_change_note=rule_change_note)
    if result.completed:
        click.echo(f"completed release {result.version}: {result.folder} was in place without "
                   "its report (a release killed before its last step); the report is written "
                   "now, nothing was built")
        return
    counts: dict[str, int] = {}
    for change in result.changes:
        counts[change.change] = counts.get(change.change, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no changes"
    click.echo(f"released {result.version} to {result.folder} "
               f"(parent {result.parent or 'none'}; {summary}; "
               f"{'signed' if result.signed else 'UNSIGNED: pulls will refuse it'})")
