"""The API layer owns no tables; this module exists so post_migrate reaches ApiConfig."""
