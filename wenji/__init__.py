"""wenji (文集): Chinese web documents to SQL-ready DuckDB tables."""

__version__ = "0.1.0"
