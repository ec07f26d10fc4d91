"""Build geopolitical-event annotation datasets from raw news articles."""

__version__ = "0.1.0"

SCHEMA_VERSION = "1.0.0"
"""Version of the annotation-file and Parquet record layouts (bump on any incompatible change)."""

METADATA_FIELDS = (
    "title",
    "outlet",
    "byline",
    "published_date",
    "modified_date",
    "canonical_url",
    "language",
)
"""Document metadata columns whose source is recorded (documents.parquet `metadata_sources`)."""
