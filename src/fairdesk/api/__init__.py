"""The REST API under /api/v1: routers from each domain package."""
