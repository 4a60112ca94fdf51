"""Isolation: each target is built, observed and judged in a child process the harness controls.

The parent (``parent.py``) never imports the user's code: it starts the child
(``child.py``), sends it what to check, reads one record per check as it is
made over a pipe the model cannot reach through ``sys.stdout``, enforces the
time budget, kills the child's process group when it is spent, and turns
whatever the child did (exited early, crashed, hung, printed) into verdicts.
``protocol.py`` is what crosses between them.
"""
