"""Ctrl-C held back around the final moves, and a Ctrl-C the interpreter swallowed."""

from __future__ import annotations

import os
import signal
import sys
import weakref

import pytest

from newsclaims import interrupts


@pytest.fixture
def hook():
    """``record_swallowed`` installed for one test, the previous hook restored after."""
    before = sys.unraisablehook
    seen = []
    sys.unraisablehook = seen.append
    interrupts.record_swallowed()
    yield seen
    sys.unraisablehook = before
    interrupts._swallowed.clear()


def _swallowed_by_a_weakref_callback(exc: BaseException) -> None:
    """Raise ``exc`` where Python can only report it as "Exception ignored": in the callback
    of a weak reference whose object dies."""
    class Thing:
        pass

    thing = Thing()

    def callback(ref):
        raise exc

    ref = weakref.ref(thing, callback)  # noqa: F841 - kept alive until the object dies
    del thing


def test_a_swallowed_ctrl_c_stops_the_next_final_step(hook):
    _swallowed_by_a_weakref_callback(KeyboardInterrupt())
    assert hook == []  # recorded, not printed
    ran = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts.finishing():
            ran.append(1)
    assert ran == []
    with interrupts.finishing():  # once only
        ran.append(2)
    assert ran == [2]


def test_other_unraisable_errors_reach_the_previous_hook(hook):
    _swallowed_by_a_weakref_callback(ValueError("boom"))
    assert [type(u.exc_value) for u in hook] == [ValueError]
    with interrupts.finishing():
        pass


def test_finishing_drops_a_ctrl_c_and_held_raises_it_after_the_block():
    before = signal.getsignal(signal.SIGINT)
    with interrupts.finishing():
        os.kill(os.getpid(), signal.SIGINT)
        done = True
    assert done and signal.getsignal(signal.SIGINT) is before
    steps = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts.held():
            os.kill(os.getpid(), signal.SIGINT)
            steps.append("after the signal")
    assert steps == ["after the signal"] and signal.getsignal(signal.SIGINT) is before


def test_held_raises_terminated_for_a_sigterm():
    """SIGTERM (timeout, CI) during a held block is raised as ``Terminated`` after it (the
    CLI reports exit 143); a subclass of KeyboardInterrupt, so every cleanup path runs."""
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(interrupts.Terminated):
        with interrupts.held():
            os.kill(os.getpid(), signal.SIGTERM)
    assert signal.getsignal(signal.SIGTERM) is before
    assert issubclass(interrupts.Terminated, KeyboardInterrupt)


INTERRUPT_ON_IMPORT = '''
import os, signal, sys

class SendCtrlC:
    """Sends a real SIGINT to this process the moment {module!r} starts being imported."""
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, SendCtrlC())
'''


@pytest.mark.parametrize("module", ["click", "newsclaims.errors"])
def test_a_ctrl_c_while_the_command_starts_is_one_line(tmp_path, module):
    """A Ctrl-C while the ``newsclaims`` command is still importing its CLI (a real SIGINT,
    sent by a ``sitecustomize`` the moment ``module`` starts being imported) ends with the
    CLI's line and exit code, not Python's traceback."""
    import subprocess

    (tmp_path / "sitecustomize.py").write_text(INTERRUPT_ON_IMPORT.format(module=module))
    exe = os.path.join(os.path.dirname(sys.executable), "newsclaims")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run([exe, "--help"], capture_output=True, text=True, env=env, timeout=60)
    assert (done.returncode, done.stderr, done.stdout) == (130, "Error: interrupted\n", "")
