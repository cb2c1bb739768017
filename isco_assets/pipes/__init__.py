"""The heavy steps (embedding, clustering) as a Dagster Pipes program, run apart from the orchestrating process.

``heavy_step`` is the program (``python -m isco_assets.pipes.heavy_step``); ``tables`` moves its input and output
tables through a local folder or an Azure Blob container. The program talks to Dagster through ``dagster_pipes``;
its embed step builds the model from the run's ``EmbedderResource`` config, so both sides use the same model.
"""
