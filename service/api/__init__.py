"""HTTP layer: dependencies and routers (one module per resource in ``routes/``)."""
