"""Entry point of the heavy steps (embedding, clustering) for Azure ML jobs and runs by hand.

The program itself is ``isco_assets.pipes.heavy_step`` (see its docstring), installed with the project; the
``heavy_steps`` resource starts it as ``python -m isco_assets.pipes.heavy_step``. This file is for jobs that
ship a code folder (``command(code="deploy/pipes", command="python heavy_step.py", ...)``) on an environment
whose image has the project installed.
"""

from isco_assets.pipes.heavy_step import main

if __name__ == "__main__":
    main()
