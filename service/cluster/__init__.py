"""Serving on a Ray cluster (``vnpolicy serve --ray``): the same app, N replicas behind one address.

- ``asgi.py``: one HTTP request as a plain message, run through the FastAPI app in-process;
- ``replica.py``: ``ApiReplica``, the app over one index version, read-only, swapped on ``reconfigure``;
- ``gateway.py``: ``Gateway``, the HTTP ingress: forwards to a replica and retries idempotent requests
  on another one when a replica dies before answering;
- ``limits.py``: the rate-limit buckets shared by every replica (a Ray actor), keyed on the real client;
- ``deploy.py``: the Serve application, and the driver loop that rolls a new index version out replica
  by replica.
"""
