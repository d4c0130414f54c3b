"""Who is calling: passwords, signed access tokens and the FastAPI dependencies routes use.

The seam for single sign-on: an OIDC provider would verify its own ID token and map it to a
``User`` row with ``identity_provider``/``external_id`` (see ``bootstrap.find_or_create_external_user``),
then ``tokens.issue_access_token`` hands out the same short-lived tokens as password sign-in.
Routes only ever see ``CurrentUser`` and ``require_role``; they never learn how a user signed in.
"""
