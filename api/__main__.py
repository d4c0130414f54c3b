"""``python -m api``: serve the API (see ``api.server.serve``)."""

from api.server import serve

if __name__ == "__main__":
    serve()
