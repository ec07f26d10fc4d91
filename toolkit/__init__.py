"""Build geopolitical-event annotation datasets from raw news articles."""

__version__ = "0.1.0"

SCHEMA_VERSION = "1.0.0"
"""Version of the annotation-file and Parquet record layouts (bump on any incompatible change)."""
