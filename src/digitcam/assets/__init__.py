"""Shipped models, their cards and the sample clip; registry.py names and checks them."""
