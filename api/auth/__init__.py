"""Who is calling: passwords, signed access tokens and the FastAPI dependencies routes use.

Routes only ever see ``CurrentUser`` and ``require_role``; they never learn how a user signed
in, so single sign-on can be added behind them (docs/ACCOUNTS.md).
"""
