"""Delivery of built reports: the static site (``site``) and e-mail."""
